"use client";

import { WIZARD_STEPS } from "@onboarding/api/steps";
import { useMutation } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useRouter } from "next/navigation";
import { type ReactNode, useEffect, useRef, useState } from "react";
import { useTRPC } from "~/trpc/react";
import type { FieldErrors } from "./fields";
import { ProviderKeys } from "./provider-keys";
import { Review } from "./review";
import { STEP_FORMS } from "./step-forms";
import { Stepper } from "./stepper";
import type { KeySummary, Progress, ProviderInfo, ReviewData, StepView } from "./types";

interface WizardProps {
  stepNumber: number;
  progress: Progress;
  step: StepView;
  providers: ProviderInfo[];
  keys: KeySummary[];
  review: ReviewData | null;
}

type Notice = { kind: "info" | "error"; text: string } | undefined;

const CONFLICT_MESSAGE =
  "This onboarding changed in another tab or device. Reloading the latest version…";

function issuesToFieldErrors(
  issues: readonly { path: PropertyKey[]; message: string }[],
): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const field = String(issue.path[0] ?? "form");
    errors[field] ??= issue.message;
  }
  return errors;
}

function serverFieldErrors(error: unknown): FieldErrors {
  if (!(error instanceof TRPCClientError)) return {};
  const fields =
    (error.data as { fieldErrors?: Record<string, string[]> } | undefined)?.fieldErrors ?? {};
  const errors: FieldErrors = {};
  for (const [path, messages] of Object.entries(fields)) {
    const field = path.replace(/^data\./, "").split(".")[0] ?? path;
    errors[field] ??= messages[0];
  }
  return errors;
}

function initialFormState(stepNumber: number, step: StepView): Record<string, unknown> {
  const form = STEP_FORMS[stepNumber];
  if (!form) return {};
  if (step.draft) return { ...form.defaults, ...step.draft };
  if (step.values) return { ...form.defaults, ...form.fromValues(step.values) };
  return { ...form.defaults };
}

/** One wizard step: the stepper, the step's form and Back / Save draft / Skip / Continue. */
export function Wizard({
  stepNumber,
  progress: initialProgress,
  step,
  providers,
  keys,
  review,
}: WizardProps) {
  const trpc = useTRPC();
  const router = useRouter();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [progress, setProgress] = useState(initialProgress);
  const [formState, setFormState] = useState(() => initialFormState(stepNumber, step));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [notice, setNotice] = useState<Notice>();

  const saveStep = useMutation(trpc.onboarding.saveStep.mutationOptions());
  const completeStep = useMutation(trpc.onboarding.completeStep.mutationOptions());
  const skipStep = useMutation(trpc.onboarding.skipStep.mutationOptions());
  const goToStep = useMutation(trpc.onboarding.goToStep.mutationOptions());
  const finish = useMutation(trpc.onboarding.finish.mutationOptions());
  const pending =
    saveStep.isPending ||
    completeStep.isPending ||
    skipStep.isPending ||
    goToStep.isPending ||
    finish.isPending;

  const definition = WIZARD_STEPS.find((item) => item.number === stepNumber);
  const form = STEP_FORMS[stepNumber];

  useEffect(() => {
    headingRef.current?.focus();
  }, []);

  function handleError(error: unknown) {
    if (error instanceof TRPCClientError && error.data?.code === "CONFLICT") {
      setNotice({ kind: "error", text: CONFLICT_MESSAGE });
      setTimeout(() => window.location.reload(), 1500);
      return;
    }
    const fieldErrors = serverFieldErrors(error);
    if (Object.keys(fieldErrors).length > 0) {
      setErrors(fieldErrors);
      setNotice({ kind: "error", text: "Some fields need your attention." });
      return;
    }
    setNotice({
      kind: "error",
      text:
        error instanceof TRPCClientError
          ? error.message
          : "Could not reach the server. Check your connection and try again.",
    });
  }

  function goTo(next: Progress) {
    setProgress(next);
    router.push(
      next.status === "completed" ? "/dashboard" : `/onboarding/step/${next.currentStep}`,
    );
    router.refresh();
  }

  async function onSaveDraft() {
    try {
      const next = await saveStep.mutateAsync({
        stepNumber,
        draft: formState,
        expectedVersion: progress.version,
      });
      setProgress(next);
      setNotice({ kind: "info", text: "Draft saved." });
    } catch (error) {
      handleError(error);
    }
  }

  async function onContinue() {
    setNotice(undefined);
    let data: unknown;
    if (form) {
      const parsed = form.schema.safeParse(form.toInput(formState as never));
      if (!parsed.success) {
        setErrors(issuesToFieldErrors(parsed.error.issues));
        setNotice({ kind: "error", text: "Some fields need your attention." });
        return;
      }
      data = form.toInput(formState as never);
    }
    setErrors({});
    try {
      const next = await completeStep.mutateAsync({
        stepNumber,
        data,
        expectedVersion: progress.version,
      } as never);
      goTo(next);
    } catch (error) {
      handleError(error);
    }
  }

  async function onSkip() {
    try {
      goTo(await skipStep.mutateAsync({ stepNumber, expectedVersion: progress.version }));
    } catch (error) {
      handleError(error);
    }
  }

  async function onBack() {
    try {
      const next = await goToStep.mutateAsync({
        stepNumber: stepNumber - 1,
        expectedVersion: progress.version,
      });
      goTo(next);
    } catch (error) {
      handleError(error);
    }
  }

  async function onFinish() {
    try {
      goTo(await finish.mutateAsync({ expectedVersion: progress.version }));
    } catch (error) {
      handleError(error);
    }
  }

  let body: ReactNode = null;
  if (stepNumber === 1) body = <ProviderKeys providers={providers} initialKeys={keys} />;
  else if (stepNumber === 6 && review) body = <Review review={review} editable />;
  else if (form) {
    const Form = form.Form;
    body = (
      <Form
        state={formState}
        update={(patch) => setFormState((current) => ({ ...current, ...patch }))}
        errors={errors}
      />
    );
  }

  return (
    <>
      <Stepper progress={progress} viewing={stepNumber} />
      <h1 ref={headingRef} tabIndex={-1}>
        Step {stepNumber} of {WIZARD_STEPS.length}: {definition?.title}
      </h1>
      <form
        className="stack"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void (stepNumber === 6 ? onFinish() : onContinue());
        }}
      >
        {body}
        <div aria-live="polite" role="status">
          {notice && (
            <p className={notice.kind === "error" ? "notice error-box" : "notice"}>{notice.text}</p>
          )}
        </div>
        <div className="actions">
          <div className="group">
            {stepNumber > 1 && (
              <button type="button" onClick={onBack} disabled={pending}>
                Back
              </button>
            )}
          </div>
          <div className="group">
            {form && (
              <button type="button" onClick={onSaveDraft} disabled={pending}>
                Save draft
              </button>
            )}
            {definition?.skippable && (
              <button type="button" onClick={onSkip} disabled={pending}>
                Skip
              </button>
            )}
            <button type="submit" className="primary" disabled={pending}>
              {stepNumber === 6 ? "Finish setup" : "Continue"}
            </button>
          </div>
        </div>
      </form>
    </>
  );
}
