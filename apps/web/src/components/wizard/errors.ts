import { TRPCClientError } from "@trpc/client";
import type { FieldErrors } from "./fields";
import type { Progress } from "./types";

export const CONFLICT_MESSAGE =
  "This onboarding changed in another tab or device. Loading the latest version…";
export const NETWORK_MESSAGE = "Could not reach the server. Check your connection and try again.";

interface ErrorData {
  code?: string;
  httpStatus?: number;
  fieldErrors?: Record<string, string[]>;
  progress?: Progress;
}

function dataOf(error: unknown): ErrorData | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  return (error.data ?? undefined) as ErrorData | undefined;
}

/** Returns the current progress when the error is a CONFLICT from a stale `expectedVersion`. */
export function conflictOf(error: unknown): { progress: Progress | undefined } | undefined {
  const data = dataOf(error);
  return data?.code === "CONFLICT" ? { progress: data.progress } : undefined;
}

export function isUnauthorized(error: unknown): boolean {
  return dataOf(error)?.code === "UNAUTHORIZED";
}

/** Returns a message for the user: the server's message when it responded, else a network hint. */
export function messageOf(error: unknown): string {
  if (error instanceof TRPCClientError && dataOf(error)?.httpStatus) return error.message;
  return NETWORK_MESSAGE;
}

/**
 * Maps zod issues to one message per top-level field. An issue on one item of a list starts with
 * the item, such as `"rival": Enter a website address…`, because the list is a single field.
 */
export function issuesToFieldErrors(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  input: unknown,
): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const [field, index] = issue.path;
    const name = String(field ?? "form");
    const list = (input as Record<string, unknown> | null)?.[name];
    const item = typeof index === "number" && Array.isArray(list) ? list[index] : undefined;
    errors[name] ??= typeof item === "string" ? `"${item}": ${issue.message}` : issue.message;
  }
  return errors;
}

/** Returns the field errors the server sent for `data.*` paths, keyed by top-level form field. */
export function serverFieldErrors(error: unknown): FieldErrors {
  const fields = dataOf(error)?.fieldErrors ?? {};
  const errors: FieldErrors = {};
  for (const [path, messages] of Object.entries(fields)) {
    const field = path.replace(/^data\./, "").split(".")[0] ?? path;
    errors[field] ??= messages[0];
  }
  return errors;
}
