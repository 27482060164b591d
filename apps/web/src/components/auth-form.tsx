"use client";

import { emailSchema, MIN_PASSWORD_LENGTH, passwordSchema } from "@onboarding/api/steps";
import { useMutation } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { signIn } from "next-auth/react";
import { type FormEvent, useRef, useState } from "react";
import { useTRPC } from "~/trpc/react";

type Mode = "sign-up" | "sign-in";
type FieldErrors = Partial<Record<"name" | "email" | "password", string>>;

function firstIssue(result: { success: boolean; error?: { issues: { message: string }[] } }) {
  return result.success ? undefined : result.error?.issues[0]?.message;
}

/** The sign-up and sign-in form; sign-up registers through tRPC, then both sign in. */
export function AuthForm({ mode }: { mode: Mode }) {
  const trpc = useTRPC();
  const router = useRouter();
  const register = useMutation(trpc.auth.register.mutationOptions());
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string>();
  const [pending, setPending] = useState(false);
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    const form = new FormData(event.currentTarget);
    const name = String(form.get("name") ?? "");
    const email = String(form.get("email") ?? "");
    const password = String(form.get("password") ?? "");

    const errors: FieldErrors = {
      email: firstIssue(emailSchema.safeParse(email)),
      password:
        mode === "sign-up"
          ? firstIssue(passwordSchema.safeParse(password))
          : password === ""
            ? "Password is required."
            : undefined,
    };
    setFieldErrors(errors);
    setFormError(undefined);
    if (errors.email || errors.password) {
      (errors.email ? emailRef : passwordRef).current?.focus();
      return;
    }

    setPending(true);
    try {
      if (mode === "sign-up") await register.mutateAsync({ name, email, password });
      const result = await signIn("credentials", { email, password, redirect: false });
      if (!result || result.error) {
        setFormError("Wrong email or password. Check both and try again.");
        passwordRef.current?.select();
        return;
      }
      router.replace("/onboarding");
      router.refresh();
    } catch (error) {
      setFormError(
        error instanceof TRPCClientError ? error.message : "Could not reach the server. Try again.",
      );
    } finally {
      setPending(false);
    }
  }

  const describedBy = (field: keyof FieldErrors) =>
    fieldErrors[field] ? `${field}-error` : undefined;

  return (
    <form onSubmit={onSubmit} noValidate aria-describedby={formError ? "form-error" : undefined}>
      {formError && (
        <p id="form-error" className="notice error-box" role="alert">
          {formError}
        </p>
      )}
      {mode === "sign-up" && (
        <div className="field">
          <label htmlFor="name">Name (optional)</label>
          <input id="name" name="name" type="text" autoComplete="name" maxLength={100} />
        </div>
      )}
      <div className="field">
        <label htmlFor="email">Email</label>
        <input
          ref={emailRef}
          id="email"
          name="email"
          type="email"
          autoComplete="email"
          required
          aria-invalid={fieldErrors.email ? true : undefined}
          aria-describedby={describedBy("email")}
        />
        {fieldErrors.email && (
          <p id="email-error" className="error">
            {fieldErrors.email}
          </p>
        )}
      </div>
      <div className="field">
        <label htmlFor="password">Password</label>
        <input
          ref={passwordRef}
          id="password"
          name="password"
          type="password"
          autoComplete={mode === "sign-up" ? "new-password" : "current-password"}
          required
          aria-invalid={fieldErrors.password ? true : undefined}
          aria-describedby={
            [describedBy("password"), mode === "sign-up" ? "password-hint" : undefined]
              .filter(Boolean)
              .join(" ") || undefined
          }
        />
        {mode === "sign-up" && (
          <p id="password-hint" className="hint">
            At least {MIN_PASSWORD_LENGTH} characters.
          </p>
        )}
        {fieldErrors.password && (
          <p id="password-error" className="error">
            {fieldErrors.password}
          </p>
        )}
      </div>
      <div className="actions">
        {mode === "sign-up" ? (
          <p className="hint">
            Already have an account? <Link href="/sign-in">Sign in</Link>
          </p>
        ) : (
          <p className="hint">
            New here? <Link href="/sign-up">Create an account</Link>
          </p>
        )}
        {/* aria-disabled rather than disabled: a disabled button drops the keyboard focus. */}
        <button type="submit" className="primary" aria-disabled={pending || undefined}>
          {mode === "sign-up" ? "Create account" : "Sign in"}
        </button>
      </div>
    </form>
  );
}
