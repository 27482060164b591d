import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import type { ExtractTablesWithRelations, Logger } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { acquireDataDirLock } from "./pglite-lock";
import { preparingStatements } from "./prepared-statements";
import * as schema from "./schema";

export type Schema = typeof schema;

/** Either driver's Drizzle instance; repositories accept this or a transaction of it. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<
  PgQueryResultHKT,
  Schema,
  ExtractTablesWithRelations<Schema>
>;
export type Executor = Database | Transaction;

export type DatabaseDriver = "postgres" | "pglite";

export interface DatabaseHandle {
  db: Database;
  driver: DatabaseDriver;
  /** Where the data lives: the PGlite directory, or the PostgreSQL URL without its password. */
  location: string;
  close(): Promise<void>;
}

export interface CreateDatabaseOptions {
  /** PostgreSQL connection URL; defaults to `DATABASE_URL`. Unset means embedded PGlite. */
  url?: string;
  /** PGlite data directory; defaults to `PGLITE_DATA_DIR`, then `./.data/pglite`. */
  dataDir?: string;
  /** An already open PGlite instance (tests); it is closed with the handle. */
  pglite?: PGlite;
  /** Apply pending migrations on open. Defaults to true for PGlite and false for PostgreSQL. */
  migrate?: boolean;
  migrationsFolder?: string;
  /** Maximum PostgreSQL pool size. */
  maxConnections?: number;
  /** Receives every SQL statement Drizzle sends, for counting queries in tests and benchmarks. */
  logger?: Logger;
}

/** The committed migrations beside this package's source. */
export const defaultMigrationsFolder = (): string =>
  resolve(/*turbopackIgnore: true*/ dirname(fileURLToPath(import.meta.url)), "../drizzle");

export function defaultPgliteDataDir(): string {
  return resolve(/*turbopackIgnore: true*/ process.env.PGLITE_DATA_DIR ?? "./.data/pglite");
}

/**
 * Returns the URL for logs and messages without its password: the password part and any
 * `password` query parameter become `***`. A URL in another form than
 * `postgres://user:password@host/database` is not shown at all, because its password could sit
 * anywhere in it.
 */
export function redactUrl(url: string): string {
  const unexpected =
    "(DATABASE_URL in an unexpected form; use postgres://user:password@host:port/database)";
  if (!/^postgres(ql)?:\/\/[^/]/.test(url)) return unexpected;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    for (const key of [...parsed.searchParams.keys()]) {
      if (key.toLowerCase() === "password") parsed.searchParams.set(key, "***");
    }
    return parsed.toString();
  } catch {
    return unexpected;
  }
}

/** DATABASE_URL could not be parsed. The message leaves the URL out, because it contains a password. */
export class InvalidDatabaseUrlError extends Error {
  override name = "InvalidDatabaseUrlError";
  constructor() {
    super(
      "DATABASE_URL is not a valid URL. Use postgres://user:password@host:port/database, and " +
        "percent-encode characters such as @ : / ? # % in the user name and password.",
    );
  }
}

/**
 * Opens the database: postgres.js when a URL is given or `DATABASE_URL` is set, embedded PGlite
 * otherwise. The PGlite directory is locked for this process and migrated on open.
 */
export async function createDatabase(options: CreateDatabaseOptions = {}): Promise<DatabaseHandle> {
  const url = options.url ?? process.env.DATABASE_URL;
  const migrationsFolder = options.migrationsFolder ?? defaultMigrationsFolder();

  if (url && !options.pglite) {
    // Another scheme or a missing "//" would reach PostgreSQL as a database name that contains
    // the password, and PostgreSQL repeats that name in its error.
    if (!/^postgres(ql)?:\/\//.test(url)) throw new InvalidDatabaseUrlError();
    let client: postgres.Sql;
    try {
      client = postgres(url, {
        max: options.maxConnections ?? 10,
        onnotice: () => {},
        connection: { application_name: "onboarding" },
      });
    } catch (error) {
      // postgres.js parses the URL here, and its own message ("Invalid URL") names neither the
      // variable nor the usual cause.
      if (error instanceof TypeError || error instanceof URIError) {
        throw new InvalidDatabaseUrlError();
      }
      throw error;
    }
    const db = drizzlePostgres(preparingStatements(client), {
      schema,
      casing: "snake_case",
      logger: options.logger,
    }) as unknown as Database;
    const handle: DatabaseHandle = {
      db,
      driver: "postgres",
      location: redactUrl(url),
      close: () => client.end({ timeout: 5 }),
    };
    if (options.migrate === true) await migrateDatabase(handle, migrationsFolder);
    return handle;
  }

  let release = () => {};
  let client = options.pglite;
  let location = "(in memory)";
  if (!client) {
    const dataDir = resolve(/*turbopackIgnore: true*/ options.dataDir ?? defaultPgliteDataDir());
    release = acquireDataDirLock(dataDir);
    location = dataDir;
    try {
      client = await PGlite.create({ dataDir });
    } catch (error) {
      release();
      throw error;
    }
  }

  const pglite = client;
  const db = drizzlePglite(pglite, {
    schema,
    casing: "snake_case",
    logger: options.logger,
  }) as unknown as Database;
  const handle: DatabaseHandle = {
    db,
    driver: "pglite",
    location,
    close: async () => {
      try {
        await pglite.close();
      } finally {
        release();
      }
    },
  };

  if (options.migrate !== false) {
    try {
      await migrateDatabase(handle, migrationsFolder);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }
  return handle;
}

/** Applies every migration in the folder that the database has not recorded yet. */
export async function migrateDatabase(
  handle: DatabaseHandle,
  migrationsFolder = defaultMigrationsFolder(),
): Promise<void> {
  if (handle.driver === "pglite") {
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    await migrate(handle.db as never, { migrationsFolder });
  } else {
    const { migrate } = await import("drizzle-orm/postgres-js/migrator");
    await migrate(handle.db as never, { migrationsFolder });
  }
}
