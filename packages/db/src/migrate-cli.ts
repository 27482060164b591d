/**
 * `pnpm db:migrate`: applies pending migrations to PostgreSQL (DATABASE_URL) or, when it is unset,
 * to the embedded database. Runs as the connecting role, which must own the schema.
 */
import { parseArgs } from "node:util";
import {
  createDatabase,
  defaultMigrationsFolder,
  defaultPgliteDataDir,
  migrateDatabase,
} from "./client";
import { commandArguments, databaseMessage } from "./errors";
import { countPendingMigrations } from "./pending-migrations";
import { DatabaseLockedError } from "./pglite-lock";

const HELP = `Usage: pnpm db:migrate [--database-url URL] [--data-dir DIR]

Applies every migration in packages/db/drizzle that the database has not recorded yet.

Options:
  --database-url URL   PostgreSQL to migrate (default: DATABASE_URL).
  --data-dir DIR       Embedded database directory when no URL is given
                       (default: PGLITE_DATA_DIR, then ./.data/pglite).
  --help               Show this help.
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: commandArguments(),
    options: {
      "database-url": { type: "string" },
      "data-dir": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }

  const url = values["database-url"] ?? process.env.DATABASE_URL;
  const handle = await createDatabase({
    url,
    dataDir: values["data-dir"] ?? defaultPgliteDataDir(),
    migrate: false,
  });
  console.log(`Migrating ${handle.driver} database at ${handle.location} ...`);
  try {
    const pending = await countPendingMigrations(handle.db, defaultMigrationsFolder());
    await migrateDatabase(handle);
    console.log(
      pending === 0
        ? "Nothing to apply; the database has every migration."
        : `Applied ${pending} migration${pending === 1 ? "" : "s"}; the database is up to date.`,
    );
  } finally {
    await handle.close();
  }
}

main().catch((error: unknown) => {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
    console.error(`db:migrate: ${(error as Error).message.replace(/\.?$/, ".")} See --help.`);
    process.exitCode = 2;
    return;
  }
  if (error instanceof DatabaseLockedError) console.error(error.message);
  else console.error(`Migration failed: ${databaseMessage(error)}`);
  process.exitCode = 1;
});
