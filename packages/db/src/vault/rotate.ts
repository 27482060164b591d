import { and, asc, count, gt, ne, or, type SQL, sql } from "drizzle-orm";
import type { Database } from "../client";
import { apiKeys } from "../schema";
import { checkDecryptable, DecryptionError, decryptSecret, encryptSecret } from "./cipher";
import { sanitizedDatabaseError } from "./database-errors";
import type { Keyring } from "./keyring";

export const DEFAULT_ROTATION_BATCH_SIZE = 500;
/** Each row of a batch is two statement parameters; PostgreSQL allows 65535 per statement. */
export const MAX_ROTATION_BATCH_SIZE = 10_000;

/** Rows still encrypted under a master key other than the newest, after a run. */
export interface RemainingOnKey {
  keyId: string;
  rows: number;
  /**
   * Of those, rows that failed to decrypt and wait for their users to enter the key again. A dry
   * run that went through every row counts the rows that fail to decrypt now, whatever their
   * status column contains, because a key that returned to the keyring makes marked rows
   * readable again.
   */
  needsReentry: number;
  /** Whether the keyring still holds this key. */
  inKeyring: boolean;
}

export interface RotationProgress {
  batch: number;
  /** Rows on old keys examined so far in this run. */
  processed: number;
  /** Rows on old keys when the run started. */
  total: number;
  reencrypted: number;
  unreadable: number;
}

export interface RotationReport extends RotationProgress {
  targetKeyId: string;
  dryRun: boolean;
  /** True when the run stopped early on request; a rerun continues where it stopped. */
  interrupted: boolean;
  remaining: RemainingOnKey[];
}

export interface RotationOptions {
  batchSize?: number;
  /** Decrypt and count, but write nothing. */
  dryRun?: boolean;
  /** Checked before each batch; an aborted signal ends the run after the current batch. */
  signal?: AbortSignal;
  onBatch?: (progress: RotationProgress) => void;
}

interface BatchResult {
  size: number;
  lastId: string | undefined;
  reencrypted: number;
  unreadable: number;
  /** Rows that failed to decrypt, by the key id in their header; filled by dry runs. */
  unreadableByKey?: Map<string, number>;
}

interface StoredRow {
  id: string;
  userId: string;
  provider: string;
  ciphertext: Uint8Array;
  keyId: string;
  status: string;
  statusReason: string | null;
}

const ciphertext = apiKeys.ciphertext;

/**
 * The master key id in a ciphertext's header (version byte 1, key id length, key id; see
 * cipher.ts), or the key_id column when the header is malformed. Rotation selects and counts by
 * the header because the column is not authenticated and can be altered. The expression has no
 * parameters, so it can be selected and grouped by position in one statement.
 */
const headerKeyId = sql<string>`COALESCE(substring(
  CASE
    WHEN length(${ciphertext}) < 2 THEN NULL
    WHEN get_byte(${ciphertext}, 0) <> 1 THEN NULL
    ELSE encode(substring(${ciphertext} from 3 for get_byte(${ciphertext}, 1)), 'escape')
  END from '^[A-Za-z0-9._-]{1,32}$'), ${apiKeys.keyId})`;

/**
 * Selects rows that rotation must examine: those encrypted under another key than `target`, and
 * those whose key_id column disagrees with the header, which are marked as tampered.
 */
const needsRotation = (target: string) =>
  or(ne(headerKeyId, target), ne(apiKeys.keyId, headerKeyId));

/**
 * Counts the rows on each master key other than `targetKeyId`, by the key id in the ciphertext
 * header rather than the key_id column. A failed query raises a
 * VaultDatabaseError with its cause and without the statement or its parameters.
 */
export async function countRowsOnOldKeys(
  db: Database,
  keyring: Keyring,
  targetKeyId = keyring.currentKeyId,
): Promise<RemainingOnKey[]> {
  try {
    return await queryRowsOnOldKeys(db, keyring, targetKeyId);
  } catch (error) {
    throw sanitizedDatabaseError(error, "Counting the API keys on old master keys");
  }
}

async function queryRowsOnOldKeys(
  db: Database,
  keyring: Keyring,
  targetKeyId: string,
): Promise<RemainingOnKey[]> {
  const rows = await db
    .select({
      keyId: headerKeyId,
      rows: count(),
      needsReentry:
        sql<number>`count(*) FILTER (WHERE ${apiKeys.status} = 'needs_reentry')`.mapWith(Number),
    })
    .from(apiKeys)
    .where(ne(headerKeyId, targetKeyId))
    .groupBy(sql`1`)
    .orderBy(sql`1`);
  return rows.map((row) => ({ ...row, inKeyring: keyring.keys.has(row.keyId) }));
}

/** Re-encrypts one row under the newest key, or returns why it does not decrypt. */
function reencrypt(keyring: Keyring, row: StoredRow): Buffer | DecryptionError {
  const binding = { userId: row.userId, provider: row.provider };
  try {
    const plaintext = decryptSecret(keyring, binding, row.ciphertext, row.keyId);
    return encryptSecret(keyring, binding, plaintext).blob;
  } catch (error) {
    if (error instanceof DecryptionError) return error;
    throw error;
  }
}

/**
 * Takes the next batch after `afterId`, locks it, and rewrites each row under the newest key in
 * one transaction. Rows that fail to decrypt keep their ciphertext and are marked
 * `needs_reentry`; rows that decrypt again after being marked return to `unverified`.
 */
async function rotateBatch(
  db: Database,
  keyring: Keyring,
  afterId: string | undefined,
  batchSize: number,
): Promise<BatchResult> {
  const target = keyring.currentKeyId;
  return db.transaction(async (tx) => {
    const rows: StoredRow[] = await tx
      .select({
        id: apiKeys.id,
        userId: apiKeys.userId,
        provider: apiKeys.provider,
        ciphertext: apiKeys.ciphertext,
        keyId: apiKeys.keyId,
        status: apiKeys.status,
        statusReason: apiKeys.statusReason,
      })
      .from(apiKeys)
      .where(and(needsRotation(target), afterId ? gt(apiKeys.id, afterId) : undefined))
      .orderBy(asc(apiKeys.id))
      .limit(batchSize)
      .for("update");

    const rewritten: SQL[] = [];
    const marked: SQL[] = [];
    for (const row of rows) {
      const result = reencrypt(keyring, row);
      if (!(result instanceof DecryptionError)) {
        rewritten.push(sql`(${row.id}::uuid, ${result}::bytea)`);
      } else if (row.status !== "needs_reentry" || row.statusReason !== result.message) {
        marked.push(sql`(${row.id}::uuid, ${result.message}::text)`);
      }
    }

    // One statement each for the whole batch; a row that decrypts again leaves needs_reentry.
    if (rewritten.length > 0) {
      await tx.execute(sql`
        UPDATE ${apiKeys} AS k SET
          ciphertext = v.ciphertext,
          key_id = ${target},
          status = CASE WHEN k.status = 'needs_reentry' THEN 'unverified' ELSE k.status END,
          status_reason = CASE WHEN k.status = 'needs_reentry' THEN NULL ELSE k.status_reason END
        FROM (VALUES ${sql.join(rewritten, sql`, `)}) AS v(id, ciphertext)
        WHERE k.id = v.id`);
    }
    if (marked.length > 0) {
      await tx.execute(sql`
        UPDATE ${apiKeys} AS k SET status = 'needs_reentry', status_reason = v.reason, verified_at = NULL
        FROM (VALUES ${sql.join(marked, sql`, `)}) AS v(id, reason)
        WHERE k.id = v.id`);
    }
    const reencrypted = rewritten.length;
    const unreadable = rows.length - reencrypted;
    return { size: rows.length, lastId: rows.at(-1)?.id, reencrypted, unreadable };
  });
}

/** Like rotateBatch, but only reads: counts what a real run would re-encrypt or mark. */
async function inspectBatch(
  db: Database,
  keyring: Keyring,
  afterId: string | undefined,
  batchSize: number,
): Promise<BatchResult> {
  const rows = await db
    .select({
      id: apiKeys.id,
      userId: apiKeys.userId,
      provider: apiKeys.provider,
      ciphertext: apiKeys.ciphertext,
      keyId: apiKeys.keyId,
      headerKeyId,
    })
    .from(apiKeys)
    .where(and(needsRotation(keyring.currentKeyId), afterId ? gt(apiKeys.id, afterId) : undefined))
    .orderBy(asc(apiKeys.id))
    .limit(batchSize);

  const unreadableByKey = new Map<string, number>();
  for (const row of rows) {
    const binding = { userId: row.userId, provider: row.provider };
    if (checkDecryptable(keyring, binding, row.ciphertext, row.keyId)) {
      unreadableByKey.set(row.headerKeyId, (unreadableByKey.get(row.headerKeyId) ?? 0) + 1);
    }
  }
  const unreadable = [...unreadableByKey.values()].reduce((sum, rowCount) => sum + rowCount, 0);
  return {
    size: rows.length,
    lastId: rows.at(-1)?.id,
    reencrypted: rows.length - unreadable,
    unreadable,
    unreadableByKey,
  };
}

/**
 * Returns the rows per old key for a dry run's report: as stored, with `needsReentry` counting
 * the rows that failed to decrypt in this run. An interrupted run did not see every row, so it
 * keeps the stored status.
 */
function predictRemaining(
  before: RemainingOnKey[],
  unreadableByKey: Map<string, number>,
  interrupted: boolean,
): RemainingOnKey[] {
  if (interrupted) return before;
  return before.map((key) => ({ ...key, needsReentry: unreadableByKey.get(key.keyId) ?? 0 }));
}

/**
 * Re-encrypts every stored key that is not under the keyring's newest master key, in batches of
 * `batchSize` rows, each batch its own transaction. A row is on a key by the key id in its
 * ciphertext header, which must match its key_id column. Rows already on the newest key are never
 * selected, so a run that was interrupted or killed continues where it stopped when run again,
 * and a committed batch is never undone. Needs a role that sees every user's rows (the owner).
 */
export async function rotateApiKeys(
  db: Database,
  keyring: Keyring,
  options: RotationOptions = {},
): Promise<RotationReport> {
  const batchSize = options.batchSize ?? DEFAULT_ROTATION_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_ROTATION_BATCH_SIZE) {
    throw new RangeError(
      `The batch size must be a whole number from 1 to ${MAX_ROTATION_BATCH_SIZE}, not ${batchSize}.`,
    );
  }
  const dryRun = options.dryRun ?? false;

  const before = await countRowsOnOldKeys(db, keyring);
  const progress: RotationProgress = {
    batch: 0,
    processed: 0,
    total: before.reduce((sum, key) => sum + key.rows, 0),
    reencrypted: 0,
    unreadable: 0,
  };

  // Walking by id means rows left behind (unreadable ones) are passed over, not fetched again.
  let afterId: string | undefined;
  let interrupted = false;
  const unreadableByKey = new Map<string, number>();
  for (;;) {
    // Yield to the event loop, so a signal handler that aborts can run between batches even
    // when the driver (PGlite) completes every query without one.
    await new Promise((resolve) => setImmediate(resolve));
    if (options.signal?.aborted) {
      interrupted = true;
      break;
    }

    let batch: BatchResult;
    try {
      batch = dryRun
        ? await inspectBatch(db, keyring, afterId, batchSize)
        : await rotateBatch(db, keyring, afterId, batchSize);
    } catch (error) {
      throw sanitizedDatabaseError(error, `Re-encrypting batch ${progress.batch + 1}`);
    }
    if (batch.size === 0) break;

    afterId = batch.lastId;
    progress.batch += 1;
    progress.processed += batch.size;
    progress.reencrypted += batch.reencrypted;
    progress.unreadable += batch.unreadable;
    for (const [keyId, rowCount] of batch.unreadableByKey ?? []) {
      unreadableByKey.set(keyId, (unreadableByKey.get(keyId) ?? 0) + rowCount);
    }
    // A short batch does not mean the end: under concurrent saves a locked row can drop out.
    options.onBatch?.({ ...progress });
  }

  return {
    ...progress,
    targetKeyId: keyring.currentKeyId,
    dryRun,
    interrupted,
    remaining: dryRun
      ? predictRemaining(before, unreadableByKey, interrupted)
      : await countRowsOnOldKeys(db, keyring),
  };
}
