import { describe, expect, it } from "vitest";
import { toLoggableError } from "./log-errors";

/** The shape Drizzle gives a failed statement: SQL, parameters in the message, driver cause. */
class FailedQuery extends Error {
  constructor(
    readonly query: string,
    readonly params: unknown[],
    cause: Error,
  ) {
    super(`Failed query: ${query}\nparams: ${params.join(",")}`, { cause });
  }
}

function driverError(): Error {
  return Object.assign(
    new Error('duplicate key value violates unique constraint "users_email_key"'),
    {
      code: "23505",
      table_name: "users",
      constraint_name: "users_email_key",
      detail: "Key (email)=(ada@example.com) already exists.",
    },
  );
}

describe("toLoggableError", () => {
  const secret = "$argon2id$v=19$m=19456,t=2,p=1$secret-hash";
  const failure = new FailedQuery(
    'insert into "users" ("email", "password_hash") values ($1, $2)',
    ["ada@example.com", secret],
    driverError(),
  );

  it("drops query parameters", () => {
    const logged = JSON.stringify(toLoggableError(failure));

    expect(logged).not.toContain(secret);
    expect(logged).not.toContain("ada@example.com");
  });

  it("keeps the SQL and SQLSTATE", () => {
    const logged = toLoggableError(failure);

    expect(logged.query).toContain('insert into "users"');
    expect(logged.cause?.sqlState).toBe("23505");
    expect(logged.cause?.constraint).toBe("users_email_key");
  });

  it("drops parameters of a long statement", () => {
    const columns = Array.from({ length: 40 }, (_, index) => `"column_${index}"`).join(", ");
    const long = new FailedQuery(
      `insert into "users" (${columns}) values ($1, $2)`,
      ["ada@example.com", secret],
      driverError(),
    );

    const logged = toLoggableError(long);

    expect(JSON.stringify(logged)).not.toContain(secret);
    expect(logged.stack).toBeUndefined();
    expect(logged.query?.startsWith('insert into "users"')).toBe(true);
    expect(logged.query?.length).toBeLessThanOrEqual(501);
  });

  it("keeps ordinary errors whole", () => {
    const logged = toLoggableError(new TypeError("x is not a function"));

    expect(logged.message).toBe("x is not a function");
    expect(logged.stack).toContain("TypeError");
  });
});
