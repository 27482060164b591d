import { WIZARD_STEPS } from "@onboarding/api/steps";
import Link from "next/link";
import { labelFor } from "./labels";
import type { ReviewData } from "./types";

function formatValue(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (Array.isArray(value)) return value.length === 0 ? "—" : value.map(formatValue).join(", ");
  if (typeof value === "string" && /^[a-z_]+$/.test(value)) return labelFor(value);
  return String(value);
}

const FIELD_LABELS: Record<string, string> = {
  mode: "Website",
  websiteUrl: "Website URL",
  writingTone: "Writing tone",
  targetAudience: "Target audience",
  primaryContentType: "Main content type",
  useAnalysisForGenAi: "Use website style",
  businessName: "Business name",
  industry: "Industry",
  businessDescription: "Business description",
  researchDepth: "Research depth",
  contentTypes: "Content types",
  autoResearch: "Automatic research",
  factualContent: "Factual content",
  competitors: "Competitors",
  personaName: "Persona name",
  brandVoice: "Brand voice",
  defaultTone: "Default tone",
  avoidedTones: "Tones to avoid",
  platforms: "Platforms",
  primaryPlatform: "Publishing platform",
  googleAnalyticsId: "Google Analytics ID",
  linkedinUrl: "LinkedIn page",
  twitterHandle: "X handle",
};

/** A read-only summary of every step, keys masked, with a link back to each step. */
export function Review({ review, editable }: { review: ReviewData; editable: boolean }) {
  return (
    <div className="summary">
      <section aria-labelledby="review-step-1">
        <h2 id="review-step-1">1. AI providers</h2>
        {review.keys.length === 0 ? (
          <p className="hint">No keys stored.</p>
        ) : (
          <dl>
            {review.keys.map((key) => (
              <div key={key.provider} style={{ display: "contents" }}>
                <dt>
                  {review.providers.find((provider) => provider.id === key.provider)?.label ??
                    key.provider}
                </dt>
                <dd>
                  ending in <code>{key.last4}</code> ({labelFor(key.status)})
                </dd>
              </div>
            ))}
          </dl>
        )}
        {editable && <Link href="/onboarding/step/1">Change AI providers</Link>}
      </section>
      {WIZARD_STEPS.filter((step) => step.number >= 2 && step.number <= 5).map((definition) => {
        const step = review.steps.find((item) => item.stepNumber === definition.number);
        const values = step?.values ?? null;
        return (
          <section key={definition.number} aria-labelledby={`review-step-${definition.number}`}>
            <h2 id={`review-step-${definition.number}`}>
              {definition.number}. {definition.title}
            </h2>
            {step?.status === "skipped" ? (
              <p className="hint">Skipped.</p>
            ) : values ? (
              <dl>
                {Object.entries(values)
                  .filter(([field]) => FIELD_LABELS[field])
                  .map(([field, value]) => (
                    <div key={field} style={{ display: "contents" }}>
                      <dt>{FIELD_LABELS[field]}</dt>
                      <dd>
                        {field === "mode"
                          ? value === "website"
                            ? "Yes"
                            : "No website"
                          : formatValue(value)}
                      </dd>
                    </div>
                  ))}
              </dl>
            ) : (
              <p className="hint">Not completed yet.</p>
            )}
            {editable && (
              <Link href={`/onboarding/step/${definition.number}`}>
                Change {definition.title.toLowerCase()}
              </Link>
            )}
          </section>
        );
      })}
    </div>
  );
}
