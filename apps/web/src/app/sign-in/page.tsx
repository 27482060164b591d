import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { auth } from "~/auth";
import { AuthForm } from "~/components/auth-form";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const session = await auth();
  const { deleted, reason } = await searchParams;
  // A cookie of a deleted account still decodes; the page must not bounce it back to the wizard.
  if (session?.user?.id && reason !== "account-missing") redirect("/onboarding");

  return (
    <>
      <h1>Sign in</h1>
      {deleted === "1" && (
        <p className="notice" role="status" data-testid="account-deleted">
          Your account and everything stored with it were deleted.
        </p>
      )}
      {reason === "account-missing" && (
        <p className="notice" role="status" data-testid="account-missing">
          The account you were signed in with no longer exists. Sign in with another account or
          create a new one.
        </p>
      )}
      <p className="hint">Pick up your onboarding where you left it.</p>
      <AuthForm mode="sign-in" />
    </>
  );
}
