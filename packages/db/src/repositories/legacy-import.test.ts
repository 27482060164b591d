import { randomBytes } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../client";
import {
  legacyImports,
  onboardingEvents,
  onboardingSessions,
  onboardingSteps,
  researchPreferences,
  websiteAnalyses,
} from "../schema";
import { queryRows } from "../sql-rows";
import { createTestUser, openTestDatabase, testDrivers } from "../testing/test-database";
import { parseKeyring, useApiKey } from "../vault";
import {
  ExistingProgressError,
  findExistingProgress,
  importLegacyProgress,
  type LegacyImportPlan,
} from "./legacy-import";
import { saveStepData } from "./onboarding";
import { getOrCreateSession } from "./progress";
import { writeTypedStepData } from "./step-data";

const keyring = parseKeyring(`legacy:${randomBytes(32).toString("base64")}`);
const STARTED_AT = new Date("2025-10-03T15:29:12.878Z");
const COMPLETED_AT = new Date("2025-10-03T15:45:00.100Z");

function planFor(geminiKey: string): LegacyImportPlan {
  return {
    session: { status: "in_progress", currentStep: 3, startedAt: STARTED_AT, completedAt: null },
    steps: [
      { stepNumber: 1, status: "completed", draft: null, completedAt: COMPLETED_AT },
      { stepNumber: 2, status: "completed", draft: null, completedAt: COMPLETED_AT },
      {
        stepNumber: 3,
        status: "in_progress",
        draft: { competitorsText: "https://rival.example.com/" },
        completedAt: null,
      },
      { stepNumber: 4, status: "pending", draft: null, completedAt: null },
      { stepNumber: 5, status: "pending", draft: null, completedAt: null },
      { stepNumber: 6, status: "pending", draft: null, completedAt: null },
    ],
    stepData: [
      {
        stepNumber: 2,
        data: {
          websiteUrl: "https://example.com/",
          domainName: "example.com",
          useAnalysisForGenAi: true,
          analysisDate: null,
          writingStyle: { tone: "professional" },
          contentCharacteristics: null,
          targetAudience: { expertise_level: "intermediate" },
          contentType: null,
          recommendedSettings: null,
          businessData: null,
        },
      },
    ],
    apiKeys: [{ provider: "gemini", key: geminiKey }],
    summary: { formatVersion: 1, counts: { apiKeysImported: 1 } },
  };
}

const geminiKey = () => `AIza${randomBytes(24).toString("hex").slice(0, 35)}`;

describe.each(testDrivers())("legacy import repository on %s", (driver) => {
  let handle: DatabaseHandle;

  // One database for the file, because opening one is slow; each test works on its own user.
  beforeAll(async () => {
    handle = await openTestDatabase(driver);
  });

  afterAll(async () => {
    await handle.close();
  });

  /** Row counts of every table in the public schema, by table name. */
  async function rowCounts(): Promise<Record<string, number>> {
    const tables = await queryRows<{ name: string }>(
      handle.db,
      sql`SELECT table_name AS name FROM information_schema.tables
          WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    const counts: Record<string, number> = {};
    for (const { name } of tables) {
      const [row] = await queryRows<{ n: number }>(
        handle.db,
        sql`SELECT count(*)::int AS n FROM ${sql.identifier(name)}`,
      );
      counts[name] = row?.n ?? -1;
    }
    return counts;
  }

  async function importFor(userId: string, plan: LegacyImportPlan, overwrite = false) {
    return importLegacyProgress(handle.db, keyring, {
      userId,
      sourceSha256: "a".repeat(64),
      sourceName: ".onboarding_progress_7.json",
      plan,
      overwrite,
    });
  }

  it("writes plan rows", async () => {
    const user = await createTestUser(handle);
    const key = geminiKey();

    const result = await importFor(user.id, planFor(key));

    expect(result.status).toBe("imported");
    const steps = await handle.db
      .select({ status: onboardingSteps.status, draft: onboardingSteps.draft })
      .from(onboardingSteps)
      .where(eq(onboardingSteps.userId, user.id))
      .orderBy(onboardingSteps.stepNumber);
    expect(steps.map((step) => step.status)).toEqual([
      "completed",
      "completed",
      "in_progress",
      "pending",
      "pending",
      "pending",
    ]);
    expect(steps[2]?.draft).toEqual({ competitorsText: "https://rival.example.com/" });
    const [session] = await handle.db
      .select()
      .from(onboardingSessions)
      .where(eq(onboardingSessions.userId, user.id));
    expect(session?.version).toBe(2);
    expect(session?.startedAt).toEqual(STARTED_AT);
    expect(session?.currentStep).toBe(3);
    const [website] = await handle.db
      .select({ url: websiteAnalyses.websiteUrl })
      .from(websiteAnalyses)
      .where(eq(websiteAnalyses.userId, user.id));
    expect(website?.url).toBe("https://example.com/");
    const stored = await useApiKey(handle.db, keyring, {
      userId: user.id,
      provider: "gemini",
      purpose: "test",
    });
    expect(stored).toBe(key);
  });

  it("records import and event", async () => {
    const user = await createTestUser(handle);

    await importFor(user.id, planFor(geminiKey()));

    const [record] = await handle.db
      .select()
      .from(legacyImports)
      .where(eq(legacyImports.userId, user.id));
    expect(record?.sourceName).toBe(".onboarding_progress_7.json");
    expect(record?.summary).toEqual({ formatVersion: 1, counts: { apiKeysImported: 1 } });
    const events = await handle.db
      .select({ type: onboardingEvents.type, detail: onboardingEvents.detail })
      .from(onboardingEvents)
      .where(eq(onboardingEvents.userId, user.id));
    const imported = events.find((event) => event.type === "legacy_imported");
    expect(imported?.detail).toMatchObject({ apiKeys: ["gemini"], typedSteps: [2] });
  });

  it("skips second import of same file", async () => {
    const user = await createTestUser(handle);
    await importFor(user.id, planFor(geminiKey()));
    const before = await rowCounts();

    const again = await importFor(user.id, planFor(geminiKey()), true);

    expect(again.status).toBe("already_imported");
    expect(await rowCounts()).toEqual(before);
  });

  it("ignores freshly opened session", async () => {
    const user = await createTestUser(handle);
    await getOrCreateSession(handle.db, { userId: user.id });

    expect(await findExistingProgress(handle.db, { userId: user.id })).toEqual([]);
  });

  it("refuses existing progress", async () => {
    const user = await createTestUser(handle);
    await saveStepData(handle.db, { userId: user.id, stepNumber: 2, draft: { websiteUrl: "x" } });
    const before = await rowCounts();

    const failure = await importFor(user.id, planFor(geminiKey())).catch((error) => error);

    expect(failure).toBeInstanceOf(ExistingProgressError);
    expect((failure as ExistingProgressError).findings).toEqual([
      "step 2 is in progress",
      "step 2 has a draft",
    ]);
    expect(await rowCounts()).toEqual(before);
  });

  it("overwrites progress when asked", async () => {
    const user = await createTestUser(handle);
    await writeTypedStepData(handle.db, user.id, {
      stepNumber: 3,
      data: {
        researchDepth: "basic",
        contentTypes: ["blog_posts"],
        autoResearch: false,
        factualContent: true,
        competitors: [],
      },
    });

    const result = await importFor(user.id, planFor(geminiKey()), true);

    if (result.status !== "imported") throw new Error(`Expected an import, got ${result.status}.`);
    expect(result.replaced).toEqual(["step 3 data is stored in research_preferences"]);
    const research = await handle.db
      .select()
      .from(researchPreferences)
      .where(eq(researchPreferences.userId, user.id));
    expect(research).toEqual([]);
  });

  it("rolls back on failure", async () => {
    const user = await createTestUser(handle);
    const plan = planFor(geminiKey());
    // research_preferences requires at least one content type, so this last write fails.
    plan.stepData.push({
      stepNumber: 3,
      data: {
        researchDepth: "basic",
        contentTypes: [],
        autoResearch: false,
        factualContent: true,
        competitors: [],
      },
    });
    const before = await rowCounts();

    await expect(importFor(user.id, plan)).rejects.toThrow();

    expect(await rowCounts()).toEqual(before);
  });

  it("leaves other users alone", async () => {
    const user = await createTestUser(handle);
    const other = await createTestUser(handle, "other");
    await saveStepData(handle.db, { userId: other.id, stepNumber: 1, draft: { note: "mine" } });

    await importFor(user.id, planFor(geminiKey()));

    const [step] = await handle.db
      .select({ draft: onboardingSteps.draft, status: onboardingSteps.status })
      .from(onboardingSteps)
      .where(sql`${onboardingSteps.userId} = ${other.id} AND ${onboardingSteps.stepNumber} = 1`);
    expect(step).toEqual({ draft: { note: "mine" }, status: "in_progress" });
  });
});
