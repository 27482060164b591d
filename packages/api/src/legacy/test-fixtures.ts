// Builders of legacy progress files for the import tests. Every value is made up here; keys are
// random per call, shaped to pass each provider's format check.

import { randomBytes, randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

type Json = Record<string, unknown>;

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function randomText(length: number): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (byte) => ALPHANUMERIC[byte % ALPHANUMERIC.length]).join("");
}

/** Fresh keys in the formats of gemini, exa and copilotkit. */
export function fixtureKeys() {
  return {
    gemini: `AIza${randomText(35)}`,
    exa: randomUUID(),
    copilotkit: `ck_pub_${randomText(24)}`,
  };
}

export type FixtureKeys = ReturnType<typeof fixtureKeys>;

const TITLES = [
  "AI LLM Providers",
  "Website Analysis",
  "AI Research",
  "Personalization",
  "Integrations",
  "Complete Setup",
];

export function legacyStep(
  stepNumber: number,
  status: string,
  data: Json | null,
  completedAt?: string,
) {
  return {
    step_number: stepNumber,
    title: TITLES[stepNumber - 1],
    description: `Legacy step ${stepNumber}`,
    status,
    completed_at: completedAt ?? (status === "completed" ? "2025-10-03T17:45:00.100200" : null),
    data,
    validation_errors: [],
  };
}

export const STARTED_AT = "2025-10-03T17:29:12.878656";
export const LAST_UPDATED = "2025-10-03T18:02:45.123456";

export function websiteData(): Json {
  return {
    website: "Example.COM/blog",
    domainName: "example.com",
    useAnalysisForGenAI: true,
    analysis: {
      writing_style: { tone: "professional", voice: "active", complexity: "moderate" },
      content_characteristics: { sentence_structure: "varied", vocabulary: "technical" },
      target_audience: { demographics: ["developers"], expertise_level: "intermediate" },
      content_type: { primary_type: "blog", purpose: "educational" },
      recommended_settings: { writing_tone: "professional", creativity_level: "medium" },
      brand_analysis: { values: ["clarity"] },
      analysis_date: "2025-10-03T15:35:00.000Z",
    },
  };
}

export function researchData(competitorCount = 3): Json {
  return {
    competitors: Array.from({ length: competitorCount }, (_, index) =>
      index % 2 === 0
        ? {
            url: `https://rival-${index}.example.com/`,
            title: `Rival ${index}`,
            summary: "A rival.",
          }
        : `rival-${index}.example.org`,
    ),
    researchSummary: "Three rivals write weekly tutorials.",
    sitemapAnalysis: { urls: 120, sections: ["blog", "docs"] },
    userUrl: "https://example.com",
    analysisTimestamp: "2025-10-03T15:40:00.000Z",
  };
}

export function personaData(): Json {
  return {
    corePersona: { identity: { persona_name: "The Guide", archetype: "Mentor" } },
    platformPersonas: { linkedin: { tone: "professional" } },
    qualityMetrics: { overall_score: 88 },
    selectedPlatforms: ["LinkedIn", "blog", "myspace"],
  };
}

/**
 * A file as the old server wrote it for a user who reached step 5: keys, website, research and
 * persona completed, then navigated back, so `current_step` is 5.
 */
export function completeLegacyFile(keys: FixtureKeys): Json {
  return {
    steps: [
      legacyStep(
        1,
        "completed",
        { api_keys: { ...keys, openai: "" } },
        "2025-10-03T17:31:02.114233",
      ),
      legacyStep(2, "completed", websiteData()),
      legacyStep(3, "completed", researchData()),
      legacyStep(4, "completed", personaData()),
      legacyStep(5, "pending", null),
      legacyStep(6, "pending", null),
    ],
    current_step: 5,
    started_at: STARTED_AT,
    last_updated: LAST_UPDATED,
    is_completed: false,
    completed_at: null,
  };
}

/** Writes a fixture as the old server did (indented JSON) and returns its path. */
export function writeLegacyFile(dir: string, name: string, content: Json | string): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return path;
}
