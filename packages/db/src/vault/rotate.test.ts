import { asc, eq, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../client";
import { apiKeys } from "../schema";
import { createTestUser, openTestDatabase, testDrivers } from "../testing/test-database";
import { encryptSecret } from "./cipher";
import { parseKeyring } from "./keyring";
import { countRowsOnOldKeys, rotateApiKeys } from "./rotate";
import {
  dumpDatabase,
  lostKeys,
  randomKeyring,
  SecretWitness,
  type SeededKey,
  seedKeys,
  testDatabaseUrl,
} from "./test-support";

async function tamper(handle: DatabaseHandle, row: SeededKey): Promise<void> {
  await handle.db.execute(sql`
    UPDATE api_keys SET ciphertext = set_byte(ciphertext, 30, get_byte(ciphertext, 30) # 1)
    WHERE user_id = ${row.userId} AND provider = ${row.provider}`);
}

async function statusOf(handle: DatabaseHandle, row: SeededKey) {
  const [found] = await handle.db
    .select({ status: apiKeys.status, keyId: apiKeys.keyId, ciphertext: apiKeys.ciphertext })
    .from(apiKeys)
    .where(sql`${apiKeys.userId} = ${row.userId} AND ${apiKeys.provider} = ${row.provider}`);
  return found;
}

describe.each(testDrivers())("key rotation on %s", (driver) => {
  const { value } = randomKeyring("k3", "k2", "k1");
  const [k3, k2, k1] = value.split(",") as [string, string, string];
  const ring = (...entries: string[]) => parseKeyring(entries.join(","));
  let handle: DatabaseHandle;
  let witness: SecretWitness;

  beforeEach(async () => {
    handle = await openTestDatabase(driver);
    witness = new SecretWitness();
  });

  afterEach(async () => {
    try {
      const dump = await dumpDatabase(handle, await testDatabaseUrl(handle));
      expect(witness.leaksInDump(dump)).toEqual([]);
    } finally {
      await handle.close();
    }
  });

  it("rotates 1000 rows across two key changes without losing one", async () => {
    const seeded = await seedKeys(handle, ring(k1), 1000, witness);
    const stop = new AbortController();

    const interrupted = await rotateApiKeys(handle.db, ring(k2, k1), {
      batchSize: 64,
      signal: stop.signal,
      onBatch: (progress) => {
        if (progress.batch === 3) stop.abort();
      },
    });
    const lostMidway = await lostKeys(handle, ring(k2, k1), seeded);
    const resumed = await rotateApiKeys(handle.db, ring(k2, k1), { batchSize: 64 });
    const lostOnK2 = await lostKeys(handle, ring(k2), seeded);
    const second = await rotateApiKeys(handle.db, ring(k3, k2));
    const lostOnK3 = await lostKeys(handle, ring(k3), seeded);

    expect(interrupted).toMatchObject({ interrupted: true, processed: 192, reencrypted: 192 });
    expect(interrupted.remaining).toEqual([
      { keyId: "k1", rows: 808, needsReentry: 0, inKeyring: true },
    ]);
    expect(lostMidway).toHaveLength(0);
    expect(resumed).toMatchObject({
      interrupted: false,
      total: 808,
      reencrypted: 808,
      unreadable: 0,
    });
    expect(resumed.remaining).toEqual([]);
    expect(lostOnK2).toHaveLength(0);
    expect(second).toMatchObject({ total: 1000, reencrypted: 1000, batch: 2, remaining: [] });
    expect(lostOnK3).toHaveLength(0);
  });

  it("writes nothing on a dry run", async () => {
    const seeded = await seedKeys(handle, ring(k1), 30, witness);
    await tamper(handle, seeded[4] as SeededKey);
    const before = await handle.db.select().from(apiKeys).orderBy(asc(apiKeys.id));

    const report = await rotateApiKeys(handle.db, ring(k2, k1), { batchSize: 7, dryRun: true });
    const after = await handle.db.select().from(apiKeys).orderBy(asc(apiKeys.id));

    expect(report).toMatchObject({ dryRun: true, processed: 30, reencrypted: 29, unreadable: 1 });
    expect(report.remaining).toEqual([{ keyId: "k1", rows: 30, needsReentry: 1, inKeyring: true }]);
    expect(after).toEqual(before);
  });

  it("marks rows that fail to decrypt and leaves their ciphertext", async () => {
    const seeded = await seedKeys(handle, ring(k1), 40, witness);
    const tampered = seeded[3] as SeededKey;
    const moved = seeded[17] as SeededKey;
    await tamper(handle, tampered);
    const movedFrom = await statusOf(handle, seeded[0] as SeededKey);
    await handle.db
      .update(apiKeys)
      .set({ ciphertext: movedFrom?.ciphertext })
      .where(sql`${apiKeys.userId} = ${moved.userId} AND ${apiKeys.provider} = ${moved.provider}`);
    const tamperedBefore = await statusOf(handle, tampered);

    const first = await rotateApiKeys(handle.db, ring(k2, k1), { batchSize: 8 });
    const second = await rotateApiKeys(handle.db, ring(k2, k1), { batchSize: 8 });
    const tamperedAfter = await statusOf(handle, tampered);
    const lost = await lostKeys(handle, ring(k2), seeded);

    expect(first).toMatchObject({ processed: 40, reencrypted: 38, unreadable: 2 });
    expect(first.remaining).toEqual([{ keyId: "k1", rows: 2, needsReentry: 2, inKeyring: true }]);
    expect(second).toMatchObject({ processed: 2, reencrypted: 0, unreadable: 2 });
    expect(tamperedAfter?.status).toBe("needs_reentry");
    expect(tamperedAfter?.keyId).toBe("k1");
    expect(
      Buffer.from(tamperedAfter?.ciphertext ?? []).equals(
        Buffer.from(tamperedBefore?.ciphertext ?? []),
      ),
    ).toBe(true);
    expect(lost.sort()).toEqual([tampered.key, moved.key].sort());
  });

  it("rotates by the header key id", async () => {
    const seeded = await seedKeys(handle, ring(k1), 10, witness);
    const relabelled = seeded[6] as SeededKey;
    await handle.db
      .update(apiKeys)
      .set({ keyId: "k2" })
      .where(
        sql`${apiKeys.userId} = ${relabelled.userId} AND ${apiKeys.provider} = ${relabelled.provider}`,
      );

    const dryRun = await rotateApiKeys(handle.db, ring(k2, k1), { dryRun: true });
    const report = await rotateApiKeys(handle.db, ring(k2, k1));
    const after = await statusOf(handle, relabelled);

    expect(dryRun.remaining).toEqual([{ keyId: "k1", rows: 10, needsReentry: 1, inKeyring: true }]);
    expect(report).toMatchObject({ processed: 10, reencrypted: 9, unreadable: 1 });
    expect(report.remaining).toEqual([{ keyId: "k1", rows: 1, needsReentry: 1, inKeyring: true }]);
    expect(after?.status).toBe("needs_reentry");
  });

  it("recovers rows once their missing key is added back", async () => {
    const seeded = await seedKeys(handle, ring(k1), 12, witness);

    const missing = await rotateApiKeys(handle.db, ring(k2));
    const restored = await rotateApiKeys(handle.db, ring(k2, k1));
    const statuses = await handle.db.selectDistinct({ status: apiKeys.status }).from(apiKeys);

    expect(missing).toMatchObject({ reencrypted: 0, unreadable: 12 });
    expect(missing.remaining).toEqual([
      { keyId: "k1", rows: 12, needsReentry: 12, inKeyring: false },
    ]);
    expect(restored).toMatchObject({ reencrypted: 12, unreadable: 0, remaining: [] });
    expect(statuses).toEqual([{ status: "unverified" }]);
    expect(await lostKeys(handle, ring(k2), seeded)).toEqual([]);
  });

  it("dry run counts rows readable again", async () => {
    await seedKeys(handle, ring(k1), 12, witness);
    await rotateApiKeys(handle.db, ring(k2));

    const dryRun = await rotateApiKeys(handle.db, ring(k2, k1), { dryRun: true });

    expect(dryRun).toMatchObject({ reencrypted: 12, unreadable: 0 });
    expect(dryRun.remaining).toEqual([{ keyId: "k1", rows: 12, needsReentry: 0, inKeyring: true }]);
  });

  it("skips rows already on the newest key", async () => {
    const user = await createTestUser(handle);
    const key = witness.remember(`fresh-${crypto.randomUUID()}`);
    const { blob } = encryptSecret(ring(k2), { userId: user.id, provider: "openai" }, key);
    await handle.db
      .insert(apiKeys)
      .values({ userId: user.id, provider: "openai", ciphertext: blob, keyId: "k2", last4: "x" });

    const report = await rotateApiKeys(handle.db, ring(k2, k1));
    const [row] = await handle.db
      .select({ ciphertext: apiKeys.ciphertext })
      .from(apiKeys)
      .where(eq(apiKeys.userId, user.id));

    expect(report).toMatchObject({ total: 0, processed: 0, batch: 0, remaining: [] });
    expect(Buffer.from(row?.ciphertext ?? []).equals(blob)).toBe(true);
    expect(await countRowsOnOldKeys(handle.db, ring(k2, k1))).toEqual([]);
  });
});
