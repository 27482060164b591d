import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../client";
import { queryRows } from "../sql-rows";
import { createTestUser, openTestDatabase, testDrivers } from "../testing/test-database";
import { saveStepData } from "./onboarding";
import { getProgress } from "./progress";

describe.each(testDrivers())("progress on %s", (driver) => {
  let handle: DatabaseHandle;
  const statements: string[] = [];

  beforeEach(async () => {
    statements.length = 0;
    handle = await openTestDatabase(driver, {
      logger: { logQuery: (query) => statements.push(query) },
    });
  });

  afterEach(async () => {
    await handle.close();
  });

  it("reads progress in one query", async () => {
    const user = await createTestUser(handle);
    await getProgress(handle.db, { userId: user.id });
    statements.length = 0;

    const progress = await getProgress(handle.db, { userId: user.id });

    expect(progress.steps).toHaveLength(6);
    expect(statements).toHaveLength(1);
  });

  it("saves a draft in one statement", async () => {
    const user = await createTestUser(handle);
    await getProgress(handle.db, { userId: user.id });
    statements.length = 0;

    const saved = await saveStepData(handle.db, {
      userId: user.id,
      stepNumber: 3,
      draft: { researchDepth: "basic" },
    });
    const statementsForSave = statements.length;
    const reread = await getProgress(handle.db, { userId: user.id });

    expect(statementsForSave).toBe(1);
    expect(saved).toEqual(reread);
    expect(saved.steps[2]).toMatchObject({ status: "in_progress", hasDraft: true });
  });

  it.each([
    ["Pacific/Chatham", "America/St_Johns"],
    ["Asia/Kolkata", "UTC"],
  ])("keeps instants under TZ %s and %s", async (writeZone, readZone) => {
    const originalZone = process.env.TZ;
    try {
      process.env.TZ = writeZone;
      const user = await createTestUser(handle);
      await handle.db.execute(sql.raw(`SET TIME ZONE '${readZone}'`));
      const written = await saveStepData(handle.db, {
        userId: user.id,
        stepNumber: 1,
        draft: { note: "time" },
      });
      const [stored] = await queryRows<{ ms: number }>(
        handle.db,
        sql`SELECT extract(epoch FROM updated_at)::float8 * 1000 AS ms
            FROM onboarding_sessions WHERE user_id = ${user.id}`,
      );

      process.env.TZ = readZone;
      const read = await getProgress(handle.db, { userId: user.id });

      expect(read.updatedAt.getTime()).toBe(written.updatedAt.getTime());
      expect(read.startedAt.toISOString()).toBe(written.startedAt.toISOString());
      expect(Math.abs(read.updatedAt.getTime() - (stored?.ms ?? Number.NaN))).toBeLessThan(1);
    } finally {
      if (originalZone === undefined) delete process.env.TZ;
      else process.env.TZ = originalZone;
    }
  });
});
