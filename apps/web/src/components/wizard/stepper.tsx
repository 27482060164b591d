import { WIZARD_STEPS } from "@onboarding/api/steps";
import Link from "next/link";
import type { Progress } from "./types";

const STATE_LABELS: Record<string, string> = {
  pending: "Not started",
  in_progress: "In progress",
  completed: "Completed",
  skipped: "Skipped",
};

const MARKERS: Record<string, string> = { completed: "✓", skipped: "–" };

/**
 * Renders the six steps with their state and the share done. Reached steps link to themselves.
 * Later ones are plain text, because the server sends a jump ahead back to the current step.
 */
export function Stepper({ progress, viewing }: { progress: Progress; viewing: number }) {
  const firstOpen =
    progress.steps.find((step) => step.status !== "completed" && step.status !== "skipped")
      ?.stepNumber ?? 6;

  return (
    <nav aria-label="Onboarding steps" className="stepper-nav">
      <div className="progress-row">
        <progress
          className="progress-bar"
          max={100}
          value={progress.percentComplete}
          aria-label="Onboarding progress"
        />
        <p className="progress-label" data-testid="percent-complete">
          {progress.percentComplete}% done
        </p>
      </div>
      <ol className="stepper">
        {WIZARD_STEPS.map((definition) => {
          const step = progress.steps.find((item) => item.stepNumber === definition.number);
          const status = step?.status ?? "pending";
          const state = STATE_LABELS[status] ?? status;
          const reachable = definition.number <= firstOpen;
          const current = definition.number === viewing;
          const content = (
            <>
              <span className="marker" aria-hidden="true">
                {MARKERS[status] ?? definition.number}
              </span>
              <span className="text">
                <span className="name">
                  <span className="visually-hidden">Step {definition.number}: </span>
                  {definition.title}
                </span>
                <span className="state">
                  <span className="visually-hidden">, </span>
                  {state}
                </span>
              </span>
            </>
          );
          return (
            <li
              key={definition.number}
              data-status={status}
              data-testid={`stepper-step-${definition.number}`}
              aria-current={current ? "step" : undefined}
            >
              {reachable && !current ? (
                <Link href={`/onboarding/step/${definition.number}`}>{content}</Link>
              ) : (
                <span className="item">{content}</span>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
