import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDatabase, type DatabaseHandle } from "../client";
import { ConflictError, PreconditionFailedError } from "../errors";
import { createTestUser, openTestDatabase, testDrivers } from "../testing/test-database";
import { saveApiKey } from "../vault";
import { parseKeyring } from "../vault/keyring";
import {
  finishOnboarding,
  getStepData,
  goToStep,
  markStepCompleted,
  resetOnboarding,
  saveStepData,
  skipStep,
} from "./onboarding";
import { getOrCreateSession, getProgress } from "./progress";
import type { ResearchStepData, WebsiteStepData } from "./step-data";

const keyring = parseKeyring(`test:${Buffer.alloc(32, 7).toString("base64")}`);

const website: WebsiteStepData = {
  websiteUrl: "https://example.com/",
  domainName: "example.com",
  useAnalysisForGenAi: true,
  analysisDate: null,
  writingStyle: { tone: "friendly" },
  contentCharacteristics: null,
  targetAudience: { description: "developers" },
  contentType: { primary: "blog" },
  recommendedSettings: null,
  businessData: null,
};

const research: ResearchStepData = {
  researchDepth: "standard",
  contentTypes: ["blog"],
  autoResearch: true,
  factualContent: true,
  competitors: [],
};

async function completeStepOne(handle: DatabaseHandle, userId: string) {
  await saveApiKey(handle.db, keyring, {
    userId,
    provider: "gemini",
    key: `AIza${"a".repeat(35)}`,
  });
  return markStepCompleted(handle.db, { userId, stepNumber: 1, requiredProviders: ["gemini"] });
}

describe.each(testDrivers())("onboarding repository on %s", (driver) => {
  let handle: DatabaseHandle;

  beforeEach(async () => {
    handle = await openTestDatabase(driver);
  });

  afterEach(async () => {
    await handle.close();
  });

  it("creates one session for ten concurrent first calls", async () => {
    const user = await createTestUser(handle);

    const results = await Promise.all(
      Array.from({ length: 10 }, () => getOrCreateSession(handle.db, { userId: user.id })),
    );

    expect(new Set(results.map((result) => result.sessionId)).size).toBe(1);
    expect(results.filter((result) => result.created)).toHaveLength(1);
    const count = await handle.db.execute(
      sql`SELECT count(*)::int AS n FROM onboarding_sessions WHERE user_id = ${user.id}`,
    );
    const rows = Array.isArray(count) ? count : (count as { rows: unknown[] }).rows;
    expect(rows[0]).toEqual({ n: 1 });
  });

  it("starts at step one with six steps", async () => {
    const user = await createTestUser(handle);

    const progress = await getProgress(handle.db, { userId: user.id });

    expect(progress.currentStep).toBe(1);
    expect(progress.status).toBe("in_progress");
    expect(progress.steps.map((step) => step.stepNumber)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(progress.steps[0]?.status).toBe("in_progress");
    expect(progress.percentComplete).toBe(0);
  });

  it("saves a draft without advancing", async () => {
    const user = await createTestUser(handle);

    const progress = await saveStepData(handle.db, {
      userId: user.id,
      stepNumber: 2,
      draft: { websiteUrl: "https://exa" },
    });
    const step = await getStepData(handle.db, { userId: user.id, stepNumber: 2 });

    expect(progress.currentStep).toBe(1);
    expect(step.draft).toEqual({ websiteUrl: "https://exa" });
    expect(step.status).toBe("in_progress");
    expect(step.data).toBeNull();
  });

  it("keeps both of two parallel saves", async () => {
    const user = await createTestUser(handle);
    await getProgress(handle.db, { userId: user.id });

    for (let round = 0; round < 20; round++) {
      await Promise.all([
        saveStepData(handle.db, { userId: user.id, stepNumber: 2, draft: { round, step: 2 } }),
        saveStepData(handle.db, { userId: user.id, stepNumber: 3, draft: { round, step: 3 } }),
      ]);
      const two = await getStepData(handle.db, { userId: user.id, stepNumber: 2 });
      const three = await getStepData(handle.db, { userId: user.id, stepNumber: 3 });
      expect(two.draft).toEqual({ round, step: 2 });
      expect(three.draft).toEqual({ round, step: 3 });
    }
  });

  it("rejects completing step two before step one", async () => {
    const user = await createTestUser(handle);

    const attempt = markStepCompleted(handle.db, { userId: user.id, stepNumber: 2, data: website });

    await expect(attempt).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(attempt).rejects.toMatchObject({ missingSteps: [1] });
    const step = await getStepData(handle.db, { userId: user.id, stepNumber: 2 });
    expect(step.data).toBeNull();
  });

  it("rejects step one without required keys", async () => {
    const user = await createTestUser(handle);

    const attempt = markStepCompleted(handle.db, {
      userId: user.id,
      stepNumber: 1,
      requiredProviders: ["gemini", "exa"],
    });

    await expect(attempt).rejects.toThrow(/gemini, exa/);
  });

  it("completes steps in order and stores typed data", async () => {
    const user = await createTestUser(handle);

    await completeStepOne(handle, user.id);
    const afterTwo = await markStepCompleted(handle.db, {
      userId: user.id,
      stepNumber: 2,
      data: website,
    });
    const step = await getStepData(handle.db, { userId: user.id, stepNumber: 2 });

    expect(afterTwo.currentStep).toBe(3);
    expect(afterTwo.steps.slice(0, 2).map((s) => s.status)).toEqual(["completed", "completed"]);
    expect(step.data).toMatchObject({
      websiteUrl: "https://example.com/",
      domainName: "example.com",
    });
    expect(step.draft).toBeNull();
  });

  it("rejects a stale expected version", async () => {
    const user = await createTestUser(handle);
    const first = await getProgress(handle.db, { userId: user.id });
    await saveStepData(handle.db, { userId: user.id, stepNumber: 1, draft: { a: 1 } });

    const stale = saveStepData(handle.db, {
      userId: user.id,
      stepNumber: 1,
      draft: { a: 2 },
      expectedVersion: first.version,
    });

    await expect(stale).rejects.toBeInstanceOf(ConflictError);
    const step = await getStepData(handle.db, { userId: user.id, stepNumber: 1 });
    expect(step.draft).toEqual({ a: 1 });
  });

  it("lets one of concurrent same-version completions win", async () => {
    const user = await createTestUser(handle);
    await saveApiKey(handle.db, keyring, {
      userId: user.id,
      provider: "gemini",
      key: `AIza${"b".repeat(35)}`,
    });
    const { version } = await getProgress(handle.db, { userId: user.id });

    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, () =>
        markStepCompleted(handle.db, {
          userId: user.id,
          stepNumber: 1,
          requiredProviders: ["gemini"],
          expectedVersion: version,
        }),
      ),
    );

    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    const rejected = outcomes.filter((outcome) => outcome.status === "rejected");
    expect(rejected.every((outcome) => outcome.reason instanceof ConflictError)).toBe(true);
  });

  it("finishes once and ignores stale writes", async () => {
    const user = await createTestUser(handle);
    await completeStepOne(handle, user.id);
    await markStepCompleted(handle.db, { userId: user.id, stepNumber: 2, data: website });
    await markStepCompleted(handle.db, { userId: user.id, stepNumber: 3, data: research });
    await markStepCompleted(handle.db, {
      userId: user.id,
      stepNumber: 4,
      data: {
        corePersona: { personaName: "Ada" },
        platformPersonas: {},
        qualityMetrics: {},
        selectedPlatforms: ["blog"],
      },
    });
    await expect(finishOnboarding(handle.db, { userId: user.id })).rejects.toMatchObject({
      missingSteps: [5],
    });
    await skipStep(handle.db, { userId: user.id, stepNumber: 5 });

    const finished = await finishOnboarding(handle.db, { userId: user.id });
    const again = await finishOnboarding(handle.db, { userId: user.id });
    const lateSave = saveStepData(handle.db, { userId: user.id, stepNumber: 3, draft: { x: 1 } });

    expect(finished.status).toBe("completed");
    expect(finished.completedAt).toBeInstanceOf(Date);
    expect(again.version).toBe(finished.version);
    await expect(lateSave).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await getProgress(handle.db, { userId: user.id })).status).toBe("completed");
  });

  it("navigates back but not past the first open step", async () => {
    const user = await createTestUser(handle);
    await completeStepOne(handle, user.id);

    const back = await goToStep(handle.db, { userId: user.id, stepNumber: 1 });
    const ahead = goToStep(handle.db, { userId: user.id, stepNumber: 4 });

    expect(back.currentStep).toBe(1);
    await expect(ahead).rejects.toBeInstanceOf(PreconditionFailedError);
  });

  it("rejects skipping a required step", async () => {
    const user = await createTestUser(handle);

    await expect(skipStep(handle.db, { userId: user.id, stepNumber: 2 })).rejects.toThrow(
      /cannot be skipped/,
    );
  });

  it("resets and keeps keys unless asked", async () => {
    const user = await createTestUser(handle);
    await completeStepOne(handle, user.id);
    await markStepCompleted(handle.db, { userId: user.id, stepNumber: 2, data: website });

    const reset = await resetOnboarding(handle.db, { userId: user.id });
    const keysKept = await handle.db.query.apiKeys.findMany({
      where: (table, { eq }) => eq(table.userId, user.id),
    });
    await resetOnboarding(handle.db, { userId: user.id, forgetKeys: true });
    const keysForgotten = await handle.db.query.apiKeys.findMany({
      where: (table, { eq }) => eq(table.userId, user.id),
    });

    expect(reset.currentStep).toBe(1);
    expect(reset.steps.every((step) => step.status !== "completed")).toBe(true);
    expect((await getStepData(handle.db, { userId: user.id, stepNumber: 2 })).data).toBeNull();
    expect(keysKept).toHaveLength(1);
    expect(keysForgotten).toHaveLength(0);
  });

  it("isolates users from each other", async () => {
    const alice = await createTestUser(handle, "alice");
    const bob = await createTestUser(handle, "bob");
    const carol = await createTestUser(handle, "carol");
    await completeStepOne(handle, alice.id);
    await saveStepData(handle.db, { userId: bob.id, stepNumber: 2, draft: { mine: "bob" } });

    const carolProgress = await getProgress(handle.db, { userId: carol.id });
    const bobStepTwo = await getStepData(handle.db, { userId: bob.id, stepNumber: 2 });
    const aliceStepTwo = await getStepData(handle.db, { userId: alice.id, stepNumber: 2 });

    expect(carolProgress.steps.every((step) => step.status !== "completed")).toBe(true);
    expect(bobStepTwo.draft).toEqual({ mine: "bob" });
    expect(aliceStepTwo.draft).toBeNull();
    expect((await getProgress(handle.db, { userId: bob.id })).currentStep).toBe(1);
  });
});

describe("embedded database on disk", () => {
  it("keeps progress across close and reopen", async () => {
    const dir = mkdtempSync(join(tmpdir(), "onboarding-reopen-"));
    const dataDir = join(dir, "pglite");
    try {
      const first = await createDatabase({ dataDir });
      const user = await createTestUser(first);
      await saveStepData(first.db, { userId: user.id, stepNumber: 1, draft: { kept: true } });
      await first.close();

      const second = await createDatabase({ dataDir });
      const step = await getStepData(second.db, { userId: user.id, stepNumber: 1 });
      await second.close();

      expect(step.draft).toEqual({ kept: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
