import { desc, eq } from "drizzle-orm";
import type { Executor } from "../client";
import { onboardingEvents } from "../schema";

/** The columns of an audit event as the API returns it. */
export const eventColumns = {
  id: onboardingEvents.id,
  type: onboardingEvents.type,
  stepNumber: onboardingEvents.stepNumber,
  at: onboardingEvents.at,
  detail: onboardingEvents.detail,
};

/** Returns the user's audit trail, newest first. */
export async function listEvents(executor: Executor, params: { userId: string; limit?: number }) {
  return executor
    .select(eventColumns)
    .from(onboardingEvents)
    .where(eq(onboardingEvents.userId, params.userId))
    .orderBy(desc(onboardingEvents.at), desc(onboardingEvents.id))
    .limit(params.limit ?? 100);
}
