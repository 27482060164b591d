import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createOnboardingClient, signInWithPassword } from "@onboarding/api/client";
import { describe, expect, it } from "vitest";
import { appDir, childEnvironment, childPid, startServer } from "./support/server";

const VALID_KEYRING = `k1:${Buffer.alloc(32, 9).toString("base64")}`;

/**
 * Sends one GET and returns the status, "refused" when nothing accepts the connection, or the
 * error code of a request that was cut off.
 */
function getStatus(url: string, agent: Agent, cookie: string): Promise<number | string> {
  return new Promise((resolve) => {
    const request = httpRequest(url, { agent, headers: { cookie } }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
      response.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    request.on("error", (error: NodeJS.ErrnoException) =>
      resolve(error.code === "ECONNREFUSED" ? "refused" : (error.code ?? error.message)),
    );
    request.end();
  });
}

/** Registers a user on a running server and returns its session cookie. */
async function signedInCookie(baseUrl: string, name: string): Promise<string> {
  const email = `${name}-${Date.now()}@example.test`;
  const password = "correct horse battery staple";
  await createOnboardingClient({ baseUrl }).auth.register.mutate({ email, password });
  return signInWithPassword({ baseUrl, email, password });
}

/** Runs the launcher and returns its exit status and output; it must stop before serving. */
function runLauncher(args: string[], env: Record<string, string | undefined>) {
  const cleanEnv = { ...process.env };
  delete cleanEnv.AUTH_SECRET;
  delete cleanEnv.ONBOARDING_ENCRYPTION_KEYS;
  delete cleanEnv.DATABASE_URL;
  const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/start.ts", ...args], {
    cwd: appDir,
    env: { ...cleanEnv, ...env, PORT: "1" },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("start-up launcher", () => {
  it("prints help", () => {
    const result = runLauncher(["--help"], {});

    expect(result.status).toBe(0);
    expect(result.output).toContain("ONBOARDING_ENCRYPTION_KEYS");
  });

  it("rejects an unknown option", () => {
    const result = runLauncher(["--bogus"], {});

    expect(result.status).toBe(1);
    expect(result.output).toContain('unknown option "--bogus"');
  });

  it("requires AUTH_SECRET with DATABASE_URL", () => {
    const result = runLauncher([], {
      DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
      ONBOARDING_ENCRYPTION_KEYS: VALID_KEYRING,
    });

    expect(result.status).toBe(1);
    expect(result.output).toContain("AUTH_SECRET is missing");
  });

  it("requires encryption keys with DATABASE_URL", () => {
    const result = runLauncher([], {
      DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
      AUTH_SECRET: "a-secret-for-this-test-0123456789abcdef",
    });

    expect(result.status).toBe(1);
    expect(result.output).toContain("ONBOARDING_ENCRYPTION_KEYS is missing");
  });

  it("rejects a malformed keyring without echoing it", () => {
    const secretPart = "c2hvcnQta2V5LXRoYXQtbXVzdC1ub3QtbGVhaw==";
    const result = runLauncher([], {
      DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
      AUTH_SECRET: "a-secret-for-this-test-0123456789abcdef",
      ONBOARDING_ENCRYPTION_KEYS: `k1:${secretPart}`,
    });

    expect(result.status).toBe(1);
    expect(result.output).toContain("entry 1 of ONBOARDING_ENCRYPTION_KEYS");
    expect(result.output).not.toContain(secretPart);
  });

  it("rejects a short AUTH_SECRET", () => {
    const result = runLauncher([], {
      DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
      AUTH_SECRET: "x",
      ONBOARDING_ENCRYPTION_KEYS: VALID_KEYRING,
    });

    expect(result.status).toBe(1);
    expect(result.output).toContain("AUTH_SECRET is too short");
  });

  it("rejects a broken secrets file quietly", () => {
    const dir = mkdtempSync(join(tmpdir(), "onboarding-secrets-"));
    const masterKey = Buffer.alloc(32, 4).toString("base64");
    try {
      writeFileSync(
        join(dir, "dev-secrets.json"),
        `{"AUTH_SECRET": "abc" "ONBOARDING_ENCRYPTION_KEYS": "dev1:${masterKey}"}`,
      );

      const result = runLauncher([], { PGLITE_DATA_DIR: join(dir, "pglite") });

      expect(result.status).toBe(1);
      expect(result.output).toContain("dev-secrets.json is not valid");
      expect(result.output).not.toContain(masterKey);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("limits the production server's V8 heap", async () => {
    const dir = mkdtempSync(join(tmpdir(), "onboarding-heap-"));
    try {
      const server = await startServer({ PGLITE_DATA_DIR: join(dir, "pglite"), NODE_OPTIONS: "" });
      const serverEnv = childEnvironment(server.launcherPid);
      await server.stop();

      expect(serverEnv.NODE_OPTIONS).toBe("--max-old-space-size=256");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(["--max-old-space-size=384", "--max_old_space_size=384"])(
    "keeps the heap limit %s",
    async (flag) => {
      const dir = mkdtempSync(join(tmpdir(), "onboarding-heap-"));
      try {
        const server = await startServer({
          PGLITE_DATA_DIR: join(dir, "pglite"),
          NODE_OPTIONS: flag,
        });
        const serverEnv = childEnvironment(server.launcherPid);
        await server.stop();

        expect(serverEnv.NODE_OPTIONS).toBe(flag);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it("finishes a request in progress on SIGTERM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "onboarding-stop-"));
    try {
      const server = await startServer({ PGLITE_DATA_DIR: join(dir, "pglite") });
      const cookie = await signedInCookie(server.baseUrl, "stop");
      const url = new URL(`${server.baseUrl}/api/trpc/onboarding.saveStep`);
      const request = httpRequest(url, {
        method: "POST",
        headers: { "content-type": "application/json", cookie, "transfer-encoding": "chunked" },
      });
      const status = new Promise<number>((resolve, reject) => {
        request.on("response", (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        request.on("error", reject);
      });

      // The server has the start of the body when the signal arrives and the rest after it.
      request.write('{"json":{"stepNumber":2,');
      await new Promise((resolveWait) => setTimeout(resolveWait, 200));
      process.kill(server.launcherPid, "SIGTERM");
      await new Promise((resolveWait) => setTimeout(resolveWait, 500));
      // A new connection; requests on connections opened before the signal are still served.
      const lateRequest = getStatus(`${server.baseUrl}/api/health`, new Agent(), cookie);
      request.end('"draft":{}}}');
      await server.stop();

      // The save needs the database, so it must stay open until the last request is done.
      expect(await status).toBe(200);
      expect(await lateRequest).toBe("refused");
      // 143 is 128 + SIGTERM: the server closed itself; a kill after the grace time gives null.
      expect(server.exitCode()).toBe(143);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("drains busy keep-alive connections on SIGTERM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "onboarding-drain-"));
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    try {
      const server = await startServer({ PGLITE_DATA_DIR: join(dir, "pglite") });
      const cookie = await signedInCookie(server.baseUrl, "drain");
      const url = `${server.baseUrl}/api/trpc/onboarding.getProgress`;
      const outcomes = { answered: 0, afterSignal: 0, refused: 0, cut: [] as string[] };
      let signalled = false;

      // Eight clients send requests back to back until the server no longer accepts them.
      const client = async () => {
        for (;;) {
          const status = await getStatus(url, agent, cookie);
          if (status === "refused") {
            outcomes.refused += 1;
            return;
          }
          if (typeof status === "string") {
            outcomes.cut.push(status);
            return;
          }
          outcomes.answered += 1;
          if (signalled) outcomes.afterSignal += 1;
        }
      };
      const clients = Array.from({ length: 8 }, () => client());
      await new Promise((resolveWait) => setTimeout(resolveWait, 1_000));
      signalled = true;
      process.kill(server.launcherPid, "SIGTERM");
      await Promise.all(clients);
      await server.stop();

      expect(outcomes.cut).toEqual([]);
      expect(outcomes.answered).toBeGreaterThan(0);
      expect(outcomes.refused).toBe(8);
      expect(server.exitCode()).toBe(143);
    } finally {
      agent.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports a killed server as a failure", async () => {
    const dir = mkdtempSync(join(tmpdir(), "onboarding-kill-"));
    try {
      const server = await startServer({ PGLITE_DATA_DIR: join(dir, "pglite") });
      process.kill(childPid(server.launcherPid), "SIGKILL");
      await server.stop();

      // 137 is 128 + SIGKILL, as a shell reports it.
      expect(server.exitCode()).toBe(137);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("generates development secrets with mode 0600", async () => {
    const dir = mkdtempSync(join(tmpdir(), "onboarding-start-"));
    const cleanEnv: Record<string, string> = { PGLITE_DATA_DIR: join(dir, "pglite") };
    const saved = { auth: process.env.AUTH_SECRET, keys: process.env.ONBOARDING_ENCRYPTION_KEYS };
    delete process.env.AUTH_SECRET;
    delete process.env.ONBOARDING_ENCRYPTION_KEYS;
    try {
      const server = await startServer(cleanEnv);
      await server.stop();
      const secretsPath = join(dir, "dev-secrets.json");
      const secrets = JSON.parse(readFileSync(secretsPath, "utf8"));

      expect(statSync(secretsPath).mode & 0o777).toBe(0o600);
      expect(secrets.AUTH_SECRET.length).toBeGreaterThanOrEqual(32);
      expect(secrets.ONBOARDING_ENCRYPTION_KEYS).toMatch(/^dev1:/);
      expect(server.output()).toContain(`generated a development AUTH_SECRET`);
      expect(server.output()).not.toContain(secrets.AUTH_SECRET);
    } finally {
      if (saved.auth) process.env.AUTH_SECRET = saved.auth;
      if (saved.keys) process.env.ONBOARDING_ENCRYPTION_KEYS = saved.keys;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
