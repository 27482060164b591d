/**
 * Reads one legacy progress file: the JSON that the old server kept per user on its disk. The
 * shape check is lenient about what real files vary in (missing fields, null data, extra keys)
 * and strict about what the import relies on (types, step numbers, statuses, timestamps).
 */
import { z } from "zod";
import { findJsonSyntaxError, lineAndColumn } from "./json-syntax";
import { parseLegacyTimestamp } from "./timestamps";

export const LEGACY_STEP_STATUSES = ["pending", "in_progress", "completed", "skipped"] as const;
export type LegacyStepStatus = (typeof LEGACY_STEP_STATUSES)[number];

/** Larger files are rejected before parsing; real ones are a few hundred KB. */
export const MAX_LEGACY_FILE_BYTES = 32 * 1024 * 1024;

export interface LegacyStep {
  stepNumber: number;
  status: LegacyStepStatus;
  completedAt: Date | null;
  /** The step's data object; null when the file has null, nothing or no object there. */
  data: Record<string, unknown> | null;
  validationErrorCount: number;
}

export interface LegacyProgress {
  /** In file order; each step number occurs at most once. */
  steps: LegacyStep[];
  currentStep: number | null;
  startedAt: Date | null;
  lastUpdated: Date | null;
  isCompleted: boolean;
  completedAt: Date | null;
}

/**
 * A file that cannot be imported as it is. The message names the file, the position (line and
 * column, or the JSON path of the field) and what to do.
 */
export class LegacyFileError extends Error {
  override name = "LegacyFileError";
  constructor(
    readonly fileName: string,
    readonly location: string | undefined,
    readonly problem: string,
  ) {
    super(
      `${fileName}${location ? ` at ${location}` : ""}: ${problem}. Nothing was imported; ` +
        "repair the file (or restore it from a backup) and run the import again.",
    );
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Renders a zod issue path as JSON-path-like text, such as `steps[2].status`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (typeof segment === "string" && /^[A-Za-z_$][\w$]*$/.test(segment)) {
      text += text === "" ? segment : `.${segment}`;
    } else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text === "" ? "the top level" : text;
}

function timestampSchema(timeZone: string) {
  return z
    .string({ error: "expected a timestamp string such as 2025-10-03T17:29:12.878656 or null" })
    .nullish()
    .transform((value, context) => {
      if (value === null || value === undefined || value.trim() === "") return null;
      const date = parseLegacyTimestamp(value, timeZone);
      if (!date) {
        context.addIssue({
          code: "custom",
          message:
            "is not a valid timestamp; expected a form such as 2025-10-03T17:29:12.878656 " +
            "or 2025-10-03T15:29:12.878Z",
        });
        return z.NEVER;
      }
      return date;
    });
}

function legacyProgressSchema(timeZone: string) {
  const timestamp = timestampSchema(timeZone);

  const step = z.looseObject({
    step_number: z
      .number({ error: "expected a step number from 1 to 6" })
      .int("expected a whole step number from 1 to 6")
      .min(1, "expected a step number from 1 to 6")
      .max(6, "expected a step number from 1 to 6")
      .nullish(),
    status: z
      .enum(LEGACY_STEP_STATUSES, {
        error: `expected one of ${LEGACY_STEP_STATUSES.join(", ")}`,
      })
      .nullish(),
    completed_at: timestamp,
    data: z
      .custom<Record<string, unknown>>(isPlainObject, { error: "expected an object or null" })
      .nullish(),
    validation_errors: z.array(z.unknown(), { error: "expected an array or null" }).nullish(),
  });

  return z.looseObject({
    steps: z
      .array(step, { error: "expected an array of steps" })
      .max(6, "expected at most six steps")
      .superRefine((steps, context) => {
        const seen = new Set<number>();
        steps.forEach((entry, index) => {
          const stepNumber = entry.step_number ?? index + 1;
          if (seen.has(stepNumber)) {
            context.addIssue({
              code: "custom",
              path: [index, "step_number"],
              message: `step ${stepNumber} occurs twice`,
            });
          }
          seen.add(stepNumber);
        });
      }),
    current_step: z
      .union(
        [
          z.number().int(),
          z
            .string()
            .regex(/^\s*\d+\s*$/)
            .transform(Number),
        ],
        {
          error: "expected a whole step number from 1 to 6",
        },
      )
      .nullish(),
    started_at: timestamp,
    last_updated: timestamp,
    is_completed: z.boolean({ error: "expected true or false" }).nullish(),
    completed_at: timestamp,
  });
}

function decodeText(bytes: Uint8Array, fileName: string): string {
  if (bytes.length === 0) throw new LegacyFileError(fileName, undefined, "the file is empty");
  if (bytes.length > MAX_LEGACY_FILE_BYTES) {
    throw new LegacyFileError(
      fileName,
      undefined,
      `the file has ${bytes.length} bytes; the maximum is ${MAX_LEGACY_FILE_BYTES} bytes`,
    );
  }
  const hasBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(hasBom ? bytes.subarray(3) : bytes);
  } catch {
    throw new LegacyFileError(fileName, undefined, "the file is not valid UTF-8 text");
  }
}

function parseJson(text: string, fileName: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const found = findJsonSyntaxError(text);
    if (found) {
      const { line, column } = lineAndColumn(text, found.offset);
      throw new LegacyFileError(
        fileName,
        `line ${line}, column ${column}`,
        `invalid JSON: ${found.message}`,
      );
    }
    const detail = error instanceof Error ? error.message : String(error);
    throw new LegacyFileError(fileName, undefined, `invalid JSON: ${detail}`);
  }
}

/**
 * Parses and shape-checks a legacy progress file. A UTF-8 byte order mark is accepted. Naive
 * timestamps are read in `timeZone` (validated by resolveTimeZone). Raises LegacyFileError with
 * the line and column of a JSON syntax error, or the path of the first fields of a wrong type.
 */
export function parseLegacyProgress(
  bytes: Uint8Array,
  fileName: string,
  timeZone: string,
): LegacyProgress {
  const text = decodeText(bytes, fileName);
  if (text.trim() === "") {
    throw new LegacyFileError(fileName, undefined, "the file contains only whitespace");
  }
  const json = parseJson(text, fileName);
  if (!isPlainObject(json)) {
    throw new LegacyFileError(fileName, "the top level", "expected a JSON object");
  }

  const parsed = legacyProgressSchema(timeZone).safeParse(json);
  if (!parsed.success) {
    const [first, ...rest] = parsed.error.issues;
    const more =
      rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? "s" : ""})` : "";
    throw new LegacyFileError(
      fileName,
      formatPath(first?.path ?? []),
      `${first?.message ?? "invalid value"}${more}`,
    );
  }

  const file = parsed.data;
  return {
    steps: (file.steps ?? []).map((step, index) => ({
      stepNumber: step.step_number ?? index + 1,
      status: step.status ?? "pending",
      completedAt: step.completed_at,
      data: step.data ?? null,
      validationErrorCount: step.validation_errors?.length ?? 0,
    })),
    currentStep: file.current_step ?? null,
    startedAt: file.started_at,
    lastUpdated: file.last_updated,
    isCompleted: file.is_completed ?? false,
    completedAt: file.completed_at,
  };
}
