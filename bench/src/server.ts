import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { appDir, repoRoot } from "./paths";
import { progress, sleep } from "./progress";

const BUILD_ATTEMPTS = 3;

/**
 * Runs `pnpm build` (turbo reuses an unchanged build) with its output on this terminal. Next.js
 * refuses to build while another build of the same app runs, so a failure is retried twice.
 */
export async function buildApp(): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const child = spawn("pnpm", ["build"], { cwd: repoRoot, stdio: "inherit" });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    if (code === 0) return;
    if (attempt === BUILD_ATTEMPTS) {
      throw new Error(
        `pnpm build failed ${attempt} times, last with exit code ${code}; see above.`,
      );
    }
    progress(
      `  pnpm build failed with exit code ${code}; retrying in 30 s (attempt ${attempt + 1})`,
    );
    await sleep(30_000);
  }
}

const BUILD_ID_FILE = join(appDir, ".next/BUILD_ID");
const BUILD_WAIT_MS = 300_000;

/** Returns the id of the production build in apps/web/.next, or undefined without one. */
export function readBuildId(): string | undefined {
  try {
    return readFileSync(BUILD_ID_FILE, "utf8").trim();
  } catch {
    return undefined;
  }
}

/**
 * Waits until apps/web/.next contains a finished build. Other `next build` runs in the same tree
 * remove it while they work, so a missing build is waited for, up to five minutes.
 */
export async function waitForBuild(onWait: () => void): Promise<string> {
  const deadline = Date.now() + BUILD_WAIT_MS;
  let waited = false;
  for (;;) {
    const id = readBuildId();
    if (id) return id;
    if (Date.now() > deadline) {
      throw new Error(
        "apps/web has no production build; run without --no-build or run pnpm build.",
      );
    }
    if (!waited) onWait();
    waited = true;
    await sleep(2_000);
  }
}

/** Finds a free loopback port by letting the kernel pick one. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("Reading the probe port failed."));
      });
    });
  });
}

export interface AppServer {
  baseUrl: string;
  /** The launcher, started as `node --import tsx apps/web/scripts/start.ts`. */
  launcherPid: number;
  /** The server process that the launcher spawned (scripts/server.mjs, running Next.js). */
  serverPid: number;
  /** The last 64 KiB of the server's output. */
  output(): string;
  stop(): Promise<void>;
}

export interface ServerEnv {
  DATABASE_URL: string;
  AUTH_SECRET: string;
  ONBOARDING_ENCRYPTION_KEYS: string;
  /** Extra Node.js flags for the launcher and the server, such as a --require preload. */
  NODE_OPTIONS?: string;
  /** Directory for the CPU profiler preload's profile. */
  BENCH_CPU_PROFILE_DIR?: string;
}

const OUTPUT_LIMIT = 64 * 1024;
const START_TIMEOUT_MS = 120_000;

/** Pids of the process's children, read from /proc (Linux only). */
function childPids(pid: number): number[] {
  const children: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return children;
  }
  for (const task of tasks) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
      if (text) children.push(...text.split(/\s+/).map(Number));
    } catch {
      // The thread ended while it was being read.
    }
  }
  return children;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/** Finds the server below the launcher: the descendant that titles itself onboarding-server. */
function findServerProcess(launcherPid: number): number | undefined {
  const queue = childPids(launcherPid);
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    const line = commandLine(pid);
    if (line.includes("onboarding-server")) return pid;
    queue.push(...childPids(pid));
  }
  return undefined;
}

/**
 * Starts the production server through the same launcher as `pnpm start`, on a free loopback
 * port, and waits until /api/ready returns 200.
 */
export async function startAppServer(env: ServerEnv): Promise<AppServer> {
  await waitForBuild(() => progress("  waiting for another next build to finish"));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  let output = "";
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: appDir,
    env: {
      ...process.env,
      ...env,
      PORT: String(port),
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      NEXT_TELEMETRY_DISABLED: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const launcherPid = child.pid;
  if (launcherPid === undefined) throw new Error("Starting the server launcher failed.");

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`The server exited during start-up:\n${output}`);
    try {
      const response = await fetch(`${baseUrl}/api/ready`);
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`The server was not ready within ${START_TIMEOUT_MS / 1000} s:\n${output}`);
    }
    await sleep(250);
  }

  const serverPid = findServerProcess(launcherPid);
  if (serverPid === undefined) {
    child.kill("SIGTERM");
    throw new Error(`The server process below launcher ${launcherPid} was not found.`);
  }

  return {
    baseUrl,
    launcherPid,
    serverPid,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(timer);
      // The launcher exits with its child; wait until the server's pid is gone too.
      for (let attempt = 0; attempt < 100 && existsSync(`/proc/${serverPid}`); attempt++) {
        await sleep(100);
      }
    },
  };
}
