import { spawnSync } from "node:child_process";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "./client";
import { queryRows } from "./sql-rows";
import { openTestDatabase, testDrivers } from "./testing/test-database";
import { withUserScope } from "./user-scope";

async function countRows(handle: DatabaseHandle): Promise<number> {
  const [row] = await queryRows<{ count: number }>(
    handle.db,
    sql`SELECT count(*)::int AS count FROM pipeline_probe`,
  );
  return row?.count ?? -1;
}

/** Counts the socket writes that `work` causes. Every write to PostgreSQL goes through Socket.write. */
async function countWrites(work: () => Promise<unknown>): Promise<number> {
  const original = net.Socket.prototype.write;
  let writes = 0;
  net.Socket.prototype.write = function (this: net.Socket, ...args: unknown[]) {
    writes++;
    return (original as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof original;
  try {
    await work();
  } finally {
    net.Socket.prototype.write = original;
  }
  return writes;
}

describe.runIf(testDrivers().includes("postgres"))("transactions on postgres", () => {
  let handle: DatabaseHandle;

  beforeAll(async () => {
    handle = await openTestDatabase("postgres");
    await handle.db.execute(sql`CREATE TABLE pipeline_probe (n int PRIMARY KEY)`);
  });

  afterAll(async () => {
    await handle.close();
  });

  beforeEach(async () => {
    await handle.db.execute(sql`DELETE FROM pipeline_probe`);
  });

  it("sends the settings with the first statement", async () => {
    const read = () => withUserScope(handle.db, "nobody", (tx) => tx.execute(sql`SELECT 1 AS one`));
    // The first run prepares the statements on the connection; later runs reuse them.
    await read();

    const writes = await countWrites(read);

    // BEGIN, then the settings and the statement together, then COMMIT.
    expect(writes).toBe(3);
  });

  it("commits nothing when the settings fail", async () => {
    const attempt = withUserScope(handle.db, "\u0000", (tx) =>
      tx.execute(sql`INSERT INTO pipeline_probe VALUES (1)`),
    );

    await expect(attempt).rejects.toThrow(/0x00|null/i);
    expect(await countRows(handle)).toBe(0);
  });

  it("commits the work", async () => {
    await handle.db.transaction(async (tx) => {
      await tx.execute(sql`INSERT INTO pipeline_probe VALUES (1)`);
      await tx.execute(sql`INSERT INTO pipeline_probe VALUES (2)`);
    });

    expect(await countRows(handle)).toBe(2);
  });

  it("rolls back when the work throws", async () => {
    const attempt = handle.db.transaction(async (tx) => {
      await tx.execute(sql`INSERT INTO pipeline_probe VALUES (1)`);
      throw new Error("work failed");
    });

    await expect(attempt).rejects.toThrow("work failed");
    expect(await countRows(handle)).toBe(0);
  });

  it("raises when the work swallows a failed statement", async () => {
    const attempt = handle.db.transaction(async (tx) => {
      await tx.execute(sql`INSERT INTO pipeline_probe VALUES (1)`);
      await tx.execute(sql`INSERT INTO pipeline_probe VALUES (1)`).catch(() => undefined);
      return "reported as done";
    });

    await expect(attempt).rejects.toThrow(/duplicate key/);
    expect(await countRows(handle)).toBe(0);
  });

  it("rolls back a nested transaction alone", async () => {
    await handle.db.transaction(async (tx) => {
      await tx.execute(sql`INSERT INTO pipeline_probe VALUES (1)`);
      await tx
        .transaction(async (inner) => {
          await inner.execute(sql`INSERT INTO pipeline_probe VALUES (2)`);
          throw new Error("inner failed");
        })
        .catch(() => undefined);
      await tx.execute(sql`INSERT INTO pipeline_probe VALUES (3)`);
    });

    const rows = await queryRows<{ n: number }>(
      handle.db,
      sql`SELECT n FROM pipeline_probe ORDER BY n`,
    );
    expect(rows.map((row) => row.n)).toEqual([1, 3]);
  });

  it("survives connections ended mid-transaction", () => {
    const url = new URL(process.env.TEST_DATABASE_URL ?? "");
    url.pathname = new URL(handle.location).pathname;
    const script = fileURLToPath(new URL("./testing/end-connections.ts", import.meta.url));
    const run = spawnSync(process.execPath, ["--import", "tsx", script, url.toString()], {
      encoding: "utf8",
      timeout: 60_000,
    });
    const lastLine = run.stdout.trim().split("\n").at(-1);
    if (!lastLine) throw new Error(`end-connections.ts printed no result:\n${run.stderr}`);
    const outcome = JSON.parse(lastLine) as {
      waiting: number[];
      idle: number[];
      afterwards: number;
    };

    // Twelve kills in each case, more than the pool has connections. Each killed transaction
    // failed within a second, and twenty transactions at once still succeed afterwards.
    expect(outcome.waiting).toHaveLength(12);
    expect(outcome.waiting.every((ms) => ms >= 0 && ms < 1000)).toBe(true);
    expect(outcome.idle).toHaveLength(12);
    expect(outcome.idle.every((ms) => ms >= 0 && ms < 1000)).toBe(true);
    expect(outcome.afterwards).toBe(20);
  });
});
