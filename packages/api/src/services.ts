import type { Database } from "@onboarding/db";
import type { Keyring } from "@onboarding/db/vault";
import type { Logger } from "./logger";
import { DEFAULT_REQUIRED_PROVIDERS, PROVIDER_IDS } from "./providers";
import type { VerificationConfig } from "./verification";

export { parseVerificationConfig } from "./verification";

/** What the procedures need from the server process, built once at start-up. */
export interface Services {
  db: Database;
  keyring: Keyring;
  /** Providers whose key step 1 requires. */
  requiredProviders: readonly string[];
  logger: Logger;
  /** Provider URLs and timeout for `apiKeys.verify`; unset means the real providers and 5 s. */
  verification?: VerificationConfig;
}

/**
 * Parses `ONBOARDING_REQUIRED_PROVIDERS` (comma-separated provider ids); unset means gemini and
 * exa, and an empty value requires none. An unknown id raises an error naming the variable.
 */
export function parseRequiredProviders(value: string | undefined): readonly string[] {
  if (value === undefined) return DEFAULT_REQUIRED_PROVIDERS;

  const ids = value
    .split(",")
    .map((id) => id.trim().toLowerCase())
    .filter((id) => id !== "");
  const unknown = ids.filter((id) => !PROVIDER_IDS.includes(id));
  if (unknown.length > 0) {
    throw new Error(
      `ONBOARDING_REQUIRED_PROVIDERS contains unknown provider ${unknown.join(", ")}; ` +
        `use ids from: ${PROVIDER_IDS.join(", ")}.`,
    );
  }
  return [...new Set(ids)];
}
