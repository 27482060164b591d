import type { DatabaseHandle } from "@onboarding/db";
import { createTestUser, openTestDatabase } from "@onboarding/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServices, rejectionOf, userCaller } from "../test-support";

describe("input limits", () => {
  let handle: DatabaseHandle;
  let userId: string;
  const statements: string[] = [];

  beforeAll(async () => {
    handle = await openTestDatabase("pglite", {
      logger: { logQuery: (query) => statements.push(query) },
    });
    userId = (await createTestUser(handle)).id;
  });

  afterAll(async () => {
    await handle.close();
  });

  const deep = (levels: number): Record<string, unknown> =>
    levels === 0 ? {} : { next: deep(levels - 1) };

  it.each([
    ["oversized draft", { stepNumber: 2, draft: { text: "x".repeat(70 * 1024) } }],
    ["too deep draft", { stepNumber: 2, draft: deep(25) }],
    ["NUL in a value", { stepNumber: 2, draft: { name: "a\u0000b" } }],
    ["prototype key", { stepNumber: 2, draft: JSON.parse('{"__proto__": {"x": 1}}') }],
    ["fractional step", { stepNumber: 2.5, draft: {} }],
  ])("rejects %s before any query", async (_label, input) => {
    statements.length = 0;
    const caller = userCaller(buildServices(handle), userId);

    const { error } = await rejectionOf(caller.onboarding.saveStep(input as never));

    expect(error.code).toBe("BAD_REQUEST");
    expect(statements).toEqual([]);
  });
});
