import { WIZARD_STEPS } from "@onboarding/api/steps";
import Link from "next/link";
import type { Progress } from "./types";

const STATE_LABELS: Record<string, string> = {
  pending: "Not started",
  in_progress: "In progress",
  completed: "Completed",
  skipped: "Skipped",
};

/** The six steps with their state; reached steps link to themselves. */
export function Stepper({ progress, viewing }: { progress: Progress; viewing: number }) {
  const firstOpen =
    progress.steps.find((step) => step.status !== "completed" && step.status !== "skipped")
      ?.stepNumber ?? 6;

  return (
    <nav aria-label="Onboarding steps">
      <ol className="stepper">
        {WIZARD_STEPS.map((definition) => {
          const step = progress.steps.find((item) => item.stepNumber === definition.number);
          const status = step?.status ?? "pending";
          const reachable = definition.number <= firstOpen;
          const label = (
            <>
              <span className="name">
                {definition.number}. {definition.title}
              </span>
              <span className="state">{STATE_LABELS[status]}</span>
            </>
          );
          return (
            <li
              key={definition.number}
              data-status={status}
              data-testid={`stepper-step-${definition.number}`}
              aria-current={definition.number === viewing ? "step" : undefined}
            >
              {reachable && definition.number !== viewing ? (
                <Link
                  href={`/onboarding/step/${definition.number}`}
                  aria-label={`Step ${definition.number}, ${definition.title}: ${STATE_LABELS[status]}`}
                >
                  {label}
                </Link>
              ) : (
                label
              )}
            </li>
          );
        })}
      </ol>
      <p className="progress-label" data-testid="percent-complete">
        {progress.percentComplete}% done
      </p>
    </nav>
  );
}
