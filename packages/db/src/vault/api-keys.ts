import { and, eq, isNull, or, type SQL, sql } from "drizzle-orm";
import type { Executor } from "../client";
import { NotFoundError, TooSoonError, UnknownUserError } from "../errors";
import { type ApiKeyStatus, apiKeys, onboardingEvents, onboardingSessions } from "../schema";
import { inTransaction } from "../user-scope";
import { checkDecryptable, DecryptionError, decryptSecret, encryptSecret } from "./cipher";
import { sanitizedDatabaseError } from "./database-errors";
import type { Keyring } from "./keyring";

/**
 * What the API may show about a stored key: never the key or its ciphertext. `updatedAt` is when
 * the user last saved the key; status changes and rotation leave it alone.
 */
export interface ApiKeySummary {
  provider: string;
  last4: string;
  status: ApiKeyStatus;
  statusReason: string | null;
  verifiedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The result of one verification call, as the vault records it. */
export interface VerificationOutcome {
  status: "valid" | "invalid" | "unverified";
  reason: string | null;
  /** The provider's HTTP status, when it answered. */
  httpStatus?: number;
}

/** The columns of an ApiKeySummary, for every query that returns one. */
export const apiKeySummaryColumns = {
  provider: apiKeys.provider,
  last4: apiKeys.last4,
  status: apiKeys.status,
  statusReason: apiKeys.statusReason,
  verifiedAt: apiKeys.verifiedAt,
  createdAt: apiKeys.createdAt,
  updatedAt: apiKeys.updatedAt,
};

const FOREIGN_KEY_VIOLATION = "23503";

const ownedBy = (params: { userId: string; provider: string }) =>
  and(eq(apiKeys.userId, params.userId), eq(apiKeys.provider, params.provider));

async function recordKeyEvent(
  executor: Executor,
  userId: string,
  type: "key_saved" | "key_removed" | "key_verified" | "key_used",
  detail: Record<string, unknown>,
): Promise<void> {
  await executor.insert(onboardingEvents).values({
    userId,
    sessionId: sql`(SELECT ${onboardingSessions.id} FROM ${onboardingSessions} WHERE ${onboardingSessions.userId} = ${userId})`,
    type,
    stepNumber: 1,
    detail,
  });
}

/** Marks a row whose ciphertext cannot be decrypted; the ciphertext itself stays untouched. */
async function markNeedsReentry(
  executor: Executor,
  params: { userId: string; provider: string },
  error: DecryptionError,
): Promise<void> {
  await executor
    .update(apiKeys)
    .set({ status: "needs_reentry", statusReason: error.message, verifiedAt: null })
    .where(ownedBy(params));
}

/**
 * Encrypts and stores a key, replacing the user's previous key for that provider; the new key
 * starts `unverified`. A database failure surfaces without its parameters, so neither the key nor
 * its ciphertext can reach a log through the error.
 */
export async function saveApiKey(
  db: Executor,
  keyring: Keyring,
  params: { userId: string; provider: string; key: string },
): Promise<ApiKeySummary> {
  const { blob, keyId } = encryptSecret(keyring, params, params.key);
  const last4 = params.key.slice(-4);

  try {
    return await inTransaction(db, async (tx) => {
      const [saved] = await tx
        .insert(apiKeys)
        .values({
          userId: params.userId,
          provider: params.provider,
          ciphertext: blob,
          keyId,
          last4,
        })
        .onConflictDoUpdate({
          target: [apiKeys.userId, apiKeys.provider],
          set: {
            ciphertext: blob,
            keyId,
            last4,
            status: "unverified",
            statusReason: null,
            verifiedAt: null,
            // verification_started_at stays: saving a key again must not reopen its checks.
            updatedAt: sql`now()`,
          },
        })
        .returning(apiKeySummaryColumns);
      if (!saved) throw new Error("Saving the API key returned no row.");

      await recordKeyEvent(tx, params.userId, "key_saved", { provider: params.provider });
      return saved;
    });
  } catch (error) {
    const sanitized = sanitizedDatabaseError(error, `Saving the ${params.provider} API key`);
    if (sanitized.code === FOREIGN_KEY_VIOLATION) throw new UnknownUserError();
    throw sanitized;
  }
}

/**
 * Lists the user's stored keys as masked summaries, ordered by provider. Each ciphertext is
 * test-decrypted (the plaintext is wiped at once): a row that no longer decrypts is marked and
 * shown as `needs_reentry`, and one that decrypts again, after its master key came back, returns
 * to `unverified`.
 */
export async function listApiKeys(
  executor: Executor,
  keyring: Keyring,
  params: { userId: string },
): Promise<ApiKeySummary[]> {
  const rows = await executor
    .select({ ...apiKeySummaryColumns, ciphertext: apiKeys.ciphertext, keyId: apiKeys.keyId })
    .from(apiKeys)
    .where(eq(apiKeys.userId, params.userId))
    .orderBy(apiKeys.provider);

  const summaries: ApiKeySummary[] = [];
  for (const { ciphertext, keyId, ...summary } of rows) {
    const binding = { userId: params.userId, provider: summary.provider };
    const failure = checkDecryptable(keyring, binding, ciphertext, keyId);

    if (
      failure &&
      (summary.status !== "needs_reentry" || summary.statusReason !== failure.message)
    ) {
      await markNeedsReentry(executor, binding, failure);
      summaries.push({ ...summary, status: "needs_reentry", statusReason: failure.message });
      continue;
    }
    if (!failure && summary.status === "needs_reentry") {
      await executor
        .update(apiKeys)
        .set({ status: "unverified", statusReason: null })
        .where(and(ownedBy(binding), eq(apiKeys.status, "needs_reentry")));
      summaries.push({ ...summary, status: "unverified", statusReason: null });
      continue;
    }
    summaries.push(summary);
  }
  return summaries;
}

/** Deletes the user's key for a provider; raises NotFoundError when there is none. */
export async function removeApiKey(
  db: Executor,
  params: { userId: string; provider: string },
): Promise<void> {
  await inTransaction(db, async (tx) => {
    const removed = await tx
      .delete(apiKeys)
      .where(ownedBy(params))
      .returning({ provider: apiKeys.provider });
    if (removed.length === 0) {
      throw new NotFoundError(`No API key is stored for ${params.provider}.`);
    }
    await recordKeyEvent(tx, params.userId, "key_removed", { provider: params.provider });
  });
}

/**
 * Decrypts the user's key for a provider so server code can call that provider, and records a
 * `key_used` event with the provider and purpose (never the key). A key that cannot be decrypted
 * is marked `needs_reentry` and raises DecryptionError; its ciphertext is never returned in its
 * place. Inside a transaction the mark commits only if the caller's transaction does.
 */
export async function useApiKey(
  db: Executor,
  keyring: Keyring,
  params: { userId: string; provider: string; purpose: string },
): Promise<string> {
  const [row] = await db
    .select({ ciphertext: apiKeys.ciphertext, keyId: apiKeys.keyId, status: apiKeys.status })
    .from(apiKeys)
    .where(ownedBy(params));
  if (!row) throw new NotFoundError(`No API key is stored for ${params.provider}.`);

  let key: string;
  try {
    key = decryptSecret(keyring, params, row.ciphertext, row.keyId);
  } catch (error) {
    if (!(error instanceof DecryptionError)) throw error;
    await markNeedsReentry(db, params, error);
    throw error;
  }

  if (row.status === "needs_reentry") {
    await db
      .update(apiKeys)
      .set({ status: "unverified", statusReason: null })
      .where(and(ownedBy(params), eq(apiKeys.status, "needs_reentry")));
  }
  await recordKeyEvent(db, params.userId, "key_used", {
    provider: params.provider,
    purpose: params.purpose,
  });
  return key;
}

/** Returns the summary of the user's key for a provider; raises NotFoundError when there is none. */
export async function getApiKeySummary(
  executor: Executor,
  params: { userId: string; provider: string },
): Promise<ApiKeySummary> {
  const [row] = await executor.select(apiKeySummaryColumns).from(apiKeys).where(ownedBy(params));
  if (!row) throw new NotFoundError(`No API key is stored for ${params.provider}.`);
  return row;
}

/**
 * The first half of a verification: decrypts the key through useApiKey (so the use is recorded)
 * and returns it with a stamp of the stored row. A key that cannot be decrypted yields its
 * `needs_reentry` summary instead, so the caller's transaction commits that mark. A key whose
 * last check started less than `cooldownSeconds` ago raises TooSoonError.
 */
export async function openApiKeyForVerification(
  executor: Executor,
  keyring: Keyring,
  params: { userId: string; provider: string; cooldownSeconds: number },
): Promise<{ key: string; stamp: string } | { summary: ApiKeySummary }> {
  // Claiming the check in the row spaces checks of one key across requests and server
  // processes: a concurrent claim waits for this one's row lock and then fails the condition.
  const cooldown = sql`make_interval(secs => ${params.cooldownSeconds})`;
  const [row] = await executor
    .update(apiKeys)
    .set({ verificationStartedAt: sql`now()` })
    .where(
      and(
        ownedBy(params),
        or(
          isNull(apiKeys.verificationStartedAt),
          sql`${apiKeys.verificationStartedAt} <= now() - ${cooldown}`,
        ),
      ),
    )
    .returning({ stamp: sql<string>`${apiKeys.updatedAt}::text` });
  if (!row) {
    const [claimed] = await executor
      .select({
        wait: sql<number>`ceil(extract(epoch from ${apiKeys.verificationStartedAt} + ${cooldown} - now()))::int`,
      })
      .from(apiKeys)
      .where(ownedBy(params));
    if (!claimed) throw new NotFoundError(`No API key is stored for ${params.provider}.`);
    // Another transaction's claim can start after this one's now(), so the wait is capped.
    const wait = Math.min(params.cooldownSeconds, Math.max(1, claimed.wait));
    throw new TooSoonError(
      `This key was checked moments ago; check it again in ${wait} second${wait === 1 ? "" : "s"}.`,
      wait,
    );
  }

  try {
    const key = await useApiKey(executor, keyring, { ...params, purpose: "verification" });
    return { key, stamp: row.stamp };
  } catch (error) {
    if (!(error instanceof DecryptionError)) throw error;
    return { summary: await getApiKeySummary(executor, params) };
  }
}

/**
 * The second half of a verification: stores its outcome and records a `key_verified` event, but
 * only when the row still holds the key that was checked (same `stamp`). A key replaced or
 * removed meanwhile keeps its own status. `valid` sets `verified_at`; `invalid` clears it; an
 * inconclusive check keeps the last successful time.
 */
export async function recordVerification(
  executor: Executor,
  params: { userId: string; provider: string; stamp: string; outcome: VerificationOutcome },
): Promise<ApiKeySummary> {
  const { outcome } = params;
  // `undefined` leaves the column as it is, so an inconclusive check keeps the last success.
  let verifiedAt: SQL | null | undefined;
  if (outcome.status === "valid") verifiedAt = sql`now()`;
  else if (outcome.status === "invalid") verifiedAt = null;

  const updated = await executor
    .update(apiKeys)
    .set({ status: outcome.status, statusReason: outcome.reason, verifiedAt })
    .where(and(ownedBy(params), sql`${apiKeys.updatedAt} = ${params.stamp}::timestamptz`))
    .returning({ provider: apiKeys.provider });

  if (updated.length > 0) {
    await recordKeyEvent(executor, params.userId, "key_verified", {
      provider: params.provider,
      status: outcome.status,
      ...(outcome.httpStatus === undefined ? {} : { httpStatus: outcome.httpStatus }),
    });
  }
  return getApiKeySummary(executor, params);
}
