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
// Node's socket error codes (ECONNREFUSED) and postgres.js's own (CONNECT_TIMEOUT).
const CONNECTION_CODE = /^(E[A-Z]{3,20}|CONNECT_TIMEOUT|CONNECTION_[A-Z_]{3,20})$/;

/** Plain causes for the failures an operator can fix; other SQLSTATEs are only named. */
const SQLSTATE_CAUSES = new Map<string, string>([
  ["42P01", "a table is missing; run pnpm db:migrate against this database"],
  ["42703", "a column is missing; run pnpm db:migrate against this database"],
  ["3D000", "the database does not exist; check the database URL"],
  ["28P01", "the password was rejected; check the database URL"],
  ["28000", "the role may not connect; check the database URL"],
  ["42501", "the role lacks a privilege; connect as the database owner"],
]);

const CONNECTION_CAUSES = new Map<string, string>([
  ["ECONNREFUSED", "the database server refused the connection; check the host and port"],
  ["ENOTFOUND", "the database host was not found; check the database URL"],
  ["EAI_AGAIN", "the database host name could not be resolved; check the database URL"],
  ["ETIMEDOUT", "the connection to the database timed out"],
  ["CONNECT_TIMEOUT", "the connection to the database timed out"],
  ["ECONNRESET", "the database server closed the connection"],
]);

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
  let connectionCode: string | undefined;
  let table: string | undefined;
  let constraint: string | undefined;
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    // Socket codes such as EPIPE also fit the SQLSTATE pattern, so they are checked first.
    const connection = stringField(current, "code", CONNECTION_CODE);
    connectionCode ??= connection;
    if (!connection) code ??= stringField(current, "code", SQLSTATE);
    table ??=
      stringField(current, "table_name", IDENTIFIER) ?? stringField(current, "table", IDENTIFIER);
    constraint ??=
      stringField(current, "constraint_name", IDENTIFIER) ??
      stringField(current, "constraint", IDENTIFIER);
    current = current.cause;
  }

  let origin = "no SQLSTATE";
  if (code) origin = `SQLSTATE ${code}`;
  else if (connectionCode) origin = connectionCode;
  const facts = [
    origin,
    table ? `table ${table}` : undefined,
    constraint ? `constraint ${constraint}` : undefined,
  ].filter(Boolean);
  const cause =
    (code && SQLSTATE_CAUSES.get(code)) ??
    (connectionCode && CONNECTION_CAUSES.get(connectionCode));
  const message = cause
    ? `${action} failed: ${cause} (${facts.join(", ")}).`
    : `${action} failed (${facts.join(", ")}).`;
  return new VaultDatabaseError(message, code, table, constraint);
}
