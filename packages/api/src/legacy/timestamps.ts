/**
 * Timestamps of the legacy files. The old server wrote naive local times with microseconds
 * (`2025-10-03T17:29:12.878656`), so they are read in an operator-given IANA time zone; browsers
 * wrote UTC with `Z`. JavaScript dates hold milliseconds, so digits after the third fractional
 * digit are truncated.
 */

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A time zone name Intl does not know. */
export class TimeZoneError extends Error {
  override name = "TimeZoneError";
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * Validates an IANA time zone name, such as `Europe/Berlin` or `UTC`, and returns its canonical
 * spelling. Raises TimeZoneError naming the value otherwise.
 */
export function resolveTimeZone(name: string): string {
  const trimmed = name.trim();
  try {
    if (trimmed === "") throw new RangeError("empty");
    return new Intl.DateTimeFormat("en-US", { timeZone: trimmed }).resolvedOptions().timeZone;
  } catch {
    throw new TimeZoneError(
      `"${name}" is not a valid IANA time zone name; use one such as UTC, Europe/Berlin or ` +
        "America/New_York.",
    );
  }
}

/** Returns the zone's offset from UTC at an instant, in milliseconds (positive east of Greenwich). */
function offsetAt(timeZone: string, instant: number): number {
  const values: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== "literal") values[part.type] = Number(part.value);
  }
  const wallClock = Date.UTC(
    values.year ?? 1970,
    (values.month ?? 1) - 1,
    values.day ?? 1,
    values.hour ?? 0,
    values.minute ?? 0,
    values.second ?? 0,
  );
  const wholeSeconds = instant - (((instant % 1000) + 1000) % 1000);
  return wallClock - wholeSeconds;
}

/**
 * Converts a wall-clock time (given as if it were UTC) in `timeZone` to an instant. A time that
 * occurs twice (clocks turned back) takes the earlier instant. A time that does not exist (clocks
 * turned forward) moves forward by the gap, like the "compatible" disambiguation of TC39 Temporal.
 */
function instantOfWallClock(wallClock: number, timeZone: string): number {
  const offsets = new Set([
    offsetAt(timeZone, wallClock - DAY_MS),
    offsetAt(timeZone, wallClock + DAY_MS),
  ]);
  const matches = [...offsets]
    .map((offset) => wallClock - offset)
    .filter((instant) => offsetAt(timeZone, instant) === wallClock - instant);
  if (matches.length > 0) return Math.min(...matches);
  return wallClock - offsetAt(timeZone, wallClock - DAY_MS);
}

function zoneOffsetMs(designator: string): number | undefined {
  if (designator.toUpperCase() === "Z") return 0;
  const sign = designator.startsWith("-") ? -1 : 1;
  const digits = designator.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4) || "0");
  if (hours > 23 || minutes > 59) return undefined;
  return sign * (hours * HOUR_MS + minutes * 60_000);
}

/**
 * Parses an ISO 8601 date-time. With `Z` or an offset it is that instant; without one it is a
 * wall-clock time in `timeZone` (a name resolveTimeZone accepted). Returns undefined for text
 * that is not a valid date-time.
 */
export function parseLegacyTimestamp(text: string, timeZone: string): Date | undefined {
  const match = TIMESTAMP.exec(text.trim());
  if (!match) return undefined;

  const [, year, month, day, hour, minute, second, fraction, designator] = match;
  const fields = [year, month, day, hour, minute, second ?? "0"].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const milliseconds = Number((fraction ?? "").padEnd(3, "0").slice(0, 3));
  const wallClock = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5]);

  // Date.UTC rolls 31 April over into 1 May; a rolled-over field means the text was invalid.
  const check = new Date(wallClock);
  if (
    check.getUTCFullYear() !== fields[0] ||
    check.getUTCMonth() !== fields[1] - 1 ||
    check.getUTCDate() !== fields[2] ||
    check.getUTCHours() !== fields[3] ||
    check.getUTCMinutes() !== fields[4] ||
    check.getUTCSeconds() !== fields[5]
  ) {
    return undefined;
  }

  if (!designator) return new Date(instantOfWallClock(wallClock, timeZone) + milliseconds);
  const offset = zoneOffsetMs(designator);
  return offset === undefined ? undefined : new Date(wallClock - offset + milliseconds);
}
