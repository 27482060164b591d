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

/** Plain causes and fixes for the failures an operator can fix; other SQLSTATEs are only named. */
const SQLSTATE_CAUSES = new Map<string, { cause: string; fix: string }>([
  ["42P01", { cause: "a table is missing", fix: "run pnpm db:migrate against this database" }],
  ["42703", { cause: "a column is missing", fix: "run pnpm db:migrate against this database" }],
  ["3D000", { cause: "the database does not exist", fix: "check the database URL" }],
  ["28P01", { cause: "the password was rejected", fix: "check the database URL" }],
  ["28000", { cause: "the role may not connect", fix: "check the database URL" }],
  ["42501", { cause: "the role lacks a privilege", fix: "connect as the database owner" }],
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

interface FailureFacts {
  code?: string;
  connectionCode?: string;
  table?: string;
  constraint?: string;
}

/**
 * Collects the SQLSTATE or connection code, table and constraint of a failed statement through
 * Drizzle's wrapper, from postgres.js (`table_name`, `constraint_name`) or PGlite (`table`,
 * `constraint`) fields.
 */
function failureFacts(error: unknown): FailureFacts {
  const facts: FailureFacts = {};
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    // Socket codes such as EPIPE also fit the SQLSTATE pattern, so they are checked first.
    const connection = stringField(current, "code", CONNECTION_CODE);
    facts.connectionCode ??= connection;
    if (!connection) facts.code ??= stringField(current, "code", SQLSTATE);
    facts.table ??=
      stringField(current, "table_name", IDENTIFIER) ?? stringField(current, "table", IDENTIFIER);
    facts.constraint ??=
      stringField(current, "constraint_name", IDENTIFIER) ??
      stringField(current, "constraint", IDENTIFIER);
    current = current.cause;
  }
  return facts;
}

function causeOf({ code, connectionCode }: FailureFacts): string | undefined {
  const known = code ? SQLSTATE_CAUSES.get(code) : undefined;
  if (known) return `${known.cause}; ${known.fix}`;
  return connectionCode ? CONNECTION_CAUSES.get(connectionCode) : undefined;
}

/**
 * Returns what an operator should check after a known database failure: the fix for a known
 * SQLSTATE, whose message PostgreSQL has already worded, or the plain cause of a connection
 * failure, whose driver message is terse. Returns undefined for any other failure.
 */
export function operatorHint(error: unknown): string | undefined {
  const { code, connectionCode } = failureFacts(error);
  const known = code ? SQLSTATE_CAUSES.get(code) : undefined;
  if (known) return known.fix;
  return connectionCode ? CONNECTION_CAUSES.get(connectionCode) : undefined;
}

/**
 * Turns any error thrown by a vault statement into a VaultDatabaseError naming `action`. The
 * original error, with its parameters, is dropped.
 */
export function sanitizedDatabaseError(error: unknown, action: string): VaultDatabaseError {
  if (error instanceof VaultDatabaseError) return error;

  const found = failureFacts(error);
  const { code, connectionCode, table, constraint } = found;

  let origin = "no SQLSTATE";
  if (code) origin = `SQLSTATE ${code}`;
  else if (connectionCode) origin = connectionCode;
  const facts = [
    origin,
    table ? `table ${table}` : undefined,
    constraint ? `constraint ${constraint}` : undefined,
  ].filter(Boolean);
  const cause = causeOf(found);
  const message = cause
    ? `${action} failed: ${cause} (${facts.join(", ")}).`
    : `${action} failed (${facts.join(", ")}).`;
  return new VaultDatabaseError(message, code, table, constraint);
}
