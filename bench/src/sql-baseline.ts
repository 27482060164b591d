import { performance } from "node:perf_hooks";
import postgres from "postgres";
import { LatencyRecorder, type LatencySummary } from "./latency";
import { type CpuShare, ResourceSampler } from "./procfs";
import type { CapturedStatement } from "./statements";

/** Pool size of createDatabase when no maxConnections is given, which is what the server uses. */
export const PRODUCT_POOL_SIZE = 10;

/** application_name of the baseline's connections, so their backends can be found. */
const BASELINE_APPLICATION = "onboarding-bench-baseline";

export interface SqlRun {
  procedure: "saveStep" | "getProgress";
  connections: number;
  storedUsers: number;
  seconds: number;
  transactions: number;
  /** Transactions per second. */
  tps: number;
  latency: LatencySummary;
  /** Statements postgres.js sent per transaction, counted by its debug hook. */
  statementsPerTransaction: number;
  cpu: CpuShare;
}

export interface SqlBaselineOptions {
  url: string;
  procedure: "saveStep" | "getProgress";
  /** The procedure's statements as Drizzle sent them for `capturedUserId`. */
  statements: CapturedStatement[];
  capturedUserId: string;
  /** Users whose onboarding is started; transactions go to each in turn. */
  userIds: readonly string[];
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  storedUsers: number;
}

/** Replaces the captured user's id with another user's in a statement's parameters. */
function paramsFor(statement: CapturedStatement, capturedUserId: string, userId: string) {
  return statement.params.map((param) => (param === capturedUserId ? userId : param));
}

/**
 * Replays a procedure's exact SQL straight through postgres.js: one transaction per call,
 * holding the same set_config and the same statements, sent in as few writes as they allow,
 * from `connections` concurrent callers on a pool as large as the server's. This is the
 * database's limit for that procedure here.
 */
export async function runSqlBaseline(options: SqlBaselineOptions): Promise<SqlRun> {
  let statementCount = 0;
  const sql = postgres(options.url, {
    max: Math.min(options.connections, PRODUCT_POOL_SIZE),
    onnotice: () => {},
    connection: { application_name: BASELINE_APPLICATION },
    debug: () => {
      statementCount++;
    },
  });
  let nextUser = 0;

  // BEGIN and every statement in one write on a reserved connection, then COMMIT once they have
  // all returned: the fewest round trips these statements allow.
  const call = async () => {
    const userId = options.userIds[nextUser++ % options.userIds.length] ?? "";
    const connection = await sql.reserve();
    try {
      const sent = [connection.unsafe("BEGIN").execute()];
      for (const statement of options.statements) {
        const params = paramsFor(statement, options.capturedUserId, userId);
        sent.push(
          connection.unsafe(statement.query, params as postgres.ParameterOrJSON<never>[]).execute(),
        );
      }
      await Promise.all(sent);
      await connection.unsafe("COMMIT");
    } catch (error) {
      await connection.unsafe("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      connection.release();
    }
  };

  const drive = async (seconds: number, latencies?: LatencyRecorder) => {
    const deadline = performance.now() + seconds * 1000;
    const worker = async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        await call();
        latencies?.add(performance.now() - started);
      }
    };
    await Promise.all(Array.from({ length: options.connections }, worker));
  };

  try {
    await drive(options.warmupSeconds);
    const backends = await sql<{ pid: number }[]>`
      SELECT pid FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = ${BASELINE_APPLICATION}`;
    const latencies = new LatencyRecorder();
    const statementsBefore = statementCount;
    const sampler = new ResourceSampler(
      process.pid,
      backends.map((row) => row.pid),
    );
    const started = performance.now();
    await drive(options.durationSeconds, latencies);
    const seconds = (performance.now() - started) / 1000;
    const resources = sampler.stop();

    return {
      procedure: options.procedure,
      connections: options.connections,
      storedUsers: options.storedUsers,
      seconds,
      transactions: latencies.count,
      tps: latencies.count / seconds,
      latency: latencies.summary(),
      statementsPerTransaction: (statementCount - statementsBefore) / latencies.count,
      cpu: resources.cpu,
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
