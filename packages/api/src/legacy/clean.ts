/**
 * Cleans legacy JSON before it is stored. PostgreSQL's jsonb rejects NUL characters and unpaired
 * surrogates, and a `__proto__` key is unsafe to copy. A copy of an API key, wherever in the file
 * it sits, must never be stored in plaintext.
 */

/** Counts of each kind of change that cleaning made; the values themselves are not recorded. */
export interface CleaningReport {
  secretCopies: number;
  nulCharacters: number;
  unpairedSurrogates: number;
  droppedKeys: number;
}

export const emptyCleaningReport = (): CleaningReport => ({
  secretCopies: 0,
  nulCharacters: 0,
  unpairedSurrogates: 0,
  droppedKeys: 0,
});

export const SECRET_PLACEHOLDER = "[API key removed]";

const UNPAIRED_SURROGATE =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Secrets shorter than this are not searched for: they would match ordinary words. */
const MIN_SECRET_LENGTH = 8;

function cleanString(value: string, secrets: readonly string[], report: CleaningReport): string {
  let text = value;
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_LENGTH && text.includes(secret)) {
      const parts = text.split(secret);
      report.secretCopies += parts.length - 1;
      text = parts.join(SECRET_PLACEHOLDER);
    }
  }
  if (text.includes("\u0000")) {
    const parts = text.split("\u0000");
    report.nulCharacters += parts.length - 1;
    text = parts.join("");
  }
  const surrogates = text.match(UNPAIRED_SURROGATE);
  if (surrogates) {
    report.unpairedSurrogates += surrogates.length;
    text = text.replace(UNPAIRED_SURROGATE, "\uFFFD");
  }
  return text;
}

/**
 * Returns a deep copy of a JSON value with every string (keys included) cleaned: copies of the
 * given secrets replaced by a placeholder, NUL characters removed, unpaired surrogates replaced
 * by U+FFFD, and `__proto__` keys dropped. Counts each change in `report`.
 */
export function cleanJson<T>(value: T, secrets: readonly string[], report: CleaningReport): T {
  if (typeof value === "string") return cleanString(value, secrets, report) as T;
  if (Array.isArray(value)) return value.map((item) => cleanJson(item, secrets, report)) as T;
  if (typeof value === "object" && value !== null && !(value instanceof Date)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const cleanKey = cleanString(key, secrets, report);
      if (cleanKey === "__proto__") {
        report.droppedKeys += 1;
        continue;
      }
      copy[cleanKey] = cleanJson(item, secrets, report);
    }
    return copy as T;
  }
  return value;
}

/** Describes a cleaning report in words for the import summary; empty when nothing changed. */
export function describeCleaning(report: CleaningReport): string[] {
  const notes: string[] = [];
  if (report.secretCopies > 0) {
    notes.push(
      `replaced ${report.secretCopies} cop${report.secretCopies === 1 ? "y" : "ies"} of an API key ` +
        `with "${SECRET_PLACEHOLDER}"`,
    );
  }
  if (report.nulCharacters > 0) {
    notes.push(`removed ${report.nulCharacters} NUL character(s), which PostgreSQL cannot store`);
  }
  if (report.unpairedSurrogates > 0) {
    notes.push(`replaced ${report.unpairedSurrogates} unpaired UTF-16 surrogate(s) with U+FFFD`);
  }
  if (report.droppedKeys > 0) notes.push(`dropped ${report.droppedKeys} "__proto__" key(s)`);
  return notes;
}
