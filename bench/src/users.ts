import { randomBytes } from "node:crypto";
import { createOnboardingClient, signInWithPassword } from "@onboarding/api/client";
import { mapLimited, progress } from "./progress";
import { SAVE_DRAFT, SAVE_STEP_NUMBER } from "./workload";

export interface BenchUser {
  id: string;
  email: string;
  /** The `Cookie` header value of the user's session; a secret, never printed. */
  cookie: string;
}

/**
 * Registers `count` users through auth.register, signs each in through next-auth's credentials
 * endpoint, and opens their onboarding with one getProgress and one saveStep, so the measured
 * requests take the steady-state path. Emails start with `prefix`.
 */
export async function signInUsers(
  baseUrl: string,
  prefix: string,
  count: number,
): Promise<BenchUser[]> {
  const password = randomBytes(18).toString("base64url");
  const anonymous = createOnboardingClient({ baseUrl });
  let done = 0;

  // Password hashing dominates, so a few at a time keep both cores busy.
  return mapLimited(Array.from({ length: count }), 4, async (_, index) => {
    const email = `${prefix}user-${index + 1}@example.test`;
    const { id } = await anonymous.auth.register.mutate({ email, password });
    const cookie = await signInWithPassword({ baseUrl, email, password });
    const client = createOnboardingClient({ baseUrl, sessionCookie: cookie });
    await client.onboarding.getProgress.query();
    await client.onboarding.saveStep.mutate({ stepNumber: SAVE_STEP_NUMBER, draft: SAVE_DRAFT });

    done++;
    if (done % 25 === 0 || done === count) progress(`  signed in ${done}/${count} users`);
    return { id, email, cookie };
  });
}
