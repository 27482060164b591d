import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { auth } from "~/auth";
import { AuthForm } from "~/components/auth-form";

export const metadata: Metadata = { title: "Create your account" };
export const dynamic = "force-dynamic";

export default async function SignUpPage() {
  const session = await auth();
  if (session?.user?.id) redirect("/onboarding");

  return (
    <>
      <h1>Create your account</h1>
      <p className="hint">Set up your AI writing assistant in six short steps.</p>
      <AuthForm mode="sign-up" />
    </>
  );
}
