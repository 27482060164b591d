// Runs `pnpm db:import-legacy` in a child process against a copy of a prepared PGlite directory,
// with the development keyring beside it as `pnpm start` writes it. Every line the command
// prints is checked for the keys after each test.

import { randomBytes } from "node:crypto";
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDatabase, type DatabaseHandle } from "@onboarding/db";
import { findUserCredentials, saveStepData } from "@onboarding/db/repositories";
import { createTestUser } from "@onboarding/db/testing";
import { parseKeyring, useApiKey } from "@onboarding/db/vault";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { backupsIn, FILE_NAME, keysInOutputs, newKeys, rejectImports, runCli } from "./test-cli";
import { allRowsAsText, findPlaintext, rowCounts } from "./test-database-helpers";
import { completeLegacyFile, legacyStep, writeLegacyFile } from "./test-fixtures";

afterEach(() => {
  expect(keysInOutputs()).toEqual([]);
});

describe("import command on pglite", () => {
  const devKeyring = `dev1:${randomBytes(32).toString("base64")}`;
  let template: string;
  let templateCounts: Record<string, number>;
  const scratch: string[] = [];

  beforeAll(async () => {
    template = mkdtempSync(join(tmpdir(), "legacy-cli-template-"));
    const handle = await createDatabase({ dataDir: join(template, "pglite") });
    try {
      const ada = await createTestUser(handle, "ada");
      const bob = await createTestUser(handle, "bob");
      const carol = await createTestUser(handle, "carol");
      await saveStepData(handle.db, {
        userId: bob.id,
        stepNumber: 2,
        draft: { websiteUrl: "b.io" },
      });
      const emails = { ada: ada.email, bob: bob.email, carol: carol.email };
      writeFileSync(join(template, "emails.json"), JSON.stringify(emails));
      templateCounts = await rowCounts(handle);
    } finally {
      await handle.close();
    }
  });

  afterAll(() => {
    for (const dir of [template, ...scratch]) rmSync(dir, { recursive: true, force: true });
  });

  /** Copies the prepared database and puts dev-secrets.json beside it, as `pnpm start` would. */
  function workspace() {
    const dir = mkdtempSync(join(tmpdir(), "legacy-cli-"));
    scratch.push(dir);
    cpSync(join(template, "pglite"), join(dir, "pglite"), { recursive: true });
    writeFileSync(
      join(dir, "dev-secrets.json"),
      JSON.stringify({ ONBOARDING_ENCRYPTION_KEYS: devKeyring }),
      { mode: 0o600 },
    );
    const emails = JSON.parse(readFileSync(join(template, "emails.json"), "utf8")) as {
      ada: string;
      bob: string;
      carol: string;
    };
    const env = { PGLITE_DATA_DIR: join(dir, "pglite"), INIT_CWD: dir };
    return { dir, env, ...emails };
  }

  async function withDatabase<T>(dir: string, work: (handle: DatabaseHandle) => Promise<T>) {
    const handle = await createDatabase({ dataDir: join(dir, "pglite") });
    try {
      return await work(handle);
    } finally {
      await handle.close();
    }
  }

  it("help describes every option", async () => {
    const result = await runCli(["--help"], {});

    expect(result.code).toBe(0);
    for (const option of ["--file", "--user-email", "--dir", "--map", "--dry-run", "--keep-file"]) {
      expect(result.stdout).toContain(option);
    }
    expect(result.stdout).toContain("--source-timezone ZONE");
    expect(result.stdout).toContain("does not switch to the row-level-security role");
  });

  it("dry run, import, then skip", async () => {
    const { dir, env, ada } = workspace();
    const keys = newKeys();
    const path = writeLegacyFile(dir, FILE_NAME, completeLegacyFile(keys));
    const bytes = readFileSync(path);
    const modified = statSync(path).mtimeMs;
    const args = ["--file", FILE_NAME, "--user-email", ada];

    const dryRun = await runCli([...args, "--dry-run", "--source-timezone", "Europe/Berlin"], env);

    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toContain(`${FILE_NAME}: dry run for ${ada}, nothing written`);
    expect(dryRun.stdout).toContain("started 2025-10-03T15:29:12.878Z");
    expect(statSync(path).mtimeMs).toBe(modified);
    expect(backupsIn(dir)).toEqual([]);

    // The real run is refused if the dry run left any progress behind.
    const first = await runCli(args, env);

    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`${FILE_NAME}: imported for ${ada}`);
    expect(existsSync(path)).toBe(false);
    const [backup] = backupsIn(dir);
    expect(backup).toMatch(/^\.onboarding_progress_7\.json\.imported-\d{8}T\d{6}\.\d{3}Z\.bak$/);
    expect(statSync(join(dir, backup ?? "")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, backup ?? ""))).toEqual(bytes);

    copyFileSync(join(dir, backup ?? ""), path);
    const second = await runCli(args, env);

    expect(second.code).toBe(0);
    expect(second.stdout).toContain("already imported");
    expect(existsSync(path)).toBe(true);
    await withDatabase(dir, async (handle) => {
      const user = await findUserCredentials(handle.db, { email: ada });
      const stored = await useApiKey(handle.db, parseKeyring(devKeyring), {
        userId: user?.id ?? "",
        provider: "gemini",
        purpose: "test",
      });
      expect(stored).toBe(keys.gemini);
      expect(findPlaintext(await allRowsAsText(handle), keys)).toEqual([]);
    });
  });

  it("rejects malformed files unchanged", async () => {
    const { dir, env, ada } = workspace();
    const valid = JSON.stringify(completeLegacyFile(newKeys()), null, 2);
    const wrongType = completeLegacyFile(newKeys());
    (wrongType.steps as Record<string, unknown>[])[2] = {
      ...legacyStep(3, "pending", {}),
      status: 5,
    };
    const files: Record<string, string> = {
      empty: "",
      truncated: valid.slice(0, 700),
      comma: valid.replace(/\n}$/, ",\n}"),
      type: JSON.stringify(wrongType),
    };
    for (const [id, text] of Object.entries(files)) {
      writeFileSync(join(dir, `.onboarding_progress_${id}.json`), text);
    }
    const mapping = Object.fromEntries(Object.keys(files).map((id) => [id, ada]));
    writeFileSync(join(dir, "map.json"), JSON.stringify(mapping));

    const result = await runCli(["--dir", ".", "--map", "map.json"], env);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(".onboarding_progress_empty.json: the file is empty");
    expect(result.stderr).toMatch(/\.onboarding_progress_truncated\.json at line \d+, column \d+/);
    expect(result.stderr).toMatch(/\.onboarding_progress_comma\.json at line \d+, column 1: /);
    expect(result.stderr).toContain(".onboarding_progress_type.json at steps[2].status");
    expect(result.stdout).toContain("0 of 4 file(s) succeeded");
    for (const [id, text] of Object.entries(files)) {
      expect(readFileSync(join(dir, `.onboarding_progress_${id}.json`), "utf8")).toBe(text);
    }
    expect(backupsIn(dir)).toEqual([]);
    expect(await withDatabase(dir, rowCounts)).toEqual(templateCounts);
  });

  it("needs --overwrite for existing progress", async () => {
    const { dir, env, bob } = workspace();
    const path = writeLegacyFile(dir, FILE_NAME, completeLegacyFile(newKeys()));

    const refused = await runCli(["--file", FILE_NAME, "--user-email", bob], env);

    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("step 2 has a draft");
    expect(refused.stderr).toContain("--overwrite");
    expect(existsSync(path)).toBe(true);

    const args = ["--file", FILE_NAME, "--user-email", bob, "--overwrite", "--keep-file"];
    const replaced = await runCli(args, env);

    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toContain("Replaced existing progress");
    expect(existsSync(path)).toBe(true);
    expect(backupsIn(dir)).toEqual([]);
  });

  it("directory mode reports each file", async () => {
    const { dir, env, ada, bob, carol } = workspace();
    const withBom = `\uFEFF${JSON.stringify(completeLegacyFile(newKeys()))}`;
    writeFileSync(join(dir, ".onboarding_progress_1.json"), withBom);
    writeLegacyFile(dir, ".onboarding_progress_2.json", completeLegacyFile(newKeys()));
    writeLegacyFile(dir, ".onboarding_progress.json", completeLegacyFile(newKeys()));
    writeLegacyFile(dir, ".onboarding_progress_3.json", completeLegacyFile(newKeys()));
    const mapping = { 1: ada, 3: "nobody@example.test", 9: bob };
    writeFileSync(join(dir, "map.json"), JSON.stringify(mapping));

    const result = await runCli(
      ["--dir", ".", "--map", "map.json", "--user-email", carol, "--keep-file"],
      env,
    );

    expect(result.code).toBe(1);
    expect(result.stdout).toContain("[1/4] .onboarding_progress.json");
    expect(result.stdout).toContain(`.onboarding_progress.json: imported for ${carol}`);
    expect(result.stdout).toContain("[2/4] .onboarding_progress_1.json");
    expect(result.stdout).toContain(`.onboarding_progress_1.json: imported for ${ada}`);
    expect(result.stderr).toContain('no email for legacy id "2"');
    expect(result.stderr).toMatch(/No account exists for nobody@example\.test\. .*register first/);
    expect(result.stdout).toContain('Mapping entry "9" has no file');
    expect(result.stdout).toContain("2 of 4 file(s) succeeded");
    expect(existsSync(join(dir, ".onboarding_progress_3.json"))).toBe(true);
  });

  it("bad database URL stops before importing", async () => {
    const { dir, ada } = workspace();
    const path = writeLegacyFile(dir, FILE_NAME, completeLegacyFile(newKeys()));

    const result = await runCli(["--file", FILE_NAME, "--user-email", ada], {
      INIT_CWD: dir,
      DATABASE_URL: "mysql://someone@db.example/onboarding",
    });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Import failed: DATABASE_URL is not a valid URL");
    expect(result.stderr).not.toContain("rolled back");
    expect(existsSync(path)).toBe(true);
  });

  it("failed write leaves everything", async () => {
    const { dir, env, ada } = workspace();
    const path = writeLegacyFile(dir, FILE_NAME, completeLegacyFile(newKeys()));
    await withDatabase(dir, async (handle) => {
      await rejectImports(handle);
    });

    const result = await runCli(["--file", FILE_NAME, "--user-email", ada], env);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("rolled back");
    expect(existsSync(path)).toBe(true);
    expect(backupsIn(dir)).toEqual([]);
    expect(await withDatabase(dir, rowCounts)).toEqual(templateCounts);
  });
});
