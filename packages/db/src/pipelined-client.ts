import type postgres from "postgres";

type Work = (sql: postgres.Sql) => PromiseLike<unknown>;

/**
 * Wraps a postgres.js pool for Drizzle so that a request's statements leave in as few writes as
 * possible, which is where a short transaction spends most of its time on a local database.
 *
 * - Every statement is prepared once per connection. Drizzle requests unnamed statements, and
 *   postgres.js describes an unnamed statement that has parameters in a round trip of its own,
 *   each time. The SQL text comes from Drizzle's builders, so each connection prepares a fixed set.
 * - A transaction does not wait for its BEGIN: BEGIN is queued on a reserved connection and
 *   leaves in the same write as the first statements of the work. postgres.js's own `begin`
 *   awaits BEGIN before it runs the work.
 */
export function pipelinedClient(pool: postgres.Sql): postgres.Sql {
  return new Proxy(pool, {
    get(target, property) {
      if (property === "unsafe") return preparedUnsafe(target);
      if (property === "begin") {
        return (...args: unknown[]) => {
          const work = args.at(-1) as Work;
          // Transaction options (isolation level and such) go to postgres.js unchanged.
          if (args.length !== 1)
            return target.begin(args[0] as string, (sql) => work(sql as unknown as postgres.Sql));
          return runTransaction(target, work);
        };
      }
      return target[property as keyof postgres.Sql];
    },
  });
}

function preparedUnsafe(sql: postgres.Sql | postgres.ReservedSql) {
  return (query: string, parameters?: unknown[], options?: object) =>
    sql.unsafe(query, parameters as never, { ...options, prepare: true });
}

async function runTransaction(pool: postgres.Sql, work: Work): Promise<unknown> {
  const connection = await pool.reserve();
  let savepoints = 0;
  const transaction = new Proxy(connection, {
    get(target, property) {
      if (property === "unsafe") return preparedUnsafe(target);
      if (property === "savepoint") {
        return async (inner: Work) => {
          const name = `pipelined_${++savepoints}`;
          await target.unsafe(`SAVEPOINT ${name}`);
          try {
            const result = await inner(transaction as unknown as postgres.Sql);
            await target.unsafe(`RELEASE SAVEPOINT ${name}`);
            return result;
          } catch (error) {
            await target.unsafe(`ROLLBACK TO SAVEPOINT ${name}`);
            throw error;
          }
        };
      }
      return target[property as keyof postgres.ReservedSql];
    },
  });

  try {
    // Not awaited: the work's first statements join it in one write, and the connection runs
    // them in order. A failed BEGIN fails them too.
    const begun = connection.unsafe("BEGIN").execute();
    const result = await afterBoth(begun, work(transaction as unknown as postgres.Sql));
    const committed = await connection.unsafe("COMMIT");
    // PostgreSQL turns COMMIT into ROLLBACK when a statement failed and the work went on anyway.
    if (committed.command !== "COMMIT") {
      throw new Error("The transaction was rolled back because one of its statements failed.");
    }
    return result;
  } catch (error) {
    await connection.unsafe("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    connection.release();
  }
}

/**
 * Waits for a set-up statement and the work that was queued behind it, and returns the work's
 * result. Unlike Promise.all it waits for both, so no statement of the work is still running when
 * the caller ends the transaction. A failed set-up is reported first, because it is the cause.
 */
export async function afterBoth<T>(setup: PromiseLike<unknown>, work: PromiseLike<T>): Promise<T> {
  const [setupOutcome, workOutcome] = await Promise.allSettled([setup, work]);
  if (setupOutcome.status === "rejected") throw setupOutcome.reason;
  if (workOutcome.status === "rejected") throw workOutcome.reason;
  return workOutcome.value;
}
