import type postgres from "postgres";

type Work = (sql: postgres.Sql) => PromiseLike<unknown>;

/**
 * Wraps a postgres.js pool for Drizzle so that every statement is prepared once per connection.
 * Drizzle requests unnamed statements, and postgres.js describes an unnamed statement that has
 * parameters in a round trip of its own, each time. A prepared one is described once. After that,
 * statements sent one after another without waiting leave in a single write, and `withUserScope`
 * sends its settings with the first statement of the work that way. The SQL text comes from
 * Drizzle's builders, so each connection prepares a fixed set of statements.
 */
export function pipelinedClient(pool: postgres.Sql): postgres.Sql {
  return new Proxy(pool, {
    get(target, property) {
      if (property === "unsafe") return preparedUnsafe(target);
      if (property === "begin") {
        return (...args: unknown[]) => {
          const work = args.at(-1) as Work;
          return target.begin(...(args.slice(0, -1) as [string]), (sql) =>
            work(preparedTransaction(sql as unknown as postgres.Sql)),
          );
        };
      }
      return target[property as keyof postgres.Sql];
    },
  });
}

function preparedUnsafe(sql: postgres.Sql) {
  return (query: string, parameters?: unknown[], options?: object) =>
    sql.unsafe(query, parameters as never, { ...options, prepare: true });
}

/** Wraps a transaction's connection, and each of its savepoints, the same way. */
function preparedTransaction(sql: postgres.Sql): postgres.Sql {
  return new Proxy(sql, {
    get(target, property) {
      if (property === "unsafe") return preparedUnsafe(target);
      if (property === "savepoint") {
        return (...args: unknown[]) => {
          const work = args.at(-1) as Work;
          const savepoint = (target as unknown as { savepoint: (...a: unknown[]) => unknown })
            .savepoint;
          return savepoint(...args.slice(0, -1), (inner: postgres.Sql) =>
            work(preparedTransaction(inner)),
          );
        };
      }
      return target[property as keyof postgres.Sql];
    },
  });
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
