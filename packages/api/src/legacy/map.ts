/**
 * Maps a parsed legacy progress file onto an import plan for the repository, and describes every
 * decision in a summary that contains no secret. The rules:
 *
 * - A step completed in the file stays completed only when its data fills the step's typed table
 *   (step 1: when every required provider has a valid key). Otherwise it becomes in_progress with
 *   what it had as a draft, and the summary gives the reason.
 * - Step 3's legacy data has no research depth or content types, so it always becomes a draft.
 * - The session is completed only when the file says so and steps 1 to 4 are completed and step 5
 *   is completed or skipped. The current step is the file's, but never past the first open step.
 */
import {
  firstOpenStep,
  type LegacyImportPlan,
  type LegacyImportStep,
  type TypedStepData,
} from "@onboarding/db/repositories";
import type { StepStatus } from "@onboarding/db/schema";
import { draftSchema, STEP_COUNT } from "../steps";
import { type CleaningReport, cleanJson, describeCleaning, emptyCleaningReport } from "./clean";
import {
  contentKeys,
  type JsonObject,
  mapFinishStep,
  mapIntegrationsStep,
  mapPersonaStep,
  mapResearchStep,
  mapWebsiteStep,
  printableName,
  readApiKeys,
  STEP_3_KEYS,
  STEP_4_KEYS,
  type StepCandidate,
} from "./map-steps";
import type { LegacyProgress, LegacyStepStatus } from "./parse";

export const SUMMARY_FORMAT_VERSION = 1;

const TYPED_TABLES: Record<number, string> = {
  2: "website_analyses",
  3: "research_preferences",
  4: "persona_data",
  5: "platform_integrations",
};

export type StepSummary = {
  stepNumber: number;
  /** The status in the file, or "missing" when the file has no entry for the step. */
  fileStatus: LegacyStepStatus | "missing";
  status: StepStatus;
  stored: "typed_row" | "draft" | "api_keys" | "nothing";
  table: string | null;
  notes: string[];
};

/** The import summary stored in legacy_imports.summary and printed by the command. */
export type LegacyImportSummary = {
  formatVersion: number;
  sourceTimeZone: string;
  file: {
    bytes: number;
    startedAt: string | null;
    lastUpdated: string | null;
    currentStep: number | null;
    isCompleted: boolean;
  };
  session: {
    status: "in_progress" | "completed";
    currentStep: number;
    startedAt: string;
    completedAt: string | null;
  };
  apiKeys: { imported: string[]; skipped: { provider: string; reason: string }[] };
  counts: {
    apiKeysImported: number;
    apiKeysSkipped: number;
    typedRows: number;
    drafts: number;
    reopenedSteps: number;
  };
  steps: StepSummary[];
  notes: string[];
};

export interface MapOptions {
  /** IANA zone that naive timestamps were read in, recorded in the summary. */
  timeZone: string;
  /** Providers whose key step 1 requires (ONBOARDING_REQUIRED_PROVIDERS). */
  requiredProviders: readonly string[];
  /** Size of the file, recorded in the summary. */
  fileBytes: number;
  /** Stands in for missing timestamps. */
  now: Date;
}

export interface MappedLegacyProgress {
  plan: LegacyImportPlan;
  summary: LegacyImportSummary;
}

interface WorkingStep {
  stepNumber: number;
  fileStatus: LegacyStepStatus | "missing";
  status: StepStatus;
  fileCompletedAt: Date | null;
  data: JsonObject | null;
  draft: JsonObject | null;
  typed?: TypedStepData;
  stored: StepSummary["stored"];
  notes: string[];
}

function workingSteps(file: LegacyProgress): WorkingStep[] {
  return Array.from({ length: STEP_COUNT }, (_, index) => {
    const stepNumber = index + 1;
    const entry = file.steps.find((step) => step.stepNumber === stepNumber);
    const notes: string[] = [];
    if (entry?.data && contentKeys(entry.data).length === 0 && Object.keys(entry.data).length > 0) {
      const source = typeof entry.data.source === "string" ? printableName(entry.data.source) : "";
      notes.push(`its data holds only metadata${source ? ` (source ${source})` : ""}`);
    }
    return {
      stepNumber,
      fileStatus: entry?.status ?? "missing",
      status: entry?.status ?? "pending",
      fileCompletedAt: entry?.completedAt ?? null,
      data: entry?.data ? { ...entry.data } : null,
      draft: null,
      stored: "nothing",
      notes,
    };
  });
}

/** Moves keys that belong to the other step between steps 3 and 4, where the old app swapped them. */
function moveSwappedKeys(from: WorkingStep, to: WorkingStep, keys: readonly string[]): void {
  if (!from.data) return;
  const moved = keys.filter((key) => Object.hasOwn(from.data ?? {}, key));
  if (moved.length === 0) return;

  to.data ??= {};
  for (const key of moved) {
    if (!Object.hasOwn(to.data, key)) to.data[key] = from.data[key];
    delete from.data[key];
  }
  from.notes.push(`moved ${moved.join(", ")} to step ${to.stepNumber}, where they belong`);
  to.notes.push(`received ${moved.join(", ")} from step ${from.stepNumber}'s data`);
}

/** Applies the completed-or-draft rule to a step with a mapping candidate. */
function settle(step: WorkingStep, candidate: StepCandidate): void {
  if (step.status === "skipped" && step.stepNumber !== 5) {
    step.notes.push("marked skipped in the file, but only step 5 can be skipped");
    step.status = "pending";
  }
  if (step.status === "completed") {
    if (candidate.typed) {
      step.typed = candidate.typed;
      step.stored = "typed_row";
    } else if (step.stepNumber !== 6) {
      step.status = "in_progress";
      step.draft = candidate.draft;
      step.notes.push(
        `marked completed in the file, but ${candidate.reason ?? "its data is incomplete"}; ` +
          `left in progress${candidate.draft ? " with its data as a draft" : ""} so the user ` +
          "confirms it",
      );
    }
  } else if (step.status === "skipped") {
    if (candidate.draft) step.notes.push("skipped, so its data was not imported");
  } else {
    step.draft = candidate.draft;
    if (step.draft && step.status === "pending") step.status = "in_progress";
    if (step.draft) step.notes.push("not completed in the file; its data is kept as a draft");
  }
  if (step.draft) step.stored = "draft";
  step.notes.push(...candidate.notes);
}

function settleApiKeys(
  step: WorkingStep,
  imported: string[],
  requiredProviders: readonly string[],
): void {
  if (imported.length > 0) step.stored = "api_keys";
  if (step.status === "skipped") {
    step.notes.push("marked skipped in the file, but only step 5 can be skipped");
    step.status = "pending";
  }
  const missing = requiredProviders.filter((provider) => !imported.includes(provider));
  if (step.status === "completed" && missing.length > 0) {
    step.status = "in_progress";
    step.notes.push(
      `marked completed in the file, but no valid key for ${missing.join(", ")}, which ` +
        "ONBOARDING_REQUIRED_PROVIDERS requires; left in progress so the user adds it",
    );
  }
  if (step.status === "pending" && imported.length > 0) step.status = "in_progress";
}

/** Keeps a draft only when the wizard would accept it as an autosave. */
function checkDraft(step: WorkingStep): void {
  if (!step.draft) return;
  const checked = draftSchema.safeParse(step.draft);
  if (checked.success) return;
  step.notes.push(`its draft was dropped: ${checked.error.issues[0]?.message ?? "invalid draft"}`);
  step.draft = null;
  if (step.stored === "draft") step.stored = "nothing";
}

const isDone = (status: StepStatus) => status === "completed" || status === "skipped";

function finishBlockers(steps: readonly WorkingStep[]): number[] {
  return steps
    .filter((step) => step.stepNumber <= 5)
    .filter((step) => (step.stepNumber === 5 ? !isDone(step.status) : step.status !== "completed"))
    .map((step) => step.stepNumber);
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/**
 * Maps a parsed legacy file onto the repository's import plan. Pure: reads no file, no database
 * and no clock, because options.now replaces missing timestamps.
 */
export function mapLegacyProgress(file: LegacyProgress, options: MapOptions): MappedLegacyProgress {
  const steps = workingSteps(file);
  const [step1, step2, step3, step4, step5, step6] = steps as [
    WorkingStep,
    WorkingStep,
    WorkingStep,
    WorkingStep,
    WorkingStep,
    WorkingStep,
  ];
  const notes: string[] = [];

  moveSwappedKeys(step3, step4, STEP_4_KEYS);
  moveSwappedKeys(step4, step3, STEP_3_KEYS);

  // Keys first: every raw key value is then removed from all other data before it is mapped.
  const keys = readApiKeys(step1.data);
  step1.notes.push(...keys.notes);
  const apiKeys = keys.entries.flatMap((entry) =>
    entry.key ? [{ provider: entry.provider, key: entry.key }] : [],
  );
  const skippedKeys = keys.entries.flatMap((entry) =>
    entry.reason ? [{ provider: entry.provider, reason: entry.reason }] : [],
  );
  settleApiKeys(
    step1,
    apiKeys.map((entry) => entry.provider),
    options.requiredProviders,
  );

  const cleaning = new Map<number, CleaningReport>();
  for (const step of steps.slice(1)) {
    const report = emptyCleaningReport();
    step.data = cleanJson(step.data, keys.rawValues, report);
    cleaning.set(step.stepNumber, report);
  }

  settle(step2, mapWebsiteStep(step2.data, options.timeZone));
  settle(step3, mapResearchStep(step3.data));
  settle(step4, mapPersonaStep(step4.data));
  settle(step5, mapIntegrationsStep(step5.data));
  settle(step6, mapFinishStep(step6.data));
  for (const step of steps.slice(1)) {
    step.notes.push(...describeCleaning(cleaning.get(step.stepNumber) ?? emptyCleaningReport()));
    checkDraft(step);
  }

  // The session and step 6 follow the finish rules, whatever the file contains.
  const blockers = finishBlockers(steps);
  const completed = file.isCompleted && blockers.length === 0;
  if (file.isCompleted && !completed) {
    notes.push(
      `the file marks the onboarding finished, but step${blockers.length > 1 ? "s" : ""} ` +
        `${blockers.join(", ")} ${blockers.length > 1 ? "are" : "is"} not done after the import, ` +
        "so it stays in progress",
    );
  }
  if (completed) {
    step6.status = "completed";
  } else if (step6.status === "completed") {
    step6.status = "pending";
    step6.notes.push("marked completed in the file, but the onboarding is not finished");
  }

  const firstOpen = firstOpenStep(steps);
  let currentStep = completed ? STEP_COUNT : firstOpen;
  if (!completed && file.currentStep !== null) {
    const fileStep = Math.min(Math.max(file.currentStep, 1), STEP_COUNT);
    if (fileStep !== file.currentStep) {
      notes.push(`current_step ${file.currentStep} in the file is outside 1 to ${STEP_COUNT}`);
    }
    if (fileStep > firstOpen) {
      notes.push(
        `current_step ${file.currentStep} in the file is past the first open step ${firstOpen}; ` +
          `the wizard resumes at step ${firstOpen}`,
      );
    }
    currentStep = Math.min(fileStep, firstOpen);
  }
  if (!completed) {
    // As in the wizard, the step shown and the first open step are in progress, not pending.
    for (const step of steps) {
      if (
        (step.stepNumber === currentStep || step.stepNumber === firstOpen) &&
        step.status === "pending"
      ) {
        step.status = "in_progress";
      }
    }
  }

  const startedAt = file.startedAt ?? file.lastUpdated ?? options.now;
  if (!file.startedAt)
    notes.push("the file has no started_at; used last_updated or the import time");
  const lastUpdated = file.lastUpdated ?? startedAt;
  let completedAt: Date | null = null;
  if (completed) {
    const fileCompletedAt = file.completedAt;
    const plausible = fileCompletedAt && fileCompletedAt.getTime() > startedAt.getTime();
    completedAt = plausible ? fileCompletedAt : lastUpdated;
    if (!plausible) {
      notes.push(
        fileCompletedAt
          ? "completed_at in the file is not after started_at; used last_updated as the finish time"
          : "the file has no completed_at; used last_updated as the finish time",
      );
    }
  }

  const planSteps: LegacyImportStep[] = steps.map((step) => ({
    stepNumber: step.stepNumber,
    status: step.status,
    draft: step.draft,
    completedAt:
      step.status !== "completed"
        ? null
        : step.stepNumber === STEP_COUNT && completedAt
          ? completedAt
          : (step.fileCompletedAt ?? lastUpdated),
  }));
  const stepData = steps.flatMap((step) =>
    step.status === "completed" && step.typed ? [step.typed] : [],
  );

  const stepSummaries: StepSummary[] = steps.map((step) => ({
    stepNumber: step.stepNumber,
    fileStatus: step.fileStatus,
    status: step.status,
    stored: step.status === "completed" && step.typed ? "typed_row" : step.stored,
    table:
      step.status === "completed" && step.typed ? (TYPED_TABLES[step.stepNumber] ?? null) : null,
    notes: step.notes,
  }));

  const rawSummary: LegacyImportSummary = {
    formatVersion: SUMMARY_FORMAT_VERSION,
    sourceTimeZone: options.timeZone,
    file: {
      bytes: options.fileBytes,
      startedAt: iso(file.startedAt),
      lastUpdated: iso(file.lastUpdated),
      currentStep: file.currentStep,
      isCompleted: file.isCompleted,
    },
    session: {
      status: completed ? "completed" : "in_progress",
      currentStep,
      startedAt: startedAt.toISOString(),
      completedAt: iso(completedAt),
    },
    apiKeys: { imported: apiKeys.map((entry) => entry.provider), skipped: skippedKeys },
    counts: {
      apiKeysImported: apiKeys.length,
      apiKeysSkipped: skippedKeys.length,
      typedRows: stepData.length,
      drafts: planSteps.filter((step) => step.draft).length,
      reopenedSteps: steps.filter(
        (step) => step.fileStatus === "completed" && step.status !== "completed",
      ).length,
    },
    steps: stepSummaries,
    notes,
  };
  // Names from the file reach the summary; none of them may carry a key.
  const summary = cleanJson(rawSummary, keys.rawValues, emptyCleaningReport());

  return {
    plan: {
      session: {
        status: completed ? "completed" : "in_progress",
        currentStep,
        startedAt,
        completedAt,
      },
      steps: planSteps,
      stepData,
      apiKeys,
      summary,
    },
    summary,
  };
}
