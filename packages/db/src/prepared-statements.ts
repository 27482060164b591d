import type postgres from "postgres";

type Work = (sql: postgres.Sql) => PromiseLike<unknown>;

/**
 * Wraps a postgres.js pool, and the transactions and savepoints it opens, so that every statement
 * Drizzle sends is prepared once per connection. Drizzle requests unnamed statements, and
 * postgres.js describes an unnamed statement that has parameters in a round trip of its own, each
 * time. Once prepared, statements sent one after another without waiting leave in a single write.
 * The SQL text comes from Drizzle's builders, so each connection prepares a fixed set.
 */
export function preparingStatements(sql: postgres.Sql): postgres.Sql {
  return new Proxy(sql, {
    get(target, property) {
      if (property === "unsafe") {
        return (query: string, parameters?: unknown[], options?: object) =>
          target.unsafe(query, parameters as never, { ...options, prepare: true });
      }
      if (property === "begin" || property === "savepoint") {
        // Both take optional arguments and then the work, which receives the scoped connection.
        const open = target[property as "begin"] as (...args: unknown[]) => unknown;
        return (...args: unknown[]) => {
          const work = args.at(-1) as Work;
          return open(...args.slice(0, -1), (scoped: postgres.Sql) =>
            work(preparingStatements(scoped)),
          );
        };
      }
      return target[property as keyof postgres.Sql];
    },
  });
}
