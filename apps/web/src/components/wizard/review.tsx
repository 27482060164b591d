import { WIZARD_STEPS } from "@onboarding/api/steps";
import Link from "next/link";
import { FIELD_LABELS, labelFor } from "./labels";
import type { ReviewData } from "./types";

/** Fields whose values are option ids such as `blog_posts`, shown through their labels. */
const OPTION_FIELDS = new Set([
  "writingTone",
  "primaryContentType",
  "researchDepth",
  "contentTypes",
  "defaultTone",
  "avoidedTones",
  "platforms",
  "primaryPlatform",
]);

function formatValue(field: string, value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (field === "mode") return value === "website" ? "Yes" : "No website";
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (Array.isArray(value)) {
    return value.length === 0 ? "—" : value.map((item) => formatValue(field, item)).join(", ");
  }
  if (typeof value === "string" && OPTION_FIELDS.has(field)) return labelFor(value);
  return String(value);
}

const KEY_STATUS_LABELS: Record<string, string> = {
  unverified: "saved, not verified",
  valid: "verified",
  invalid: "rejected by the provider",
  needs_reentry: "needs to be entered again",
};

/** A read-only summary of every step, keys masked, with a link back to each step. */
export function Review({ review, editable }: { review: ReviewData; editable: boolean }) {
  return (
    <div className="summary">
      <section aria-labelledby="review-step-1" data-testid="review-step-1">
        <div className="summary-head">
          <h2 id="review-step-1">1. AI providers</h2>
          {editable && (
            <Link href="/onboarding/step/1">
              Change<span className="visually-hidden"> AI providers</span>
            </Link>
          )}
        </div>
        {review.keys.length === 0 ? (
          <p className="hint">No keys stored.</p>
        ) : (
          <dl>
            {review.keys.map((key) => (
              <div key={key.provider} className="pair">
                <dt>
                  {review.providers.find((provider) => provider.id === key.provider)?.label ??
                    key.provider}
                </dt>
                <dd>
                  Key ending in <code>{key.last4}</code>,{" "}
                  {KEY_STATUS_LABELS[key.status] ?? key.status}
                </dd>
              </div>
            ))}
          </dl>
        )}
      </section>
      {WIZARD_STEPS.filter((step) => step.number >= 2 && step.number <= 5).map((definition) => {
        const step = review.steps.find((item) => item.stepNumber === definition.number);
        const values = step?.values ?? null;
        const headingId = `review-step-${definition.number}`;
        return (
          <section key={definition.number} aria-labelledby={headingId} data-testid={headingId}>
            <div className="summary-head">
              <h2 id={headingId}>
                {definition.number}. {definition.title}
              </h2>
              {editable && (
                <Link href={`/onboarding/step/${definition.number}`}>
                  Change<span className="visually-hidden"> {definition.title.toLowerCase()}</span>
                </Link>
              )}
            </div>
            {step?.status === "skipped" ? (
              <p className="hint">Skipped. You can connect these later.</p>
            ) : values ? (
              <dl>
                {Object.entries(values)
                  .filter(([field]) => FIELD_LABELS[field])
                  .map(([field, value]) => (
                    <div key={field} className="pair">
                      <dt>{FIELD_LABELS[field]}</dt>
                      <dd>{formatValue(field, value)}</dd>
                    </div>
                  ))}
              </dl>
            ) : (
              <p className="hint">Not completed yet.</p>
            )}
          </section>
        );
      })}
    </div>
  );
}
