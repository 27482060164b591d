import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDatabase, type DatabaseHandle } from "@onboarding/db";
import { createTestUser, openTestDatabase, testDrivers } from "@onboarding/db/testing";
import { useApiKey } from "@onboarding/db/vault";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { Services } from "../services";
import type {
  CompleteStepInput,
  integrationsStepSchema,
  personaStepSchema,
  researchStepSchema,
  WebsiteStepInput,
} from "../steps";
import {
  buildServices,
  type Caller,
  callerFor,
  EXA_KEY,
  geminiKey,
  rejectionOf,
  userCaller,
} from "../test-support";
import type { AuthSession } from "../trpc";

const websiteForm: WebsiteStepInput = {
  mode: "website",
  websiteUrl: "Example.com/about#team",
  writingTone: "friendly",
  targetAudience: "  Developers who ship  ",
  primaryContentType: "blog_posts",
};

const researchForm: z.input<typeof researchStepSchema> = {
  researchDepth: "standard",
  contentTypes: ["blog_posts", "articles", "blog_posts"],
  competitors: ["rival.example"],
};

const personaForm: z.input<typeof personaStepSchema> = {
  personaName: "Ada",
  brandVoice: "Plain and precise",
  defaultTone: "professional",
  platforms: ["blog", "linkedin"],
};

const integrationsForm: z.input<typeof integrationsStepSchema> = {
  primaryPlatform: "ghost",
  googleAnalyticsId: "G-ABC1234",
  twitterHandle: "@ada_writes",
};

async function saveRequiredKeys(caller: Caller, fill = "g"): Promise<void> {
  await caller.apiKeys.save({ provider: "gemini", key: geminiKey(fill) });
  await caller.apiKeys.save({ provider: "exa", key: EXA_KEY });
}

/** Stores the keys and completes steps 1 to 4 with valid forms, leaving the user on step 5. */
async function completeStepsOneToFour(caller: Caller): Promise<void> {
  await saveRequiredKeys(caller);
  await caller.onboarding.completeStep({ stepNumber: 1 });
  await caller.onboarding.completeStep({ stepNumber: 2, data: websiteForm });
  await caller.onboarding.completeStep({ stepNumber: 3, data: researchForm });
  await caller.onboarding.completeStep({ stepNumber: 4, data: personaForm });
}

/** Builds a draft whose innermost value sits `wrappers + 1` keys below the draft itself. */
function nestedDraft(wrappers: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let level = 0; level < wrappers; level++) value = { a: value };
  return value;
}

// `{"text":""}` is 11 bytes, so a text of MAX_DRAFT_BYTES - 11 ASCII characters fills the limit.
const DRAFT_OVERHEAD_BYTES = 11;
const MAX_DRAFT_BYTES = 64 * 1024;

const sessionsWithoutUser: [string, AuthSession | null][] = [
  ["null session", null],
  ["session with null user", { user: null }],
  ["session with empty user id", { user: { id: "" } }],
  ["session without user id", { user: { email: "ada@example.test" } } as unknown as AuthSession],
];

const onboardingCalls: [string, (caller: Caller) => Promise<unknown>][] = [
  ["onboarding.getProgress", (caller) => caller.onboarding.getProgress()],
  ["onboarding.getStep", (caller) => caller.onboarding.getStep({ stepNumber: 1 })],
  [
    "onboarding.saveStep",
    (caller) => caller.onboarding.saveStep({ stepNumber: 1, draft: { note: "x" } }),
  ],
  ["onboarding.completeStep", (caller) => caller.onboarding.completeStep({ stepNumber: 1 })],
  ["onboarding.skipStep", (caller) => caller.onboarding.skipStep({ stepNumber: 5 })],
  ["onboarding.goToStep", (caller) => caller.onboarding.goToStep({ stepNumber: 1 })],
  ["onboarding.finish", (caller) => caller.onboarding.finish()],
  ["onboarding.reset", (caller) => caller.onboarding.reset({ forgetKeys: true })],
];

describe.each(testDrivers())("onboarding router on %s", (driver) => {
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
    for (const [sessionLabel, session] of sessionsWithoutUser) {
      const caller = callerFor(services, session);
      for (const [procedure, call] of onboardingCalls) {
        await expect(call(caller), `${procedure} with ${sessionLabel}`).rejects.toMatchObject({
          code: "UNAUTHORIZED",
        });
      }
    }
  });

  it("isolates progress between users", async () => {
    const alice = await createTestUser(handle, "alice");
    const bob = await createTestUser(handle, "bob");
    const carol = await createTestUser(handle, "carol");
    const asAlice = userCaller(services, alice.id);
    const asBob = userCaller(services, bob.id);
    const asCarol = userCaller(services, carol.id);

    await saveRequiredKeys(asAlice);
    await asAlice.onboarding.saveStep({ stepNumber: 1, draft: { note: "alice" } });
    await asAlice.onboarding.completeStep({ stepNumber: 1 });
    await asAlice.onboarding.completeStep({ stepNumber: 2, data: websiteForm });
    await asAlice.onboarding.saveStep({ stepNumber: 3, draft: { researchDepth: "expert" } });

    // The input schema strips an extra userId, so Bob's call must not write to Alice's session.
    await asBob.onboarding.saveStep({
      stepNumber: 3,
      draft: { owner: "bob" },
      userId: alice.id,
    } as never);

    for (const [label, caller] of [
      ["bob", asBob],
      ["carol", asCarol],
    ] as const) {
      const progress = await caller.onboarding.getProgress();
      const completed = progress.steps.filter((step) => step.status === "completed");
      expect(completed, `${label}'s completed steps`).toEqual([]);
      expect(progress.currentStep, `${label}'s current step`).toBe(1);
      expect((await caller.onboarding.getStep({ stepNumber: 1 })).draft, label).toBeNull();
      expect((await caller.onboarding.getStep({ stepNumber: 2 })).values, label).toBeNull();
      expect(await caller.apiKeys.list(), `${label}'s keys`).toEqual([]);
    }

    const aliceProgress = await asAlice.onboarding.getProgress();
    const aliceStepThree = await asAlice.onboarding.getStep({ stepNumber: 3 });
    const bobStepThree = await asBob.onboarding.getStep({ stepNumber: 3 });
    const carolStepThree = await asCarol.onboarding.getStep({ stepNumber: 3 });
    expect(aliceProgress.currentStep).toBe(3);
    expect(aliceStepThree.draft).toEqual({ researchDepth: "expert" });
    expect(bobStepThree.draft).toEqual({ owner: "bob" });
    expect(carolStepThree.draft).toBeNull();

    const removal = await rejectionOf(asBob.apiKeys.remove({ provider: "gemini" }));
    const aliceKeys = await asAlice.apiKeys.list();
    expect(removal.error.code).toBe("NOT_FOUND");
    expect(aliceKeys.map((key) => key.provider)).toEqual(["exa", "gemini"]);
  });

  it("rejects invalid step data", async () => {
    const user = await createTestUser(handle);
    const caller = userCaller(services, user.id);
    await saveRequiredKeys(caller);
    const before = await caller.onboarding.completeStep({ stepNumber: 1 });

    const cases: [string, unknown, string][] = [
      [
        "ftp website",
        { stepNumber: 2, data: { ...websiteForm, websiteUrl: "ftp://x" } },
        "data.websiteUrl",
      ],
      [
        "javascript website",
        { stepNumber: 2, data: { ...websiteForm, websiteUrl: "javascript:alert(1)" } },
        "data.websiteUrl",
      ],
      [
        "website with credentials",
        { stepNumber: 2, data: { ...websiteForm, websiteUrl: "https://user:pw@example.com" } },
        "data.websiteUrl",
      ],
      [
        "business without name",
        {
          stepNumber: 2,
          data: {
            mode: "business",
            industry: "Tea",
            businessDescription: "Shop",
            targetAudience: "All",
          },
        },
        "data.businessName",
      ],
      [
        "26 competitors",
        {
          stepNumber: 3,
          data: {
            ...researchForm,
            competitors: Array.from({ length: 26 }, (_, index) => `rival${index}.example`),
          },
        },
        "data.competitors",
      ],
      [
        "javascript competitor",
        { stepNumber: 3, data: { ...researchForm, competitors: ["javascript:alert(1)"] } },
        "data.competitors.0",
      ],
      [
        "persona without platforms",
        {
          stepNumber: 4,
          data: { personaName: "Ada", brandVoice: "Plain", defaultTone: "professional" },
        },
        "data.platforms",
      ],
      [
        "persona with no platform",
        { stepNumber: 4, data: { ...personaForm, platforms: [] } },
        "data.platforms",
      ],
      [
        "malformed analytics id",
        { stepNumber: 5, data: { ...integrationsForm, googleAnalyticsId: "UA-1234" } },
        "data.googleAnalyticsId",
      ],
      ["finish step", { stepNumber: 6 }, "stepNumber"],
    ];

    for (const [label, input, field] of cases) {
      const { error, shape } = await rejectionOf(
        caller.onboarding.completeStep(input as CompleteStepInput),
        label,
      );
      expect(error.code, label).toBe("BAD_REQUEST");
      expect(Object.keys(shape.data.fieldErrors ?? {}), label).toContain(field);
    }

    const after = await caller.onboarding.getProgress();
    expect(after.version).toBe(before.version);
    expect(after.currentStep).toBe(2);
    expect((await caller.onboarding.getStep({ stepNumber: 2 })).values).toBeNull();
  });

  it("rejects step two before one", async () => {
    const user = await createTestUser(handle);
    const caller = userCaller(services, user.id);

    const { error, shape } = await rejectionOf(
      caller.onboarding.completeStep({ stepNumber: 2, data: websiteForm }),
    );

    expect(error.code).toBe("PRECONDITION_FAILED");
    expect(shape.data.missingSteps).toEqual([1]);
    expect((await caller.onboarding.getStep({ stepNumber: 2 })).status).not.toBe("completed");
    expect((await caller.onboarding.getStep({ stepNumber: 2 })).values).toBeNull();
  });

  it("requires gemini and exa keys", async () => {
    const user = await createTestUser(handle);
    const caller = userCaller(services, user.id);

    const withoutKeys = await rejectionOf(caller.onboarding.completeStep({ stepNumber: 1 }));
    await caller.apiKeys.save({ provider: "gemini", key: geminiKey() });
    const withGeminiOnly = await rejectionOf(caller.onboarding.completeStep({ stepNumber: 1 }));
    await caller.apiKeys.save({ provider: "exa", key: EXA_KEY });
    const withBoth = await caller.onboarding.completeStep({ stepNumber: 1 });

    expect(withoutKeys.error.code).toBe("PRECONDITION_FAILED");
    expect(withoutKeys.error.message).toBe(
      "Save a working API key for Google Gemini and Exa before you continue.",
    );
    expect(withGeminiOnly.error.code).toBe("PRECONDITION_FAILED");
    expect(withGeminiOnly.error.message).toContain("for Exa before you continue");
    expect(withBoth.steps[0]?.status).toBe("completed");
    expect(withBoth.currentStep).toBe(2);
  });

  it("rejects stale expected version", async () => {
    const user = await createTestUser(handle);
    const caller = userCaller(services, user.id);
    await saveRequiredKeys(caller);
    const first = await caller.onboarding.getProgress();
    const second = await caller.onboarding.saveStep({ stepNumber: 1, draft: { note: "tab b" } });

    const { error, shape } = await rejectionOf(
      caller.onboarding.completeStep({ stepNumber: 1, expectedVersion: first.version }),
    );
    const stepOne = await caller.onboarding.getStep({ stepNumber: 1 });

    expect(error.code).toBe("CONFLICT");
    expect(shape.data.progress?.version).toBe(second.version);
    expect(shape.data.progress?.sessionId).toBe(first.sessionId);
    expect(stepOne.status).toBe("in_progress");
    expect(stepOne.draft).toEqual({ note: "tab b" });
  });

  it("rejects drafts beyond limits", async () => {
    const user = await createTestUser(handle);
    const caller = userCaller(services, user.id);
    const before = await caller.onboarding.getProgress();

    const cases: [string, { stepNumber: number; draft: Record<string, unknown> }, string][] = [
      [
        "one byte over 64 KiB",
        {
          stepNumber: 2,
          draft: { text: "x".repeat(MAX_DRAFT_BYTES - DRAFT_OVERHEAD_BYTES + 1) },
        },
        "draft",
      ],
      [
        "over 64 KiB in UTF-8",
        { stepNumber: 2, draft: { text: "\u00e9".repeat(MAX_DRAFT_BYTES / 2 - 5) } },
        "draft",
      ],
      ["21 levels deep", { stepNumber: 2, draft: nestedDraft(20) }, `draft.${"a.".repeat(20)}leaf`],
      ["NUL in value", { stepNumber: 2, draft: { note: "a\u0000b" } }, "draft.note"],
      ["NUL in key", { stepNumber: 2, draft: { "bad\u0000key": 1 } }, "draft.bad\u0000key"],
      ["lone high surrogate", { stepNumber: 2, draft: { note: "ab\ud83d" } }, "draft.note"],
      [
        "lone low surrogate",
        { stepNumber: 2, draft: { items: ["fine", "\udc00x"] } },
        "draft.items.1",
      ],
      [
        "infinite number",
        { stepNumber: 2, draft: { count: Number.POSITIVE_INFINITY } },
        "draft.count",
      ],
      [
        "top-level __proto__ key",
        { stepNumber: 2, draft: JSON.parse('{"__proto__": {"polluted": true}, "note": "x"}') },
        "draft.__proto__",
      ],
      [
        "nested __proto__ key",
        { stepNumber: 2, draft: { profile: JSON.parse('{"__proto__": {"polluted": true}}') } },
        "draft.profile.__proto__",
      ],
      ["constructor key", { stepNumber: 2, draft: { constructor: "x" } }, "draft.constructor"],
      ["step number 0", { stepNumber: 0, draft: { note: "x" } }, "stepNumber"],
      ["step number 7", { stepNumber: 7, draft: { note: "x" } }, "stepNumber"],
      ["step number 1.5", { stepNumber: 1.5, draft: { note: "x" } }, "stepNumber"],
    ];

    for (const [label, input, field] of cases) {
      const { error, shape } = await rejectionOf(caller.onboarding.saveStep(input), label);
      expect(error.code, label).toBe("BAD_REQUEST");
      expect(Object.keys(shape.data.fieldErrors ?? {}), label).toContain(field);
    }

    const after = await caller.onboarding.getProgress();
    const stepTwo = await caller.onboarding.getStep({ stepNumber: 2 });
    expect(after.version).toBe(before.version);
    expect(after.steps.filter((step) => step.hasDraft)).toEqual([]);
    expect(stepTwo.draft).toBeNull();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("accepts drafts at limits", async () => {
    const user = await createTestUser(handle);
    const caller = userCaller(services, user.id);
    const largest = { text: "x".repeat(MAX_DRAFT_BYTES - DRAFT_OVERHEAD_BYTES) };
    const deepest = nestedDraft(19);
    const unicode = { note: "emoji \ud83d\ude00 and caf\u00e9" };

    await caller.onboarding.saveStep({ stepNumber: 2, draft: largest });
    await caller.onboarding.saveStep({ stepNumber: 3, draft: deepest });
    await caller.onboarding.saveStep({ stepNumber: 4, draft: unicode });

    expect((await caller.onboarding.getStep({ stepNumber: 2 })).draft).toEqual(largest);
    expect((await caller.onboarding.getStep({ stepNumber: 3 })).draft).toEqual(deepest);
    expect((await caller.onboarding.getStep({ stepNumber: 4 })).draft).toEqual(unicode);
  });

  it("finishes after skipping step five", async () => {
    const user = await createTestUser(handle);
    const caller = userCaller(services, user.id);

    await completeStepsOneToFour(caller);
    const skipped = await caller.onboarding.skipStep({ stepNumber: 5 });
    const finished = await caller.onboarding.finish();
    const again = await caller.onboarding.finish();

    expect(skipped.currentStep).toBe(6);
    expect(skipped.steps[4]?.status).toBe("skipped");
    expect(finished.status).toBe("completed");
    expect(finished.percentComplete).toBe(100);
    expect(finished.completedAt).toBeInstanceOf(Date);
    expect(again.version).toBe(finished.version);
    expect(again.completedAt).toEqual(finished.completedAt);
    expect((await caller.onboarding.getStep({ stepNumber: 5 })).values).toBeNull();
  });

  it("finishes after completing step five", async () => {
    const user = await createTestUser(handle);
    const caller = userCaller(services, user.id);
    await saveRequiredKeys(caller);
    const start = await caller.onboarding.getProgress();

    // Each call passes the version the previous one returned, as the web app does.
    const one = await caller.onboarding.completeStep({
      stepNumber: 1,
      expectedVersion: start.version,
    });
    const two = await caller.onboarding.completeStep({
      stepNumber: 2,
      data: websiteForm,
      expectedVersion: one.version,
    });
    const three = await caller.onboarding.completeStep({
      stepNumber: 3,
      data: researchForm,
      expectedVersion: two.version,
    });
    const four = await caller.onboarding.completeStep({
      stepNumber: 4,
      data: personaForm,
      expectedVersion: three.version,
    });
    const five = await caller.onboarding.completeStep({
      stepNumber: 5,
      data: integrationsForm,
      expectedVersion: four.version,
    });
    const finished = await caller.onboarding.finish({ expectedVersion: five.version });
    const again = await caller.onboarding.finish();

    expect([one, two, three, four, five].map((progress) => progress.currentStep)).toEqual([
      2, 3, 4, 5, 6,
    ]);
    expect(finished.status).toBe("completed");
    expect(finished.steps.map((step) => step.status)).toEqual(Array(6).fill("completed"));
    expect(again.version).toBe(finished.version);
    expect((await caller.onboarding.getStep({ stepNumber: 2 })).values).toEqual({
      mode: "website",
      websiteUrl: "https://example.com/about",
      writingTone: "friendly",
      targetAudience: "Developers who ship",
      primaryContentType: "blog_posts",
      useAnalysisForGenAi: true,
    });
    expect((await caller.onboarding.getStep({ stepNumber: 3 })).values).toEqual({
      researchDepth: "standard",
      contentTypes: ["blog_posts", "articles"],
      autoResearch: false,
      factualContent: true,
      competitors: ["https://rival.example/"],
    });
    expect((await caller.onboarding.getStep({ stepNumber: 4 })).values).toEqual({
      personaName: "Ada",
      brandVoice: "Plain and precise",
      defaultTone: "professional",
      avoidedTones: [],
      platforms: ["blog", "linkedin"],
    });
    expect((await caller.onboarding.getStep({ stepNumber: 5 })).values).toEqual({
      primaryPlatform: "ghost",
      googleAnalyticsId: "G-ABC1234",
      linkedinUrl: "",
      twitterHandle: "@ada_writes",
    });
  });

  it("rejects finish before step five", async () => {
    const user = await createTestUser(handle);
    const caller = userCaller(services, user.id);
    await completeStepsOneToFour(caller);

    const { error, shape } = await rejectionOf(caller.onboarding.finish());

    expect(error.code).toBe("PRECONDITION_FAILED");
    expect(shape.data.missingSteps).toEqual([5]);
    expect((await caller.onboarding.getProgress()).status).toBe("in_progress");
  });

  it("resets progress but keeps keys", async () => {
    const user = await createTestUser(handle);
    const caller = userCaller(services, user.id);
    await completeStepsOneToFour(caller);

    const reset = await caller.onboarding.reset();
    const keys = await caller.apiKeys.list();

    expect(reset.currentStep).toBe(1);
    expect(reset.steps.filter((step) => step.status === "completed")).toEqual([]);
    expect((await caller.onboarding.getStep({ stepNumber: 2 })).values).toBeNull();
    expect(keys.map((key) => key.provider)).toEqual(["exa", "gemini"]);
  });
});

describe("onboarding router on disk", () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "onboarding-router-reopen-"));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps progress across reopen", async () => {
    const dataDir = join(dir, "pglite");
    const first = await createDatabase({ dataDir });
    let userId: string;
    try {
      const services = buildServices(first);
      userId = (await createTestUser(first)).id;
      const caller = userCaller(services, userId);
      await saveRequiredKeys(caller, "r");
      await caller.onboarding.completeStep({ stepNumber: 1 });
      await caller.onboarding.saveStep({ stepNumber: 2, draft: { websiteUrl: "https://kept" } });
    } finally {
      await first.close();
    }

    const second = await createDatabase({ dataDir });
    try {
      const services = buildServices(second);
      const caller = userCaller(services, userId);
      const progress = await caller.onboarding.getProgress();
      const stepTwo = await caller.onboarding.getStep({ stepNumber: 2 });
      const keys = await caller.apiKeys.list();
      const gemini = await useApiKey(second.db, services.keyring, {
        userId,
        provider: "gemini",
        purpose: "reopen test",
      });

      expect(progress.currentStep).toBe(2);
      expect(progress.steps[0]?.status).toBe("completed");
      expect(stepTwo.draft).toEqual({ websiteUrl: "https://kept" });
      expect(keys.map((key) => key.provider)).toEqual(["exa", "gemini"]);
      expect(gemini).toBe(geminiKey("r"));
    } finally {
      await second.close();
    }
  });
});
