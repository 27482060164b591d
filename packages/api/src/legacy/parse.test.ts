import { describe, expect, it } from "vitest";
import { LegacyFileError, parseLegacyProgress } from "./parse";
import { completeLegacyFile, fixtureKeys, LAST_UPDATED, legacyStep } from "./test-fixtures";
import { parseLegacyTimestamp, resolveTimeZone, TimeZoneError } from "./timestamps";

const NAME = ".onboarding_progress_42.json";
const encode = (text: string) => new TextEncoder().encode(text);
const completeText = () => JSON.stringify(completeLegacyFile(fixtureKeys()), null, 2);

function parseError(text: string | Uint8Array): LegacyFileError {
  try {
    parseLegacyProgress(typeof text === "string" ? encode(text) : text, NAME, "UTC");
  } catch (error) {
    if (error instanceof LegacyFileError) return error;
    throw error;
  }
  throw new Error("Expected the file to be rejected, but it parsed.");
}

/** Returns the 1-based line and column of the first occurrence of `needle` at or after `from`. */
function positionOf(text: string, needle: string, from = 0) {
  const offset = text.indexOf(needle, from);
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

describe("legacy timestamps", () => {
  it("reads naive time in zone", () => {
    const date = parseLegacyTimestamp("2025-10-03T17:29:12.878656", "Europe/Berlin");
    expect(date?.toISOString()).toBe("2025-10-03T15:29:12.878Z");
  });

  it("reads naive time as UTC", () => {
    const date = parseLegacyTimestamp("2025-10-03T17:29:12.878656", "UTC");
    expect(date?.toISOString()).toBe("2025-10-03T17:29:12.878Z");
  });

  it("keeps Z timestamps in UTC", () => {
    const date = parseLegacyTimestamp("2025-10-03T15:40:00.123Z", "Europe/Berlin");
    expect(date?.toISOString()).toBe("2025-10-03T15:40:00.123Z");
  });

  it("moves DST gap times forward", () => {
    const date = parseLegacyTimestamp("2025-03-30T02:30:00", "Europe/Berlin");
    expect(date?.toISOString()).toBe("2025-03-30T01:30:00.000Z");
  });

  it("takes earlier repeated DST time", () => {
    const date = parseLegacyTimestamp("2025-10-26T02:30:00", "Europe/Berlin");
    expect(date?.toISOString()).toBe("2025-10-26T00:30:00.000Z");
  });

  it("rejects impossible dates", () => {
    expect(parseLegacyTimestamp("2025-02-30T10:00:00", "UTC")).toBeUndefined();
  });

  it("rejects unknown time zone", () => {
    expect(() => resolveTimeZone("Mars/Olympus_Mons")).toThrow(TimeZoneError);
  });
});

describe("legacy file parser", () => {
  it("parses complete file", () => {
    const progress = parseLegacyProgress(encode(completeText()), NAME, "Europe/Berlin");

    expect(progress.steps.map((step) => step.status)).toEqual([
      "completed",
      "completed",
      "completed",
      "completed",
      "pending",
      "pending",
    ]);
    expect(progress.currentStep).toBe(5);
    expect(progress.startedAt?.toISOString()).toBe("2025-10-03T15:29:12.878Z");
    expect(progress.lastUpdated).toEqual(parseLegacyTimestamp(LAST_UPDATED, "Europe/Berlin"));
    expect(progress.isCompleted).toBe(false);
  });

  it("accepts a UTF-8 BOM", () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...encode(completeText())]);
    expect(parseLegacyProgress(bytes, NAME, "UTC").steps).toHaveLength(6);
  });

  it("accepts null data and missing fields", () => {
    const text = JSON.stringify({
      steps: [{ status: "completed", data: null }, { step_number: 2 }],
      started_at: null,
    });
    const progress = parseLegacyProgress(encode(text), NAME, "UTC");
    expect(progress.steps.map((step) => [step.stepNumber, step.status, step.data])).toEqual([
      [1, "completed", null],
      [2, "pending", null],
    ]);
  });

  it("rejects empty file", () => {
    const error = parseError("");
    expect(error.message).toContain(NAME);
    expect(error.message).toContain("empty");
  });

  it("rejects truncated file with position", () => {
    const text = completeText();
    const truncated = text.slice(0, Math.floor(text.length / 2));
    const lines = truncated.split("\n");
    const error = parseError(truncated);

    expect(error.message).toContain(NAME);
    expect(error.location).toBe(`line ${lines.length}, column ${(lines.at(-1)?.length ?? 0) + 1}`);
    expect(error.message).toContain("truncated");
  });

  it("rejects trailing comma with position", () => {
    const text = completeText().replace(/"completed_at": null\n}$/, '"completed_at": null,\n}');
    const error = parseError(text);
    const { line, column } = positionOf(text, "}", text.lastIndexOf(",") + 1);

    expect(error.location).toBe(`line ${line}, column ${column}`);
    expect(error.message).toContain("trailing comma");
  });

  it("rejects wrong status type", () => {
    const file = completeLegacyFile(fixtureKeys());
    (file.steps as Record<string, unknown>[])[2] = { ...legacyStep(3, "completed", {}), status: 5 };
    const error = parseError(JSON.stringify(file));

    expect(error.location).toBe("steps[2].status");
    expect(error.message).toContain(NAME);
  });

  it("rejects wrong data type", () => {
    const file = completeLegacyFile(fixtureKeys());
    (file.steps as Record<string, unknown>[])[1] = { ...legacyStep(2, "pending", {}), data: [1] };
    expect(parseError(JSON.stringify(file)).location).toBe("steps[1].data");
  });

  it("rejects invalid timestamp", () => {
    const file = { ...completeLegacyFile(fixtureKeys()), started_at: "yesterday" };
    expect(parseError(JSON.stringify(file)).location).toBe("started_at");
  });

  it("rejects duplicate step numbers", () => {
    const file = { steps: [legacyStep(1, "completed", {}), legacyStep(1, "pending", {})] };
    expect(parseError(JSON.stringify(file)).location).toBe("steps[1].step_number");
  });

  it("rejects non-object top level", () => {
    expect(parseError("[1, 2]").location).toBe("the top level");
  });

  it("rejects invalid UTF-8", () => {
    expect(parseError(new Uint8Array([0x7b, 0xff, 0x7d])).message).toContain("UTF-8");
  });
});
