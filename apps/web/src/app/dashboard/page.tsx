import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignOutButton } from "~/components/sign-out-button";
import { Review } from "~/components/wizard/review";
import { loadReview, requireProgress } from "~/server/wizard-data";

export const metadata: Metadata = { title: "Dashboard" };
export const dynamic = "force-dynamic";

/** The finished onboarding; before it is finished, the wizard is shown instead. */
export default async function DashboardPage() {
  const { session, caller, progress } = await requireProgress();
  if (progress.status !== "completed") redirect(`/onboarding/step/${progress.currentStep}`);

  const review = await loadReview(caller);
  const completedAt = progress.completedAt?.toISOString().slice(0, 10);

  return (
    <>
      <div className="topbar">
        <span>Signed in as {session.user.email}</span>
        <SignOutButton />
      </div>
      <h1>Your assistant is set up</h1>
      <p className="hint" data-testid="completed-at">
        Onboarding finished on {completedAt}.
      </p>
      <Review review={review} editable={false} />
    </>
  );
}
