import { describe, expect, it } from "vitest";
import { SECRET_PLACEHOLDER } from "./clean";
import { type MappedLegacyProgress, mapLegacyProgress } from "./map";
import { parseLegacyProgress } from "./parse";
import {
  completeLegacyFile,
  type FixtureKeys,
  fixtureKeys,
  LAST_UPDATED,
  legacyStep,
  personaData,
  researchData,
  STARTED_AT,
  websiteData,
} from "./test-fixtures";

type Json = Record<string, unknown>;

const NOW = new Date("2026-01-02T03:04:05.000Z");

function mapFile(file: Json, requiredProviders: readonly string[] = ["gemini", "exa"]) {
  const bytes = new TextEncoder().encode(JSON.stringify(file));
  const progress = parseLegacyProgress(bytes, "fixture.json", "Europe/Berlin");
  return mapLegacyProgress(progress, {
    timeZone: "Europe/Berlin",
    requiredProviders,
    fileBytes: bytes.length,
    now: NOW,
  });
}

const statuses = (mapped: MappedLegacyProgress) => mapped.plan.steps.map((step) => step.status);
const draftOf = (mapped: MappedLegacyProgress, stepNumber: number) =>
  mapped.plan.steps.find((step) => step.stepNumber === stepNumber)?.draft ?? null;
const notesOf = (mapped: MappedLegacyProgress, stepNumber: number) =>
  mapped.summary.steps.find((step) => step.stepNumber === stepNumber)?.notes.join("\n") ?? "";
const typedSteps = (mapped: MappedLegacyProgress) =>
  mapped.plan.stepData.map((payload) => payload.stepNumber);

function withSteps(keys: FixtureKeys, steps: Json[], extra: Json = {}): Json {
  return { ...completeLegacyFile(keys), steps, ...extra };
}

/** Serializes everything the plan stores, except the keys handed to the vault. */
function storedText(mapped: MappedLegacyProgress): string {
  return JSON.stringify({ ...mapped.plan, apiKeys: [] });
}

describe("legacy mapping", () => {
  it("withholds key-like names", () => {
    const keyLikeField = `AIza${"q".repeat(35)}`;
    const keyLikeProvider = "sk-shortlookingkey12345";
    const keys = fixtureKeys();
    const file = completeLegacyFile(keys);
    const steps = file.steps as Json[];
    steps[0] = legacyStep(1, "completed", {
      api_keys: { ...(keys as unknown as Json), [keyLikeProvider]: "whatever-value" },
      [keyLikeField]: true,
    });

    const mapped = mapFile({ ...file, steps });
    const everything = JSON.stringify(mapped.summary) + storedText(mapped);

    expect(everything).not.toContain(keyLikeField);
    expect(everything).not.toContain(keyLikeProvider);
  });

  it("maps complete file steps", () => {
    const mapped = mapFile(completeLegacyFile(fixtureKeys()));

    expect(statuses(mapped)).toEqual([
      "completed",
      "completed",
      "in_progress",
      "completed",
      "pending",
      "pending",
    ]);
    expect(typedSteps(mapped)).toEqual([2, 4]);
    expect(mapped.plan.session.currentStep).toBe(3);
    expect(mapped.plan.session.status).toBe("in_progress");
    expect(mapped.plan.session.startedAt.toISOString()).toBe("2025-10-03T15:29:12.878Z");
  });

  it("maps website onto its columns", () => {
    const mapped = mapFile(completeLegacyFile(fixtureKeys()));
    const website = mapped.plan.stepData.find((payload) => payload.stepNumber === 2);

    expect(website?.data).toEqual({
      websiteUrl: "https://example.com/blog",
      domainName: "example.com",
      useAnalysisForGenAi: true,
      analysisDate: new Date("2025-10-03T15:35:00.000Z"),
      writingStyle: { tone: "professional", voice: "active", complexity: "moderate" },
      contentCharacteristics: { sentence_structure: "varied", vocabulary: "technical" },
      targetAudience: { demographics: ["developers"], expertise_level: "intermediate" },
      contentType: { primary_type: "blog", purpose: "educational" },
      recommendedSettings: { writing_tone: "professional", creativity_level: "medium" },
      businessData: null,
    });
    expect(notesOf(mapped, 2)).toContain("brand_analysis");
  });

  it("drafts research competitors", () => {
    const mapped = mapFile(completeLegacyFile(fixtureKeys()));

    expect(draftOf(mapped, 3)).toEqual({
      competitorsText: [
        "https://rival-0.example.com/",
        "https://rival-1.example.org/",
        "https://rival-2.example.com/",
      ].join("\n"),
    });
    expect(notesOf(mapped, 3)).toContain("no research depth or content types");
    expect(notesOf(mapped, 3)).toContain("sitemapAnalysis");
  });

  it("caps competitors at 25", () => {
    const keys = fixtureKeys();
    const file = completeLegacyFile(keys);
    (file.steps as Json[])[2] = legacyStep(3, "completed", researchData(40));
    const mapped = mapFile(file);
    const lines = String(draftOf(mapped, 3)?.competitorsText).split("\n");

    expect(lines).toHaveLength(25);
    expect(notesOf(mapped, 3)).toContain("15 competitors beyond the limit of 25");
  });

  it("keeps known persona platforms", () => {
    const mapped = mapFile(completeLegacyFile(fixtureKeys()));
    const persona = mapped.plan.stepData.find((payload) => payload.stepNumber === 4);

    expect(persona?.data).toMatchObject({ selectedPlatforms: ["linkedin", "blog"] });
    expect(notesOf(mapped, 4)).toContain("myspace");
  });

  it("imports only valid keys", () => {
    const keys = fixtureKeys();
    const file = withSteps(keys, [
      legacyStep(1, "completed", {
        api_keys: {
          gemini: `  ${keys.gemini}\n`,
          exa: "not-a-uuid",
          copilotkit: keys.copilotkit,
          wizardly: "wz-123456789",
          tavily: 42,
        },
      }),
    ]);
    const mapped = mapFile(file, []);

    expect(mapped.plan.apiKeys).toEqual([
      { provider: "gemini", key: keys.gemini },
      { provider: "copilotkit", key: keys.copilotkit },
    ]);
    expect(mapped.summary.apiKeys.skipped.map((entry) => entry.provider)).toEqual([
      "exa",
      "wizardly",
      "tavily",
    ]);
  });

  it("keeps keys out of summary", () => {
    const keys = fixtureKeys();
    const file = withSteps(keys, [
      legacyStep(1, "completed", { api_keys: { ...keys, exa: `${keys.exa}x` } }),
    ]);
    const summary = JSON.stringify(mapFile(file).summary);

    for (const key of [keys.gemini, keys.exa, keys.copilotkit]) {
      expect(summary).not.toContain(key);
    }
  });

  it("removes key copies from data", () => {
    const keys = fixtureKeys();
    const file = completeLegacyFile(keys);
    const steps = file.steps as Json[];
    steps[1] = legacyStep(2, "completed", {
      ...websiteData(),
      analysis: { writing_style: { tone: `pasted ${keys.gemini} here` } },
    });
    steps[2] = legacyStep(3, "in_progress", {
      competitors: [`https://example.com/?key=${keys.exa}`],
    });
    const mapped = mapFile(file);
    const text = storedText(mapped);

    expect(text).not.toContain(keys.gemini);
    expect(text).not.toContain(keys.exa);
    expect(text).toContain(SECRET_PLACEHOLDER);
    expect(notesOf(mapped, 2)).toContain("copy of an API key");
  });

  it("reopens step 1 without required keys", () => {
    const keys = fixtureKeys();
    const file = withSteps(keys, [
      legacyStep(1, "completed", { api_keys: { gemini: keys.gemini } }),
    ]);
    const mapped = mapFile(file, ["gemini", "exa"]);

    expect(statuses(mapped)[0]).toBe("in_progress");
    expect(notesOf(mapped, 1)).toContain("no valid key for exa");
  });

  it("reopens all-empty completed file", () => {
    const keys = fixtureKeys();
    const file = withSteps(
      keys,
      [1, 2, 3, 4]
        .map((n) => legacyStep(n, "completed", {}))
        .concat([legacyStep(5, "skipped", {}), legacyStep(6, "completed", {})]),
      { is_completed: true, completed_at: LAST_UPDATED, current_step: 6 },
    );
    const mapped = mapFile(file);

    expect(statuses(mapped)).toEqual([
      "in_progress",
      "in_progress",
      "in_progress",
      "in_progress",
      "skipped",
      "pending",
    ]);
    expect(mapped.plan.stepData).toEqual([]);
    expect(mapped.plan.session.status).toBe("in_progress");
    expect(mapped.plan.session.currentStep).toBe(1);
    expect(mapped.summary.notes.join("\n")).toContain("marks the onboarding finished");
  });

  it("treats db-fallback marker as empty", () => {
    const keys = fixtureKeys();
    const file = completeLegacyFile(keys);
    (file.steps as Json[])[1] = legacyStep(2, "completed", { source: "db-fallback" });
    (file.steps as Json[])[2] = legacyStep(3, "completed", {
      timestamp: "2025-10-03T15:40:00.000Z",
      stepNumber: 3,
    });
    const mapped = mapFile(file);

    expect(statuses(mapped).slice(1, 3)).toEqual(["in_progress", "in_progress"]);
    expect(draftOf(mapped, 2)).toBeNull();
    expect(draftOf(mapped, 3)).toBeNull();
    expect(notesOf(mapped, 2)).toContain("only metadata (source db-fallback)");
    expect(mapped.plan.session.currentStep).toBe(2);
  });

  it("moves swapped step 3 and 4 data", () => {
    const keys = fixtureKeys();
    const file = completeLegacyFile(keys);
    (file.steps as Json[])[2] = legacyStep(3, "completed", personaData());
    (file.steps as Json[])[3] = legacyStep(4, "completed", researchData());
    const mapped = mapFile(file);

    expect(typedSteps(mapped)).toEqual([2, 4]);
    expect(draftOf(mapped, 3)).toHaveProperty("competitorsText");
    expect(notesOf(mapped, 3)).toContain("moved corePersona");
    expect(notesOf(mapped, 4)).toContain("received corePersona");
  });

  it("clamps current step to first open", () => {
    const keys = fixtureKeys();
    const file = withSteps(
      keys,
      [
        legacyStep(1, "completed", { api_keys: keys }),
        legacyStep(2, "completed", websiteData()),
        legacyStep(3, "pending", null),
        legacyStep(4, "pending", null),
      ],
      { current_step: 6 },
    );
    const mapped = mapFile(file);

    expect(mapped.plan.session.currentStep).toBe(3);
    expect(statuses(mapped)[2]).toBe("in_progress");
    expect(mapped.summary.notes.join("\n")).toContain("past the first open step 3");
  });

  it("keeps current step after going back", () => {
    const keys = fixtureKeys();
    const file = withSteps(
      keys,
      [
        legacyStep(1, "completed", { api_keys: keys }),
        legacyStep(2, "completed", websiteData()),
        legacyStep(3, "in_progress", researchData()),
      ],
      { current_step: 1 },
    );
    const mapped = mapFile(file);

    expect(mapped.plan.session.currentStep).toBe(1);
    expect(statuses(mapped).slice(0, 3)).toEqual(["completed", "completed", "in_progress"]);
  });

  it("finishes with last_updated when completed_at equals start", () => {
    const keys = fixtureKeys();
    const file = withSteps(
      keys,
      [
        legacyStep(1, "completed", { api_keys: keys }),
        legacyStep(2, "completed", websiteData()),
        legacyStep(3, "completed", {
          ...researchData(),
          researchDepth: "standard",
          contentTypes: ["blog_posts"],
        }),
        legacyStep(4, "completed", personaData()),
        legacyStep(5, "skipped", null),
        legacyStep(6, "completed", null),
      ],
      { is_completed: true, completed_at: STARTED_AT, current_step: 6 },
    );
    const mapped = mapFile(file);

    expect(mapped.plan.session.status).toBe("completed");
    expect(mapped.plan.session.completedAt?.toISOString()).toBe("2025-10-03T16:02:45.123Z");
    expect(statuses(mapped)).toEqual([
      "completed",
      "completed",
      "completed",
      "completed",
      "skipped",
      "completed",
    ]);
    expect(mapped.summary.notes.join("\n")).toContain("not after started_at");
  });
});
