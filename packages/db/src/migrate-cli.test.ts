import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const cliPath = join(repoRoot, "packages/db/src/migrate-cli.ts");

/** Runs `pnpm db:migrate` as its own node process and returns its exit code and output. */
async function runMigrate(args: string[], env: Record<string, string> = {}) {
  const baseEnv = { ...process.env };
  delete baseEnv.DATABASE_URL;
  delete baseEnv.PGLITE_DATA_DIR;
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", cliPath, ...args], {
      cwd: repoRoot,
      env: { ...baseEnv, ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== "number") throw error;
    return { code: failed.code, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

describe("migrate command", () => {
  const dir = mkdtempSync(join(tmpdir(), "migrate-cli-"));

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("applies migrations once", async () => {
    const dataDir = join(dir, "pglite");

    const first = await runMigrate(["--data-dir", dataDir]);
    const second = await runMigrate(["--", "--data-dir", dataDir]);

    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Applied \d+ migrations; the database is up to date\./);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("Nothing to apply");
  });

  it("rejects an unknown option", async () => {
    const result = await runMigrate(["--bogus"]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("db:migrate: Unknown option '--bogus'. See --help.");
  });

  it("explains a refused connection", async () => {
    // Port 1 on loopback has no listener, so the connection is refused at once.
    const result = await runMigrate([], {
      DATABASE_URL: "postgres://someone:hunter2-secret@127.0.0.1:1/onboarding",
    });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("connect ECONNREFUSED 127.0.0.1:1");
    expect(result.stderr).toContain("refused the connection; check the host and port");
    expect(`${result.stdout}${result.stderr}`).not.toContain("hunter2-secret");
  });
});
