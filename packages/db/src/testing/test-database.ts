import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import {
  createDatabase,
  type DatabaseDriver,
  type DatabaseHandle,
  migrateDatabase,
} from "../client";
import { createUser } from "../repositories/users";

/**
 * The drivers the suite runs on: PGlite always, PostgreSQL when `TEST_DATABASE_URL` is set.
 * Tests loop over this list so each case is proven on both.
 */
export function testDrivers(): DatabaseDriver[] {
  return process.env.TEST_DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];
}

let pgliteTemplate: Promise<Blob> | undefined;

/** A migrated PGlite data directory, dumped once per worker; cloning it beats migrating anew. */
function migratedPgliteTemplate(): Promise<Blob> {
  pgliteTemplate ??= (async () => {
    const pglite = await PGlite.create();
    const handle = await createDatabase({ pglite });
    const dump = await pglite.dumpDataDir("none");
    await handle.close();
    return dump;
  })();
  return pgliteTemplate;
}

function adminUrl(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

let postgresTemplate: Promise<string> | undefined;

/**
 * A migrated template database on the test server, built once per worker under a random name.
 * Each test database is a copy of it, which takes a fraction of a second.
 */
function migratedPostgresTemplate(baseUrl: string): Promise<string> {
  postgresTemplate ??= (async () => {
    const name = `onboarding_template_${randomBytes(6).toString("hex")}`;
    const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`CREATE DATABASE "${name}"`);
    } finally {
      await admin.end();
    }
    const handle = await createDatabase({ url: adminUrl(baseUrl, name), maxConnections: 1 });
    try {
      await migrateDatabase(handle);
    } finally {
      await handle.close();
    }
    process.once("beforeExit", () => {
      const cleanup = postgres(baseUrl, { max: 1, onnotice: () => {} });
      void cleanup
        .unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
        .finally(() => cleanup.end());
    });
    return name;
  })();
  return postgresTemplate;
}

/**
 * Opens a fresh, migrated database of its own for one test; `close()` closes and, on PostgreSQL,
 * drops it.
 */
export async function openTestDatabase(driver: DatabaseDriver): Promise<DatabaseHandle> {
  if (driver === "pglite") {
    const pglite = await PGlite.create({ loadDataDir: await migratedPgliteTemplate() });
    return createDatabase({ pglite, migrate: false });
  }

  const baseUrl = process.env.TEST_DATABASE_URL;
  if (!baseUrl) throw new Error("TEST_DATABASE_URL is not set; PostgreSQL tests cannot run.");

  const template = await migratedPostgresTemplate(baseUrl);
  const name = `onboarding_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  } finally {
    await admin.end();
  }

  const handle = await createDatabase({ url: adminUrl(baseUrl, name) });
  return {
    ...handle,
    close: async () => {
      await handle.close();
      const dropper = postgres(baseUrl, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

let userCounter = 0;

/** Registers a user with a unique email; the hash is a placeholder that no password matches. */
export async function createTestUser(handle: DatabaseHandle, label = "user") {
  userCounter += 1;
  return createUser(handle.db, {
    email: `${label}-${userCounter}-${randomBytes(3).toString("hex")}@example.test`,
    passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$placeholder$placeholder",
    name: label,
  });
}
