/**
 * A failed vault statement, reduced to what is safe to log: the SQLSTATE, table and constraint.
 * Driver errors carry the statement's parameters (a ciphertext) and PostgreSQL's `detail` can
 * quote the failing row, so neither is kept, not even as `cause`.
 */
export class VaultDatabaseError extends Error {
  override name = "VaultDatabaseError";
  constructor(
    message: string,
    /** The PostgreSQL SQLSTATE, so `sqlStateOf` keeps working on the sanitized error. */
    readonly code: string | undefined,
    readonly table: string | undefined,
    readonly constraint: string | undefined,
  ) {
    super(message);
  }
}

const SQLSTATE = /^[0-9A-Z]{5}$/;
const IDENTIFIER = /^[A-Za-z0-9_.]{1,128}$/;

function stringField(value: unknown, field: string, pattern: RegExp): string | undefined {
  const found = (value as Record<string, unknown>)[field];
  return typeof found === "string" && pattern.test(found) ? found : undefined;
}

/**
 * Turns any error thrown by a vault statement into a VaultDatabaseError naming `action`. Reads
 * postgres.js (`table_name`, `constraint_name`) and PGlite (`table`, `constraint`) fields through
 * Drizzle's wrapper; the original error, with its parameters, is dropped.
 */
export function sanitizedDatabaseError(error: unknown, action: string): VaultDatabaseError {
  if (error instanceof VaultDatabaseError) return error;

  let code: string | undefined;
  let table: string | undefined;
  let constraint: string | undefined;
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    code ??= stringField(current, "code", SQLSTATE);
    table ??=
      stringField(current, "table_name", IDENTIFIER) ?? stringField(current, "table", IDENTIFIER);
    constraint ??=
      stringField(current, "constraint_name", IDENTIFIER) ??
      stringField(current, "constraint", IDENTIFIER);
    current = current.cause;
  }

  const facts = [
    code ? `SQLSTATE ${code}` : "no SQLSTATE",
    table ? `table ${table}` : undefined,
    constraint ? `constraint ${constraint}` : undefined,
  ].filter(Boolean);
  return new VaultDatabaseError(`${action} failed (${facts.join(", ")}).`, code, table, constraint);
}
