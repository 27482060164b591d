import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { createDatabase, type DatabaseDriver, type DatabaseHandle } from "../client";
import { openTestDatabase, testDrivers } from "../testing/test-database";
import { parseKeyring } from "./keyring";
import { countRowsOnOldKeys, type RotationReport } from "./rotate";
import {
  dumpDatabase,
  lostKeys,
  randomKeyring,
  SecretWitness,
  seedKeys,
  testDatabaseUrl,
} from "./test-support";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const cliPath = join(repoRoot, "packages/db/src/rotate-cli.ts");

interface CliRun {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
}

/**
 * Starts `pnpm keys:rotate` as its own node process (no tsx wrapper process, so a signal reaches
 * the CLI itself). `onLine` sees each stdout line as it arrives.
 */
function startCli(
  args: string[],
  keys: string | undefined,
  onLine: (line: string, child: ChildProcess) => void = () => {},
): CliRun {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  delete env.PGLITE_DATA_DIR;
  delete env.ONBOARDING_ENCRYPTION_KEYS;
  if (keys) env.ONBOARDING_ENCRYPTION_KEYS = keys;

  const child = spawn(process.execPath, ["--import", "tsx", cliPath, ...args], {
    cwd: repoRoot,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let pending = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
    pending += chunk.toString("utf8");
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) onLine(line, child);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const done = new Promise<{
    code: number | null;
    signal: string | null;
    stdout: string;
    stderr: string;
  }>((resolveRun) =>
    child.on("exit", (code, signal) => resolveRun({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

/** Sends `signal` once the CLI reports its third batch. */
const signalAtBatch3 = (signal: NodeJS.Signals) => (line: string, child: ChildProcess) => {
  if (line.startsWith("batch 3:")) child.kill(signal);
};

describe("keys:rotate command", () => {
  it("documents every option and the owner role", async () => {
    const { code, stdout } = await startCli(["--help"], undefined).done;

    expect(code).toBe(0);
    for (const option of ["--dry-run", "--batch-size", "--database-url", "--data-dir", "--json"]) {
      expect(stdout, option).toContain(option);
    }
    expect(stdout).toContain("database owner");
    expect(stdout).toContain("ONBOARDING_ENCRYPTION_KEYS");
  });

  it("rejects a bad batch size with status 2", async () => {
    const { code, stderr } = await startCli(["--batch-size", "0"], undefined).done;

    expect(code).toBe(2);
    expect(stderr).toContain("--batch-size");
  });

  it("names the variable when the keyring is malformed", async () => {
    // The keyring is read before any connection, so nothing listens on this URL.
    const { code, stderr } = await startCli(
      ["--database-url", "postgres://postgres@127.0.0.1:9/unused"],
      "k1:not-a-key",
    ).done;

    expect(code).toBe(1);
    expect(stderr).toContain("ONBOARDING_ENCRYPTION_KEYS");
    expect(stderr).toContain("entry 1");
    expect(stderr).not.toContain("not-a-key");
  });

  it("rejects a missing data directory", async () => {
    const root = mkdtempSync(join(tmpdir(), "rotate-cli-"));
    const typo = join(root, "pglte");
    try {
      const run = await startCli(["--data-dir", typo], randomKeyring("k2", "k1").value).done;

      expect(run.code).toBe(1);
      expect(run.stderr).toContain(typo);
      expect(run.stderr).toContain("PGLITE_DATA_DIR");
      expect(run.stdout).not.toContain("may be retired");
      expect(existsSync(typo)).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("rejects an empty data directory", async () => {
    const root = mkdtempSync(join(tmpdir(), "rotate-cli-"));
    try {
      const run = await startCli(["--data-dir", root], randomKeyring("k2", "k1").value).done;

      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`${root} holds no database`);
      expect(existsSync(join(root, "PG_VERSION"))).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("explains a closed database port", async () => {
    const closed = createServer();
    await new Promise<void>((resolveListen) => closed.listen(0, "127.0.0.1", resolveListen));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolveClose) => closed.close(() => resolveClose()));

    const run = await startCli(
      ["--database-url", `postgres://postgres@127.0.0.1:${port}/onboarding`],
      randomKeyring("k2", "k1").value,
    ).done;

    expect(run.code).toBe(1);
    expect(run.stderr).toContain("refused the connection");
    expect(run.stderr).not.toContain("Failed query");
    expect(run.stderr).not.toContain("params");
  });
});

describe.each(testDrivers())("keys:rotate on %s", (driver: DatabaseDriver) => {
  const { value } = randomKeyring("k2", "k1");
  const [k2, k1] = value.split(",") as [string, string];
  const cleanups: (() => Promise<void> | void)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /**
   * A database the CLI can open while the test inspects it: on PostgreSQL one test database
   * shared by both; on PGlite a directory that only one process may hold, so `inspect` opens
   * and closes it around each look.
   */
  async function prepareDatabase() {
    if (driver === "postgres") {
      const handle = await openTestDatabase("postgres");
      cleanups.push(() => handle.close());
      const url = (await testDatabaseUrl(handle)) ?? "";
      return {
        args: ["--database-url", url],
        inspect: <T>(look: (handle: DatabaseHandle) => Promise<T>) => look(handle),
        dumpUrl: url,
      };
    }
    const root = mkdtempSync(join(tmpdir(), "rotate-cli-"));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const dataDir = join(root, "pglite");
    return {
      args: ["--data-dir", dataDir],
      inspect: async <T>(look: (handle: DatabaseHandle) => Promise<T>) => {
        const handle = await createDatabase({ dataDir });
        try {
          return await look(handle);
        } finally {
          await handle.close();
        }
      },
      dumpUrl: undefined,
    };
  }

  /** A database that exists but was never migrated (PGlite) or lost its api_keys table. */
  async function prepareUnmigratedDatabase() {
    if (driver === "postgres") {
      const handle = await openTestDatabase("postgres");
      cleanups.push(() => handle.close());
      await handle.db.execute(sql`DROP TABLE api_keys CASCADE`);
      return { args: ["--database-url", (await testDatabaseUrl(handle)) ?? ""] };
    }
    const root = mkdtempSync(join(tmpdir(), "rotate-cli-"));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const dataDir = join(root, "pglite");
    const handle = await createDatabase({ dataDir, migrate: false });
    await handle.close();
    return { args: ["--data-dir", dataDir] };
  }

  it("explains a database without api_keys", async () => {
    const database = await prepareUnmigratedDatabase();

    const run = await startCli(database.args, `${k2},${k1}`).done;

    expect(run.code).toBe(1);
    expect(run.stderr).toContain("run pnpm db:migrate");
    expect(run.stderr).not.toContain("Failed query");
    expect(run.stdout).not.toContain("may be retired");
  });

  it("loses no key when killed or interrupted mid-way", { timeout: 180_000 }, async () => {
    const database = await prepareDatabase();
    const witness = new SecretWitness();
    const seeded = await database.inspect((handle) =>
      seedKeys(handle, parseKeyring(k1), 600, witness),
    );
    const args = [...database.args, "--batch-size", "5"];

    const killed = await startCli(args, `${k2},${k1}`, signalAtBatch3("SIGKILL")).done;
    const afterKill = await database.inspect(async (handle) => ({
      lost: await lostKeys(handle, parseKeyring(`${k2},${k1}`), seeded),
      remaining: await countRowsOnOldKeys(handle.db, parseKeyring(`${k2},${k1}`)),
    }));
    const interrupted = await startCli(args, `${k2},${k1}`, signalAtBatch3("SIGINT")).done;
    const afterInterrupt = await database.inspect((handle) =>
      countRowsOnOldKeys(handle.db, parseKeyring(`${k2},${k1}`)),
    );
    const finished = await startCli([...args, "--json"], `${k2},${k1}`).done;
    const report = JSON.parse(finished.stdout) as RotationReport;
    const afterAll = await database.inspect(async (handle) => ({
      lost: await lostKeys(handle, parseKeyring(k2), seeded),
      dump: witness.leaksInDump(await dumpDatabase(handle, database.dumpUrl)),
    }));
    const rowsOnK1 = (remaining: { rows: number }[]) => remaining[0]?.rows ?? 0;

    expect(killed.signal).toBe("SIGKILL");
    expect(afterKill.lost).toEqual([]);
    expect(rowsOnK1(afterKill.remaining)).toBeGreaterThan(0);
    expect(rowsOnK1(afterKill.remaining)).toBeLessThanOrEqual(600 - 15);
    expect(interrupted.code).toBe(130);
    expect(interrupted.stdout).toContain("Run pnpm keys:rotate again to continue.");
    expect(rowsOnK1(afterInterrupt)).toBeGreaterThan(0);
    expect(rowsOnK1(afterInterrupt)).toBeLessThanOrEqual(rowsOnK1(afterKill.remaining) - 15);
    expect(finished.code).toBe(0);
    expect(report).toMatchObject({ interrupted: false, unreadable: 0, remaining: [] });
    expect(report.reencrypted).toBe(rowsOnK1(afterInterrupt));
    expect(afterAll.lost).toEqual([]);
    expect(afterAll.dump).toEqual([]);
    for (const run of [killed, interrupted, finished]) {
      expect(witness.leaksIn("CLI output", run.stdout + run.stderr)).toEqual([]);
    }
  });
});
