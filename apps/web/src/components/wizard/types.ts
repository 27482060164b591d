import type { RouterOutputs } from "@onboarding/api";

export type Progress = RouterOutputs["onboarding"]["getProgress"];
export type StepView = RouterOutputs["onboarding"]["getStep"];
export type ProviderInfo = RouterOutputs["providers"]["list"][number];
export type KeySummary = RouterOutputs["apiKeys"]["list"][number];

/** Everything the review step shows: each step's values and the masked keys. */
export interface ReviewData {
  keys: KeySummary[];
  providers: ProviderInfo[];
  steps: StepView[];
}
