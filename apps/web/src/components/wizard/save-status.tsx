"use client";

import type { AutosaveStatus } from "./use-autosave";

const LABELS: Record<AutosaveStatus, string> = {
  idle: "",
  saving: "Saving…",
  saved: "Saved",
  retrying: "Not saved, retrying",
  failed: "Not saved",
};

/** Renders the autosave state beside the step's buttons as a polite live region. */
export function SaveStatus({ status }: { status: AutosaveStatus }) {
  return (
    <p className="save-status" data-state={status} data-testid="save-status" role="status">
      {LABELS[status]}
    </p>
  );
}
