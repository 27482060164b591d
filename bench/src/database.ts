import { randomBytes } from "node:crypto";
import { createDatabase, redactUrl } from "@onboarding/db";
import postgres from "postgres";

/** The local server that the bench uses when DATABASE_URL is unset. */
const LOCAL_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres";

export type Sql = postgres.Sql;

export interface BenchDatabase {
  url: string;
  /** The URL without its password, for logs and the report. */
  location: string;
  /** True when the bench created the database and drops it at the end. */
  scratch: boolean;
  /** Prefix of every id and email the bench stores, so cleanup finds exactly its own rows. */
  runPrefix: string;
  /** A connection as the database owner: seeding, statistics and cleanup. */
  owner: Sql;
  cleanup(): Promise<void>;
}

const quiet = { onnotice: () => {} };

/**
 * Opens the database the bench runs in: DATABASE_URL as it is, or a scratch database on the
 * local server. Applies the migrations either way.
 */
export async function openBenchDatabase(): Promise<BenchDatabase> {
  const runPrefix = `bench-${randomBytes(4).toString("hex")}-`;
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: the bench runs outside turbo, so no task cache depends on it.
  const given = process.env.DATABASE_URL;
  let url: string;
  let dropScratch: (() => Promise<void>) | undefined;

  if (given) {
    url = given;
  } else {
    const name = `onboarding_bench_${randomBytes(5).toString("hex")}`;
    const admin = postgres(LOCAL_SERVER_URL, { ...quiet, max: 1 });
    try {
      await admin.unsafe(`CREATE DATABASE "${name}"`);
    } catch (error) {
      await admin.end();
      throw new Error(
        `Creating a scratch database on ${LOCAL_SERVER_URL} failed (${(error as Error).message}). ` +
          "Start PostgreSQL there or set DATABASE_URL.",
      );
    }
    await admin.end();
    const scratchUrl = new URL(LOCAL_SERVER_URL);
    scratchUrl.pathname = `/${name}`;
    url = scratchUrl.toString();
    dropScratch = async () => {
      const dropper = postgres(LOCAL_SERVER_URL, { ...quiet, max: 1 });
      await dropper.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await dropper.end();
    };
  }

  try {
    const migrated = await createDatabase({ url, migrate: true, maxConnections: 1 });
    await migrated.close();
  } catch (error) {
    await dropScratch?.();
    throw error;
  }

  const owner = postgres(url, { ...quiet, max: 2 });
  return {
    url,
    location: redactUrl(url),
    scratch: dropScratch !== undefined,
    runPrefix,
    owner,
    cleanup: async () => {
      if (dropScratch) {
        await owner.end();
        await dropScratch();
        return;
      }
      // Every user-owned row goes with its user through ON DELETE CASCADE.
      await owner`DELETE FROM users WHERE id LIKE ${`${runPrefix}%`} OR email LIKE ${`${runPrefix}%`}`;
      await owner.end();
    },
  };
}

/** A syntactically valid argon2id hash; seeded users never sign in. */
const SEED_PASSWORD_HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2hzZWVkc2FsdA$0000000000000000000000000000000000000000000";

/** The research-preferences draft every seeded user has open on step 3 (about 300 bytes). */
const SEED_DRAFT = {
  researchDepth: "comprehensive",
  contentTypes: ["blog", "newsletter", "linkedin"],
  autoResearch: true,
  factChecking: "strict",
  sources: ["industry reports", "peer-reviewed journals", "company documentation"],
  notes: "Prefer sources from the last two years and cite every statistic with its source.",
};

const SEED_BATCH = 25_000;

export async function countUsers(owner: Sql): Promise<number> {
  const [row] = await owner<{ count: number }[]>`SELECT count(*)::int AS count FROM users`;
  return row?.count ?? 0;
}

/**
 * Adds users until `target` are stored, each with an onboarding session at step 3 (steps 1 and 2
 * completed, a draft on step 3), six step rows and a `started` event, in batches of one
 * INSERT ... SELECT generate_series each. Then vacuums and analyzes, as an operator would after
 * a bulk load, so that autovacuum does not start on the new rows during the measured runs.
 */
export async function seedUsers(
  database: BenchDatabase,
  target: number,
  onBatch: (stored: number) => void,
): Promise<void> {
  const { owner, runPrefix } = database;
  let stored = await countUsers(owner);
  const [seeded] = await owner<{ count: number }[]>`
    SELECT count(*)::int AS count FROM users WHERE id LIKE ${`${runPrefix}seed-%`}`;
  let nextNumber = (seeded?.count ?? 0) + 1;

  while (stored < target) {
    const batch = Math.min(SEED_BATCH, target - stored);
    const idPrefix = `${runPrefix}seed-`;
    await owner`
      WITH new_users AS (
        INSERT INTO users (id, email, name, password_hash)
        SELECT ${idPrefix} || n, ${idPrefix} || n || '@example.test', 'Seeded user ' || n,
               ${SEED_PASSWORD_HASH}
        FROM generate_series(${nextNumber}::int, ${nextNumber + batch - 1}::int) AS n
        RETURNING id
      ), new_sessions AS (
        INSERT INTO onboarding_sessions (user_id, current_step, version)
        SELECT id, 3, 4 FROM new_users
        RETURNING id, user_id
      ), new_steps AS (
        INSERT INTO onboarding_steps (session_id, user_id, step_number, status, draft, completed_at)
        SELECT s.id, s.user_id, k,
               CASE WHEN k <= 2 THEN 'completed' WHEN k = 3 THEN 'in_progress' ELSE 'pending' END,
               CASE WHEN k = 3 THEN ${JSON.stringify(SEED_DRAFT)}::jsonb END,
               CASE WHEN k <= 2 THEN now() END
        FROM new_sessions AS s CROSS JOIN generate_series(1, 6) AS k
      ), new_events AS (
        INSERT INTO onboarding_events (user_id, session_id, type)
        SELECT user_id, id, 'started' FROM new_sessions
      )
      SELECT count(*) FROM new_sessions`;
    nextNumber += batch;
    stored += batch;
    onBatch(stored);
  }
  await owner`VACUUM (ANALYZE)`;
}

export interface DatabaseFacts {
  version: string;
  fsync: string;
  synchronousCommit: string;
  sharedBuffers: string;
  maxConnections: string;
  pgStatStatements: boolean;
}

export async function readDatabaseFacts(owner: Sql): Promise<DatabaseFacts> {
  const setting = async (name: string) => {
    const [row] = await owner<{ value: string }[]>`SELECT current_setting(${name}) AS value`;
    return row?.value ?? "unknown";
  };
  const [loaded] = await owner<{ loaded: boolean }[]>`
    SELECT current_setting('shared_preload_libraries') LIKE '%pg_stat_statements%' AS loaded`;
  return {
    version: await setting("server_version"),
    fsync: await setting("fsync"),
    synchronousCommit: await setting("synchronous_commit"),
    sharedBuffers: await setting("shared_buffers"),
    maxConnections: await setting("max_connections"),
    pgStatStatements: loaded?.loaded ?? false,
  };
}

/** Table sizes for the report, so a reader sees how much data each scale really stored. */
export async function readTableCounts(owner: Sql): Promise<Record<string, number>> {
  const rows = await owner<{ name: string; count: number }[]>`
    SELECT 'users' AS name, count(*)::int AS count FROM users
    UNION ALL SELECT 'onboarding_sessions', count(*)::int FROM onboarding_sessions
    UNION ALL SELECT 'onboarding_steps', count(*)::int FROM onboarding_steps
    UNION ALL SELECT 'onboarding_events', count(*)::int FROM onboarding_events
    ORDER BY 1`;
  return Object.fromEntries(rows.map((row) => [row.name, row.count]));
}

/** Pids of the PostgreSQL backends connected to the bench's database, other than `owner`'s. */
export async function backendPids(owner: Sql): Promise<number[]> {
  const rows = await owner<{ pid: number }[]>`
    SELECT pid FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()`;
  return rows.map((row) => row.pid);
}
