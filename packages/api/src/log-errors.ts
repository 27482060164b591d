/**
 * An error reduced to what may be logged. Drizzle's query errors put the statement's parameters
 * (drafts, password hashes, ciphertexts) in their message, and PostgreSQL's `detail` can quote
 * the failing row, so both are left out; the SQL text, which only has placeholders, is kept.
 */
export interface LoggableError {
  type: string;
  message: string;
  stack?: string;
  sqlState?: string;
  table?: string;
  constraint?: string;
  query?: string;
  cause?: LoggableError;
}

const SQLSTATE = /^[0-9A-Z]{5}$/;
/** Characters of a statement's SQL kept in the log; long inserts are cut, never dropped. */
const MAX_QUERY_LENGTH = 500;

function field(error: object, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = (error as Record<string, unknown>)[name];
    if (typeof value === "string" && value.length <= 200) return value;
  }
  return undefined;
}

/** Converts an error and its causes (up to four deep) into a LoggableError. */
export function toLoggableError(error: unknown, depth = 0): LoggableError {
  if (!(error instanceof Error)) return { type: typeof error, message: "(non-error value thrown)" };

  // Recognised by its parameters, not by its SQL, which can be of any length.
  const isQueryError = "params" in error || error.message.startsWith("Failed query:");
  const sql = (error as { query?: unknown }).query;
  const query = !isQueryError
    ? undefined
    : typeof sql !== "string"
      ? "(statement not kept)"
      : sql.length > MAX_QUERY_LENGTH
        ? `${sql.slice(0, MAX_QUERY_LENGTH)}…`
        : sql;
  const sqlState = field(error, "code");
  const loggable: LoggableError = {
    type: error.constructor?.name || error.name,
    message: isQueryError ? `Failed query: ${query}` : error.message,
    stack: depth === 0 && !isQueryError ? error.stack : undefined,
    sqlState: sqlState && SQLSTATE.test(sqlState) ? sqlState : undefined,
    table: field(error, "table_name", "table"),
    constraint: field(error, "constraint_name", "constraint"),
    query: isQueryError ? query : undefined,
  };
  if (error.cause !== undefined && depth < 4)
    loggable.cause = toLoggableError(error.cause, depth + 1);
  return loggable;
}
