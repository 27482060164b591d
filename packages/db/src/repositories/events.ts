import { desc, eq } from "drizzle-orm";
import type { Executor } from "../client";
import { onboardingEvents } from "../schema";

/** Returns the user's audit trail, newest first. */
export async function listEvents(executor: Executor, params: { userId: string; limit?: number }) {
  return executor
    .select({
      id: onboardingEvents.id,
      type: onboardingEvents.type,
      stepNumber: onboardingEvents.stepNumber,
      at: onboardingEvents.at,
      detail: onboardingEvents.detail,
    })
    .from(onboardingEvents)
    .where(eq(onboardingEvents.userId, params.userId))
    .orderBy(desc(onboardingEvents.at), desc(onboardingEvents.id))
    .limit(params.limit ?? 100);
}
