/** Renders import outcomes as the command's output lines. Prints no secret: none reaches here. */

import type { LegacyImportSummary } from "./map";
import type { ImportFileOutcome } from "./run";

const STATUS_WORDS: Record<string, string> = {
  pending: "pending",
  in_progress: "in progress",
  completed: "completed",
  skipped: "skipped",
  missing: "missing",
};

function storedWords(
  step: LegacyImportSummary["steps"][number],
  summary: LegacyImportSummary,
): string {
  switch (step.stored) {
    case "typed_row":
      return `row in ${step.table}`;
    case "draft":
      return "draft";
    case "api_keys":
      return `API keys for ${summary.apiKeys.imported.join(", ")}`;
    default:
      return "nothing stored";
  }
}

/** Renders the summary as indented lines: session, keys, then one line per step with its notes. */
export function formatSummary(summary: LegacyImportSummary): string[] {
  const lines: string[] = [];
  const session = summary.session;
  const fileStep = summary.file.currentStep;
  lines.push(
    `  Session: ${STATUS_WORDS[session.status]}, current step ${session.currentStep}` +
      `${fileStep !== null && fileStep !== session.currentStep ? ` (file: ${fileStep})` : ""}, ` +
      `started ${session.startedAt}${session.completedAt ? `, finished ${session.completedAt}` : ""}` +
      ` (naive times read as ${summary.sourceTimeZone}, microseconds truncated to milliseconds)`,
  );
  const keys = summary.apiKeys;
  lines.push(
    `  API keys: ${keys.imported.length > 0 ? `imported ${keys.imported.join(", ")}` : "none imported"}` +
      `${keys.skipped.length > 0 ? `; skipped ${keys.skipped.length}` : ""}`,
  );
  for (const skipped of keys.skipped)
    lines.push(`    skipped ${skipped.provider}: ${skipped.reason}`);

  for (const step of summary.steps) {
    const change =
      step.fileStatus === step.status
        ? STATUS_WORDS[step.status]
        : `${STATUS_WORDS[step.fileStatus]} in the file, now ${STATUS_WORDS[step.status]}`;
    lines.push(`  Step ${step.stepNumber}: ${change}; ${storedWords(step, summary)}`);
    for (const note of step.notes) lines.push(`    - ${note}`);
  }
  for (const note of summary.notes) lines.push(`  Note: ${note}`);
  return lines;
}

/** Renders the outcome as output lines, headed by one line with the file name and result. */
export function formatOutcome(outcome: ImportFileOutcome, email: string): string[] {
  switch (outcome.kind) {
    case "already_imported":
      return [
        `${outcome.fileName}: already imported for ${email} on ${outcome.importedAt.toISOString()}` +
          ` (as ${outcome.previousName}); nothing changed, and the file was left in place.`,
      ];
    case "dry_run": {
      const verdict = outcome.alreadyImportedAt
        ? `already imported on ${outcome.alreadyImportedAt.toISOString()}; a real run changes nothing`
        : outcome.refusal
          ? "a real run would be refused (see below)"
          : "a real run would import the following";
      return [
        `${outcome.fileName}: dry run for ${email}, nothing written: ${verdict}.`,
        ...formatSummary(outcome.summary),
      ];
    }
    case "imported": {
      const lines = [
        `${outcome.fileName}: imported for ${email} (legacy import ${outcome.importId}).`,
      ];
      if (outcome.replaced.length > 0) {
        lines.push(`  Replaced existing progress (--overwrite): ${outcome.replaced.join("; ")}`);
      }
      lines.push(...formatSummary(outcome.summary));
      const file = outcome.file;
      if (file.kept) lines.push("  File: kept in place (--keep-file), no backup written.");
      else if (file.removed)
        lines.push(`  File: backed up to ${file.backupPath} (mode 0600) and removed.`);
      else lines.push(`  File: ${file.warning ?? "left in place"}.`);
      return lines;
    }
  }
}
