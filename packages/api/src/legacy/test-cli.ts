// Runs the import command as operators do, in a child process (node --import tsx), for the CLI
// tests. Every output is kept, so each test file can check that no key was printed.

import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { DatabaseHandle } from "@onboarding/db";
import { REPO_ROOT } from "./settings";
import { findPlaintext, rawRows } from "./test-database-helpers";
import { type FixtureKeys, fixtureKeys } from "./test-fixtures";

const run = promisify(execFile);
const CLI = join(REPO_ROOT, "packages/api/src/legacy/import-cli.ts");
export const FILE_NAME = ".onboarding_progress_7.json";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Every key a test wrote into a file, and every output of the command, for the leak check. */
const writtenKeys: FixtureKeys[] = [];
const outputs: string[] = [];

export function newKeys(): FixtureKeys {
  const keys = fixtureKeys();
  writtenKeys.push(keys);
  return keys;
}

export async function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  const baseEnv = { ...process.env };
  for (const name of ["DATABASE_URL", "ONBOARDING_ENCRYPTION_KEYS", "PGLITE_DATA_DIR"]) {
    delete baseEnv[name];
  }
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", CLI, ...args], {
      cwd: REPO_ROOT,
      env: { ...baseEnv, ONBOARDING_REQUIRED_PROVIDERS: "gemini,exa", ...env },
      timeout: 120_000,
    });
    outputs.push(stdout, stderr);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== "number") throw error;
    outputs.push(failed.stdout ?? "", failed.stderr ?? "");
    return { code: failed.code, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

/** Makes every insert into legacy_imports fail: the import's last write, after all others. */
export async function rejectImports(handle: DatabaseHandle): Promise<void> {
  await rawRows(
    handle,
    `CREATE FUNCTION reject_import() RETURNS trigger LANGUAGE plpgsql AS
     $$ BEGIN RAISE EXCEPTION 'imports are switched off'; END $$`,
  );
  await rawRows(
    handle,
    `CREATE TRIGGER reject_import BEFORE INSERT ON legacy_imports
     FOR EACH ROW EXECUTE FUNCTION reject_import()`,
  );
}

export const backupsIn = (dir: string) => readdirSync(dir).filter((name) => name.endsWith(".bak"));

/** Describes every key written by newKeys that any output so far contains. */
export function keysInOutputs(): string[] {
  const text = outputs.join("\n");
  return writtenKeys.flatMap((keys) => findPlaintext(text, keys));
}
