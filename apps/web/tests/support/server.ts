import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";

export const appDir = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Finds a free loopback port by letting the kernel pick one. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => {
        if (address && typeof address === "object") resolvePort(address.port);
        else reject(new Error("Could not read the probe's port."));
      });
    });
  });
}

export interface RunningServer {
  baseUrl: string;
  /** Process id of the launcher; the Next.js server is its child. */
  launcherPid: number;
  output: () => string;
  /** The launcher's exit code once it has exited: the server's, or null after a kill. */
  exitCode: () => number | null;
  stop: () => Promise<void>;
}

/**
 * Starts the production server through the same launcher as `pnpm start` and waits until it
 * serves the sign-in page. The build must exist; `pnpm test` builds it first.
 */
export async function startServer(env: Record<string, string>): Promise<RunningServer> {
  if (!existsSync(join(appDir, ".next/BUILD_ID"))) {
    throw new Error("apps/web has no production build; run `pnpm build` before these tests.");
  }

  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  let output = "";
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: appDir,
    env: { ...process.env, ...env, PORT: String(port), LOG_LEVEL: "warn", NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));

  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`The server exited during start-up:\n${output}`);
    try {
      const response = await fetch(`${baseUrl}/sign-in`);
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`The server did not become ready within 90 s:\n${output}`);
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }

  return {
    baseUrl,
    launcherPid: child.pid ?? 0,
    output: () => output,
    exitCode: () => child.exitCode,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A fresh PostgreSQL database for one test file, dropped again by `drop()`. */
export async function createScratchDatabase(baseUrl: string) {
  const name = `onboarding_web_${randomBytes(5).toString("hex")}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE "${name}"`);
  await admin.end();

  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const dropper = postgres(baseUrl, { max: 1, onnotice: () => {} });
      await dropper.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await dropper.end();
    },
  };
}

/** Returns the id of a running process's child, read from /proc (Linux only). */
export function childPid(parentPid: number): number {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // The process ended while the list was read.
    }
    // The command name in parentheses may hold spaces; the parent id is the second field after it.
    const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (parent === parentPid) return Number(entry);
  }
  throw new Error(`Process ${parentPid} has no child process.`);
}

/** Reads the environment of a running process's child from /proc (Linux only). */
export function childEnvironment(parentPid: number): Record<string, string> {
  const pairs = readFileSync(`/proc/${childPid(parentPid)}/environ`, "utf8")
    .split("\0")
    .filter(Boolean);
  return Object.fromEntries(
    pairs.map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
  );
}
