import "server-only";
import { resolve } from "node:path";
import { parseRequiredProviders, type Services } from "@onboarding/api";
import { createLogger } from "@onboarding/api/logger";
import { parseVerificationConfig } from "@onboarding/api/services";
import { countPendingMigrations, createDatabase } from "@onboarding/db";
import { parseKeyring } from "@onboarding/db/vault";
import { serverBridge } from "~/server/api-bridge";

// One set of services per server process. It lives on globalThis because Next may load this
// module once per route bundle, and the embedded database allows a single opener per process.
const holder = globalThis as typeof globalThis & { onboardingServices?: Promise<Services> };

/** Returns the folder of committed migrations; the launcher passes its absolute path. */
export function migrationsFolder(): string {
  return (
    process.env.ONBOARDING_MIGRATIONS_DIR ??
    resolve(/*turbopackIgnore: true*/ process.cwd(), "../../packages/db/drizzle")
  );
}

async function buildServices(): Promise<Services> {
  const logger = createLogger();
  const keyring = parseKeyring(process.env.ONBOARDING_ENCRYPTION_KEYS);
  const requiredProviders = parseRequiredProviders(process.env.ONBOARDING_REQUIRED_PROVIDERS);
  const verification = parseVerificationConfig(process.env);

  const handle = await createDatabase({ migrationsFolder: migrationsFolder() });
  logger.info({ driver: handle.driver, location: handle.location }, "database opened");
  // Not awaited, so an unreachable database cannot hold up start-up; /api/ready reports it too.
  void countPendingMigrations(handle.db, migrationsFolder()).then(
    (pending) => {
      if (pending > 0) logger.error({ pending }, "database lacks migrations; run pnpm db:migrate");
    },
    () =>
      logger.error({ location: handle.location }, "database unreachable; /api/ready reports it"),
  );

  const close = () =>
    handle
      .close()
      .catch((error: unknown) => logger.error({ err: error }, "closing the database failed"));
  // The production server closes the database after its last request; elsewhere it closes on
  // the signal, alongside Next's own shutdown.
  const bridge = serverBridge();
  if (bridge) {
    bridge.closeServices = close;
  } else {
    process.once("SIGTERM", () => void close());
    process.once("SIGINT", () => void close());
  }

  return { db: handle.db, keyring, requiredProviders, logger, verification };
}

/** Returns this process's services, opening and migrating the database on first use. */
export function getServices(): Promise<Services> {
  holder.onboardingServices ??= buildServices().catch((error: unknown) => {
    holder.onboardingServices = undefined;
    throw error;
  });
  return holder.onboardingServices;
}
