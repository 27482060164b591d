import { and, eq, sql } from "drizzle-orm";
import type { Executor } from "../client";
import { NotFoundError } from "../errors";
import { type ApiKeyStatus, apiKeys, onboardingEvents, onboardingSessions } from "../schema";
import { DecryptionError, decryptSecret, encryptSecret } from "./cipher";
import type { Keyring } from "./keyring";

/** What the API may show about a stored key: never the key or its ciphertext. */
export interface ApiKeySummary {
  provider: string;
  last4: string;
  status: ApiKeyStatus;
  statusReason: string | null;
  verifiedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const summaryColumns = {
  provider: apiKeys.provider,
  last4: apiKeys.last4,
  status: apiKeys.status,
  statusReason: apiKeys.statusReason,
  verifiedAt: apiKeys.verifiedAt,
  createdAt: apiKeys.createdAt,
  updatedAt: apiKeys.updatedAt,
};

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

/** Encrypts and stores a key, replacing the user's previous key for that provider. */
export async function saveApiKey(
  db: Executor,
  keyring: Keyring,
  params: { userId: string; provider: string; key: string },
): Promise<ApiKeySummary> {
  const { blob, keyId } = encryptSecret(keyring, params, params.key);
  const last4 = params.key.slice(-4);

  return db.transaction(async (tx) => {
    const [saved] = await tx
      .insert(apiKeys)
      .values({ userId: params.userId, provider: params.provider, ciphertext: blob, keyId, last4 })
      .onConflictDoUpdate({
        target: [apiKeys.userId, apiKeys.provider],
        set: {
          ciphertext: blob,
          keyId,
          last4,
          status: "unverified",
          statusReason: null,
          verifiedAt: null,
          updatedAt: sql`now()`,
        },
      })
      .returning(summaryColumns);
    if (!saved) throw new Error("Saving the API key returned no row.");

    await recordKeyEvent(tx, params.userId, "key_saved", { provider: params.provider });
    return saved;
  });
}

/** Lists the user's stored keys as masked summaries, ordered by provider. */
export async function listApiKeys(
  executor: Executor,
  params: { userId: string },
): Promise<ApiKeySummary[]> {
  return executor
    .select(summaryColumns)
    .from(apiKeys)
    .where(eq(apiKeys.userId, params.userId))
    .orderBy(apiKeys.provider);
}

/** Deletes the user's key for a provider; raises NotFoundError when there is none. */
export async function removeApiKey(
  db: Executor,
  params: { userId: string; provider: string },
): Promise<void> {
  await db.transaction(async (tx) => {
    const removed = await tx
      .delete(apiKeys)
      .where(and(eq(apiKeys.userId, params.userId), eq(apiKeys.provider, params.provider)))
      .returning({ provider: apiKeys.provider });
    if (removed.length === 0) {
      throw new NotFoundError(`No API key is stored for ${params.provider}.`);
    }
    await recordKeyEvent(tx, params.userId, "key_removed", { provider: params.provider });
  });
}

/**
 * Decrypts the user's key for a provider so server code can call that provider, and records the
 * use with its purpose. A key that cannot be decrypted is marked `needs_reentry` and raises
 * DecryptionError; its ciphertext is never returned in its place.
 */
export async function useApiKey(
  db: Executor,
  keyring: Keyring,
  params: { userId: string; provider: string; purpose: string },
): Promise<string> {
  const [row] = await db
    .select({ ciphertext: apiKeys.ciphertext })
    .from(apiKeys)
    .where(and(eq(apiKeys.userId, params.userId), eq(apiKeys.provider, params.provider)));
  if (!row) throw new NotFoundError(`No API key is stored for ${params.provider}.`);

  try {
    const key = decryptSecret(keyring, params, row.ciphertext);
    await recordKeyEvent(db, params.userId, "key_used", {
      provider: params.provider,
      purpose: params.purpose,
    });
    return key;
  } catch (error) {
    if (!(error instanceof DecryptionError)) throw error;
    await db
      .update(apiKeys)
      .set({ status: "needs_reentry", statusReason: error.message, updatedAt: sql`now()` })
      .where(and(eq(apiKeys.userId, params.userId), eq(apiKeys.provider, params.provider)));
    throw error;
  }
}
