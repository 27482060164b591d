/**
 * `pnpm db:import-legacy`: moves progress files of the old file-based onboarding into the
 * database. Runs as the connecting database role (the owner), not the row-level-security role,
 * because it writes rows for a user the operator chooses.
 */
import { existsSync } from "node:fs";
import { basename, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  commandArguments,
  createDatabase,
  type DatabaseHandle,
  DatabaseLockedError,
  databaseMessage,
} from "@onboarding/db";
import { parseRequiredProviders } from "../services";
import { emailSchema } from "../steps";
import { listLegacyFiles, MappingFileError, readMapping } from "./directory";
import { formatOutcome } from "./format";
import { LegacyFileError } from "./parse";
import { ImportRefusedError, importLegacyFile } from "./run";
import { loadKeyring, pgliteDataDir } from "./settings";
import { resolveTimeZone, TimeZoneError } from "./timestamps";

const HELP = `Usage:
  pnpm db:import-legacy --file PATH --user-email EMAIL [options]
  pnpm db:import-legacy --dir PATH --map MAPPING.json [--user-email EMAIL] [options]

Imports progress files of the old file-based onboarding into the database, one transaction per
file: all of a file or nothing. The account must exist already (the user registers first).

Modes:
  --file PATH              One progress file, imported for --user-email.
  --user-email EMAIL       Email of the account that receives the progress. In directory mode
                           it is used only for the global file .onboarding_progress.json.
  --dir PATH               Every .onboarding_progress_<id>.json in PATH (and the global file).
  --map MAPPING.json       JSON object from legacy user id to email, such as
                           {"42": "ada@example.com"}; required with --dir.

Options:
  --dry-run                Parse, map, check the account and print the summary; write nothing
                           and leave the file alone. Exits 1 when a real run would be refused.
  --keep-file              Leave the file in place after the import, and write no backup.
                           Without it, a copy named <file>.imported-<UTC time>.bak (mode 0600)
                           is written next to the file and the original is removed.
  --overwrite              Replace onboarding progress the account already has (steps, drafts,
                           step data; stored keys of providers in the file). Without it such an
                           account is refused.
  --source-timezone ZONE   IANA time zone in which the old server wrote its timestamps, such as
                           Europe/Berlin (default UTC). Microseconds are truncated to milliseconds.
  --help                   Show this help.

The same file imported again for the same account (same SHA-256) changes nothing and exits 0.
API keys are checked per provider, encrypted with the keyring and never printed; invalid or
unknown ones are skipped and listed by provider name.

Environment:
  DATABASE_URL                  PostgreSQL URL. Unset: the embedded database in PGLITE_DATA_DIR
                                (default .data/pglite under the repository root).
  ONBOARDING_ENCRYPTION_KEYS    Keyring for API keys, as the app uses it. Unset without
                                DATABASE_URL: the development keyring from dev-secrets.json
                                beside the PGlite directory.
  ONBOARDING_REQUIRED_PROVIDERS Providers whose key step 1 requires (default gemini,exa); a step 1
                                completed without them is left in progress.

Database role: the command connects as the role in DATABASE_URL (the database owner that ran
the migrations) and does not switch to the row-level-security role, because it writes rows for
an account the operator chooses.

Exit status: 0 when every file was imported or had been imported before, 1 when any file failed
or was refused (nothing of that file was written), 2 for invalid options.
`;

/**
 * Resolves a path the operator typed. pnpm runs scripts in the repository root, so a relative
 * path is taken from INIT_CWD, the directory where pnpm was started.
 */
function operatorPath(path: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), path);
}

class UsageError extends Error {
  override name = "UsageError";
}

const MAX_ERROR_LENGTH = 1000;

interface Options {
  file?: string;
  dir?: string;
  map?: string;
  email?: string;
  dryRun: boolean;
  keepFile: boolean;
  overwrite: boolean;
  timeZone: string;
  requiredProviders: readonly string[];
}

const OPTION_DEFINITIONS = {
  file: { type: "string" },
  dir: { type: "string" },
  map: { type: "string" },
  "user-email": { type: "string" },
  "dry-run": { type: "boolean" },
  "keep-file": { type: "boolean" },
  overwrite: { type: "boolean" },
  "source-timezone": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function readOptions(argv: string[]): Options | "help" {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTION_DEFINITIONS }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTION_DEFINITIONS, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.help) return "help";

  if (Boolean(values.file) === Boolean(values.dir)) {
    throw new UsageError("Pass exactly one of --file PATH or --dir PATH.");
  }
  if (values.file && !values["user-email"]) {
    throw new UsageError(
      "--file needs --user-email EMAIL: the account that receives the progress.",
    );
  }
  if (values.dir && !values.map) {
    throw new UsageError(
      "--dir needs --map MAPPING.json: a JSON object from legacy user id to email.",
    );
  }
  if (values.map && !values.dir) throw new UsageError("--map is used only with --dir.");

  let email: string | undefined;
  if (values["user-email"] !== undefined) {
    const checked = emailSchema.safeParse(values["user-email"]);
    if (!checked.success) {
      throw new UsageError(`--user-email "${values["user-email"]}" is not a valid email address.`);
    }
    email = checked.data;
  }

  let timeZone: string;
  try {
    timeZone = resolveTimeZone(values["source-timezone"] ?? "UTC");
  } catch (error) {
    if (error instanceof TimeZoneError) throw new UsageError(`--source-timezone: ${error.message}`);
    throw error;
  }

  let requiredProviders: readonly string[];
  try {
    requiredProviders = parseRequiredProviders(process.env.ONBOARDING_REQUIRED_PROVIDERS);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }

  return {
    file: values.file,
    dir: values.dir,
    map: values.map,
    email,
    dryRun: values["dry-run"] === true,
    keepFile: values["keep-file"] === true,
    overwrite: values.overwrite === true,
    timeZone,
    requiredProviders,
  };
}

/**
 * Describes a failure in one line: expected errors by their message, others shortened. Only a
 * failure inside a file's import mentions the rollback; before that, nothing was written.
 */
function describeFailure(error: unknown, { duringImport }: { duringImport: boolean }): string {
  if (
    error instanceof LegacyFileError ||
    error instanceof ImportRefusedError ||
    error instanceof MappingFileError
  ) {
    return error.message;
  }
  // Drizzle's own message would repeat the query's parameters: whole summaries and analyses.
  const message = databaseMessage(error);
  const short =
    message.length > MAX_ERROR_LENGTH ? `${message.slice(0, MAX_ERROR_LENGTH)}…` : message;
  return duringImport ? `the import failed and was rolled back: ${short}` : short;
}

/** Imports one file and prints its outcome; returns whether it succeeded. */
async function importOne(
  handle: DatabaseHandle,
  options: Options,
  path: string,
  email: string,
): Promise<boolean> {
  try {
    const outcome = await importLegacyFile(handle.db, {
      path,
      email,
      dryRun: options.dryRun,
      keepFile: options.keepFile,
      overwrite: options.overwrite,
      timeZone: options.timeZone,
      requiredProviders: options.requiredProviders,
      loadKeyring: () => loadKeyring(),
    });
    for (const line of formatOutcome(outcome, email)) console.log(line);
    if (outcome.kind === "dry_run" && outcome.refusal) {
      console.error(`${outcome.fileName}: ${outcome.refusal}`);
      return false;
    }
    if (outcome.kind === "imported" && !outcome.file.kept && !outcome.file.removed) {
      console.error(`${outcome.fileName}: imported, but ${outcome.file.warning}.`);
      return false;
    }
    return true;
  } catch (error) {
    const message = describeFailure(error, { duringImport: true });
    console.error(message.startsWith(basename(path)) ? message : `${basename(path)}: ${message}`);
    return false;
  }
}

async function run(options: Options): Promise<boolean> {
  // Read the mapping before opening the database, so a bad mapping costs nothing.
  let files: { path: string; email?: string; problem?: string; fileName: string }[];
  if (options.file) {
    files = [
      { path: operatorPath(options.file), fileName: basename(options.file), email: options.email },
    ];
  } else {
    const mapping = readMapping(operatorPath(options.map ?? ""));
    const listed = listLegacyFiles(operatorPath(options.dir ?? ""), mapping, options.email);
    files = listed.entries;
    for (const id of listed.idsWithoutFile) {
      console.log(
        `Mapping entry ${JSON.stringify(id)} has no file .onboarding_progress_${id}.json; ignored.`,
      );
    }
    if (files.length === 0) {
      console.log(`No .onboarding_progress*.json files in ${operatorPath(options.dir ?? "")}.`);
      return true;
    }
  }

  const dataDir = pgliteDataDir();
  if (!process.env.DATABASE_URL && !existsSync(dataDir)) {
    // Opening a missing directory would create an empty database, where no account can exist.
    console.error(
      `No embedded database at ${dataDir}. Set PGLITE_DATA_DIR to the app's data directory, ` +
        "or DATABASE_URL to its PostgreSQL database.",
    );
    return false;
  }
  const handle = await createDatabase({
    url: process.env.DATABASE_URL,
    dataDir,
    migrate: options.dryRun ? false : undefined,
  });
  console.log(
    `${options.dryRun ? "Dry run against" : "Importing into"} the ${handle.driver} database at ` +
      `${handle.location}.`,
  );

  let failures = 0;
  try {
    for (const [index, entry] of files.entries()) {
      if (files.length > 1 || options.dir)
        console.log(`[${index + 1}/${files.length}] ${entry.fileName}`);
      if (!entry.email) {
        console.error(`${entry.fileName}: not imported: ${entry.problem ?? "no email"}.`);
        failures += 1;
        continue;
      }
      if (!(await importOne(handle, options, entry.path, entry.email))) failures += 1;
    }
  } finally {
    await handle.close();
  }

  if (files.length > 1 || options.dir) {
    console.log(
      `Done: ${files.length - failures} of ${files.length} file(s) succeeded, ${failures} failed.`,
    );
  }
  return failures === 0;
}

async function main(): Promise<void> {
  let options: Options | "help";
  try {
    options = readOptions(commandArguments());
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\nRun with --help for the options.`);
    process.exitCode = 2;
    return;
  }
  if (options === "help") {
    process.stdout.write(HELP);
    return;
  }

  try {
    if (!(await run(options))) process.exitCode = 1;
  } catch (error) {
    if (error instanceof DatabaseLockedError || error instanceof MappingFileError) {
      console.error(error.message);
    } else {
      console.error(`Import failed: ${describeFailure(error, { duringImport: false })}`);
    }
    process.exitCode = 1;
  }
}

await main();
