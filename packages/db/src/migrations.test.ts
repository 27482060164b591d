import { execFile } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDatabase, defaultMigrationsFolder } from "./client";
import { queryRows } from "./sql-rows";

const run = promisify(execFile);

const packageRoot = fileURLToPath(new URL("../", import.meta.url));
const repositoryRoot = join(packageRoot, "..", "..");
const drizzleKit = join(repositoryRoot, "node_modules", ".bin", "drizzle-kit");
const schemaFolder = join(packageRoot, "src", "schema");
const migrationsFolder = defaultMigrationsFolder();

interface JournalEntry {
  idx: number;
  tag: string;
  when: number;
}

function readJournal(folder: string): JournalEntry[] {
  const journal = JSON.parse(readFileSync(join(folder, "meta", "_journal.json"), "utf8")) as {
    entries: JournalEntry[];
  };
  return journal.entries;
}

function sqlFilesIn(folder: string): string[] {
  return readdirSync(folder)
    .filter((name) => name.endsWith(".sql"))
    .sort();
}

/**
 * Lists every way the migration journal and the SQL files disagree. The drizzle-orm 0.45 migrator
 * reads only the files the journal names, in journal order, and skips an entry whose `when` is not
 * later than the newest applied one. So an orphan file or an out-of-order date would leave
 * databases without that migration, and a missing file stops every migration run.
 */
function journalProblems(folder: string): string[] {
  const entries = readJournal(folder);
  const files = sqlFilesIn(folder);
  const tags = new Set(entries.map((entry) => entry.tag));
  const problems: string[] = [];

  for (const entry of entries) {
    if (!files.includes(`${entry.tag}.sql`)) problems.push(`${entry.tag}.sql is missing`);
  }
  for (const file of files) {
    if (!tags.has(file.replace(/\.sql$/, ""))) problems.push(`${file} has no journal entry`);
  }
  entries.forEach((entry, position) => {
    if (entry.idx !== position) problems.push(`${entry.tag} has idx ${entry.idx}, not ${position}`);
    const previous = entries[position - 1];
    if (previous && entry.when <= previous.when) {
      problems.push(`${entry.tag} is not dated after ${previous.tag}`);
    }
  });
  return problems;
}

/**
 * Runs `drizzle-kit generate` against a copy of the migrations in `workDir/out` and returns the
 * SQL files it added. drizzle-kit exits with status 0 even when it fails, so its output is
 * returned for the caller to check.
 */
async function generateMigrations(
  workDir: string,
  schemaPath: string,
): Promise<{ added: string[]; output: string }> {
  const out = join(workDir, "out");
  cpSync(migrationsFolder, out, { recursive: true });
  const before = sqlFilesIn(out);

  // drizzle-kit resolves `out` against its working directory, so the path stays relative.
  const config = join(workDir, "drizzle.config.ts");
  writeFileSync(
    config,
    `export default ${JSON.stringify({
      dialect: "postgresql",
      schema: schemaPath,
      out: "./out",
      casing: "snake_case",
    })};\n`,
  );

  const { stdout, stderr } = await run(drizzleKit, ["generate", "--config", config], {
    cwd: workDir,
    timeout: 60_000,
  });
  const added = sqlFilesIn(out).filter((name) => !before.includes(name));
  return { added, output: `${stdout}\n${stderr}` };
}

describe("drizzle migrations", () => {
  let workDir: string;

  beforeEach(() => {
    workDir = mkdtempSync(join(tmpdir(), "onboarding-migrations-"));
  });

  afterEach(() => {
    rmSync(workDir, { recursive: true, force: true });
  });

  it("match the current schema", async () => {
    const { added, output } = await generateMigrations(workDir, join(schemaFolder, "index.ts"));

    expect(added, output).toEqual([]);
    expect(output).toContain("No schema changes");
  });

  it("detect a schema change", async () => {
    // A copy of the schema with one more column. The linked node_modules lets it import drizzle-orm.
    const changedSchema = join(workDir, "schema");
    cpSync(schemaFolder, changedSchema, { recursive: true });
    symlinkSync(join(packageRoot, "node_modules"), join(workDir, "node_modules"), "dir");
    const authFile = join(changedSchema, "auth.ts");
    const original = readFileSync(authFile, "utf8");
    const changed = original.replace(
      "    image: text(),\n",
      "    image: text(),\n    nickname: text(),\n",
    );
    writeFileSync(authFile, changed);

    const { added, output } = await generateMigrations(workDir, join(changedSchema, "index.ts"));
    const migration = added[0] ? readFileSync(join(workDir, "out", added[0]), "utf8") : "";

    expect(changed).not.toBe(original);
    expect(added, output).toHaveLength(1);
    expect(migration).toContain('ALTER TABLE "users" ADD COLUMN "nickname" text');
  });

  it("journal matches the SQL files", () => {
    expect(journalProblems(migrationsFolder)).toEqual([]);
  });

  it("journal check finds mismatches", () => {
    const broken = join(workDir, "broken");
    cpSync(migrationsFolder, broken, { recursive: true });
    const [first] = readJournal(migrationsFolder);
    if (!first) throw new Error("The migration journal has no entries.");
    unlinkSync(join(broken, `${first.tag}.sql`));
    writeFileSync(join(broken, "9999_orphan.sql"), "SELECT 1;\n");

    expect(journalProblems(broken)).toEqual([
      `${first.tag}.sql is missing`,
      "9999_orphan.sql has no journal entry",
    ]);
  });

  it("every entry has a snapshot", () => {
    for (const entry of readJournal(migrationsFolder)) {
      const snapshot = `${String(entry.idx).padStart(4, "0")}_snapshot.json`;
      expect(existsSync(join(migrationsFolder, "meta", snapshot)), snapshot).toBe(true);
    }
  });

  it("apply to a fresh PGlite", async () => {
    const handle = await createDatabase({ pglite: new PGlite() });
    try {
      const applied = await queryRows<{ count: number }>(
        handle.db,
        sql`SELECT count(*)::int AS count FROM drizzle.__drizzle_migrations`,
      );
      const tables = await queryRows<{ name: string }>(
        handle.db,
        sql`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`,
      );

      expect(applied[0]?.count).toBe(readJournal(migrationsFolder).length);
      expect(tables.map((table) => table.name)).toContain("onboarding_sessions");
    } finally {
      await handle.close();
    }
  });
});
