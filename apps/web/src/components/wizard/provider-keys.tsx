"use client";

import { checkApiKeyFormat } from "@onboarding/api/providers";
import { useMutation } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useState } from "react";
import { useTRPC } from "~/trpc/react";
import type { KeySummary, ProviderInfo } from "./types";

const STATUS_LABELS: Record<string, string> = {
  unverified: "Saved, not verified",
  valid: "Verified",
  invalid: "Rejected by provider",
  needs_reentry: "Needs to be entered again",
};

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
  const [value, setValue] = useState("");
  const [error, setError] = useState<string>();
  const [editing, setEditing] = useState(!stored);
  const inputId = `key-${provider.id}`;

  async function onSave() {
    const checked = checkApiKeyFormat(provider.id, value);
    if (!checked.ok) {
      setError(checked.message);
      return;
    }
    setError(undefined);
    try {
      const summary = await save.mutateAsync({ provider: provider.id, key: checked.key });
      setValue("");
      setEditing(false);
      onChange(provider.id, summary);
    } catch (caught) {
      setError(
        caught instanceof TRPCClientError
          ? caught.message.replace(/^key: /, "")
          : "Saving failed. Try again.",
      );
    }
  }

  async function onRemove() {
    try {
      await remove.mutateAsync({ provider: provider.id });
      setEditing(true);
      onChange(provider.id, undefined);
    } catch {
      setError("Removing the key failed. Try again.");
    }
  }

  const describedBy = [`${inputId}-hint`, error ? `${inputId}-error` : undefined]
    .filter(Boolean)
    .join(" ");

  return (
    <div className="key-row" data-testid={`provider-${provider.id}`}>
      <div className="row">
        <strong>{provider.label}</strong>
        {provider.required ? (
          <span className="badge">Required</span>
        ) : (
          <span className="badge">Optional</span>
        )}
        {stored && (
          <span className="badge" data-testid={`key-status-${provider.id}`}>
            {STATUS_LABELS[stored.status] ?? stored.status}
          </span>
        )}
      </div>
      {stored && (
        <p className="hint" data-testid={`key-mask-${provider.id}`}>
          Stored key ending in <code>{stored.last4}</code>
        </p>
      )}
      {stored?.status === "needs_reentry" && (
        <p className="error">
          This key can no longer be read. Enter it again to keep using {provider.label}.
        </p>
      )}
      {editing ? (
        <div className="field">
          <label htmlFor={inputId}>{provider.label} API key</label>
          <div className="row">
            <input
              id={inputId}
              name={inputId}
              type="password"
              autoComplete="off"
              spellCheck={false}
              value={value}
              aria-invalid={error ? true : undefined}
              aria-describedby={describedBy}
              onChange={(event) => setValue(event.target.value)}
            />
            <button type="button" onClick={onSave} disabled={save.isPending}>
              Save key
            </button>
            {stored && (
              <button type="button" onClick={() => setEditing(false)}>
                Cancel
              </button>
            )}
          </div>
          <p id={`${inputId}-hint`} className="hint">
            Expected format: {provider.formatHint}.{" "}
            <a href={provider.keyUrl} target="_blank" rel="noreferrer">
              Get a {provider.label} key
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
          <button type="button" onClick={() => setEditing(true)}>
            Replace
          </button>
          <button type="button" className="danger" onClick={onRemove} disabled={remove.isPending}>
            Remove
          </button>
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

/** Step 1: one row per provider, required ones first. Keys are saved one at a time. */
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
