import type { OnboardingProgress } from "./repositories/progress";
import { operatorHint } from "./vault/database-errors";

/** Base class of the errors repositories raise on purpose; the API maps each to one status. */
export class DomainError extends Error {
  override name = "DomainError";
}

/** The row does not exist or belongs to another user; the two are indistinguishable on purpose. */
export class NotFoundError extends DomainError {
  override name = "NotFoundError";
}

/** The wizard's order forbids the request, for example completing a step before earlier ones. */
export class PreconditionFailedError extends DomainError {
  override name = "PreconditionFailedError";
  constructor(
    message: string,
    readonly missingSteps: number[] = [],
  ) {
    super(message);
  }
}

/** Step 1 cannot be completed while a required provider has no usable key. */
export class MissingKeysError extends PreconditionFailedError {
  override name = "MissingKeysError";
  constructor(
    /** Provider ids, in the order of the required list. */
    readonly missingProviders: string[],
  ) {
    super(missingKeysMessage(missingProviders.join(", ")));
  }
}

/** Builds the missing-keys message; the API passes providers' display names instead of ids. */
export function missingKeysMessage(providers: string): string {
  return `Save a working API key for ${providers} before you continue.`;
}

/** The caller's `expectedVersion` is stale; carries the current progress so the UI can reload. */
export class ConflictError extends DomainError {
  override name = "ConflictError";
  constructor(readonly progress: OnboardingProgress) {
    super(
      `This onboarding changed in another tab or device (now at version ${progress.version}). ` +
        "Reload to see the current state.",
    );
  }
}

/** The same request came too soon after the last one; it may be repeated after `retryAfterSeconds`. */
export class TooSoonError extends DomainError {
  override name = "TooSoonError";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** An email address that already has an account. */
export class EmailTakenError extends DomainError {
  override name = "EmailTakenError";
  constructor() {
    super("An account with this email already exists. Sign in instead.");
  }
}

/** The PostgreSQL SQLSTATE of a driver error, looking through Drizzle's query wrapper. */
export function sqlStateOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 3 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = current.cause;
  }
  return undefined;
}

/**
 * The message worth showing an operator: for a failed query, the database's or driver's own
 * message (such as a refused login) instead of Drizzle's wrapper, which repeats the query and
 * its parameters, followed by what to check when the failure is a known one.
 */
export function databaseMessage(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const message = cause instanceof Error ? cause.message : String(cause);
  const hint = operatorHint(error);
  return hint ? `${message}; ${hint}` : message;
}

/**
 * Returns a command's arguments without the "--" that pnpm passes on from
 * `pnpm <script> -- --option`.
 */
export function commandArguments(argv: string[] = process.argv.slice(2)): string[] {
  return argv[0] === "--" ? argv.slice(1) : argv;
}

/** The session names a user id that has no account, for example after the account was deleted. */
export class UnknownUserError extends DomainError {
  override name = "UnknownUserError";
  constructor() {
    super("Your account no longer exists. Sign in again or create a new account.");
  }
}
