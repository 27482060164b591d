import { sql } from "drizzle-orm";
import { readMigrationFiles } from "drizzle-orm/migrator";
import type { Executor } from "./client";
import { sqlStateOf } from "./errors";
import { queryRows } from "./sql-rows";

const UNDEFINED_TABLE = "42P01";
const INVALID_SCHEMA = "3F000";

/**
 * Counts the migrations in `migrationsFolder` that the database has not recorded, matching
 * Drizzle's journal by each migration's timestamp. A database never migrated counts all of them.
 */
export async function countPendingMigrations(
  executor: Executor,
  migrationsFolder: string,
): Promise<number> {
  const migrations = readMigrationFiles({ migrationsFolder });

  let applied: { createdAt: string | number }[];
  try {
    applied = await queryRows<{ createdAt: string | number }>(
      executor,
      sql`SELECT created_at AS "createdAt" FROM drizzle.__drizzle_migrations`,
    );
  } catch (error) {
    const state = sqlStateOf(error);
    if (state === UNDEFINED_TABLE || state === INVALID_SCHEMA) return migrations.length;
    throw error;
  }

  const appliedTimes = new Set(applied.map((row) => Number(row.createdAt)));
  return migrations.filter((migration) => !appliedTimes.has(migration.folderMillis)).length;
}
