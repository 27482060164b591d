"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { signOut } from "next-auth/react";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { messageOf } from "~/components/wizard/errors";
import { Checkbox, TextField } from "~/components/wizard/fields";
import { useTRPC } from "~/trpc/react";

type Status = { kind: "info" | "error"; text: string } | undefined;

/** Saves `text` as a file through a temporary object URL. */
function downloadFile(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Renders a polite live region with the outcome of an action. */
function StatusMessage({ status, testId }: { status: Status; testId: string }) {
  return (
    <div role="status" aria-live="polite" data-testid={testId}>
      {status && (
        <p className={status.kind === "error" ? "notice error-box" : "notice"}>{status.text}</p>
      )}
    </div>
  );
}

/** Moves focus into a panel when it opens, so keyboard users continue where the panel is. */
function useFocusOnOpen(open: boolean) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (open) ref.current?.querySelector<HTMLElement>("input, button")?.focus();
  }, [open]);
  return ref;
}

export function DownloadData() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<Status>();
  const [pending, setPending] = useState(false);

  async function onDownload() {
    setPending(true);
    setStatus(undefined);
    try {
      const data = await queryClient.fetchQuery({
        ...trpc.account.export.queryOptions(),
        staleTime: 0,
      });
      const fileName = `onboarding-data-${new Date().toISOString().slice(0, 10)}.json`;
      downloadFile(fileName, `${JSON.stringify(data, null, 2)}\n`);
      setStatus({ kind: "info", text: `Downloaded ${fileName}. API keys in it are masked.` });
    } catch (error) {
      setStatus({ kind: "error", text: messageOf(error) });
    } finally {
      setPending(false);
    }
  }

  return (
    <section className="card" aria-labelledby="download-heading">
      <h3 id="download-heading">Download my data</h3>
      <p className="hint">
        Everything stored about you as one JSON file: account, answers, drafts, masked API keys and
        the history of your changes.
      </p>
      <div>
        <button type="button" onClick={onDownload} disabled={pending}>
          {pending ? "Preparing…" : "Download my data"}
        </button>
      </div>
      <StatusMessage status={status} testId="download-status" />
    </section>
  );
}

export function StartOver() {
  const trpc = useTRPC();
  const router = useRouter();
  const reset = useMutation(trpc.onboarding.reset.mutationOptions());
  const [open, setOpen] = useState(false);
  const [forgetKeys, setForgetKeys] = useState(false);
  const [status, setStatus] = useState<Status>();
  const panelRef = useFocusOnOpen(open);

  async function onConfirm() {
    setStatus(undefined);
    try {
      await reset.mutateAsync({ forgetKeys });
      router.push("/onboarding/step/1");
    } catch (error) {
      setStatus({ kind: "error", text: messageOf(error) });
    }
  }

  return (
    <section className="card" aria-labelledby="start-over-heading">
      <h3 id="start-over-heading">Start over</h3>
      <p className="hint">Clear your answers and go through the setup again.</p>
      {open ? (
        <div className="confirm" ref={panelRef}>
          <p>
            This removes your website, research, persona and integration settings. You cannot undo
            it.
          </p>
          <Checkbox
            id="forget-keys"
            label="Also forget my stored API keys"
            checked={forgetKeys}
            onChange={setForgetKeys}
            hint="Unticked, your keys stay stored and step 1 is quick."
          />
          <div className="row">
            <button type="button" className="danger" onClick={onConfirm} disabled={reset.isPending}>
              Yes, start over
            </button>
            <button type="button" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <div>
          <button type="button" onClick={() => setOpen(true)}>
            Start over…
          </button>
        </div>
      )}
      <StatusMessage status={status} testId="start-over-status" />
    </section>
  );
}

export function DeleteAccount({ email }: { email: string }) {
  const trpc = useTRPC();
  const remove = useMutation(trpc.account.delete.mutationOptions());
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState("");
  const [error, setError] = useState<string>();
  const [status, setStatus] = useState<Status>();
  const panelRef = useFocusOnOpen(open);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setStatus(undefined);
    if (typed.trim().toLowerCase() !== email.toLowerCase()) {
      setError(`Type ${email} exactly to confirm.`);
      return;
    }
    setError(undefined);
    try {
      await remove.mutateAsync({ confirmEmail: typed });
      setStatus({ kind: "info", text: "Your account was deleted. Signing you out…" });
      await signOut({ redirectTo: "/sign-in?deleted=1" });
    } catch (caught) {
      setStatus({ kind: "error", text: messageOf(caught).replace(/^confirmEmail: /, "") });
    }
  }

  return (
    <section className="card danger-zone" aria-labelledby="delete-heading">
      <h3 id="delete-heading">Delete my account</h3>
      <p className="hint">
        Deletes your account and everything stored with it: answers, drafts, API keys and history.
      </p>
      {open ? (
        <div ref={panelRef}>
          <form className="confirm" onSubmit={onSubmit} noValidate aria-label="Delete my account">
            <TextField
              id="confirm-email"
              label={`Type your email address, ${email}, to confirm`}
              type="email"
              required
              autoComplete="off"
              value={typed}
              onChange={setTyped}
              error={error}
              hint="This cannot be undone."
            />
            <div className="row">
              <button type="submit" className="danger" disabled={remove.isPending}>
                Delete my account permanently
              </button>
              <button type="button" onClick={() => setOpen(false)}>
                Cancel
              </button>
            </div>
          </form>
        </div>
      ) : (
        <div>
          <button type="button" className="danger" onClick={() => setOpen(true)}>
            Delete my account…
          </button>
        </div>
      )}
      <StatusMessage status={status} testId="delete-status" />
    </section>
  );
}
