import { and, eq, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../client";
import { NotFoundError, TooSoonError, UnknownUserError } from "../errors";
import { apiKeys, onboardingEvents } from "../schema";
import { queryRows } from "../sql-rows";
import { createTestUser, openTestDatabase, testDrivers } from "../testing/test-database";
import {
  getApiKeySummary,
  listApiKeys,
  openApiKeyForVerification,
  recordVerification,
  saveApiKey,
  useApiKey,
} from "./api-keys";
import { DecryptionError } from "./cipher";
import { VaultDatabaseError } from "./database-errors";
import { parseKeyring } from "./keyring";
import {
  describeError,
  dumpDatabase,
  randomKeyring,
  SecretWitness,
  testDatabaseUrl,
} from "./test-support";

describe.each(testDrivers())("vault api keys on %s", (driver) => {
  const { keyring, value } = randomKeyring("k2", "k1");
  const onlyK1 = parseKeyring(value.split(",")[1]);
  let handle: DatabaseHandle;
  let witness: SecretWitness;
  let caught: unknown[];

  /** A fresh secret of the given shape, remembered so the after-hook looks for it everywhere. */
  const secret = (prefix: string) =>
    witness.remember(`${prefix}${crypto.randomUUID().replaceAll("-", "")}Zq9`);

  async function save(userId: string, provider: string, key: string, ring = keyring) {
    return saveApiKey(handle.db, ring, { userId, provider, key });
  }

  async function failureOf(call: Promise<unknown>): Promise<unknown> {
    try {
      await call;
    } catch (error) {
      caught.push(error);
      return error;
    }
    throw new Error("Expected the call to fail, but it succeeded.");
  }

  async function ciphertextOf(userId: string, provider: string): Promise<Buffer> {
    const [row] = await handle.db
      .select({ ciphertext: apiKeys.ciphertext })
      .from(apiKeys)
      .where(and(eq(apiKeys.userId, userId), eq(apiKeys.provider, provider)));
    if (!row) throw new Error(`No ${provider} row for ${userId}.`);
    return Buffer.from(row.ciphertext);
  }

  beforeEach(async () => {
    handle = await openTestDatabase(driver);
    witness = new SecretWitness();
    caught = [];
  });

  afterEach(async () => {
    try {
      const dump = await dumpDatabase(handle, await testDatabaseUrl(handle));
      const events = await handle.db.select().from(onboardingEvents);

      expect(witness.leaksInDump(dump)).toEqual([]);
      expect(witness.leaksIn("events", JSON.stringify(events))).toEqual([]);
      for (const [index, error] of caught.entries()) {
        expect(witness.leaksIn(`error ${index}`, describeError(error))).toEqual([]);
      }
    } finally {
      await handle.close();
    }
  });

  it("finds a planted secret in every part of the dump", async () => {
    const user = await createTestUser(handle);
    const planted = new SecretWitness();
    const leaked = planted.remember(`planted-${crypto.randomUUID()}`);
    await handle.db.insert(onboardingEvents).values({
      userId: user.id,
      type: "key_used",
      detail: { oops: leaked },
    });

    const dump = await dumpDatabase(handle, await testDatabaseUrl(handle));
    const rawPart = driver === "pglite" ? "PGlite data directory" : "pg_dump";

    expect(dump.map((part) => part.label)).toContain(rawPart);
    expect(
      planted.leaksIn(
        "rows",
        dump.find((part) => part.label.includes("onboarding_events"))?.bytes ?? "",
      ),
    ).toHaveLength(1);
    expect(
      planted.leaksIn(rawPart, dump.find((part) => part.label === rawPart)?.bytes ?? ""),
    ).toHaveLength(1);
  });

  it("saves, lists and uses a key", async () => {
    const user = await createTestUser(handle);
    const key = secret("AIza");

    const saved = await save(user.id, "gemini", key);
    const listed = await listApiKeys(handle.db, keyring, { userId: user.id });
    const used = await useApiKey(handle.db, keyring, {
      userId: user.id,
      provider: "gemini",
      purpose: "test",
    });

    expect(saved).toMatchObject({ provider: "gemini", last4: key.slice(-4), status: "unverified" });
    expect(listed).toEqual([saved]);
    expect(used).toBe(key);
  });

  it("records each use without key material", async () => {
    const user = await createTestUser(handle);
    await save(user.id, "openai", secret("sk-"));

    await useApiKey(handle.db, keyring, { userId: user.id, provider: "openai", purpose: "draft" });
    const events = await handle.db
      .select({ type: onboardingEvents.type, detail: onboardingEvents.detail })
      .from(onboardingEvents)
      .where(eq(onboardingEvents.userId, user.id));

    expect(events).toContainEqual({
      type: "key_used",
      detail: { provider: "openai", purpose: "draft" },
    });
    expect(events.map((event) => event.type).sort()).toEqual(["key_saved", "key_used"]);
  });

  it("stores different ciphertexts for the same key", async () => {
    const user = await createTestUser(handle);
    const key = secret("sk-");

    await save(user.id, "openai", key);
    const first = await ciphertextOf(user.id, "openai");
    await save(user.id, "openai", key);
    const second = await ciphertextOf(user.id, "openai");

    expect(first.equals(second)).toBe(false);
    expect(first.includes(Buffer.from(key))).toBe(false);
  });

  it("rejects a ciphertext moved to another user", async () => {
    const alice = await createTestUser(handle, "alice");
    const mallory = await createTestUser(handle, "mallory");
    await save(alice.id, "gemini", secret("AIza"));
    await save(mallory.id, "gemini", secret("AIza"));

    await handle.db
      .update(apiKeys)
      .set({ ciphertext: await ciphertextOf(alice.id, "gemini") })
      .where(and(eq(apiKeys.userId, mallory.id), eq(apiKeys.provider, "gemini")));
    const listed = await listApiKeys(handle.db, keyring, { userId: mallory.id });
    const error = await failureOf(
      useApiKey(handle.db, keyring, { userId: mallory.id, provider: "gemini", purpose: "steal" }),
    );
    const alicesList = await listApiKeys(handle.db, keyring, { userId: alice.id });

    expect(listed[0]?.status).toBe("needs_reentry");
    expect(listed[0]?.statusReason).toContain("integrity check");
    expect(error).toBeInstanceOf(DecryptionError);
    expect(alicesList[0]?.status).toBe("unverified");
  });

  it("rejects a ciphertext moved to another provider", async () => {
    const user = await createTestUser(handle);
    await save(user.id, "openai", secret("sk-"));
    await save(user.id, "mistral", secret("m"));

    await handle.db
      .update(apiKeys)
      .set({ ciphertext: await ciphertextOf(user.id, "openai") })
      .where(and(eq(apiKeys.userId, user.id), eq(apiKeys.provider, "mistral")));
    const listed = await listApiKeys(handle.db, keyring, { userId: user.id });
    const error = await failureOf(
      useApiKey(handle.db, keyring, { userId: user.id, provider: "mistral", purpose: "test" }),
    );

    expect(listed.map((key) => [key.provider, key.status])).toEqual([
      ["mistral", "needs_reentry"],
      ["openai", "unverified"],
    ]);
    expect(error).toBeInstanceOf(DecryptionError);
  });

  it("marks a tampered key needs_reentry until it is saved again", async () => {
    const user = await createTestUser(handle);
    await save(user.id, "tavily", secret("tvly-"));

    await handle.db.execute(sql`
      UPDATE api_keys SET ciphertext = set_byte(ciphertext, 20, get_byte(ciphertext, 20) # 1)
      WHERE user_id = ${user.id} AND provider = 'tavily'`);
    const error = await failureOf(
      useApiKey(handle.db, keyring, { userId: user.id, provider: "tavily", purpose: "test" }),
    );
    const marked = await getApiKeySummary(handle.db, { userId: user.id, provider: "tavily" });
    const listed = await listApiKeys(handle.db, keyring, { userId: user.id });
    const resaved = await save(user.id, "tavily", secret("tvly-"));

    expect(error).toBeInstanceOf(DecryptionError);
    expect(marked.status).toBe("needs_reentry");
    expect(listed[0]?.status).toBe("needs_reentry");
    expect(resaved.status).toBe("unverified");
    expect(resaved.statusReason).toBeNull();
  });

  it("marks a relabelled key_id as tampered", async () => {
    const user = await createTestUser(handle);
    await save(user.id, "openai", secret("sk-"), onlyK1);
    await handle.db.execute(sql`
      UPDATE api_keys SET key_id = 'k2' WHERE user_id = ${user.id} AND provider = 'openai'`);

    const listed = await listApiKeys(handle.db, keyring, { userId: user.id });
    const error = await failureOf(
      useApiKey(handle.db, keyring, { userId: user.id, provider: "openai", purpose: "test" }),
    );

    expect(listed[0]?.status).toBe("needs_reentry");
    expect(listed[0]?.statusReason).toContain("key_id column");
    expect(error).toBeInstanceOf(DecryptionError);
  });

  it("marks keys of a retired master key and recovers when it returns", async () => {
    const user = await createTestUser(handle);
    const key = secret("hf_");
    await save(user.id, "huggingface", key, onlyK1);
    const withoutK1 = parseKeyring(value.split(",")[0]);

    const retired = await listApiKeys(handle.db, withoutK1, { userId: user.id });
    const error = await failureOf(
      useApiKey(handle.db, withoutK1, { userId: user.id, provider: "huggingface", purpose: "t" }),
    );
    const restored = await listApiKeys(handle.db, keyring, { userId: user.id });

    expect(retired[0]?.status).toBe("needs_reentry");
    expect(retired[0]?.statusReason).toContain('master key "k1"');
    expect(error).toBeInstanceOf(DecryptionError);
    expect(restored[0]?.status).toBe("unverified");
    expect(
      await useApiKey(handle.db, keyring, {
        userId: user.id,
        provider: "huggingface",
        purpose: "t",
      }),
    ).toBe(key);
  });

  it("raises NotFoundError for a missing key", async () => {
    const user = await createTestUser(handle);

    const error = await failureOf(
      useApiKey(handle.db, keyring, { userId: user.id, provider: "openai", purpose: "test" }),
    );

    expect(error).toBeInstanceOf(NotFoundError);
  });

  it("keeps the key out of a failing insert's error", async () => {
    const user = await createTestUser(handle);
    const key = secret("sk-");

    const violation = await failureOf(save(user.id, "Not A Provider!", key));
    const ghost = await failureOf(save("no-such-user", "openai", secret("sk-")));

    expect(violation).toBeInstanceOf(VaultDatabaseError);
    expect(violation).toMatchObject({ code: "23514", constraint: "api_keys_provider_format" });
    expect(describeError(violation)).not.toMatch(/params|\\x[0-9a-f]{16}/);
    expect(ghost).toBeInstanceOf(UnknownUserError);
  });

  it("records a verification only for the key that was checked", async () => {
    const user = await createTestUser(handle);
    const params = { userId: user.id, provider: "openai", cooldownSeconds: 0 };
    await save(user.id, "openai", secret("sk-"));

    const stale = await openApiKeyForVerification(handle.db, keyring, params);
    await save(user.id, "openai", secret("sk-"));
    if (!("stamp" in stale)) throw new Error("The first key did not open.");
    const ignored = await recordVerification(handle.db, {
      ...params,
      stamp: stale.stamp,
      outcome: { status: "invalid", reason: "rejected", httpStatus: 401 },
    });
    const fresh = await openApiKeyForVerification(handle.db, keyring, params);
    if (!("stamp" in fresh)) throw new Error("The second key did not open.");
    const recorded = await recordVerification(handle.db, {
      ...params,
      stamp: fresh.stamp,
      outcome: { status: "valid", reason: null, httpStatus: 200 },
    });
    const verifiedEvents = await queryRows<{ detail: unknown }>(
      handle.db,
      sql`SELECT detail FROM onboarding_events WHERE user_id = ${user.id} AND type = 'key_verified'`,
    );

    expect(ignored.status).toBe("unverified");
    expect(recorded.status).toBe("valid");
    expect(recorded.verifiedAt).toBeInstanceOf(Date);
    expect(recorded.updatedAt).toEqual(ignored.updatedAt);
    expect(verifiedEvents).toEqual([
      { detail: { provider: "openai", status: "valid", httpStatus: 200 } },
    ]);
  });

  it("spaces checks of one key", async () => {
    const user = await createTestUser(handle);
    const params = { userId: user.id, provider: "mistral", cooldownSeconds: 60 };
    await save(user.id, "mistral", secret("m"));

    const first = await openApiKeyForVerification(handle.db, keyring, params);
    // Saving a key again must not reopen the checks.
    await save(user.id, "mistral", secret("m"));
    const second = await openApiKeyForVerification(handle.db, keyring, params).catch(
      (error: unknown) => error,
    );
    await queryRows(
      handle.db,
      sql`UPDATE api_keys SET verification_started_at = now() - interval '61 seconds'
          WHERE user_id = ${user.id} AND provider = 'mistral'`,
    );
    const later = await openApiKeyForVerification(handle.db, keyring, params);

    expect(first).toHaveProperty("key");
    expect(second).toBeInstanceOf(TooSoonError);
    expect((second as TooSoonError).retryAfterSeconds).toBeGreaterThan(55);
    expect((second as TooSoonError).retryAfterSeconds).toBeLessThanOrEqual(60);
    expect((second as TooSoonError).message).toMatch(/check it again in \d+ seconds/);
    expect(later).toHaveProperty("key");
  });

  it("returns needs_reentry instead of a key that does not decrypt", async () => {
    const user = await createTestUser(handle);
    await save(user.id, "serper", secret("f"), onlyK1);

    const opened = await openApiKeyForVerification(handle.db, parseKeyring(value.split(",")[0]), {
      userId: user.id,
      provider: "serper",
      cooldownSeconds: 60,
    });

    expect(opened).toEqual({ summary: expect.objectContaining({ status: "needs_reentry" }) });
  });
});
