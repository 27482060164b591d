// Runs `pnpm db:import-legacy` in a child process against a scratch PostgreSQL database, with
// the keyring in ONBOARDING_ENCRYPTION_KEYS as in production. Runs only with TEST_DATABASE_URL.

import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseHandle } from "@onboarding/db";
import { createTestUser, openTestDatabase } from "@onboarding/db/testing";
import { parseKeyring, useApiKey } from "@onboarding/db/vault";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FILE_NAME, keysInOutputs, newKeys, rejectImports, runCli } from "./test-cli";
import { allRowsAsText, findPlaintext, rawRows, rowCounts } from "./test-database-helpers";
import { completeLegacyFile, writeLegacyFile } from "./test-fixtures";

afterEach(() => {
  expect(keysInOutputs()).toEqual([]);
});

describe.runIf(process.env.TEST_DATABASE_URL)("import command on postgres", () => {
  const keyringValue = `pg1:${randomBytes(32).toString("base64")}`;
  let handle: DatabaseHandle;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    handle = await openTestDatabase("postgres");
    const [row] = await rawRows<{ name: string }>(handle, "SELECT current_database() AS name");
    const url = new URL(process.env.TEST_DATABASE_URL ?? "");
    url.pathname = `/${row?.name ?? ""}`;
    dir = mkdtempSync(join(tmpdir(), "legacy-cli-pg-"));
    env = { DATABASE_URL: url.toString(), ONBOARDING_ENCRYPTION_KEYS: keyringValue, INIT_CWD: dir };
  });

  afterAll(async () => {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("imports into PostgreSQL", async () => {
    const user = await createTestUser(handle, "pg");
    const keys = newKeys();
    writeLegacyFile(dir, FILE_NAME, completeLegacyFile(keys));

    const result = await runCli(["--file", FILE_NAME, "--user-email", user.email], env);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Importing into the postgres database");
    const stored = await useApiKey(handle.db, parseKeyring(keyringValue), {
      userId: user.id,
      provider: "exa",
      purpose: "test",
    });
    expect(stored).toBe(keys.exa);
    expect(findPlaintext(await allRowsAsText(handle), keys)).toEqual([]);
  });

  it("rolls back on PostgreSQL", async () => {
    const user = await createTestUser(handle, "pg");
    const path = writeLegacyFile(dir, ".onboarding_progress_8.json", completeLegacyFile(newKeys()));
    await rejectImports(handle);
    const before = await rowCounts(handle);

    const args = ["--file", ".onboarding_progress_8.json", "--user-email", user.email];
    const result = await runCli(args, env);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("imports are switched off");
    expect(existsSync(path)).toBe(true);
    expect(await rowCounts(handle)).toEqual(before);
  });
});
