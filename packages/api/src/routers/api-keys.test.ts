import type { DatabaseHandle } from "@onboarding/db";
import { createTestUser, openTestDatabase, testDrivers } from "@onboarding/db/testing";
import { useApiKey } from "@onboarding/db/vault";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Services } from "../services";
import {
  buildServices,
  type Caller,
  callerFor,
  EXA_KEY,
  geminiKey,
  rejectionOf,
  userCaller,
} from "../test-support";
import type { AuthSession } from "../trpc";

const SUMMARY_FIELDS = [
  "createdAt",
  "last4",
  "provider",
  "status",
  "statusReason",
  "updatedAt",
  "verifiedAt",
];

/** Reads the stored ciphertext of each of the user's keys straight from `api_keys`. */
async function storedCiphertexts(handle: DatabaseHandle, userId: string): Promise<Buffer[]> {
  const rows = await handle.db.query.apiKeys.findMany({
    columns: { ciphertext: true },
    where: (table, { eq }) => eq(table.userId, userId),
    orderBy: (table, { asc }) => asc(table.provider),
  });
  return rows.map((row) => Buffer.from(row.ciphertext));
}

const sessionsWithoutUser: [string, AuthSession | null][] = [
  ["null session", null],
  ["session without user id", { user: { email: "ada@example.test" } } as unknown as AuthSession],
];

const apiKeyCalls: [string, (caller: Caller) => Promise<unknown>][] = [
  ["apiKeys.list", (caller) => caller.apiKeys.list()],
  ["apiKeys.save", (caller) => caller.apiKeys.save({ provider: "gemini", key: geminiKey() })],
  ["apiKeys.remove", (caller) => caller.apiKeys.remove({ provider: "gemini" })],
];

describe.each(testDrivers())("api keys router on %s", (driver) => {
  let handle: DatabaseHandle;
  let services: Services;

  beforeEach(async () => {
    handle = await openTestDatabase(driver);
    services = buildServices(handle);
  });

  afterEach(async () => {
    await handle.close();
  });

  it("rejects calls without a user", async () => {
    for (const [sessionLabel, session] of sessionsWithoutUser) {
      const caller = callerFor(services, session);
      for (const [procedure, call] of apiKeyCalls) {
        await expect(call(caller), `${procedure} with ${sessionLabel}`).rejects.toMatchObject({
          code: "UNAUTHORIZED",
        });
      }
    }
  });

  it("rejects malformed keys without echoing", async () => {
    const user = await createTestUser(handle);
    const caller = userCaller(services, user.id);

    const cases: [string, "gemini" | "exa", string, string][] = [
      ["wrong gemini format", "gemini", "sk-not-a-gemini-key-0123456789", "Google Gemini"],
      ["gemini one character short", "gemini", `AIza${"q".repeat(34)}`, "Google Gemini"],
      ["over 512 characters", "gemini", `AIza${"q".repeat(600)}`, "Google Gemini"],
      ["bell character", "gemini", `AIza${"q".repeat(17)}\u0007${"q".repeat(17)}`, "Google Gemini"],
      ["embedded newline", "exa", `${EXA_KEY}\n${EXA_KEY}`, "Exa"],
      ["C1 control character", "exa", `${EXA_KEY.slice(0, 10)}\u0085${EXA_KEY.slice(11)}`, "Exa"],
      ["wrong exa format", "exa", "not-a-uuid-secret-value", "Exa"],
    ];

    for (const [label, provider, key, providerLabel] of cases) {
      const { error, shape } = await rejectionOf(caller.apiKeys.save({ provider, key }), label);
      expect(error.code, label).toBe("BAD_REQUEST");
      expect(error.message, label).toContain(providerLabel);
      expect(error.message, label).not.toContain(key);
      expect(JSON.stringify(shape), label).not.toContain(key.slice(4, 20));
    }

    expect(await caller.apiKeys.list()).toEqual([]);
  });

  it("rejects a non-string key", async () => {
    const user = await createTestUser(handle);
    const caller = userCaller(services, user.id);

    const array = await rejectionOf(
      caller.apiKeys.save({ provider: "exa", key: [EXA_KEY] as unknown as string }),
      "array",
    );
    const missing = await rejectionOf(
      caller.apiKeys.save({ provider: "exa" } as unknown as { provider: "exa"; key: string }),
      "missing",
    );

    expect(array.error.code).toBe("BAD_REQUEST");
    expect(array.error.message).toContain("key must be a string");
    expect(missing.error.message).toContain("key is required");
  });

  it("rejects unknown provider", async () => {
    const user = await createTestUser(handle);
    const caller = userCaller(services, user.id);

    const { error, shape } = await rejectionOf(
      caller.apiKeys.save({ provider: "pastebin", key: geminiKey() }),
    );

    expect(error.code).toBe("BAD_REQUEST");
    expect(Object.keys(shape.data.fieldErrors ?? {})).toEqual(["provider"]);
    expect(error.message).not.toContain(geminiKey());
  });

  it("trims whitespace around keys", async () => {
    const user = await createTestUser(handle);
    const caller = userCaller(services, user.id);

    const saved = await caller.apiKeys.save({ provider: "gemini", key: `  ${geminiKey("t")}\n\t` });
    const stored = await useApiKey(handle.db, services.keyring, {
      userId: user.id,
      provider: "gemini",
      purpose: "trim test",
    });

    expect(saved.last4).toBe("tttt");
    expect(stored).toBe(geminiKey("t"));
  });

  it("lists summaries without secrets", async () => {
    const user = await createTestUser(handle);
    const caller = userCaller(services, user.id);

    const saved = await caller.apiKeys.save({ provider: "gemini", key: geminiKey("L") });
    await caller.apiKeys.save({ provider: "exa", key: EXA_KEY });
    const listed = await caller.apiKeys.list();
    const serialized = JSON.stringify(listed);

    expect(Object.keys(saved).sort()).toEqual(SUMMARY_FIELDS);
    expect(listed.map((key) => key.provider)).toEqual(["exa", "gemini"]);
    for (const summary of listed) {
      expect(Object.keys(summary).sort(), summary.provider).toEqual(SUMMARY_FIELDS);
    }
    expect(listed[1]).toMatchObject({ last4: "LLLL", status: "unverified", statusReason: null });
    expect(serialized).not.toContain(geminiKey("L"));
    expect(serialized).not.toContain(EXA_KEY);
  });

  it("stores only fresh ciphertext", async () => {
    const user = await createTestUser(handle);
    const caller = userCaller(services, user.id);
    const key = geminiKey("c");

    await caller.apiKeys.save({ provider: "gemini", key });
    const [first] = await storedCiphertexts(handle, user.id);
    await caller.apiKeys.save({ provider: "gemini", key });
    const [second] = await storedCiphertexts(handle, user.id);

    if (!first || !second) throw new Error("api_keys has no row for the saved key.");
    expect(first.includes(Buffer.from(key, "utf8"))).toBe(false);
    expect(first.includes(Buffer.from(key.slice(4), "utf8"))).toBe(false);
    expect(second.includes(Buffer.from(key, "utf8"))).toBe(false);
    expect(second.equals(first)).toBe(false);
  });

  it("removes own key only once", async () => {
    const user = await createTestUser(handle);
    const caller = userCaller(services, user.id);
    await caller.apiKeys.save({ provider: "gemini", key: geminiKey() });

    const removed = await caller.apiKeys.remove({ provider: "gemini" });
    const again = await rejectionOf(caller.apiKeys.remove({ provider: "gemini" }));

    expect(removed).toEqual({ provider: "gemini", removed: true });
    expect(await caller.apiKeys.list()).toEqual([]);
    expect(again.error.code).toBe("NOT_FOUND");
  });
});
