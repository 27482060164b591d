/**
 * `pnpm keys:rotate`: re-encrypts every stored API key under the newest master key of
 * ONBOARDING_ENCRYPTION_KEYS, in batches that each commit on their own, so it can be stopped and
 * run again at any point without losing a key.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createDatabase, defaultPgliteDataDir } from "./client";
import { commandArguments } from "./errors";
import { DatabaseLockedError } from "./pglite-lock";
import {
  DEFAULT_ROTATION_BATCH_SIZE,
  KEYRING_VARIABLE,
  type Keyring,
  KeyringError,
  keyIdsOf,
  MAX_ROTATION_BATCH_SIZE,
  parseKeyring,
  type RotationReport,
  rotateApiKeys,
  VaultDatabaseError,
} from "./vault";

const HELP = `Usage: pnpm keys:rotate [--dry-run] [--batch-size N] [--database-url URL] [--data-dir DIR] [--json]

Re-encrypts every stored API key under the newest master key in ${KEYRING_VARIABLE}
(the first entry), in batches. Each batch is its own transaction and rows already on the
newest key are skipped, so the command can be interrupted (Ctrl-C stops after the current
batch) or even killed, and a rerun continues where it stopped. Rows that fail to decrypt are
not rewritten: they are marked needs_reentry, so their users are asked for the key again.
At the end it reports how many rows remain on each older key; a key may be retired once no
row needs it.

It connects as the role in the database URL, on purpose the database owner (the role that
runs pnpm db:migrate): it must read and rewrite every user's row, which the onboarding_app
role that serves requests cannot do under row-level security.

Options:
  --dry-run            Decrypt and count what would change; write nothing.
  --batch-size N       Rows per batch and transaction (default ${DEFAULT_ROTATION_BATCH_SIZE}).
  --database-url URL   PostgreSQL to rotate (default: DATABASE_URL).
  --data-dir DIR       Embedded database directory when no URL is given
                       (default: PGLITE_DATA_DIR, then ./.data/pglite). The app must be
                       stopped: only one process may open it.
  --json               Print the final report as JSON on stdout; progress goes to stderr.
  --help               Show this help.

Environment:
  ${KEYRING_VARIABLE}   "id:base64key,..." newest first; every key that still encrypts
                               a row must be listed. Without it, the embedded database uses
                               the keyring in dev-secrets.json beside its data directory.

Exit status: 0 done, 1 failed, 2 bad usage, 130 interrupted (rerun to continue).
`;

class UsageError extends Error {}

/** Batches this run committed, so a failure message can say whether a rerun continues. */
let committedBatches = 0;

/** The command was pointed at a place that holds no onboarding database. */
class MissingDatabaseError extends Error {}

/**
 * Raises MissingDatabaseError unless `dataDir` already holds a PGlite database. Opening an empty
 * or missing directory would create and migrate a new database whose report of zero rows per key
 * would look like every old key can be retired.
 */
function requireExistingDataDir(dataDir: string): void {
  if (existsSync(join(dataDir, "PG_VERSION"))) return;
  const problem = existsSync(dataDir) ? "holds no database" : "does not exist";
  throw new MissingDatabaseError(
    `The embedded database directory ${dataDir} ${problem}. Point --data-dir or ` +
      "PGLITE_DATA_DIR at the app's database directory, or --database-url at its PostgreSQL " +
      "database.",
  );
}

function parseBatchSize(value: string | undefined): number {
  if (value === undefined) return DEFAULT_ROTATION_BATCH_SIZE;
  const size = Number(value);
  if (!/^\d+$/.test(value) || size < 1 || size > MAX_ROTATION_BATCH_SIZE) {
    throw new UsageError(
      `--batch-size must be a whole number from 1 to ${MAX_ROTATION_BATCH_SIZE}, not "${value}".`,
    );
  }
  return size;
}

/** The keyring from the environment, or the embedded database's development secrets file. */
function loadKeyring(usesEmbedded: boolean, dataDir: string): Keyring {
  const fromEnvironment = process.env[KEYRING_VARIABLE];
  if (fromEnvironment !== undefined || !usesEmbedded) return parseKeyring(fromEnvironment);

  const secretsPath = join(dirname(dataDir), "dev-secrets.json");
  if (!existsSync(secretsPath)) return parseKeyring(undefined);
  let secrets: Record<string, unknown>;
  try {
    secrets = JSON.parse(readFileSync(secretsPath, "utf8")) as Record<string, unknown>;
  } catch {
    // JSON.parse quotes the text around a syntax error, which here would be a master key.
    throw new KeyringError(`${secretsPath} is not valid JSON; fix it or set ${KEYRING_VARIABLE}.`);
  }
  const value = secrets?.[KEYRING_VARIABLE];
  return parseKeyring(
    typeof value === "string" ? value : undefined,
    `${KEYRING_VARIABLE} in ${secretsPath}`,
  );
}

function describeRemaining(report: RotationReport, keyring: Keyring): string[] {
  const lines: string[] = [];
  const withRows = new Set(report.remaining.map((key) => key.keyId));

  for (const key of report.remaining) {
    const readable = key.rows - key.needsReentry;
    const detail =
      key.needsReentry === 0
        ? `${key.rows} rows`
        : `${key.rows} rows, ${key.needsReentry} of them ${report.dryRun ? "unreadable" : "needs_reentry"}`;
    const advice = !key.inKeyring
      ? "not in the keyring: add it back to move these rows, or leave them for their users to re-enter"
      : readable > 0
        ? "keep it in the keyring; keys:rotate moves them"
        : "no readable row left: it may be retired";
    lines.push(`  ${key.keyId}: ${detail} (${advice})`);
  }

  for (const keyId of keyIdsOf(keyring)) {
    if (keyId === report.targetKeyId || withRows.has(keyId)) continue;
    lines.push(`  ${keyId}: 0 rows (it may be retired from the keyring)`);
  }
  return lines.length > 0 ? lines : ["  none: every row is on the newest key."];
}

function printReport(report: RotationReport, keyring: Keyring): void {
  const verb = report.dryRun ? "Would re-encrypt" : "Re-encrypted";
  const marked = report.dryRun ? "would be marked" : "marked";
  console.log(
    `${report.interrupted ? "Interrupted" : report.dryRun ? "Dry run done" : "Done"}: ` +
      `${verb} ${report.reencrypted} of ${report.processed} rows examined; ` +
      `${report.unreadable} failed to decrypt (${marked} needs_reentry).`,
  );
  console.log(
    `Rows on keys other than "${report.targetKeyId}"${report.dryRun ? " (unchanged)" : ""}:`,
  );
  for (const line of describeRemaining(report, keyring)) console.log(line);
  if (report.interrupted) console.log("Run pnpm keys:rotate again to continue.");
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: commandArguments(),
    options: {
      "dry-run": { type: "boolean" },
      "batch-size": { type: "string" },
      "database-url": { type: "string" },
      "data-dir": { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }

  const batchSize = parseBatchSize(values["batch-size"]);
  const url = values["database-url"] ?? process.env.DATABASE_URL;
  const dataDir = resolve(values["data-dir"] ?? defaultPgliteDataDir());
  if (!url) requireExistingDataDir(dataDir);
  const keyring = loadKeyring(!url, dataDir);
  const progressOut = values.json ? process.stderr : process.stdout;
  const say = (line: string) => progressOut.write(`${line}\n`);

  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) process.exit(130);
    say(`${signal}: stopping after the current batch (send it again to stop at once).`);
    stop.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  // Never migrate: a database without the api_keys table is the wrong one, not a new one.
  const handle = await createDatabase({ url, dataDir, migrate: false });
  try {
    say(
      `${values["dry-run"] ? "Dry run: checking" : "Rotating"} API keys in the ${handle.driver} ` +
        `database at ${handle.location} to master key "${keyring.currentKeyId}" ` +
        `(keyring: ${keyIdsOf(keyring).join(", ")}).`,
    );
    const report = await rotateApiKeys(handle.db, keyring, {
      batchSize,
      dryRun: values["dry-run"] ?? false,
      signal: stop.signal,
      onBatch: (progress) => {
        if (!values["dry-run"]) committedBatches = progress.batch;
        say(
          `batch ${progress.batch}: ${progress.processed}/${progress.total} rows, ` +
            `${progress.reencrypted} ${values["dry-run"] ? "readable" : "re-encrypted"}, ` +
            `${progress.unreadable} unreadable`,
        );
      },
    });

    if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else printReport(report, keyring);
    return report.interrupted ? 130 : 0;
  } finally {
    await handle.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const code = (error as { code?: unknown }).code;
    if (
      error instanceof UsageError ||
      (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS"))
    ) {
      console.error(`keys:rotate: ${(error as Error).message.replace(/\.?$/, ".")} See --help.`);
      process.exitCode = 2;
      return;
    }
    // Batch failures arrive sanitized (VaultDatabaseError), so no message here carries a
    // ciphertext; every batch reported as done is committed, the failed one is rolled back.
    const message = error instanceof Error ? error.message : String(error);
    const known =
      error instanceof KeyringError ||
      error instanceof DatabaseLockedError ||
      error instanceof MissingDatabaseError;
    console.error(
      `keys:rotate failed: ${message}` +
        (known || !(error instanceof VaultDatabaseError) || committedBatches === 0
          ? ""
          : " Batches reported as done are committed; rerun to continue."),
    );
    process.exitCode = 1;
  },
);
