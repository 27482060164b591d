import { eq } from "drizzle-orm";
import type { Executor } from "../client";
import {
  personaData,
  platformIntegrations,
  type ResearchDepth,
  researchPreferences,
  websiteAnalyses,
} from "../schema";

type JsonObject = Record<string, unknown>;

/** Validated step 2: `websiteUrl` or `businessData` is set. */
export interface WebsiteStepData {
  websiteUrl: string | null;
  domainName: string | null;
  useAnalysisForGenAi: boolean;
  analysisDate: Date | null;
  writingStyle: JsonObject | null;
  contentCharacteristics: JsonObject | null;
  targetAudience: JsonObject | null;
  contentType: JsonObject | null;
  recommendedSettings: JsonObject | null;
  businessData: JsonObject | null;
}

/** Validated step 3. */
export interface ResearchStepData {
  researchDepth: ResearchDepth;
  contentTypes: string[];
  autoResearch: boolean;
  factualContent: boolean;
  competitors: string[];
}

/** Validated step 4. */
export interface PersonaStepData {
  corePersona: JsonObject;
  platformPersonas: JsonObject;
  qualityMetrics: JsonObject;
  selectedPlatforms: string[];
}

/** Validated step 5. */
export interface IntegrationsStepData {
  primaryPlatform: string | null;
  analytics: JsonObject;
  social: JsonObject;
}

/** The validated data of a step that has a typed table, tagged with its step number. */
export type TypedStepData =
  | { stepNumber: 2; data: WebsiteStepData }
  | { stepNumber: 3; data: ResearchStepData }
  | { stepNumber: 4; data: PersonaStepData }
  | { stepNumber: 5; data: IntegrationsStepData };

/** Upserts a step's validated data into its typed table, one row per user. */
export async function writeTypedStepData(
  executor: Executor,
  userId: string,
  payload: TypedStepData,
): Promise<void> {
  const updatedAt = new Date();
  switch (payload.stepNumber) {
    case 2:
      await executor
        .insert(websiteAnalyses)
        .values({ userId, ...payload.data })
        .onConflictDoUpdate({
          target: websiteAnalyses.userId,
          set: { ...payload.data, updatedAt },
        });
      return;
    case 3:
      await executor
        .insert(researchPreferences)
        .values({ userId, ...payload.data })
        .onConflictDoUpdate({
          target: researchPreferences.userId,
          set: { ...payload.data, updatedAt },
        });
      return;
    case 4:
      await executor
        .insert(personaData)
        .values({ userId, ...payload.data })
        .onConflictDoUpdate({ target: personaData.userId, set: { ...payload.data, updatedAt } });
      return;
    case 5:
      await executor
        .insert(platformIntegrations)
        .values({ userId, ...payload.data })
        .onConflictDoUpdate({
          target: platformIntegrations.userId,
          set: { ...payload.data, updatedAt },
        });
      return;
  }
}

/** Reads a step's validated data from its typed table; null when the step has none yet. */
export async function readTypedStepData(
  executor: Executor,
  userId: string,
  stepNumber: number,
): Promise<TypedStepData["data"] | null> {
  switch (stepNumber) {
    case 2: {
      const [row] = await executor
        .select({
          websiteUrl: websiteAnalyses.websiteUrl,
          domainName: websiteAnalyses.domainName,
          useAnalysisForGenAi: websiteAnalyses.useAnalysisForGenAi,
          analysisDate: websiteAnalyses.analysisDate,
          writingStyle: websiteAnalyses.writingStyle,
          contentCharacteristics: websiteAnalyses.contentCharacteristics,
          targetAudience: websiteAnalyses.targetAudience,
          contentType: websiteAnalyses.contentType,
          recommendedSettings: websiteAnalyses.recommendedSettings,
          businessData: websiteAnalyses.businessData,
        })
        .from(websiteAnalyses)
        .where(eq(websiteAnalyses.userId, userId));
      return row ?? null;
    }
    case 3: {
      const [row] = await executor
        .select({
          researchDepth: researchPreferences.researchDepth,
          contentTypes: researchPreferences.contentTypes,
          autoResearch: researchPreferences.autoResearch,
          factualContent: researchPreferences.factualContent,
          competitors: researchPreferences.competitors,
        })
        .from(researchPreferences)
        .where(eq(researchPreferences.userId, userId));
      return row ?? null;
    }
    case 4: {
      const [row] = await executor
        .select({
          corePersona: personaData.corePersona,
          platformPersonas: personaData.platformPersonas,
          qualityMetrics: personaData.qualityMetrics,
          selectedPlatforms: personaData.selectedPlatforms,
        })
        .from(personaData)
        .where(eq(personaData.userId, userId));
      return row ?? null;
    }
    case 5: {
      const [row] = await executor
        .select({
          primaryPlatform: platformIntegrations.primaryPlatform,
          analytics: platformIntegrations.analytics,
          social: platformIntegrations.social,
        })
        .from(platformIntegrations)
        .where(eq(platformIntegrations.userId, userId));
      return row ?? null;
    }
    default:
      return null;
  }
}

/** Deletes every typed step row of the user (used when the onboarding starts over). */
export async function removeTypedStepData(executor: Executor, userId: string): Promise<void> {
  await executor.delete(websiteAnalyses).where(eq(websiteAnalyses.userId, userId));
  await executor.delete(researchPreferences).where(eq(researchPreferences.userId, userId));
  await executor.delete(personaData).where(eq(personaData.userId, userId));
  await executor.delete(platformIntegrations).where(eq(platformIntegrations.userId, userId));
}
