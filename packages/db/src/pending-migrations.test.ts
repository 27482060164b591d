import { PGlite } from "@electric-sql/pglite";
import { describe, expect, it } from "vitest";
import { createDatabase, defaultMigrationsFolder } from "./client";
import { countPendingMigrations } from "./pending-migrations";

describe("countPendingMigrations", () => {
  it("counts every migration before migrating", async () => {
    const handle = await createDatabase({ pglite: await PGlite.create(), migrate: false });
    try {
      const pending = await countPendingMigrations(handle.db, defaultMigrationsFolder());

      expect(pending).toBeGreaterThanOrEqual(2);
    } finally {
      await handle.close();
    }
  });

  it("counts none after migrating", async () => {
    const handle = await createDatabase({ pglite: await PGlite.create() });
    try {
      const pending = await countPendingMigrations(handle.db, defaultMigrationsFolder());

      expect(pending).toBe(0);
    } finally {
      await handle.close();
    }
  });
});
