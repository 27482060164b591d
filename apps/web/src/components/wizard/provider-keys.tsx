"use client";

import { checkApiKeyFormat } from "@onboarding/api/providers";
import { useMutation } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useEffect, useRef, useState } from "react";
import { useTRPC } from "~/trpc/react";
import type { KeySummary, ProviderInfo } from "./types";

const STATUS_LABELS: Record<string, string> = {
  unverified: "Saved, not verified",
  valid: "Verified",
  invalid: "Rejected by provider",
  needs_reentry: "Needs to be entered again",
};

// A fixed zone and locale, so the server render and the browser show the same text.
const TIME_FORMAT = new Intl.DateTimeFormat("en-GB", {
  dateStyle: "medium",
  timeStyle: "short",
  timeZone: "UTC",
});

/** The status line under a stored key: why it has its status, and when it was last verified. */
function statusDetail(stored: KeySummary): string | undefined {
  const verified = stored.verifiedAt
    ? `Last verified ${TIME_FORMAT.format(new Date(stored.verifiedAt))} UTC.`
    : undefined;
  if (stored.status === "valid") return verified;
  if (stored.status === "needs_reentry") return undefined;
  return [stored.statusReason, verified].filter(Boolean).join(" ") || undefined;
}

/** Picks "an" before a label that starts with a vowel ("an OpenAI key"), else "a". */
function articleFor(label: string): string {
  return /^[aeiou]/i.test(label) ? "an" : "a";
}

function errorMessage(caught: unknown, fallback: string): string {
  if (!(caught instanceof TRPCClientError)) return fallback;
  return caught.message.replace(/^(key|provider): /, "");
}

function ProviderKeyRow({
  provider,
  stored,
  onChange,
}: {
  provider: ProviderInfo;
  stored: KeySummary | undefined;
  onChange: (provider: string, summary: KeySummary | undefined) => void;
}) {
  const trpc = useTRPC();
  const save = useMutation(trpc.apiKeys.save.mutationOptions());
  const remove = useMutation(trpc.apiKeys.remove.mutationOptions());
  const verify = useMutation(trpc.apiKeys.verify.mutationOptions());
  const [value, setValue] = useState("");
  const [error, setError] = useState<string>();
  const [editing, setEditing] = useState(!stored || stored.status === "needs_reentry");
  const inputId = `key-${provider.id}`;
  // The row swaps its input for buttons and back, which removes the focused element. Focus then
  // moves to the control that replaced it, so keyboard users keep their place.
  const focusNext = useRef<"input" | "replace" | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const replaceRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (focusNext.current === "input") inputRef.current?.focus();
    if (focusNext.current === "replace") replaceRef.current?.focus();
    focusNext.current = null;
  });
  const needsReentry = stored?.status === "needs_reentry";
  const canVerify = provider.verifiable && stored !== undefined && !needsReentry;
  const detail = stored ? statusDetail(stored) : undefined;

  // Buttons use aria-disabled while their request runs, because a disabled button drops the
  // keyboard focus; these guards ignore the clicks instead.
  async function onSave() {
    if (save.isPending) return;
    const checked = checkApiKeyFormat(provider.id, value);
    if (!checked.ok) {
      setError(checked.message);
      return;
    }
    setError(undefined);
    try {
      const summary = await save.mutateAsync({ provider: provider.id, key: checked.key });
      setValue("");
      focusNext.current = "replace";
      setEditing(false);
      onChange(provider.id, summary);
    } catch (caught) {
      setError(errorMessage(caught, "Saving failed. Try again."));
    }
  }

  async function onRemove() {
    if (remove.isPending) return;
    setError(undefined);
    try {
      await remove.mutateAsync({ provider: provider.id });
      focusNext.current = "input";
      setEditing(true);
      onChange(provider.id, undefined);
    } catch (caught) {
      setError(errorMessage(caught, "Removing the key failed. Try again."));
    }
  }

  async function onVerify() {
    if (verify.isPending) return;
    setError(undefined);
    try {
      const summary = await verify.mutateAsync({ provider: provider.id });
      if (summary.status === "needs_reentry") setEditing(true);
      onChange(provider.id, summary);
    } catch (caught) {
      setError(errorMessage(caught, "Verifying failed. Try again."));
    }
  }

  const describedBy = [`${inputId}-hint`, error ? `${inputId}-error` : undefined]
    .filter(Boolean)
    .join(" ");

  const removeButton = (
    <button
      type="button"
      className="danger"
      onClick={onRemove}
      aria-disabled={remove.isPending || undefined}
    >
      Remove<span className="visually-hidden"> {provider.label} key</span>
    </button>
  );

  return (
    <div className="key-row" data-testid={`provider-${provider.id}`}>
      <div className="row">
        <strong>{provider.label}</strong>
        <span className="badge">{provider.required ? "Required" : "Optional"}</span>
        {stored && (
          <span
            className="badge"
            data-testid={`key-status-${provider.id}`}
            data-status={stored.status}
            aria-live="polite"
          >
            {verify.isPending ? "Verifying…" : (STATUS_LABELS[stored.status] ?? stored.status)}
          </span>
        )}
      </div>
      {stored && (
        <p className="hint" data-testid={`key-mask-${provider.id}`}>
          Stored key ending in <code>••••{stored.last4}</code>
        </p>
      )}
      {detail && (
        <p
          className={stored?.status === "invalid" ? "error" : "hint"}
          data-testid={`key-status-detail-${provider.id}`}
          aria-live="polite"
        >
          {detail}
        </p>
      )}
      {needsReentry && (
        <p className="error" data-testid={`key-reentry-${provider.id}`}>
          This key can no longer be read, so it will not be used. Enter your {provider.label} key
          again.
        </p>
      )}
      {editing ? (
        <div className="field">
          <label htmlFor={inputId}>{provider.label} API key</label>
          <div className="row">
            <input
              id={inputId}
              ref={inputRef}
              name={inputId}
              type="password"
              autoComplete="off"
              spellCheck={false}
              value={value}
              aria-invalid={error ? true : undefined}
              aria-describedby={describedBy}
              onChange={(event) => setValue(event.target.value)}
            />
            <button type="button" onClick={onSave} aria-disabled={save.isPending || undefined}>
              Save key<span className="visually-hidden"> for {provider.label}</span>
            </button>
            {stored && !needsReentry && (
              <button type="button" onClick={() => setEditing(false)}>
                Cancel<span className="visually-hidden"> {provider.label} key change</span>
              </button>
            )}
            {needsReentry && removeButton}
          </div>
          <p id={`${inputId}-hint`} className="hint">
            Expected format: {provider.formatHint}.{" "}
            <a href={provider.keyUrl} target="_blank" rel="noreferrer">
              Get {articleFor(provider.label)} {provider.label} key
            </a>
          </p>
          {error && (
            <p id={`${inputId}-error`} className="error" role="alert">
              {error}
            </p>
          )}
        </div>
      ) : (
        <div className="row">
          <button
            type="button"
            ref={replaceRef}
            onClick={() => {
              focusNext.current = "input";
              setEditing(true);
            }}
          >
            Replace<span className="visually-hidden"> {provider.label} key</span>
          </button>
          {removeButton}
          {canVerify && (
            <button type="button" onClick={onVerify} aria-disabled={verify.isPending || undefined}>
              {verify.isPending ? "Verifying…" : "Verify"}
              <span className="visually-hidden"> {provider.label} key</span>
            </button>
          )}
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
        </div>
      )}
    </div>
  );
}

/**
 * Step 1: one row per provider, required ones first. Keys are saved one at a time; a stored key
 * is shown only by its last four characters and its status, and can be verified where the
 * provider allows a free check.
 */
export function ProviderKeys({
  providers,
  initialKeys,
}: {
  providers: ProviderInfo[];
  initialKeys: KeySummary[];
}) {
  const [keys, setKeys] = useState(initialKeys);
  const onChange = (provider: string, summary: KeySummary | undefined) =>
    setKeys((current) => [
      ...current.filter((key) => key.provider !== provider),
      ...(summary ? [summary] : []),
    ]);

  const required = providers.filter((provider) => provider.required);
  const optional = providers.filter((provider) => !provider.required);

  return (
    <div className="stack">
      <p className="hint">
        Keys are encrypted before they are stored and are never shown again; only their last four
        characters are.
      </p>
      {required.map((provider) => (
        <ProviderKeyRow
          key={provider.id}
          provider={provider}
          stored={keys.find((key) => key.provider === provider.id)}
          onChange={onChange}
        />
      ))}
      <details open={optional.some((provider) => keys.some((key) => key.provider === provider.id))}>
        <summary>Other providers (optional)</summary>
        <div className="stack" style={{ marginTop: "0.75rem" }}>
          {optional.map((provider) => (
            <ProviderKeyRow
              key={provider.id}
              provider={provider}
              stored={keys.find((key) => key.provider === provider.id)}
              onChange={onChange}
            />
          ))}
        </div>
      </details>
    </div>
  );
}
