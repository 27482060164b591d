import { is, sql } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import { PostgresJsSession } from "drizzle-orm/postgres-js/session";
import type { Database, Executor, Transaction } from "./client";

/** The role requests run as: no superuser, no BYPASSRLS, and only the grants the migrations give. */
export const APP_ROLE = "onboarding_app";

const SCOPE_STATEMENT = "SELECT set_config('role', $1, true), set_config('app.user_id', $2, true)";

/**
 * Runs `work` in one transaction that switches to the row-level-security role and sets
 * `app.user_id`, so every user-owned table shows and accepts only that user's rows, even to a
 * query that forgets its filter. Both settings end with the transaction.
 *
 * On PostgreSQL the settings are not awaited on their own: they are queued on the transaction's
 * connection before `work` starts, so they run first and leave in the same write as the first
 * statement of `work`. If they fail, the transaction is aborted and every statement of `work` fails with it.
 */
export async function withUserScope<T>(
  db: Database,
  userId: string,
  work: (tx: Transaction) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    const session = tx._.session;
    if (is(session, PostgresJsSession)) {
      const parameters = [APP_ROLE, userId];
      session.logger.logQuery(SCOPE_STATEMENT, parameters);
      const scoped = session.client
        .unsafe(SCOPE_STATEMENT, parameters, { prepare: true })
        .execute();
      return afterBoth(scoped, work(tx));
    }
    await tx.execute(
      sql`SELECT set_config('role', ${APP_ROLE}, true), set_config('app.user_id', ${userId}, true)`,
    );
    return work(tx);
  });
}

/**
 * Runs `work` in the caller's transaction when there is one, or in a new one. A failure inside
 * then rolls back the whole request instead of only a savepoint.
 */
export async function inTransaction<T>(
  executor: Executor,
  work: (tx: Executor) => Promise<T>,
): Promise<T> {
  if (executor instanceof PgTransaction) return work(executor);
  return executor.transaction(work);
}

/**
 * Waits for a set-up statement and the work that was queued behind it, and returns the work's
 * result. Unlike Promise.all it waits for both, so no statement of the work is still running when
 * the transaction ends. A failed set-up is reported first, because it is the cause.
 */
async function afterBoth<T>(setup: PromiseLike<unknown>, work: PromiseLike<T>): Promise<T> {
  const [setupOutcome, workOutcome] = await Promise.allSettled([setup, work]);
  if (setupOutcome.status === "rejected") throw setupOutcome.reason;
  if (workOutcome.status === "rejected") throw workOutcome.reason;
  return workOutcome.value;
}
