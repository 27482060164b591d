import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDatabase } from "./client";
import { acquireDataDirLock, DatabaseLockedError, lockPathFor } from "./pglite-lock";

describe("embedded database lock", () => {
  let dir: string;
  let dataDir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "onboarding-lock-"));
    dataDir = join(dir, "pglite");
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("rejects a second process at once", async () => {
    // A separate Node process takes the lock and keeps it until it is killed.
    const holder = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "-e",
        `import("./src/pglite-lock.ts").then(({ acquireDataDirLock }) => {
           acquireDataDirLock(${JSON.stringify(dataDir)});
           console.log("locked");
           setInterval(() => {}, 1000);
         });`,
      ],
      { cwd: join(__dirname, ".."), stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve) => holder.stdout?.once("data", () => resolve()));

    try {
      const started = Date.now();
      const attempt = createDatabase({ dataDir });

      await expect(attempt).rejects.toBeInstanceOf(DatabaseLockedError);
      await expect(attempt).rejects.toThrow(dataDir);
      await expect(attempt).rejects.toThrow(`process ${holder.pid}`);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      holder.kill("SIGKILL");
    }
  });

  it("takes over a lock left by a dead process", () => {
    writeFileSync(
      lockPathFor(dataDir),
      JSON.stringify({ pid: 2 ** 22 + 17, hostname: hostname(), command: "gone", since: "" }),
    );

    const release = acquireDataDirLock(dataDir);

    expect(existsSync(lockPathFor(dataDir))).toBe(true);
    release();
    expect(existsSync(lockPathFor(dataDir))).toBe(false);
  });

  it("releases the lock on close", async () => {
    const first = await createDatabase({ dataDir });
    await first.close();

    const second = await createDatabase({ dataDir });
    await second.close();

    expect(existsSync(lockPathFor(dataDir))).toBe(false);
  });
});
