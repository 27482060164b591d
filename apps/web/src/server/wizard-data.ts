import "server-only";
import { firstOpenStep } from "@onboarding/db/repositories";
import { TRPCError } from "@trpc/server";
import { redirect } from "next/navigation";
import { getServerCaller } from "./caller";

/** Returns the signed-in user's caller and progress, or redirects to sign-in. */
export async function requireProgress() {
  const { session, caller } = await getServerCaller();
  if (!session?.user?.id) redirect("/sign-in");

  let progress: Awaited<ReturnType<typeof caller.onboarding.getProgress>>;
  try {
    progress = await caller.onboarding.getProgress();
  } catch (error) {
    // A valid cookie whose account was deleted: send the user to sign in instead of a 500 page.
    if (error instanceof TRPCError && error.code === "UNAUTHORIZED") {
      redirect("/sign-in?reason=account-missing");
    }
    throw error;
  }
  return { session, caller, progress, furthestStep: firstOpenStep(progress.steps) };
}

/** Loads every step and the masked keys for the review step and the dashboard. */
export async function loadReview(caller: Awaited<ReturnType<typeof getServerCaller>>["caller"]) {
  const [keys, providers, ...steps] = await Promise.all([
    caller.apiKeys.list(),
    caller.providers.list(),
    ...[2, 3, 4, 5].map((stepNumber) => caller.onboarding.getStep({ stepNumber })),
  ]);
  return { keys, providers, steps };
}
