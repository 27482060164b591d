import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { createScratchDatabase } from "./server";

export type ServerDriver = "postgres" | "pglite";

/** A database for one test file's server, with a way to read it directly. */
export interface ServerDatabase {
  driver: ServerDriver;
  /** Environment for startServer: DATABASE_URL and secrets, or PGLITE_DATA_DIR. */
  env: Record<string, string>;
  /**
   * Runs one read-only SQL statement as the database owner and returns its rows. On PGlite the
   * server must be stopped first, because only one process may open the data directory.
   */
  query: <Row = Record<string, unknown>>(text: string) => Promise<Row[]>;
  dispose: () => Promise<void>;
}

/** PostgreSQL when TEST_DATABASE_URL is set, else PGlite. */
export function defaultServerDriver(): ServerDriver {
  return process.env.TEST_DATABASE_URL ? "postgres" : "pglite";
}

/** Creates an empty, migrated database for a test server on `driver`. */
export async function prepareServerDatabase(driver: ServerDriver): Promise<ServerDatabase> {
  if (driver === "postgres") {
    const scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL ?? "");
    const { createDatabase, migrateDatabase } = await import("@onboarding/db");
    const handle = await createDatabase({ url: scratch.url });
    await migrateDatabase(handle);
    await handle.close();
    return {
      driver,
      env: {
        DATABASE_URL: scratch.url,
        AUTH_SECRET: "browser-test-auth-secret-0123456789abcdef",
        ONBOARDING_ENCRYPTION_KEYS: `t1:${Buffer.alloc(32, 11).toString("base64")}`,
      },
      query: async <Row>(text: string) => {
        const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
        try {
          return (await sql.unsafe(text)) as unknown as Row[];
        } finally {
          await sql.end();
        }
      },
      dispose: scratch.drop,
    };
  }

  const dir = mkdtempSync(join(tmpdir(), "onboarding-browser-"));
  const dataDir = join(dir, "pglite");
  return {
    driver,
    env: { PGLITE_DATA_DIR: dataDir },
    query: async <Row>(text: string) => {
      const pglite = await PGlite.create({ dataDir });
      try {
        return (await pglite.query<Row>(text)).rows;
      } finally {
        await pglite.close();
      }
    },
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}
