/**
 * Per-step mapping of legacy step data onto the new model: what a step's data can fill (a typed
 * table row) and what the user gets back as a draft (form state of the wizard's step form).
 */

import type { PersonaStepData, TypedStepData, WebsiteStepData } from "@onboarding/db/repositories";
import { checkApiKeyFormat, findProvider, PROVIDERS } from "../providers";
import { toStepRecord } from "../step-records";
import {
  integrationsStepSchema,
  MAX_COMPETITORS,
  normalizeWebsiteUrl,
  PLATFORMS,
  researchStepSchema,
  WRITING_TONES,
} from "../steps";
import { isPlainObject } from "./parse";
import { parseLegacyTimestamp } from "./timestamps";

export type JsonObject = Record<string, unknown>;

/** The result of mapping one step's legacy data; `reason` explains why it fills no typed table. */
export interface StepCandidate {
  typed?: TypedStepData;
  draft: JsonObject | null;
  reason?: string;
  notes: string[];
}

/** Keys that carry no content: markers and timestamps the old app added to step data. */
const META_KEYS = new Set([
  "source",
  "timestamp",
  "stepNumber",
  "step_number",
  "step",
  "savedAt",
  "saved_at",
  "updatedAt",
  "updated_at",
  "lastUpdated",
  "last_updated",
  "completedAt",
  "completed_at",
]);

/** Provider names that are safe to print: short lower-case identifiers. */
const PRINTABLE_PROVIDER = /^[a-z][a-z0-9_-]{0,23}$/;
/** Field names that are safe to print; the summary is also cleaned of every key in the file. */
const PRINTABLE_FIELD = /^[A-Za-z_][A-Za-z0-9_-]{0,39}$/;

export const STEP_3_KEYS = [
  "competitors",
  "researchSummary",
  "research_summary",
  "sitemapAnalysis",
  "sitemap_analysis",
  "userUrl",
  "user_url",
  "analysisTimestamp",
  "analysis_timestamp",
];
export const STEP_4_KEYS = [
  "corePersona",
  "core_persona",
  "platformPersonas",
  "platform_personas",
  "qualityMetrics",
  "quality_metrics",
  "selectedPlatforms",
  "selected_platforms",
];

const ANALYSIS_COLUMNS = [
  ["writingStyle", ["writing_style", "writingStyle"]],
  ["contentCharacteristics", ["content_characteristics", "contentCharacteristics"]],
  ["targetAudience", ["target_audience", "targetAudience"]],
  ["contentType", ["content_type", "contentType"]],
  ["recommendedSettings", ["recommended_settings", "recommendedSettings"]],
] as const;
const ANALYSIS_DATE_KEYS = ["analysis_date", "analysisDate", "timestamp"];

/** Returns the first of `names` that `data` has with a value other than null. */
export function pick(data: JsonObject | null | undefined, ...names: string[]): unknown {
  if (!data) return undefined;
  for (const name of names) {
    if (Object.hasOwn(data, name) && data[name] !== null && data[name] !== undefined) {
      return data[name];
    }
  }
  return undefined;
}

const asText = (value: unknown) =>
  typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
const asObject = (value: unknown) => (isPlainObject(value) ? value : undefined);

function isBlank(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === "string") return value.trim() === "";
  if (Array.isArray(value)) return value.length === 0;
  if (isPlainObject(value)) return Object.keys(value).length === 0;
  return false;
}

/** Returns the keys of step data that carry content: not metadata and not blank. */
export function contentKeys(data: JsonObject | null): string[] {
  if (!data) return [];
  return Object.keys(data).filter((key) => !META_KEYS.has(key) && !isBlank(data[key]));
}

/** Returns a provider name from the file, lower-cased, or a neutral stand-in when it looks odd. */
export function printableName(name: string): string {
  const lower = name.trim().toLowerCase();
  return PRINTABLE_PROVIDER.test(lower) && !looksLikeSecret(lower) ? lower : "(unprintable name)";
}

/**
 * Flags names that may be a pasted key: any provider's key format, or a long name with digits.
 * Field and provider names from the file are printed and stored, so these are withheld.
 */
function looksLikeSecret(name: string): boolean {
  if (/\d/.test(name) && name.length >= 16) return true;
  return PROVIDERS.some((provider) => new RegExp(provider.pattern).test(name));
}

const printableField = (name: string) =>
  PRINTABLE_FIELD.test(name) && !looksLikeSecret(name) ? name : "(unprintable name)";

function listNames(names: readonly string[]): string {
  const printed = names.slice(0, 12).map(printableField);
  return names.length > printed.length
    ? `${printed.join(", ")} and ${names.length - 12} more`
    : printed.join(", ");
}

/** Notes the keys of `data` that the step's mapping did not use. */
function noteUnused(data: JsonObject | null, used: readonly string[], notes: string[]): void {
  const unused = contentKeys(data).filter((key) => !used.includes(key));
  if (unused.length > 0) notes.push(`fields not imported: ${listNames(unused)}`);
}

/** Wraps a value that is not an object, so each analysis column stays a JSON object. */
function asColumnObject(value: unknown): JsonObject | null {
  if (isBlank(value)) return null;
  return asObject(value) ?? { value };
}

/** One legacy API key entry after the format check; `reason` is set when it is skipped. */
export interface KeyEntry {
  provider: string;
  key?: string;
  reason?: string;
}

/**
 * Reads step 1's `api_keys` (or `apiKeys`): each value is trimmed and checked with the provider's
 * format. Returns the entries and every raw value, so copies elsewhere can be removed. Messages
 * name the provider and the expected format, never the key.
 */
export function readApiKeys(data: JsonObject | null): {
  entries: KeyEntry[];
  rawValues: string[];
  notes: string[];
} {
  const entries: KeyEntry[] = [];
  const rawValues: string[] = [];
  const notes: string[] = [];
  const source = pick(data, "api_keys", "apiKeys");
  if (source !== undefined && !isPlainObject(source)) {
    notes.push("api_keys is not an object; no keys were imported");
  }
  const seen = new Set<string>();

  for (const [name, value] of Object.entries(asObject(source) ?? {})) {
    const provider = name.trim().toLowerCase();
    const printable = printableName(name);
    if (typeof value === "string" && value.trim() !== "") rawValues.push(value.trim());

    if (
      value === null ||
      value === undefined ||
      (typeof value === "string" && value.trim() === "")
    ) {
      entries.push({ provider: printable, reason: "empty value" });
    } else if (typeof value !== "string") {
      entries.push({ provider: printable, reason: `expected a string, found ${typeof value}` });
    } else if (!findProvider(provider)) {
      entries.push({ provider: printable, reason: "unknown provider" });
    } else if (seen.has(provider)) {
      entries.push({ provider: printable, reason: "a second entry for the same provider" });
    } else {
      const checked = checkApiKeyFormat(provider, value);
      if (checked.ok) {
        seen.add(provider);
        entries.push({ provider, key: checked.key });
      } else {
        entries.push({ provider: printable, reason: checked.message });
      }
    }
  }
  noteUnused(data, ["api_keys", "apiKeys"], notes);
  return { entries, rawValues, notes };
}

function domainOf(url: string): string {
  return new URL(url).hostname.replace(/^www\./, "");
}

function firstTimestamp(
  sources: readonly (JsonObject | undefined)[],
  names: readonly string[],
  timeZone: string,
): Date | null {
  for (const source of sources) {
    const text = asText(pick(source, ...names));
    const date = text ? parseLegacyTimestamp(text, timeZone) : undefined;
    if (date) return date;
  }
  return null;
}

/** Step 2: the website and its analysis, or business details for users without a website. */
export function mapWebsiteStep(data: JsonObject | null, timeZone: string): StepCandidate {
  const notes: string[] = [];
  const rawWebsite = asText(pick(data, "website", "websiteUrl", "website_url", "url"));
  const websiteUrl =
    rawWebsite && rawWebsite.length <= 2048 ? normalizeWebsiteUrl(rawWebsite) : undefined;
  if (rawWebsite && !websiteUrl) notes.push("the website address is not a valid http(s) URL");

  const businessData = asObject(pick(data, "businessData", "business_data"));
  const hasBusiness = businessData !== undefined && contentKeys(businessData).length > 0;
  const analysis = asObject(pick(data, "analysis"));
  const useAnalysisRaw = pick(
    data,
    "useAnalysisForGenAI",
    "useAnalysisForGenAi",
    "use_analysis_for_gen_ai",
  );
  const useAnalysisForGenAi = typeof useAnalysisRaw === "boolean" ? useAnalysisRaw : true;

  const columns: Partial<Record<(typeof ANALYSIS_COLUMNS)[number][0], JsonObject | null>> = {};
  for (const [column, names] of ANALYSIS_COLUMNS)
    columns[column] = asColumnObject(pick(analysis, ...names));
  const usedAnalysisKeys: string[] = [
    ...ANALYSIS_COLUMNS.flatMap(([, names]) => names),
    ...ANALYSIS_DATE_KEYS,
  ];
  const unusedAnalysis = contentKeys(analysis ?? null).filter(
    (key) => !usedAnalysisKeys.includes(key),
  );
  if (unusedAnalysis.length > 0) {
    notes.push(`analysis fields without a column, not imported: ${listNames(unusedAnalysis)}`);
  }
  noteUnused(
    data,
    [
      "website",
      "websiteUrl",
      "website_url",
      "url",
      "domainName",
      "domain_name",
      "businessData",
      "business_data",
      "analysis",
      "useAnalysisForGenAI",
      "useAnalysisForGenAi",
      "use_analysis_for_gen_ai",
      "analysisDate",
      "analysis_date",
      "analysisTimestamp",
    ],
    notes,
  );

  const tone = asText(pick(asObject(columns.writingStyle), "tone"))?.toLowerCase();
  const draft: JsonObject | null =
    rawWebsite !== undefined
      ? {
          mode: "website",
          websiteUrl: websiteUrl ?? rawWebsite.slice(0, 2048),
          useAnalysisForGenAi,
          ...(tone && (WRITING_TONES as readonly string[]).includes(tone)
            ? { writingTone: tone }
            : {}),
        }
      : hasBusiness
        ? businessDraft(businessData)
        : null;

  if (!websiteUrl && !hasBusiness) {
    return { draft, notes, reason: "it has no valid website address or business details" };
  }

  const domain = asText(pick(data, "domainName", "domain_name"))?.slice(0, 253);
  const typed: WebsiteStepData = {
    websiteUrl: websiteUrl ?? null,
    domainName: websiteUrl ? (domain ?? domainOf(websiteUrl)) : null,
    useAnalysisForGenAi: websiteUrl ? useAnalysisForGenAi : false,
    analysisDate: analysis
      ? firstTimestamp(
          [analysis, data ?? undefined],
          [...ANALYSIS_DATE_KEYS, "analysisTimestamp"],
          timeZone,
        )
      : null,
    writingStyle: columns.writingStyle ?? null,
    contentCharacteristics: columns.contentCharacteristics ?? null,
    targetAudience: columns.targetAudience ?? null,
    contentType: columns.contentType ?? null,
    recommendedSettings: columns.recommendedSettings ?? null,
    businessData: hasBusiness ? businessData : null,
  };
  return { typed: { stepNumber: 2, data: typed }, draft, notes };
}

function businessDraft(business: JsonObject): JsonObject {
  const fields = {
    businessName: asText(pick(business, "businessName", "business_name", "name")),
    industry: asText(pick(business, "industry")),
    businessDescription: asText(
      pick(business, "businessDescription", "business_description", "description"),
    ),
    targetAudience: asText(pick(business, "targetAudience", "target_audience")),
  };
  const draft: JsonObject = { mode: "business" };
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) draft[key] = value;
  return draft;
}

/** Step 3: competitors become the form's competitor list; the rest has no form field. */
export function mapResearchStep(data: JsonObject | null): StepCandidate {
  const notes: string[] = [];
  const rawCompetitors = pick(data, "competitors");
  const items = Array.isArray(rawCompetitors) ? rawCompetitors : [];
  if (rawCompetitors !== undefined && !Array.isArray(rawCompetitors)) {
    notes.push("competitors is not an array; no competitors were imported");
  }

  const urls: string[] = [];
  let invalid = 0;
  for (const item of items) {
    const text = asText(item) ?? asText(pick(asObject(item), "url", "website", "link", "domain"));
    const url = text && text.length <= 2048 ? normalizeWebsiteUrl(text) : undefined;
    if (!url) invalid += 1;
    else if (!urls.includes(url)) urls.push(url);
  }
  if (invalid > 0)
    notes.push(
      `${invalid} competitor entr${invalid === 1 ? "y has" : "ies have"} no valid web address`,
    );
  if (urls.length > MAX_COMPETITORS) {
    notes.push(
      `${urls.length - MAX_COMPETITORS} competitors beyond the limit of ${MAX_COMPETITORS} were left out`,
    );
  }
  const competitors = urls.slice(0, MAX_COMPETITORS);

  const leftOut = contentKeys(data).filter((key) => key !== "competitors");
  if (leftOut.length > 0)
    notes.push(`left out of the draft (no form field): ${listNames(leftOut)}`);

  const draft = competitors.length > 0 ? { competitorsText: competitors.join("\n") } : null;
  const validated = researchStepSchema.safeParse({
    researchDepth: pick(data, "researchDepth", "research_depth"),
    contentTypes: pick(data, "contentTypes", "content_types"),
    autoResearch: pick(data, "autoResearch", "auto_research") ?? false,
    factualContent: pick(data, "factualContent", "factual_content") ?? true,
    competitors,
  });
  if (validated.success) {
    return { typed: toStepRecord({ stepNumber: 3, data: validated.data }), draft, notes };
  }
  return {
    draft,
    notes,
    reason: "the legacy data has no research depth or content types, which the wizard requires",
  };
}

const PLATFORM_ALIASES: Record<string, string> = { x: "twitter", "twitter/x": "twitter" };

/** Step 4: the persona, kept as the old app stored it, for its selected platforms. */
export function mapPersonaStep(data: JsonObject | null): StepCandidate {
  const notes: string[] = [];
  const rawPlatforms = pick(data, "selectedPlatforms", "selected_platforms");
  const names = (Array.isArray(rawPlatforms) ? rawPlatforms : []).filter(
    (name): name is string => typeof name === "string" && name.trim() !== "",
  );
  const platforms: string[] = [];
  const unknown: string[] = [];
  for (const name of names) {
    const lower = name.trim().toLowerCase();
    const platform = PLATFORM_ALIASES[lower] ?? lower;
    if ((PLATFORMS as readonly string[]).includes(platform)) {
      if (!platforms.includes(platform)) platforms.push(platform);
    } else unknown.push(name);
  }
  if (unknown.length > 0)
    notes.push(`platforms the wizard does not offer, left out: ${listNames(unknown)}`);

  const objectField = (...keys: string[]) => {
    const value = pick(data, ...keys);
    if (value !== undefined && !isPlainObject(value))
      notes.push(`${keys[0]} is not an object; left out`);
    return asObject(value);
  };
  const corePersona = objectField("corePersona", "core_persona");
  const platformPersonas = objectField("platformPersonas", "platform_personas");
  const qualityMetrics = objectField("qualityMetrics", "quality_metrics");
  noteUnused(data, STEP_4_KEYS, notes);

  const draft = platforms.length > 0 ? { platforms } : null;
  if (platforms.length === 0) {
    const reason =
      names.length === 0
        ? "it has no selected platform"
        : "none of its selected platforms is one the wizard offers";
    return { draft, notes, reason };
  }
  const typed: PersonaStepData = {
    corePersona: corePersona ?? {},
    platformPersonas: platformPersonas ?? {},
    qualityMetrics: qualityMetrics ?? {},
    selectedPlatforms: platforms,
  };
  return { typed: { stepNumber: 4, data: typed }, draft, notes };
}

/** Step 5: optional integrations, checked with the wizard's own schema. */
export function mapIntegrationsStep(data: JsonObject | null): StepCandidate {
  const notes: string[] = [];
  const fields: JsonObject = {};
  const sources = {
    primaryPlatform: ["primaryPlatform", "primary_platform"],
    googleAnalyticsId: ["googleAnalyticsId", "google_analytics_id"],
    linkedinUrl: ["linkedinUrl", "linkedin_url"],
    twitterHandle: ["twitterHandle", "twitter_handle"],
  };
  for (const [field, names] of Object.entries(sources)) {
    const value = pick(data, ...names);
    if (typeof value === "string") fields[field] = value;
  }
  noteUnused(data, Object.values(sources).flat(), notes);

  const draft = Object.keys(fields).length > 0 ? fields : null;
  const validated = integrationsStepSchema.safeParse(fields);
  if (validated.success) {
    return { typed: toStepRecord({ stepNumber: 5, data: validated.data }), draft, notes };
  }
  const fieldsInError = validated.error.issues.map((issue) => String(issue.path[0] ?? "value"));
  return {
    draft,
    notes,
    reason: `its ${[...new Set(fieldsInError)].join(", ")} failed the wizard's checks`,
  };
}

/** Step 6 has no data of its own. */
export function mapFinishStep(data: JsonObject | null): StepCandidate {
  const notes: string[] = [];
  noteUnused(data, [], notes);
  return { draft: null, notes, typed: undefined };
}
