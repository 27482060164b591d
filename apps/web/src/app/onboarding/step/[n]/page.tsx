import { STEP_COUNT, WIZARD_STEPS } from "@onboarding/api/steps";
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignOutButton } from "~/components/sign-out-button";
import { Wizard } from "~/components/wizard/wizard";
import { loadReview, requireProgress } from "~/server/wizard-data";

export const dynamic = "force-dynamic";

type Params = Promise<{ n: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { n } = await params;
  const step = WIZARD_STEPS.find((item) => String(item.number) === n);
  return { title: step ? `Step ${step.number}: ${step.title}` : "Onboarding" };
}

export default async function StepPage({ params }: { params: Params }) {
  const { n } = await params;
  const { session, caller, progress, furthestStep } = await requireProgress();
  if (progress.status === "completed") redirect("/dashboard");

  const stepNumber = Number(n);
  const isStep = /^[1-9]$/.test(n) && stepNumber >= 1 && stepNumber <= STEP_COUNT;
  // Steps beyond the first open one are not reached yet; the server's current step is shown instead.
  if (!isStep || stepNumber > furthestStep) redirect(`/onboarding/step/${progress.currentStep}`);

  const [step, providers, keys, review] = await Promise.all([
    caller.onboarding.getStep({ stepNumber }),
    caller.providers.list(),
    caller.apiKeys.list(),
    stepNumber === 6 ? loadReview(caller) : Promise.resolve(null),
  ]);

  return (
    <>
      <div className="topbar">
        <span className="signed-in">Signed in as {session.user.email}</span>
        <SignOutButton />
      </div>
      <Wizard
        key={`${stepNumber}-${progress.version}`}
        stepNumber={stepNumber}
        progress={progress}
        step={step}
        providers={providers}
        keys={keys}
        review={review}
      />
    </>
  );
}
