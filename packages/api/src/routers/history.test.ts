import type { DatabaseHandle } from "@onboarding/db";
import { createTestUser, openTestDatabase, testDrivers } from "@onboarding/db/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildServices, geminiKey, rejectionOf, userCaller } from "../test-support";

describe.each(testDrivers())("onboarding.history on %s", (driver) => {
  let handle: DatabaseHandle;

  beforeEach(async () => {
    handle = await openTestDatabase(driver);
  });

  afterEach(async () => {
    await handle.close();
  });

  it("lists own events newest first", async () => {
    const services = buildServices(handle);
    const alice = await createTestUser(handle, "alice");
    const bob = await createTestUser(handle, "bob");
    const caller = userCaller(services, alice.id);
    const key = geminiKey("h");

    await caller.onboarding.saveStep({ stepNumber: 2, draft: { websiteUrl: "example.com" } });
    await caller.apiKeys.save({ provider: "gemini", key });
    await caller.onboarding.goToStep({ stepNumber: 1 });
    await userCaller(services, bob.id).onboarding.saveStep({ stepNumber: 3, draft: { b: 1 } });

    const history = await caller.onboarding.history();
    const bobHistory = await userCaller(services, bob.id).onboarding.history({ limit: 10 });

    expect(history.map((event) => event.type)).toEqual([
      "navigated",
      "key_saved",
      "draft_saved",
      "started",
    ]);
    expect(JSON.stringify(history)).not.toContain(key);
    expect(JSON.stringify(history)).not.toContain(key.slice(4));
    expect(bobHistory.map((event) => event.type)).toEqual(["draft_saved", "started"]);
  });

  it("rejects a limit out of range", async () => {
    const alice = await createTestUser(handle, "alice");
    const caller = userCaller(buildServices(handle), alice.id);

    const { error } = await rejectionOf(caller.onboarding.history({ limit: 501 }));

    expect(error.code).toBe("BAD_REQUEST");
  });
});
