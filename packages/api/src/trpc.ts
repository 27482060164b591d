import { randomUUID } from "node:crypto";
import {
  ConflictError,
  DomainError,
  EmailTakenError,
  type Executor,
  MissingKeysError,
  missingKeysMessage,
  NotFoundError,
  PreconditionFailedError,
  TooSoonError,
  UnknownUserError,
  withUserScope,
} from "@onboarding/db";
import { initTRPC, TRPCError } from "@trpc/server";
import { ZodError, z } from "zod";
import { toLoggableError } from "./log-errors";
import { findProvider } from "./providers";
import type { Services } from "./services";
import { transformer } from "./transformer";

/** The signed-in user as the auth layer reports it; only `id` is relied on. */
export interface SessionUser {
  id: string;
  email?: string | null;
  name?: string | null;
}

export interface AuthSession {
  user?: SessionUser | null;
}

/**
 * Builds the per-request context from a session the caller already resolved. Tests pass a
 * literal session; the HTTP handler passes the one next-auth decoded from the cookie.
 */
export function createTRPCContext(options: {
  session: AuthSession | null;
  services: Services;
  requestId?: string;
}) {
  const requestId = options.requestId ?? randomUUID();
  const userId = options.session?.user?.id ?? null;
  return {
    session: options.session,
    services: options.services,
    requestId,
    logger: options.services.logger.child({ requestId, userId }),
  };
}

export type Context = ReturnType<typeof createTRPCContext>;

const INTERNAL_MESSAGE = "Something went wrong on our side. Try again in a moment.";

const t = initTRPC.context<Context>().create({
  transformer,
  errorFormatter({ shape, error, ctx }) {
    const zodError = error.cause instanceof ZodError ? error.cause : undefined;
    const conflict = error.cause instanceof ConflictError ? error.cause : undefined;
    const isInternal = error.code === "INTERNAL_SERVER_ERROR";

    return {
      ...shape,
      message: isInternal
        ? INTERNAL_MESSAGE
        : zodError
          ? describeZodError(zodError)
          : shape.message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        requestId: ctx?.requestId,
        fieldErrors: zodError ? fieldErrorsOf(zodError) : undefined,
        progress: conflict?.progress,
        missingSteps:
          error.cause instanceof PreconditionFailedError ? error.cause.missingSteps : undefined,
      },
    };
  },
});

/** Joins each issue as "path: message", so a bare HTTP client still learns which field failed. */
function describeZodError(error: ZodError): string {
  return error.issues
    .map((issue) =>
      issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message,
    )
    .join("\n");
}

/** Maps each dotted field path to its messages, for forms to show beside the field. */
function fieldErrorsOf(error: ZodError): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const path = issue.path.join(".") || "(input)";
    fields[path] = [...(fields[path] ?? []), issue.message];
  }
  return fields;
}

const LIST_FORMAT = new Intl.ListFormat("en", { type: "conjunction" });

/** Joins providers' display names as a sentence does: "Google Gemini and Exa". */
function providerNames(ids: readonly string[]): string {
  return LIST_FORMAT.format(ids.map((id) => findProvider(id)?.label ?? id));
}

/** Maps a domain error from the repositories to its tRPC code; anything else stays internal. */
function toTRPCError(error: unknown): TRPCError | undefined {
  if (!(error instanceof DomainError)) return undefined;
  if (error instanceof UnknownUserError) {
    return new TRPCError({ code: "UNAUTHORIZED", message: error.message, cause: error });
  }
  if (error instanceof NotFoundError)
    return new TRPCError({ code: "NOT_FOUND", message: error.message, cause: error });
  if (error instanceof MissingKeysError) {
    return new TRPCError({
      code: "PRECONDITION_FAILED",
      message: missingKeysMessage(providerNames(error.missingProviders)),
      cause: error,
    });
  }
  if (error instanceof PreconditionFailedError) {
    return new TRPCError({ code: "PRECONDITION_FAILED", message: error.message, cause: error });
  }
  if (error instanceof TooSoonError) {
    return new TRPCError({ code: "TOO_MANY_REQUESTS", message: error.message, cause: error });
  }
  if (error instanceof ConflictError)
    return new TRPCError({ code: "CONFLICT", message: error.message, cause: error });
  if (error instanceof EmailTakenError)
    return new TRPCError({ code: "CONFLICT", message: error.message, cause: error });
  return new TRPCError({ code: "BAD_REQUEST", message: error.message, cause: error });
}

const errorMapping = t.middleware(async ({ ctx, next, path, type }) => {
  const result = await next();
  if (result.ok) return result;

  const mapped = toTRPCError(result.error.cause);
  if (mapped) throw mapped;
  if (result.error.code === "INTERNAL_SERVER_ERROR") {
    ctx.logger.error(
      { err: toLoggableError(result.error.cause ?? result.error), path, type },
      "procedure failed",
    );
  }
  return result;
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Open to everyone. */
export const publicProcedure = t.procedure.use(errorMapping);

/**
 * Requires a signed-in user; after it, `ctx.user` is non-null. `ctx.asUser` runs database work in
 * one transaction under row-level security for that user. It is opened by the resolver, after
 * input validation, so rejected input never reaches the database.
 */
export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  const user = ctx.session?.user;
  if (!user?.id) {
    throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue." });
  }
  const userId = user.id;
  const asUser = <T>(work: (tx: Executor) => Promise<T>) =>
    withUserScope(ctx.services.db, userId, work);
  return next({ ctx: { ...ctx, user: { ...user, id: userId }, asUser } });
});

export { z };
