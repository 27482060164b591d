import type { DatabaseHandle } from "@onboarding/db";
import { createTestUser, openTestDatabase, testDrivers } from "@onboarding/db/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Services } from "../services";
import {
  buildServices,
  type Caller,
  callerFor,
  EXA_KEY,
  geminiKey,
  rejectionOf,
  userCaller,
} from "../test-support";

const GEMINI_KEY = geminiKey("k");

/** Runs raw SQL on either driver and returns its rows. */
async function rows<Row>(handle: DatabaseHandle, query: string): Promise<Row[]> {
  const result = (await handle.db.execute(query)) as unknown;
  return Array.isArray(result) ? (result as Row[]) : ((result as { rows: Row[] }).rows ?? []);
}

/** Quotes a value as an SQL string literal, because the API package has no query builder. */
const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** Counts the rows that reference `userId` in `users` and in every table with a user_id. */
async function rowCountsOf(handle: DatabaseHandle, userId: string): Promise<Map<string, number>> {
  const tables = await rows<{ table_name: string }>(
    handle,
    `SELECT table_name FROM information_schema.columns
     WHERE table_schema = 'public' AND column_name = 'user_id'
     ORDER BY table_name`,
  );
  const counts = new Map<string, number>();
  const [user] = await rows<{ n: number }>(
    handle,
    `SELECT count(*)::int AS n FROM users WHERE id = ${literal(userId)}`,
  );
  counts.set("users", user?.n ?? -1);
  for (const { table_name: table } of tables) {
    const [row] = await rows<{ n: number }>(
      handle,
      `SELECT count(*)::int AS n FROM "${table}" WHERE user_id = ${literal(userId)}`,
    );
    counts.set(table, row?.n ?? -1);
  }
  return counts;
}

/** Stores both keys, completes steps 1 and 2 and leaves a draft on step 3. */
async function walkHalfway(caller: Caller, site: string): Promise<void> {
  await caller.apiKeys.save({ provider: "gemini", key: GEMINI_KEY });
  await caller.apiKeys.save({ provider: "exa", key: EXA_KEY });
  await caller.onboarding.completeStep({ stepNumber: 1 });
  await caller.onboarding.completeStep({
    stepNumber: 2,
    data: {
      mode: "website",
      websiteUrl: site,
      writingTone: "friendly",
      targetAudience: "Readers",
      primaryContentType: "articles",
    },
  });
  await caller.onboarding.saveStep({ stepNumber: 3, draft: { researchDepth: "basic" } });
}

describe.each(testDrivers())("account router on %s", (driver) => {
  let handle: DatabaseHandle;
  let services: Services;

  beforeEach(async () => {
    handle = await openTestDatabase(driver);
    services = buildServices(handle);
  });

  afterEach(async () => {
    await handle.close();
  });

  it("rejects calls without a user", async () => {
    const caller = callerFor(services, null);

    const exported = await rejectionOf(caller.account.export(), "account.export");
    const deleted = await rejectionOf(
      caller.account.delete({ confirmEmail: "a@example.test" }),
      "account.delete",
    );

    expect(exported.error.code).toBe("UNAUTHORIZED");
    expect(deleted.error.code).toBe("UNAUTHORIZED");
  });

  it("exports own data with masked keys", async () => {
    const user = await createTestUser(handle, "exporter");
    const caller = userCaller(services, user.id);
    await walkHalfway(caller, "mine.example");

    const exported = await caller.account.export();

    expect(exported.account.email).toBe(user.email);
    expect(exported.progress?.currentStep).toBe(3);
    expect(exported.steps.find((step) => step.stepNumber === 3)?.draft).toEqual({
      researchDepth: "basic",
    });
    expect(exported.stepData).toMatchObject([
      { stepNumber: 2, data: { websiteUrl: "https://mine.example/" } },
    ]);
    expect(exported.apiKeys.map((key) => [key.provider, key.last4])).toEqual([
      ["exa", EXA_KEY.slice(-4)],
      ["gemini", GEMINI_KEY.slice(-4)],
    ]);
    expect(exported.events.length).toBeGreaterThan(0);
  });

  it("exports no key or ciphertext", async () => {
    const user = await createTestUser(handle);
    const caller = userCaller(services, user.id);
    await walkHalfway(caller, "secret.example");
    const stored = await rows<{ hex: string }>(
      handle,
      `SELECT encode(ciphertext, 'hex') AS hex FROM api_keys WHERE user_id = ${literal(user.id)}`,
    );

    const json = JSON.stringify(await caller.account.export());

    expect(stored).toHaveLength(2);
    expect(json).not.toContain(GEMINI_KEY);
    expect(json).not.toContain(EXA_KEY);
    expect(json).not.toContain("ciphertext");
    for (const { hex } of stored) {
      const blob = Buffer.from(hex, "hex");
      expect(json).not.toContain(blob.toString("hex"));
      expect(json).not.toContain(blob.toString("base64"));
    }
  });

  it("exports nothing of other users", async () => {
    const alice = await createTestUser(handle, "alice");
    const bob = await createTestUser(handle, "bob");
    await walkHalfway(userCaller(services, alice.id), "alice.example");

    const exported = await userCaller(services, bob.id).account.export();
    const json = JSON.stringify(exported);

    expect(exported.account.id).toBe(bob.id);
    expect(exported.apiKeys).toEqual([]);
    expect(exported.stepData).toEqual([]);
    expect(json).not.toContain(alice.id);
    expect(json).not.toContain("alice.example");
  });

  it("deletes only with the account's email", async () => {
    const user = await createTestUser(handle);
    const caller = userCaller(services, user.id);
    await walkHalfway(caller, "kept.example");
    const before = await rowCountsOf(handle, user.id);

    const wrong = await rejectionOf(caller.account.delete({ confirmEmail: "someone@else.test" }));
    const missing = await rejectionOf(caller.account.delete({} as never));

    expect(wrong.error.code).toBe("BAD_REQUEST");
    expect(wrong.error.message).toMatch(/^confirmEmail: /);
    expect(missing.error.code).toBe("BAD_REQUEST");
    expect(Object.keys(missing.shape.data.fieldErrors ?? {})).toContain("confirmEmail");
    expect(await rowCountsOf(handle, user.id)).toEqual(before);
  });

  it("deletes every row of the caller", async () => {
    const leaving = await createTestUser(handle, "leaving");
    const staying = await createTestUser(handle, "staying");
    const asLeaving = userCaller(services, leaving.id);
    const asStaying = userCaller(services, staying.id);
    await walkHalfway(asLeaving, "leaving.example");
    await walkHalfway(asStaying, "staying.example");
    const leavingBefore = await rowCountsOf(handle, leaving.id);
    const stayingBefore = await rowCountsOf(handle, staying.id);

    const result = await asLeaving.account.delete({ confirmEmail: leaving.email.toUpperCase() });
    const leavingAfter = await rowCountsOf(handle, leaving.id);
    const stayingAfter = await rowCountsOf(handle, staying.id);
    const exportAfter = await rejectionOf(asLeaving.account.export(), "export after delete");

    expect(result).toEqual({ deleted: true });
    expect(leavingBefore.get("api_keys")).toBe(2);
    expect(leavingBefore.get("onboarding_events")).toBeGreaterThan(0);
    for (const [table, count] of leavingAfter) {
      expect(count, `rows of the deleted user left in ${table}`).toBe(0);
    }
    expect(stayingAfter).toEqual(stayingBefore);
    expect(exportAfter.error.code).toBe("UNAUTHORIZED");
    expect((await asStaying.onboarding.getProgress()).currentStep).toBe(3);
  });
});
