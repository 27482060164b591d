"use client";

import { WIZARD_STEPS } from "@onboarding/api/steps";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from "react";
import { useTRPC } from "~/trpc/react";
import {
  CONFLICT_MESSAGE,
  conflictOf,
  issuesToFieldErrors,
  isUnauthorized,
  messageOf,
  serverFieldErrors,
} from "./errors";
import type { FieldErrors } from "./fields";
import { FIELD_LABELS, STEP_INTROS } from "./labels";
import { ProviderKeys } from "./provider-keys";
import { Review } from "./review";
import { SaveStatus } from "./save-status";
import { STEP_FORMS } from "./step-forms";
import { Stepper } from "./stepper";
import type { KeySummary, Progress, ProviderInfo, ReviewData, StepView } from "./types";
import { sendDraftOnUnload, useAutosave } from "./use-autosave";

interface WizardProps {
  stepNumber: number;
  progress: Progress;
  step: StepView;
  providers: ProviderInfo[];
  keys: KeySummary[];
  review: ReviewData | null;
}

type Notice = { kind: "info" | "error"; text: string } | undefined;
type Action = "continue" | "back" | "skip" | "finish" | "save";

/** How long the conflict message stays up before the page reloads, in milliseconds. */
const CONFLICT_RELOAD_DELAY_MS = 1_500;

/**
 * Storage key of the form a tab had when another tab's change forced a reload. sessionStorage
 * belongs to the tab and survives the reload, so the user can take the text back afterwards.
 */
const unsavedKey = (stepNumber: number) => `onboarding.unsaved-step-${stepNumber}`;

function readUnsaved(stepNumber: number): Record<string, unknown> | undefined {
  try {
    const stored = window.sessionStorage.getItem(unsavedKey(stepNumber));
    const parsed: unknown = stored ? JSON.parse(stored) : undefined;
    return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    // Storage can be disabled or full, and then the text is lost as it was before.
    return undefined;
  }
}

function writeUnsaved(stepNumber: number, state: Record<string, unknown> | undefined): void {
  try {
    if (state) window.sessionStorage.setItem(unsavedKey(stepNumber), JSON.stringify(state));
    else window.sessionStorage.removeItem(unsavedKey(stepNumber));
  } catch {
    // See readUnsaved.
  }
}

function initialFormState(stepNumber: number, step: StepView): Record<string, unknown> {
  const form = STEP_FORMS[stepNumber];
  if (!form) return {};
  if (step.draft) return { ...form.defaults, ...step.draft };
  if (step.values) return { ...form.defaults, ...form.fromValues(step.values) };
  return { ...form.defaults };
}

/** Orders field names as their controls appear on the page; unknown names go last. */
function inPageOrder(fields: string[]): string[] {
  const position = (field: string) => document.getElementById(field);
  return [...fields].sort((a, b) => {
    const first = position(a);
    const second = position(b);
    if (!first && !second) return 0;
    if (!first) return 1;
    if (!second) return -1;
    return first.compareDocumentPosition(second) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
  });
}

function summarizeErrors(errors: FieldErrors): string {
  const fields = inPageOrder(Object.keys(errors)).map((field) => FIELD_LABELS[field] ?? field);
  const noun = fields.length === 1 ? "field needs" : "fields need";
  return `${fields.length} ${noun} your attention: ${fields.join(", ")}.`;
}

/** Moves focus to the first control marked invalid, so keyboard users land on the problem. */
function focusFirstInvalid(container: HTMLElement | null): void {
  const invalid = container?.querySelector<HTMLElement>('[aria-invalid="true"]');
  invalid?.focus();
}

/**
 * Renders one wizard step: the stepper, the step's form with autosave, and Back / Save draft /
 * Skip / Continue (or Finish setup on step 6). Every mutation sends the version it last saw, so a
 * change made in another tab surfaces as a conflict and a reload instead of being overwritten.
 */
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
  const bodyRef = useRef<HTMLDivElement>(null);
  const [progress, setProgress] = useState(initialProgress);
  const version = useRef(initialProgress.version);
  const [formState, setFormState] = useState(() => initialFormState(stepNumber, step));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [focusErrors, setFocusErrors] = useState(0);
  const [notice, setNotice] = useState<Notice>();
  const [busy, setBusy] = useState<Action | null>(null);
  const [conflicted, setConflicted] = useState(false);
  const [unsaved, setUnsaved] = useState<Record<string, unknown>>();
  const reloading = useRef(false);

  const saveStep = useMutation(trpc.onboarding.saveStep.mutationOptions());
  const completeStep = useMutation(trpc.onboarding.completeStep.mutationOptions());
  const skipStep = useMutation(trpc.onboarding.skipStep.mutationOptions());
  const goToStep = useMutation(trpc.onboarding.goToStep.mutationOptions());
  const finish = useMutation(trpc.onboarding.finish.mutationOptions());

  const definition = WIZARD_STEPS.find((item) => item.number === stepNumber);
  const form = STEP_FORMS[stepNumber];

  function applyProgress(next: Progress) {
    version.current = next.version;
    setProgress(next);
  }

  const autosave = useAutosave({
    value: formState,
    enabled: Boolean(form) && !conflicted,
    save: async (draft) => {
      applyProgress(
        await saveStep.mutateAsync({ stepNumber, draft, expectedVersion: version.current }),
      );
    },
    onFatalError: (error) => handleError(error),
    saveOnUnload: (draft) =>
      sendDraftOnUnload({ stepNumber, draft, expectedVersion: version.current }),
  });

  useEffect(() => {
    headingRef.current?.focus();
  }, []);

  // After a conflict reload, offer the text this tab had, unless it matches what was loaded.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once, against the loaded state.
  useEffect(() => {
    if (!form) return;
    const previous = readUnsaved(stepNumber);
    if (!previous) return;
    if (JSON.stringify(previous) === JSON.stringify(formState)) writeUnsaved(stepNumber, undefined);
    else setUnsaved(previous);
  }, []);

  function restoreUnsaved() {
    if (!unsaved) return;
    update(unsaved);
    setUnsaved(undefined);
    writeUnsaved(stepNumber, undefined);
  }

  function discardUnsaved() {
    setUnsaved(undefined);
    writeUnsaved(stepNumber, undefined);
  }

  useEffect(() => {
    if (focusErrors > 0) focusFirstInvalid(bodyRef.current);
  }, [focusErrors]);

  function showFieldErrors(fieldErrors: FieldErrors) {
    setErrors(fieldErrors);
    setNotice({ kind: "error", text: summarizeErrors(fieldErrors) });
    setFocusErrors((count) => count + 1);
  }

  function handleError(error: unknown) {
    if (reloading.current) return;
    const conflict = conflictOf(error);
    if (conflict) {
      reloading.current = true;
      setConflicted(true);
      if (conflict.progress) setProgress(conflict.progress);
      if (form) writeUnsaved(stepNumber, formState);
      setNotice({ kind: "error", text: CONFLICT_MESSAGE });
      setTimeout(() => window.location.reload(), CONFLICT_RELOAD_DELAY_MS);
      return;
    }
    if (isUnauthorized(error)) {
      setNotice({
        kind: "error",
        text: "Your session has ended. Sign in again to continue; your last saved draft is kept.",
      });
      return;
    }
    const fieldErrors = serverFieldErrors(error);
    if (Object.keys(fieldErrors).length > 0) {
      showFieldErrors(fieldErrors);
      return;
    }
    setNotice({ kind: "error", text: messageOf(error) });
  }

  /** Runs one button's work unless another runs. A failure shows the error and resumes autosave. */
  async function run(action: Action, work: () => Promise<void>) {
    if (busy || reloading.current) return;
    setBusy(action);
    setNotice(undefined);
    try {
      await work();
    } catch (error) {
      handleError(error);
      if (!reloading.current) autosave.resume();
    } finally {
      setBusy(null);
    }
  }

  function goTo(next: Progress) {
    applyProgress(next);
    router.push(
      next.status === "completed" ? "/dashboard" : `/onboarding/step/${next.currentStep}`,
    );
  }

  /** Validates the form with the shared step schema and returns its input or its field errors. */
  function validate(state: Record<string, unknown>) {
    if (!form) return { ok: true as const, data: undefined, errors: {} };
    const input = form.toInput(state as never);
    const parsed = form.schema.safeParse(input);
    if (parsed.success) return { ok: true as const, data: input, errors: {} };
    return { ok: false as const, errors: issuesToFieldErrors(parsed.error.issues, input) };
  }

  function update(patch: Record<string, unknown>) {
    const next = { ...formState, ...patch };
    setFormState(next);
    // After a failed Continue, errors clear as soon as their field is fixed.
    if (Object.keys(errors).length > 0) {
      const fresh = validate(next).errors as FieldErrors;
      setErrors(
        Object.fromEntries(
          Object.keys(errors)
            .filter((field) => fresh[field])
            .map((field) => [field, fresh[field]]),
        ),
      );
    }
  }

  const onContinue = () =>
    run("continue", async () => {
      const checked = validate(formState);
      if (!checked.ok) {
        showFieldErrors(checked.errors);
        return;
      }
      setErrors({});
      await autosave.pause();
      const next = await completeStep.mutateAsync({
        stepNumber,
        data: checked.data,
        expectedVersion: version.current,
      } as never);
      goTo(next);
    });

  const onSaveDraft = () =>
    run("save", async () => {
      const saved = await autosave.flush();
      setNotice(
        saved
          ? { kind: "info", text: "Draft saved." }
          : { kind: "error", text: "The draft is not saved yet. Retrying in the background." },
      );
    });

  const onSkip = () =>
    run("skip", async () => {
      await autosave.pause();
      goTo(await skipStep.mutateAsync({ stepNumber, expectedVersion: version.current }));
    });

  const onBack = () =>
    run("back", async () => {
      if (form) await autosave.flush();
      if (reloading.current) return;
      await autosave.pause();
      goTo(
        await goToStep.mutateAsync({
          stepNumber: stepNumber - 1,
          expectedVersion: version.current,
        }),
      );
    });

  const onFinish = () =>
    run("finish", async () => {
      goTo(await finish.mutateAsync({ expectedVersion: version.current }));
    });

  // Only steps with a form of their own continue on Enter. On step 1, Enter in a key field must
  // not press Continue, and step 6 has no fields.
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (form) void onContinue();
  }

  let body: ReactNode = null;
  if (stepNumber === 1) body = <ProviderKeys providers={providers} initialKeys={keys} />;
  else if (stepNumber === 6 && review) body = <Review review={review} editable />;
  else if (form) {
    const Form = form.Form;
    body = <Form state={formState} update={update} errors={errors} />;
  }

  const disabled = busy !== null || conflicted;
  const actions = (
    <div className="actions">
      <div className="group">
        {stepNumber > 1 && (
          <button type="button" onClick={onBack} disabled={disabled}>
            Back
          </button>
        )}
        {form && <SaveStatus status={autosave.status} />}
      </div>
      <div className="group">
        {form && (
          <button type="button" onClick={onSaveDraft} disabled={disabled}>
            Save draft
          </button>
        )}
        {definition?.skippable && (
          <button type="button" onClick={onSkip} disabled={disabled}>
            Skip
          </button>
        )}
        {form ? (
          <button type="submit" className="primary" disabled={disabled}>
            {busy === "continue" ? "Saving…" : "Continue"}
          </button>
        ) : (
          <button
            type="button"
            className="primary"
            onClick={stepNumber === 6 ? onFinish : onContinue}
            disabled={disabled}
          >
            {stepNumber === 6 ? "Finish setup" : "Continue"}
          </button>
        )}
      </div>
    </div>
  );

  const noticeRegion = (
    <div className="notice-region" role="status" aria-live="polite" data-testid="wizard-notice">
      {notice && (
        <p className={notice.kind === "error" ? "notice error-box" : "notice"}>{notice.text}</p>
      )}
      {unsaved && (
        <div className="notice" data-testid="unsaved-notice">
          <p>
            This page was reloaded because another tab or device changed your onboarding. What you
            had typed here was not saved.
          </p>
          <div className="row">
            <button type="button" onClick={restoreUnsaved}>
              Restore my text
            </button>
            <button type="button" onClick={discardUnsaved}>
              Keep the saved version
            </button>
          </div>
        </div>
      )}
    </div>
  );

  return (
    <>
      <Stepper progress={progress} viewing={stepNumber} />
      <h1 ref={headingRef} tabIndex={-1}>
        <span className="step-count">
          Step {stepNumber} of {WIZARD_STEPS.length}
          <span className="visually-hidden">:</span>
        </span>{" "}
        {definition?.title}
      </h1>
      <p className="intro">{STEP_INTROS[stepNumber]}</p>
      <form className="stack" noValidate onSubmit={onSubmit} aria-label={definition?.title}>
        <div className="stack" ref={bodyRef}>
          {body}
        </div>
        {noticeRegion}
        {actions}
      </form>
    </>
  );
}
