import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { Logger } from "drizzle-orm";
import postgres from "postgres";
import {
  createDatabase,
  type DatabaseDriver,
  type DatabaseHandle,
  defaultMigrationsFolder,
  migrateDatabase,
} from "../client";
import { sqlStateOf } from "../errors";
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

const DUPLICATE_DATABASE = "42P04";

/** Hashes the journal and every SQL migration with SHA-256 and returns the first 16 hex digits. */
function migrationsDigest(folder: string): string {
  const hash = createHash("sha256");
  hash.update(readFileSync(join(folder, "meta", "_journal.json")));
  for (const file of readdirSync(folder)
    .filter((name) => name.endsWith(".sql"))
    .sort()) {
    hash.update(file).update(readFileSync(join(folder, file)));
  }
  return hash.digest("hex").slice(0, 16);
}

/**
 * Returns the migrated template database that every worker and run with the same migrations
 * shares on the test server. Each test database is a copy of it, which takes a fraction of a
 * second. The template is built under a random name and renamed once migrated, so a database under
 * the final name is always complete. A worker that loses the race to rename drops its own copy.
 * NOTE: templates of earlier migration sets stay on the server until someone drops them.
 */
function migratedPostgresTemplate(baseUrl: string): Promise<string> {
  postgresTemplate ??= (async () => {
    const name = `onboarding_template_${migrationsDigest(defaultMigrationsFolder())}`;
    const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
    try {
      const existing = await admin`SELECT 1 FROM pg_database WHERE datname = ${name}`;
      if (existing.length > 0) return name;

      const building = `onboarding_building_${randomBytes(6).toString("hex")}`;
      await admin.unsafe(`CREATE DATABASE "${building}"`);
      try {
        const handle = await createDatabase({
          url: adminUrl(baseUrl, building),
          maxConnections: 1,
        });
        try {
          await migrateDatabase(handle);
        } finally {
          await handle.close();
        }
        await admin.unsafe(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
      } catch (error) {
        await admin.unsafe(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
        if (sqlStateOf(error) !== DUPLICATE_DATABASE) throw error;
      }
      return name;
    } finally {
      await admin.end();
    }
  })();
  return postgresTemplate;
}

/**
 * Opens a fresh, migrated database of its own for one test; `close()` closes and, on PostgreSQL,
 * drops it.
 */
export async function openTestDatabase(
  driver: DatabaseDriver,
  options: { logger?: Logger } = {},
): Promise<DatabaseHandle> {
  if (driver === "pglite") {
    const pglite = await PGlite.create({ loadDataDir: await migratedPgliteTemplate() });
    return createDatabase({ pglite, migrate: false, logger: options.logger });
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

  const handle = await createDatabase({ url: adminUrl(baseUrl, name), logger: options.logger });
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
