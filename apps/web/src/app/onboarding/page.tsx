import { redirect } from "next/navigation";
import { requireProgress } from "~/server/wizard-data";

export const dynamic = "force-dynamic";

/** Sends the user to the step the server says they are on. */
export default async function OnboardingPage() {
  const { progress } = await requireProgress();
  redirect(
    progress.status === "completed" ? "/dashboard" : `/onboarding/step/${progress.currentStep}`,
  );
}
