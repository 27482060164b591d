import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../client";
import { DomainError, UnknownUserError } from "../errors";
import { legacyImports } from "../schema";
import { queryRows } from "../sql-rows";
import { createTestUser, openTestDatabase, testDrivers } from "../testing/test-database";
import { saveApiKey } from "../vault";
import { parseKeyring } from "../vault/keyring";
import { DeletionNotConfirmedError, exportUserData, removeAccount } from "./account";
import { markStepCompleted, saveStepData } from "./onboarding";
import type { ResearchStepData } from "./step-data";

const keyring = parseKeyring(`test:${Buffer.alloc(32, 5).toString("base64")}`);
const GEMINI_KEY = `AIza${"q".repeat(35)}`;

const research: ResearchStepData = {
  researchDepth: "expert",
  contentTypes: ["articles"],
  autoResearch: false,
  factualContent: true,
  competitors: ["https://rival.example/"],
};

/** Counts the rows that reference `userId`, per table: `users` by id, every other by user_id. */
async function rowCountsOf(handle: DatabaseHandle, userId: string): Promise<Map<string, number>> {
  const tables = await queryRows<{ table_name: string }>(
    handle.db,
    sql`SELECT table_name FROM information_schema.columns
        WHERE table_schema = 'public' AND column_name = 'user_id'
        ORDER BY table_name`,
  );
  const counts = new Map<string, number>();
  const [users] = await queryRows<{ n: number }>(
    handle.db,
    sql`SELECT count(*)::int AS n FROM users WHERE id = ${userId}`,
  );
  counts.set("users", users?.n ?? -1);
  for (const { table_name: table } of tables) {
    const [row] = await queryRows<{ n: number }>(
      handle.db,
      sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)} WHERE user_id = ${userId}`,
    );
    counts.set(table, row?.n ?? -1);
  }
  return counts;
}

/** Gives the user a row in every user-owned table: keys, session, steps, events, typed data. */
async function fillAccount(handle: DatabaseHandle, userId: string): Promise<void> {
  await saveApiKey(handle.db, keyring, { userId, provider: "gemini", key: GEMINI_KEY });
  await markStepCompleted(handle.db, { userId, stepNumber: 1, requiredProviders: ["gemini"] });
  await markStepCompleted(handle.db, {
    userId,
    stepNumber: 2,
    data: {
      websiteUrl: null,
      domainName: null,
      useAnalysisForGenAi: false,
      analysisDate: null,
      writingStyle: null,
      contentCharacteristics: null,
      targetAudience: { description: "Bakers" },
      contentType: null,
      recommendedSettings: null,
      businessData: { businessName: "Crumb", industry: "Food", description: "Bread" },
    },
  });
  await markStepCompleted(handle.db, { userId, stepNumber: 3, data: research });
  await saveStepData(handle.db, { userId, stepNumber: 4, draft: { personaName: "Half typed" } });
  await handle.db.insert(legacyImports).values({
    userId,
    sourceSha256: "ab".repeat(32),
    sourceName: "progress.json",
    summary: { steps: 3 },
  });
  await handle.db.execute(
    sql`INSERT INTO accounts (user_id, type, provider, provider_account_id, access_token)
        VALUES (${userId}, 'oauth', 'github', ${`gh-${userId}`}, 'oauth-access-token-secret')`,
  );
}

describe.each(testDrivers())("account repository on %s", (driver) => {
  let handle: DatabaseHandle;

  beforeEach(async () => {
    handle = await openTestDatabase(driver);
  });

  afterEach(async () => {
    await handle.close();
  });

  it("exports every part of the account", async () => {
    const user = await createTestUser(handle, "exporter");
    await fillAccount(handle, user.id);

    const exported = await exportUserData(handle.db, { userId: user.id });

    expect(exported.account).toMatchObject({ id: user.id, email: user.email, name: "exporter" });
    expect(exported.account.linkedAccounts).toEqual([
      { type: "oauth", provider: "github", providerAccountId: `gh-${user.id}` },
    ]);
    expect(exported.progress?.currentStep).toBe(4);
    expect(exported.steps.map((step) => step.status)).toEqual([
      "completed",
      "completed",
      "completed",
      "in_progress",
      "pending",
      "pending",
    ]);
    expect(exported.steps[3]?.draft).toEqual({ personaName: "Half typed" });
    expect(exported.stepData.map((entry) => entry.stepNumber)).toEqual([2, 3]);
    expect(exported.stepData[1]?.data).toEqual(research);
    expect(exported.apiKeys).toMatchObject([{ provider: "gemini", last4: GEMINI_KEY.slice(-4) }]);
    expect(exported.events.map((event) => event.type)).toContain("key_saved");
    expect(exported.events.map((event) => event.type)).toContain("draft_saved");
    expect(exported.legacyImports).toMatchObject([{ sourceName: "progress.json" }]);
  });

  it("exports no secret", async () => {
    const user = await createTestUser(handle);
    await fillAccount(handle, user.id);
    const [stored] = await queryRows<{ hex: string }>(
      handle.db,
      sql`SELECT encode(ciphertext, 'hex') AS hex FROM api_keys WHERE user_id = ${user.id}`,
    );
    const ciphertext = Buffer.from(stored?.hex ?? "", "hex");

    const json = JSON.stringify(await exportUserData(handle.db, { userId: user.id }));

    expect(ciphertext.length).toBeGreaterThan(16);
    expect(json).not.toContain(GEMINI_KEY);
    expect(json).not.toContain(ciphertext.toString("hex"));
    expect(json).not.toContain(ciphertext.toString("base64"));
    expect(json).not.toContain("ciphertext");
    expect(json).not.toContain("$argon2id$");
    expect(json).not.toContain("oauth-access-token-secret");
  });

  it("exports only the owner's rows", async () => {
    const owner = await createTestUser(handle, "owner");
    const other = await createTestUser(handle, "other");
    await fillAccount(handle, other.id);

    const exported = await exportUserData(handle.db, { userId: owner.id });

    expect(exported.account.email).toBe(owner.email);
    expect(exported.progress).toBeNull();
    expect(exported.steps).toEqual([]);
    expect(exported.stepData).toEqual([]);
    expect(exported.apiKeys).toEqual([]);
    expect(exported.events).toEqual([]);
    expect(exported.legacyImports).toEqual([]);
    expect(exported.account.linkedAccounts).toEqual([]);
    expect(JSON.stringify(exported)).not.toContain(other.id);
  });

  it("export of a missing user fails", async () => {
    const missing = exportUserData(handle.db, { userId: "no-such-user" });

    await expect(missing).rejects.toBeInstanceOf(UnknownUserError);
  });

  it("removes every row of the user", async () => {
    const user = await createTestUser(handle);
    await fillAccount(handle, user.id);
    const before = await rowCountsOf(handle, user.id);

    await removeAccount(handle.db, {
      userId: user.id,
      confirmEmail: ` ${user.email.toUpperCase()}`,
    });
    const after = await rowCountsOf(handle, user.id);

    expect(before.get("api_keys")).toBe(1);
    expect(before.get("onboarding_steps")).toBe(6);
    expect(before.get("legacy_imports")).toBe(1);
    expect(before.get("accounts")).toBe(1);
    for (const [table, count] of after) {
      expect(count, `rows left in ${table}`).toBe(0);
    }
  });

  it("removal keeps other users' rows", async () => {
    const leaving = await createTestUser(handle, "leaving");
    const staying = await createTestUser(handle, "staying");
    await fillAccount(handle, leaving.id);
    await fillAccount(handle, staying.id);
    const before = await rowCountsOf(handle, staying.id);

    await removeAccount(handle.db, { userId: leaving.id, confirmEmail: leaving.email });
    const after = await rowCountsOf(handle, staying.id);

    expect(after).toEqual(before);
    expect(after.get("users")).toBe(1);
  });

  it("removal rejects a wrong email", async () => {
    const user = await createTestUser(handle);
    const other = await createTestUser(handle);
    await fillAccount(handle, user.id);
    const before = await rowCountsOf(handle, user.id);

    const attempt = removeAccount(handle.db, { userId: user.id, confirmEmail: other.email });

    await expect(attempt).rejects.toBeInstanceOf(DeletionNotConfirmedError);
    await expect(attempt).rejects.toBeInstanceOf(DomainError);
    expect(await rowCountsOf(handle, user.id)).toEqual(before);
  });

  it("removal of a missing user fails", async () => {
    const attempt = removeAccount(handle.db, { userId: "no-such-user", confirmEmail: "a@b.test" });

    await expect(attempt).rejects.toBeInstanceOf(UnknownUserError);
  });
});
