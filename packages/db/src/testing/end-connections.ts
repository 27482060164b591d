/**
 * Ends the server's connections in the middle of transactions, as an operator's
 * pg_terminate_backend would, and prints what each transaction saw as one JSON line. The test
 * of the driver patch runs it in a child process, because postgres.js still leaves a promise
 * without a handler when a connection ends, and a test worker would report that as a failure.
 *
 * Usage: node --import tsx end-connections.ts DATABASE_URL
 */
import { performance } from "node:perf_hooks";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { createDatabase } from "../client";

const url = process.argv[2];
if (!url) throw new Error("Pass the database URL as the first argument.");

let unhandled = 0;
process.on("unhandledRejection", () => {
  unhandled++;
});

const ROUNDS = 12;
const handle = await createDatabase({ url });
const admin = postgres(url, { max: 2, onnotice: () => {} });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Milliseconds from the kill until the transaction failed; -1 if it succeeded. */
async function settleTime(transaction: Promise<unknown>, killed: Promise<unknown>) {
  await killed;
  const started = performance.now();
  return transaction.then(
    () => -1,
    () => performance.now() - started,
  );
}

const terminate = (condition: postgres.PendingQuery<postgres.Row[]>) => admin`
  SELECT pg_terminate_backend(pid) FROM pg_stat_activity
  WHERE datname = current_database() AND application_name = 'onboarding' AND ${condition}`;

try {
  await admin`CREATE TABLE connection_probe (n int)`;
  const waiting: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const lockHolder = admin.begin(async (tx) => {
      await tx`LOCK TABLE connection_probe IN ACCESS EXCLUSIVE MODE`;
      await tx`SELECT pg_sleep(0.4)`;
    });
    await sleep(100);
    const transaction = handle.db.transaction((tx) =>
      tx.execute(sql`INSERT INTO connection_probe VALUES (${round})`),
    );
    await sleep(100);
    waiting.push(await settleTime(transaction, terminate(admin`wait_event_type = 'Lock'`)));
    await lockHolder;
  }

  const idle: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const transaction = handle.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT 1 AS one`);
      await sleep(200);
      await tx.execute(sql`INSERT INTO connection_probe VALUES (${round})`);
    });
    await sleep(100);
    idle.push(await settleTime(transaction, terminate(admin`state = 'idle in transaction'`)));
  }

  await admin`DELETE FROM connection_probe`;
  // The pool learns of the last kill when its socket closes, which can take a moment on a busy
  // machine. A statement sent before then fails once, and that is not what this checks.
  await sleep(500);
  const afterwards = await Promise.race([
    Promise.allSettled(
      Array.from({ length: 20 }, (_, n) =>
        handle.db.transaction((tx) => tx.execute(sql`INSERT INTO connection_probe VALUES (${n})`)),
      ),
    ).then((results) => results.filter((result) => result.status === "fulfilled").length),
    sleep(10_000).then(() => -1),
  ]);
  process.stdout.write(`${JSON.stringify({ waiting, idle, afterwards, unhandled })}\n`);
} finally {
  await admin`DROP TABLE IF EXISTS connection_probe`;
  await admin.end();
  await handle.close();
}
