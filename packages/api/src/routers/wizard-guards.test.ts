import type { DatabaseHandle } from "@onboarding/db";
import { createTestUser, openTestDatabase, testDrivers } from "@onboarding/db/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tamperStoredKey } from "../../../db/src/vault/test-support";
import { buildServices, EXA_KEY, geminiKey, rejectionOf, userCaller } from "../test-support";

const website = {
  mode: "website",
  websiteUrl: "example.com",
  writingTone: "friendly",
  targetAudience: "Founders",
  primaryContentType: "blog_posts",
} as const;

describe.each(testDrivers())("wizard guards on %s", (driver) => {
  let handle: DatabaseHandle;

  beforeEach(async () => {
    handle = await openTestDatabase(driver);
  });

  afterEach(async () => {
    await handle.close();
  });

  async function callerWithKeys() {
    const user = await createTestUser(handle);
    const caller = userCaller(buildServices(handle), user.id);
    await caller.apiKeys.save({ provider: "gemini", key: geminiKey("w") });
    await caller.apiKeys.save({ provider: "exa", key: EXA_KEY });
    return { user, caller };
  }

  it("rejects finishing after keys are removed", async () => {
    const { caller } = await callerWithKeys();
    await caller.onboarding.completeStep({ stepNumber: 1 });
    await caller.onboarding.completeStep({ stepNumber: 2, data: website });
    await caller.onboarding.completeStep({
      stepNumber: 3,
      data: { researchDepth: "basic", contentTypes: ["articles"] },
    });
    await caller.onboarding.completeStep({
      stepNumber: 4,
      data: {
        personaName: "Ada",
        brandVoice: "Plain",
        defaultTone: "friendly",
        platforms: ["blog"],
      },
    });
    await caller.onboarding.skipStep({ stepNumber: 5 });
    await caller.apiKeys.remove({ provider: "exa" });

    const { error } = await rejectionOf(caller.onboarding.finish());
    const progress = await caller.onboarding.getProgress();

    expect(error.code).toBe("PRECONDITION_FAILED");
    expect(error.message).toContain("for Exa");
    expect(progress.status).toBe("in_progress");
  });

  it("rejects step one with an unreadable key", async () => {
    const { user, caller } = await callerWithKeys();
    await tamperStoredKey(handle, { userId: user.id, provider: "exa" });

    const { error } = await rejectionOf(caller.onboarding.completeStep({ stepNumber: 1 }));

    expect(error.code).toBe("PRECONDITION_FAILED");
    expect(error.message).toContain("for Exa");
  });

  it.each([
    ["NUL", "Found\u0000ers"],
    ["lone surrogate", "Found\uD800ers"],
  ])("rejects %s in a text field", async (_label, targetAudience) => {
    const { caller } = await callerWithKeys();
    await caller.onboarding.completeStep({ stepNumber: 1 });

    const { error, shape } = await rejectionOf(
      caller.onboarding.completeStep({ stepNumber: 2, data: { ...website, targetAudience } }),
    );

    expect(error.code).toBe("BAD_REQUEST");
    expect(Object.keys(shape.data.fieldErrors ?? {})).toContain("data.targetAudience");
  });

  it("rejects an out-of-range version", async () => {
    const { caller } = await callerWithKeys();

    const { error } = await rejectionOf(
      caller.onboarding.saveStep({ stepNumber: 2, draft: {}, expectedVersion: 2 ** 31 }),
    );

    expect(error.code).toBe("BAD_REQUEST");
  });
});
