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
  if (session?.user?.id) redirect("/onboarding");
  const { deleted } = await searchParams;

  return (
    <>
      <h1>Sign in</h1>
      {deleted === "1" && (
        <p className="notice" role="status" data-testid="account-deleted">
          Your account and everything stored with it were deleted.
        </p>
      )}
      <p className="hint">Pick up your onboarding where you left it.</p>
      <AuthForm mode="sign-in" />
    </>
  );
}
