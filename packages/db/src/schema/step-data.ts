import { sql } from "drizzle-orm";
import { boolean, check, jsonb, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import { users } from "./auth";
import { timestamptz } from "./columns";

const ownerColumns = () => ({
  id: uuid().primaryKey().defaultRandom(),
  userId: text()
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  createdAt: timestamptz().notNull().defaultNow(),
  updatedAt: timestamptz().notNull().defaultNow(),
});

export const researchDepths = ["basic", "standard", "comprehensive", "expert"] as const;
export type ResearchDepth = (typeof researchDepths)[number];

/** Validated step 2: either an analysed website or, for users without one, business details. */
export const websiteAnalyses = pgTable(
  "website_analyses",
  {
    ...ownerColumns(),
    websiteUrl: text(),
    domainName: text(),
    useAnalysisForGenAi: boolean().notNull().default(true),
    analysisDate: timestamptz(),
    writingStyle: jsonb().$type<Record<string, unknown>>(),
    contentCharacteristics: jsonb().$type<Record<string, unknown>>(),
    targetAudience: jsonb().$type<Record<string, unknown>>(),
    contentType: jsonb().$type<Record<string, unknown>>(),
    recommendedSettings: jsonb().$type<Record<string, unknown>>(),
    businessData: jsonb().$type<Record<string, unknown>>(),
  },
  (table) => [
    unique("website_analyses_user_id_key").on(table.userId),
    check(
      "website_analyses_url_or_business",
      sql`${table.websiteUrl} IS NOT NULL OR ${table.businessData} IS NOT NULL`,
    ),
    check(
      "website_analyses_url_scheme",
      sql`${table.websiteUrl} IS NULL OR ${table.websiteUrl} ~ '^https?://'`,
    ),
  ],
);

/** Validated step 3. */
export const researchPreferences = pgTable(
  "research_preferences",
  {
    ...ownerColumns(),
    researchDepth: text().$type<ResearchDepth>().notNull(),
    contentTypes: text().array().notNull(),
    autoResearch: boolean().notNull().default(false),
    factualContent: boolean().notNull().default(true),
    competitors: jsonb().$type<string[]>().notNull().default([]),
  },
  (table) => [
    unique("research_preferences_user_id_key").on(table.userId),
    check(
      "research_preferences_depth_valid",
      sql`${table.researchDepth} IN ('basic', 'standard', 'comprehensive', 'expert')`,
    ),
    check(
      "research_preferences_content_types_present",
      sql`cardinality(${table.contentTypes}) >= 1`,
    ),
    check(
      "research_preferences_competitors_max",
      sql`jsonb_typeof(${table.competitors}) = 'array' AND jsonb_array_length(${table.competitors}) <= 25`,
    ),
  ],
);

/** Validated step 4. */
export const personaData = pgTable(
  "persona_data",
  {
    ...ownerColumns(),
    corePersona: jsonb().$type<Record<string, unknown>>().notNull(),
    platformPersonas: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    qualityMetrics: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    selectedPlatforms: text().array().notNull(),
  },
  (table) => [
    unique("persona_data_user_id_key").on(table.userId),
    check(
      "persona_data_selected_platforms_present",
      sql`cardinality(${table.selectedPlatforms}) >= 1`,
    ),
  ],
);

/** Validated step 5; every field is optional because the step itself is. */
export const platformIntegrations = pgTable(
  "platform_integrations",
  {
    ...ownerColumns(),
    primaryPlatform: text(),
    analytics: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    social: jsonb().$type<Record<string, unknown>>().notNull().default({}),
  },
  (table) => [unique("platform_integrations_user_id_key").on(table.userId)],
);
