import { index, jsonb, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import { users } from "./auth";
import { timestamptz } from "./columns";

/** One row per imported legacy progress file, so a second import of the same bytes is a no-op. */
export const legacyImports = pgTable(
  "legacy_imports",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    sourceSha256: text().notNull(),
    sourceName: text().notNull(),
    importedAt: timestamptz().notNull().defaultNow(),
    summary: jsonb().$type<Record<string, unknown>>().notNull().default({}),
  },
  (table) => [
    unique("legacy_imports_user_id_source_sha256_key").on(table.userId, table.sourceSha256),
    index("legacy_imports_user_id_idx").on(table.userId),
  ],
);
