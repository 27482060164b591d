import { createLogger, type Logger } from "@onboarding/api/logger";
import { countPendingMigrations } from "@onboarding/db";
import { getServices, migrationsFolder } from "~/server/services";

/**
 * Readiness: returns 200 when the database responds and has every migration, and 503 with a short
 * reason otherwise. The reason never contains the error text, which may name hosts or users.
 */
export const dynamic = "force-dynamic";

/** Maximum wait for the database. Without it, postgres.js waits 30 s for a connect that hangs. */
const CHECK_TIMEOUT_MS = 2_000;

type Failure =
  | "services failed to start"
  | "database query failed"
  | "database lacks migrations; run pnpm db:migrate"
  | "database check timed out";

// One check at a time: while the database hangs, further probes share the pending check
// instead of queueing more queries on the connection pool.
let inFlight: Promise<Failure | undefined> | undefined;
// The last outcome, so a failure is logged once when it starts and once when it ends.
let lastFailure: Failure | undefined;
let fallbackLogger: Logger | undefined;

async function queryDatabase(): Promise<Failure | undefined> {
  let services: Awaited<ReturnType<typeof getServices>>;
  try {
    services = await getServices();
  } catch (error) {
    fallbackLogger ??= createLogger();
    logChange("services failed to start", fallbackLogger, error);
    return "services failed to start";
  }

  let pending: number;
  try {
    pending = await countPendingMigrations(services.db, migrationsFolder());
  } catch (error) {
    logChange("database query failed", services.logger, error);
    return "database query failed";
  }
  if (pending > 0) {
    logChange("database lacks migrations; run pnpm db:migrate", services.logger);
    return "database lacks migrations; run pnpm db:migrate";
  }
  logChange(undefined, services.logger);
  return undefined;
}

function logChange(failure: Failure | undefined, logger: Logger, error?: unknown): void {
  if (failure === lastFailure) return;
  if (failure) logger.error({ err: error, reason: failure }, "readiness check failed");
  else logger.info({ previousReason: lastFailure }, "readiness check passed again");
  lastFailure = failure;
}

async function checkDatabase(): Promise<Failure | undefined> {
  inFlight ??= queryDatabase().finally(() => {
    inFlight = undefined;
  });

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<Failure>((resolve) => {
    timer = setTimeout(() => resolve("database check timed out"), CHECK_TIMEOUT_MS);
  });
  let failure: Failure | undefined;
  try {
    failure = await Promise.race([inFlight, timedOut]);
  } finally {
    clearTimeout(timer);
  }
  if (failure === "database check timed out") {
    // The services may be the part that hangs, so their logger may not exist yet.
    fallbackLogger ??= createLogger();
    logChange(failure, fallbackLogger);
  }
  return failure;
}

export async function GET(): Promise<Response> {
  const headers = { "cache-control": "no-store" };
  const failure = await checkDatabase();
  if (failure)
    return Response.json({ status: "unavailable", reason: failure }, { status: 503, headers });
  return Response.json({ status: "ready" }, { headers });
}
