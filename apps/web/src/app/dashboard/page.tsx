import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { DeleteAccount, DownloadData, StartOver } from "~/components/dashboard/account-actions";
import { SignOutButton } from "~/components/sign-out-button";
import { Review } from "~/components/wizard/review";
import { loadReview, requireProgress } from "~/server/wizard-data";

export const metadata: Metadata = { title: "Dashboard" };
export const dynamic = "force-dynamic";

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "UTC" });

/** Renders the finished onboarding and the account's data actions, or redirects to the wizard. */
export default async function DashboardPage() {
  const { session, caller, progress } = await requireProgress();
  if (progress.status !== "completed") redirect(`/onboarding/step/${progress.currentStep}`);

  const review = await loadReview(caller);
  const email = session.user.email ?? "";

  return (
    <>
      <div className="topbar">
        <span className="signed-in">Signed in as {email}</span>
        <SignOutButton />
      </div>
      <h1>Your assistant is set up</h1>
      <p className="intro" data-testid="completed-at">
        Onboarding finished on{" "}
        {progress.completedAt ? dateFormat.format(progress.completedAt) : "—"}. This is what your
        assistant works with.
      </p>
      <Review review={review} editable={false} />
      <section className="account-actions" aria-labelledby="account-heading">
        <h2 id="account-heading">Your data and account</h2>
        <DownloadData />
        <StartOver />
        <DeleteAccount email={email} />
      </section>
    </>
  );
}
