import type { StepStatus } from "../schema";

export const STEP_COUNT = 6;
export const FINISH_STEP = 6;
/** Steps a user may skip; every other step must be completed before later ones. */
export const SKIPPABLE_STEPS: readonly number[] = [5];

export interface StepState {
  stepNumber: number;
  status: StepStatus;
}

export const isStepDone = (status: StepStatus) => status === "completed" || status === "skipped";

/** Steps before `stepNumber` that still block it: not completed, and not skipped where allowed. */
export function blockingStepsBefore(steps: readonly StepState[], stepNumber: number): number[] {
  return steps
    .filter((step) => step.stepNumber < stepNumber)
    .filter((step) =>
      SKIPPABLE_STEPS.includes(step.stepNumber)
        ? !isStepDone(step.status)
        : step.status !== "completed",
    )
    .map((step) => step.stepNumber)
    .sort((a, b) => a - b);
}

/** The first step that is neither completed nor skipped, or the finish step when all are. */
export function firstOpenStep(steps: readonly StepState[]): number {
  const open = steps
    .filter((step) => !isStepDone(step.status))
    .map((step) => step.stepNumber)
    .sort((a, b) => a - b);
  return open[0] ?? FINISH_STEP;
}
