import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "./client";
import { sqlStateOf } from "./errors";
import { getProgress, markStepCompleted, saveStepData } from "./repositories";
import {
  apiKeys,
  onboardingEvents,
  onboardingSessions,
  onboardingSteps,
  personaData,
  platformIntegrations,
  researchPreferences,
  users,
  websiteAnalyses,
} from "./schema";
import { queryRows } from "./sql-rows";
import { createTestUser, openTestDatabase, testDrivers } from "./testing/test-database";
import { APP_ROLE, withUserScope } from "./user-scope";
import { parseKeyring, saveApiKey } from "./vault";

const keyring = parseKeyring(`rls:${Buffer.alloc(32, 5).toString("base64")}`);
const INSUFFICIENT_PRIVILEGE = "42501";

const userOwnedTables = {
  api_keys: apiKeys,
  onboarding_events: onboardingEvents,
  onboarding_sessions: onboardingSessions,
  onboarding_steps: onboardingSteps,
  persona_data: personaData,
  platform_integrations: platformIntegrations,
  research_preferences: researchPreferences,
  website_analyses: websiteAnalyses,
};

/** Gives a user a row in every user-owned table. */
async function seedEverything(handle: DatabaseHandle, userId: string) {
  await saveApiKey(handle.db, keyring, {
    userId,
    provider: "gemini",
    key: `AIza${"r".repeat(35)}`,
  });
  await markStepCompleted(handle.db, { userId, stepNumber: 1, requiredProviders: ["gemini"] });
  await markStepCompleted(handle.db, {
    userId,
    stepNumber: 2,
    data: {
      websiteUrl: "https://example.com/",
      domainName: "example.com",
      useAnalysisForGenAi: true,
      analysisDate: null,
      writingStyle: null,
      contentCharacteristics: null,
      targetAudience: null,
      contentType: null,
      recommendedSettings: null,
      businessData: null,
    },
  });
  await markStepCompleted(handle.db, {
    userId,
    stepNumber: 3,
    data: {
      researchDepth: "basic",
      contentTypes: ["blog_posts"],
      autoResearch: false,
      factualContent: true,
      competitors: [],
    },
  });
  await markStepCompleted(handle.db, {
    userId,
    stepNumber: 4,
    data: {
      corePersona: { personaName: userId },
      platformPersonas: {},
      qualityMetrics: {},
      selectedPlatforms: ["blog"],
    },
  });
  await markStepCompleted(handle.db, {
    userId,
    stepNumber: 5,
    data: { primaryPlatform: null, analytics: {}, social: {} },
  });
  await saveStepData(handle.db, { userId, stepNumber: 6, draft: { owner: userId } }).catch(
    () => undefined,
  );
}

describe.each(testDrivers())("row-level security on %s", (driver) => {
  let handle: DatabaseHandle;
  let alice: { id: string };
  let bob: { id: string };

  beforeEach(async () => {
    handle = await openTestDatabase(driver);
    alice = await createTestUser(handle, "alice");
    bob = await createTestUser(handle, "bob");
    await seedEverything(handle, alice.id);
    await seedEverything(handle, bob.id);
  });

  afterEach(async () => {
    await handle.close();
  });

  it("runs requests as the restricted role", async () => {
    const [role] = await withUserScope(handle.db, bob.id, (tx) =>
      queryRows<{ name: string; superuser: boolean; bypass: boolean }>(
        tx,
        sql`SELECT current_user AS name, rolsuper AS superuser, rolbypassrls AS bypass
            FROM pg_roles WHERE rolname = current_user`,
      ),
    );

    expect(role?.name).toBe(APP_ROLE);
    expect(role?.superuser).toBe(false);
    expect(role?.bypass).toBe(false);
  });

  it("shows unfiltered selects only own rows", async () => {
    for (const [name, table] of Object.entries(userOwnedTables)) {
      const seen = await withUserScope(handle.db, bob.id, (tx) =>
        tx.select({ userId: table.userId }).from(table),
      );
      expect(seen.length, `${name} has rows for bob`).toBeGreaterThan(0);
      expect(
        seen.every((row) => row.userId === bob.id),
        `${name} shows only bob's rows`,
      ).toBe(true);
    }
    const visibleUsers = await withUserScope(handle.db, bob.id, (tx) =>
      tx.select({ id: users.id }).from(users),
    );
    expect(visibleUsers).toEqual([{ id: bob.id }]);
  });

  it("rejects writing another user's row", async () => {
    const attempt = withUserScope(handle.db, bob.id, (tx) =>
      tx.insert(onboardingEvents).values({ userId: alice.id, type: "navigated" }),
    );

    const error = await attempt.catch((caught: unknown) => caught);
    expect(sqlStateOf(error)).toBe(INSUFFICIENT_PRIVILEGE);
  });

  it("cannot change or delete another user's rows", async () => {
    const updated = await withUserScope(handle.db, bob.id, (tx) =>
      tx
        .update(onboardingSessions)
        .set({ currentStep: 1 })
        .where(sql`${onboardingSessions.userId} = ${alice.id}`)
        .returning({ id: onboardingSessions.id }),
    );
    const deleted = await withUserScope(handle.db, bob.id, (tx) =>
      tx.delete(apiKeys).returning({ id: apiKeys.id }),
    );
    const aliceKeys = await handle.db
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(sql`${apiKeys.userId} = ${alice.id}`);

    expect(updated).toHaveLength(0);
    expect(deleted).toHaveLength(1);
    expect(aliceKeys).toHaveLength(1);
  });

  it("scopes the repositories too", async () => {
    const progress = await withUserScope(handle.db, bob.id, (tx) =>
      getProgress(tx, { userId: alice.id }),
    ).catch((caught: unknown) => caught);

    expect(sqlStateOf(progress)).toBe(INSUFFICIENT_PRIVILEGE);
  });

  it("forces security on every user table", async () => {
    const tables = await queryRows<{
      name: string;
      enabled: boolean;
      forced: boolean;
      policies: number;
    }>(
      handle.db,
      sql`SELECT c.relname AS name, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
                 (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
          FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind = 'r'
            AND EXISTS (SELECT 1 FROM pg_attribute a
                        WHERE a.attrelid = c.oid AND a.attname = 'user_id' AND NOT a.attisdropped)
          ORDER BY c.relname`,
    );

    expect(tables.length).toBeGreaterThanOrEqual(Object.keys(userOwnedTables).length);
    for (const table of tables) {
      expect(table.enabled, `${table.name} enables RLS`).toBe(true);
      expect(table.forced, `${table.name} forces RLS`).toBe(true);
      expect(table.policies, `${table.name} has policies`).toBeGreaterThanOrEqual(2);
    }
  });

  it("denies the migrations table", async () => {
    const attempt = withUserScope(handle.db, bob.id, (tx) =>
      queryRows(tx, sql`SELECT count(*) FROM drizzle.__drizzle_migrations`),
    );

    const error = await attempt.catch((caught: unknown) => caught);
    expect(sqlStateOf(error)).toBe(INSUFFICIENT_PRIVILEGE);
  });
});
