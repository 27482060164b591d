import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { auth } from "~/auth";
import { AuthForm } from "~/components/auth-form";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

export default async function SignInPage() {
  const session = await auth();
  if (session?.user?.id) redirect("/onboarding");

  return (
    <>
      <h1>Sign in</h1>
      <p className="hint">Pick up your onboarding where you left it.</p>
      <AuthForm mode="sign-in" />
    </>
  );
}
