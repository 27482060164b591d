import type {
  IntegrationsStepData,
  PersonaStepData,
  ResearchStepData,
  TypedStepData,
  WebsiteStepData,
} from "@onboarding/db/repositories";
import type { IntegrationsStep, PersonaStep, ResearchStep, WebsiteStep } from "./steps";

/** The validated form values of one step, tagged with its number. */
export type StepValues =
  | { stepNumber: 2; data: WebsiteStep }
  | { stepNumber: 3; data: ResearchStep }
  | { stepNumber: 4; data: PersonaStep }
  | { stepNumber: 5; data: IntegrationsStep };

const asString = (value: unknown) => (typeof value === "string" ? value : "");

function domainOf(url: string): string {
  return new URL(url).hostname.replace(/^www\./, "");
}

/** Maps validated form values onto the columns of the step's typed table. */
export function toStepRecord(values: StepValues): TypedStepData {
  switch (values.stepNumber) {
    case 2: {
      const form = values.data;
      const data: WebsiteStepData =
        form.mode === "website"
          ? {
              websiteUrl: form.websiteUrl,
              domainName: domainOf(form.websiteUrl),
              useAnalysisForGenAi: form.useAnalysisForGenAi,
              analysisDate: null,
              writingStyle: {
                tone: form.writingTone,
                ...(form.styleNotes ? { notes: form.styleNotes } : {}),
              },
              contentCharacteristics: null,
              targetAudience: { description: form.targetAudience },
              contentType: { primary: form.primaryContentType },
              recommendedSettings: null,
              businessData: null,
            }
          : {
              websiteUrl: null,
              domainName: null,
              useAnalysisForGenAi: false,
              analysisDate: null,
              writingStyle: null,
              contentCharacteristics: null,
              targetAudience: { description: form.targetAudience },
              contentType: null,
              recommendedSettings: null,
              businessData: {
                businessName: form.businessName,
                industry: form.industry,
                description: form.businessDescription,
              },
            };
      return { stepNumber: 2, data };
    }
    case 3:
      return { stepNumber: 3, data: values.data satisfies ResearchStepData };
    case 4: {
      const form = values.data;
      const data: PersonaStepData = {
        corePersona: {
          personaName: form.personaName,
          brandVoice: form.brandVoice,
          defaultTone: form.defaultTone,
          avoidedTones: form.avoidedTones,
        },
        platformPersonas: {},
        qualityMetrics: {},
        selectedPlatforms: form.platforms,
      };
      return { stepNumber: 4, data };
    }
    case 5: {
      const form = values.data;
      const data: IntegrationsStepData = {
        primaryPlatform: form.primaryPlatform,
        analytics: form.googleAnalyticsId ? { googleAnalyticsId: form.googleAnalyticsId } : {},
        social: {
          ...(form.linkedinUrl ? { linkedinUrl: form.linkedinUrl } : {}),
          ...(form.twitterHandle ? { twitterHandle: form.twitterHandle } : {}),
        },
      };
      return { stepNumber: 5, data };
    }
  }
}

/**
 * Maps a typed table row back to form values, so a completed step opens filled in. Rows written
 * by other tools (such as the legacy import) may lack fields; those come back empty.
 */
export function toFormValues(
  stepNumber: number,
  record: TypedStepData["data"] | null,
): Record<string, unknown> | null {
  if (!record) return null;

  switch (stepNumber) {
    case 2: {
      const row = record as WebsiteStepData;
      if (row.websiteUrl) {
        const styleNotes = asString(row.writingStyle?.notes);
        return {
          mode: "website",
          websiteUrl: row.websiteUrl,
          writingTone: asString(row.writingStyle?.tone),
          targetAudience: asString(row.targetAudience?.description),
          primaryContentType: asString(row.contentType?.primary),
          ...(styleNotes ? { styleNotes } : {}),
          useAnalysisForGenAi: row.useAnalysisForGenAi,
        };
      }
      return {
        mode: "business",
        businessName: asString(row.businessData?.businessName),
        industry: asString(row.businessData?.industry),
        businessDescription: asString(row.businessData?.description),
        targetAudience: asString(
          row.targetAudience?.description ?? row.businessData?.targetAudience,
        ),
      };
    }
    case 3: {
      const row = record as ResearchStepData;
      return { ...row };
    }
    case 4: {
      const row = record as PersonaStepData;
      return {
        personaName: asString(row.corePersona.personaName),
        brandVoice: asString(row.corePersona.brandVoice),
        defaultTone: asString(row.corePersona.defaultTone),
        avoidedTones: Array.isArray(row.corePersona.avoidedTones)
          ? row.corePersona.avoidedTones
          : [],
        platforms: row.selectedPlatforms,
      };
    }
    case 5: {
      const row = record as IntegrationsStepData;
      return {
        primaryPlatform: row.primaryPlatform,
        googleAnalyticsId: asString(row.analytics.googleAnalyticsId),
        linkedinUrl: asString(row.social.linkedinUrl),
        twitterHandle: asString(row.social.twitterHandle),
      };
    }
    default:
      return null;
  }
}
