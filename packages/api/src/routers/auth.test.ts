import type { DatabaseHandle } from "@onboarding/db";
import { openTestDatabase, testDrivers } from "@onboarding/db/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { verifyPassword } from "../password";
import type { Services } from "../services";
import { buildServices, type Caller, callerFor, rejectionOf } from "../test-support";

const PASSWORD = "correct horse battery";

async function findStoredUser(handle: DatabaseHandle, email: string) {
  return handle.db.query.users.findFirst({
    columns: { id: true, email: true, name: true, passwordHash: true },
    where: (table, { eq }) => eq(table.email, email),
  });
}

describe.each(testDrivers())("auth router on %s", (driver) => {
  let handle: DatabaseHandle;
  let services: Services;
  let anonymous: Caller;

  beforeEach(async () => {
    handle = await openTestDatabase(driver);
    services = buildServices(handle);
    anonymous = callerFor(services, null);
  });

  afterEach(async () => {
    await handle.close();
  });

  it("registers with lower-case email", async () => {
    const created = await anonymous.auth.register({
      name: "  Ada  ",
      email: "  Ada.Lovelace@Example.TEST ",
      password: PASSWORD,
    });
    const stored = await findStoredUser(handle, "ada.lovelace@example.test");

    expect(created.email).toBe("ada.lovelace@example.test");
    expect(stored?.id).toBe(created.id);
    expect(stored?.name).toBe("Ada");
  });

  it("stores only an argon2id hash", async () => {
    await anonymous.auth.register({ email: "hash@example.test", password: PASSWORD });
    const stored = await findStoredUser(handle, "hash@example.test");
    const hash = stored?.passwordHash ?? "";

    expect(hash.startsWith("$argon2id$")).toBe(true);
    expect(hash).not.toContain(PASSWORD);
    expect(await verifyPassword(hash, PASSWORD)).toBe(true);
    expect(await verifyPassword(hash, `${PASSWORD}!`)).toBe(false);
  });

  it("rejects duplicate email", async () => {
    const first = await anonymous.auth.register({
      email: "twice@example.test",
      password: PASSWORD,
    });

    const { error } = await rejectionOf(
      anonymous.auth.register({ email: "TWICE@example.test", password: `${PASSWORD} 2` }),
    );
    const stored = await findStoredUser(handle, "twice@example.test");

    expect(error.code).toBe("CONFLICT");
    expect(stored?.id).toBe(first.id);
    expect(await verifyPassword(stored?.passwordHash ?? null, PASSWORD)).toBe(true);
  });

  it("rejects invalid registration input", async () => {
    const cases: [string, { email: string; password: string }, string][] = [
      [
        "nine-character password",
        { email: "short@example.test", password: "123456789" },
        "password",
      ],
      ["malformed email", { email: "not-an-email", password: PASSWORD }, "email"],
      ["overlong email", { email: `${"a".repeat(250)}@example.test`, password: PASSWORD }, "email"],
    ];

    for (const [label, input, field] of cases) {
      const { error, shape } = await rejectionOf(anonymous.auth.register(input), label);
      expect(error.code, label).toBe("BAD_REQUEST");
      expect(Object.keys(shape.data.fieldErrors ?? {}), label).toEqual([field]);
    }

    expect(await findStoredUser(handle, "short@example.test")).toBeUndefined();
  });
});
