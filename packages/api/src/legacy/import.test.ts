import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseHandle } from "@onboarding/db";
import {
  getProgress,
  getStepData,
  readTypedStepData,
  saveStepData,
} from "@onboarding/db/repositories";
import { createTestUser, openTestDatabase, testDrivers } from "@onboarding/db/testing";
import { parseKeyring, useApiKey } from "@onboarding/db/vault";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ImportFileOutcome, ImportRefusedError, importLegacyFile } from "./run";
import { allRowsAsText, findPlaintext, rowCounts } from "./test-database-helpers";
import {
  completeLegacyFile,
  type FixtureKeys,
  fixtureKeys,
  legacyStep,
  personaData,
  researchData,
  writeLegacyFile,
} from "./test-fixtures";

type Json = Record<string, unknown>;

const keyring = parseKeyring(`import:${randomBytes(32).toString("base64")}`);

describe.each(testDrivers())("legacy import on %s", (driver) => {
  let handle: DatabaseHandle;
  let dir: string;
  let keys: FixtureKeys;

  // One database for the file, because opening one is slow; each test imports for its own user.
  beforeAll(async () => {
    handle = await openTestDatabase(driver);
  });

  afterAll(async () => {
    await handle.close();
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "legacy-import-"));
    keys = fixtureKeys();
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function importFile(
    path: string,
    email: string,
    options: { dryRun?: boolean; overwrite?: boolean; keepFile?: boolean } = {},
  ): Promise<ImportFileOutcome> {
    return importLegacyFile(handle.db, {
      path,
      email,
      dryRun: options.dryRun ?? false,
      keepFile: options.keepFile ?? true,
      overwrite: options.overwrite ?? false,
      timeZone: "Europe/Berlin",
      requiredProviders: ["gemini", "exa"],
      loadKeyring: () => keyring,
    });
  }

  it("stores complete file in tables", async () => {
    const user = await createTestUser(handle);
    const path = writeLegacyFile(dir, ".onboarding_progress_1.json", completeLegacyFile(keys));

    const outcome = await importFile(path, user.email);

    expect(outcome.kind).toBe("imported");
    const website = await readTypedStepData(handle.db, user.id, 2);
    expect(website).toMatchObject({
      websiteUrl: "https://example.com/blog",
      writingStyle: { tone: "professional", voice: "active", complexity: "moderate" },
    });
    const persona = await readTypedStepData(handle.db, user.id, 4);
    expect(persona).toMatchObject({ selectedPlatforms: ["linkedin", "blog"] });
    expect(await readTypedStepData(handle.db, user.id, 3)).toBeNull();
    const research = await getStepData(handle.db, { userId: user.id, stepNumber: 3 });
    expect(research.status).toBe("in_progress");
    expect(research.draft).toHaveProperty("competitorsText");
    const progress = await getProgress(handle.db, { userId: user.id });
    expect(progress.currentStep).toBe(3);
    expect(progress.startedAt.toISOString()).toBe("2025-10-03T15:29:12.878Z");
  });

  it("stores keys only encrypted", async () => {
    const user = await createTestUser(handle);
    const path = writeLegacyFile(dir, ".onboarding_progress_1.json", completeLegacyFile(keys));

    await importFile(path, user.email);

    for (const [provider, key] of Object.entries(keys)) {
      const stored = await useApiKey(handle.db, keyring, {
        userId: user.id,
        provider,
        purpose: "test",
      });
      expect(stored, provider).toBe(key);
    }
    expect(findPlaintext(await allRowsAsText(handle), keys)).toEqual([]);
  });

  it("makes second run a no-op", async () => {
    const user = await createTestUser(handle);
    const path = writeLegacyFile(dir, ".onboarding_progress_1.json", completeLegacyFile(keys));
    await importFile(path, user.email);
    const before = await rowCounts(handle);

    const again = await importFile(path, user.email, { overwrite: true });

    expect(again.kind).toBe("already_imported");
    expect(await rowCounts(handle)).toEqual(before);
  });

  it("refuses existing progress", async () => {
    const user = await createTestUser(handle);
    await saveStepData(handle.db, {
      userId: user.id,
      stepNumber: 2,
      draft: { websiteUrl: "a.io" },
    });
    const path = writeLegacyFile(dir, ".onboarding_progress_1.json", completeLegacyFile(keys));
    const before = await rowCounts(handle);

    const failure = await importFile(path, user.email).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ImportRefusedError);
    expect(String(failure)).toContain("--overwrite");
    expect(await rowCounts(handle)).toEqual(before);
  });

  it("overwrites progress when asked", async () => {
    const user = await createTestUser(handle);
    await saveStepData(handle.db, {
      userId: user.id,
      stepNumber: 2,
      draft: { websiteUrl: "a.io" },
    });
    const path = writeLegacyFile(dir, ".onboarding_progress_1.json", completeLegacyFile(keys));

    const outcome = await importFile(path, user.email, { overwrite: true });

    if (outcome.kind !== "imported") throw new Error(`Expected an import, got ${outcome.kind}.`);
    expect(outcome.replaced).toEqual(["step 2 is in progress", "step 2 has a draft"]);
    const website = await getStepData(handle.db, { userId: user.id, stepNumber: 2 });
    expect(website.draft).toBeNull();
  });

  it("refuses unknown email", async () => {
    const path = writeLegacyFile(dir, ".onboarding_progress_1.json", completeLegacyFile(keys));

    const failure = await importFile(path, "nobody@example.test").catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ImportRefusedError);
    expect(String(failure)).toContain("nobody@example.test");
    expect(String(failure)).toContain("register first");
  });

  it("dry run writes nothing", async () => {
    const user = await createTestUser(handle);
    const path = writeLegacyFile(dir, ".onboarding_progress_1.json", completeLegacyFile(keys));
    const bytes = readFileSync(path);
    const before = await rowCounts(handle);

    const outcome = await importFile(path, user.email, { dryRun: true, keepFile: false });

    expect(outcome.kind).toBe("dry_run");
    expect(await rowCounts(handle)).toEqual(before);
    expect(readFileSync(path)).toEqual(bytes);
  });

  it("backs up and removes file", async () => {
    const user = await createTestUser(handle);
    const path = writeLegacyFile(dir, ".onboarding_progress_1.json", completeLegacyFile(keys));
    const bytes = readFileSync(path);

    const outcome = await importFile(path, user.email, { keepFile: false });

    if (outcome.kind !== "imported" || outcome.file.kept) throw new Error("Expected a backup.");
    expect(outcome.file.removed).toBe(true);
    expect(existsSync(path)).toBe(false);
    expect(statSync(outcome.file.backupPath).mode & 0o777).toBe(0o600);
    expect(readFileSync(outcome.file.backupPath)).toEqual(bytes);
  });

  it("imports swapped step data", async () => {
    const user = await createTestUser(handle);
    const file = completeLegacyFile(keys);
    (file.steps as Json[])[2] = legacyStep(3, "completed", personaData());
    (file.steps as Json[])[3] = legacyStep(4, "completed", researchData());
    const path = writeLegacyFile(dir, ".onboarding_progress_1.json", file);

    await importFile(path, user.email);

    expect(await readTypedStepData(handle.db, user.id, 4)).toMatchObject({
      corePersona: { identity: { persona_name: "The Guide", archetype: "Mentor" } },
    });
  });

  it("imports all-empty file", async () => {
    const user = await createTestUser(handle);
    const file = {
      ...completeLegacyFile(keys),
      steps: [1, 2, 3, 4, 5, 6].map((n) => legacyStep(n, n <= 4 ? "completed" : "pending", {})),
    };
    const path = writeLegacyFile(dir, ".onboarding_progress_1.json", file);
    const before = await rowCounts(handle);

    await importFile(path, user.email);

    const after = await rowCounts(handle);
    expect(after.website_analyses).toBe(before.website_analyses);
    expect(after.api_keys).toBe(before.api_keys);
    const progress = await getProgress(handle.db, { userId: user.id });
    expect(progress.steps.map((step) => step.status)).toEqual([
      "in_progress",
      "in_progress",
      "in_progress",
      "in_progress",
      "pending",
      "pending",
    ]);
  });

  it("imports 300 KB file", async () => {
    const user = await createTestUser(handle);
    const file = completeLegacyFile(keys);
    const research = researchData(25);
    research.sitemapAnalysis = {
      urls: Array.from({ length: 3000 }, (_, index) => `https://example.com/post/${index}/`),
    };
    const website = (file.steps as Json[])[1] as Json;
    const analysis = (website.data as Json).analysis as Json;
    analysis.content_characteristics = {
      samples: Array.from({ length: 1500 }, () => "lorem ipsum dolor sit amet ".repeat(3)),
    };
    (file.steps as Json[])[2] = legacyStep(3, "completed", research);
    const path = writeLegacyFile(dir, ".onboarding_progress_1.json", file);
    expect(statSync(path).size).toBeGreaterThan(250_000);

    await importFile(path, user.email);

    const step3 = await getStepData(handle.db, { userId: user.id, stepNumber: 3 });
    expect(JSON.stringify(step3.draft).length).toBeLessThan(2_000);
    const stored = await readTypedStepData(handle.db, user.id, 2);
    expect(JSON.stringify(stored).length).toBeGreaterThan(100_000);
  });
});
