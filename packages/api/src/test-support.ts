// Helpers for the router tests: services on a test database, callers and error shapes.

import { randomBytes } from "node:crypto";
import type { DatabaseHandle } from "@onboarding/db";
import { parseKeyring } from "@onboarding/db/vault";
import { getTRPCErrorShape, type inferRouterError, TRPCError } from "@trpc/server";
import { createLogger } from "./logger";
import { type AppRouter, appRouter, createCaller } from "./root";
import type { Services } from "./services";
import { type AuthSession, createTRPCContext } from "./trpc";

export type Caller = ReturnType<typeof createCaller>;
export type ErrorShape = inferRouterError<AppRouter>;

/** One master key per test run, in the `id:base64` form that ONBOARDING_ENCRYPTION_KEYS uses. */
export const testKeyring = parseKeyring(`test:${randomBytes(32).toString("base64")}`);

export function buildServices(handle: DatabaseHandle): Services {
  return {
    db: handle.db,
    keyring: testKeyring,
    requiredProviders: ["gemini", "exa"],
    logger: createLogger({ level: "silent" }),
  };
}

export function callerFor(services: Services, session: AuthSession | null): Caller {
  return createCaller(createTRPCContext({ session, services }));
}

export function userCaller(services: Services, userId: string): Caller {
  return callerFor(services, { user: { id: userId } });
}

/**
 * Awaits a call that must fail and returns the TRPCError with the shape the HTTP handler would
 * send for it, so tests can read `data.fieldErrors`, `data.progress` and `data.missingSteps`.
 * Raises an error naming `label` when the call succeeds, and rethrows any error but a TRPCError.
 */
export async function rejectionOf(
  call: Promise<unknown>,
  label = "the call",
): Promise<{ error: TRPCError; shape: ErrorShape }> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    const shape = getTRPCErrorShape({
      config: appRouter._def._config,
      error,
      type: "unknown",
      path: undefined,
      input: undefined,
      ctx: undefined,
    });
    return { error, shape };
  }
  throw new Error(`Expected ${label} to fail with a TRPCError, but it succeeded.`);
}

/** Builds a well-formed Google Gemini key: "AIza" and 35 copies of `fill`. */
export function geminiKey(fill = "g"): string {
  return `AIza${fill.repeat(35)}`;
}

/** A well-formed Exa key: a UUID. */
export const EXA_KEY = "9b2f4c1e-7d3a-4e8b-a1c2-5f6e7d8c9b0a";
