import { sql } from "drizzle-orm";
import { check, customType, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import { users } from "./auth";
import { timestamptz } from "./columns";

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => "bytea",
});

export const apiKeyStatuses = ["unverified", "valid", "invalid", "needs_reentry"] as const;
export type ApiKeyStatus = (typeof apiKeyStatuses)[number];

/** Third-party API keys, AES-256-GCM encrypted; the plaintext is never stored. */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: text().notNull(),
    ciphertext: bytea().notNull(),
    keyId: text().notNull(),
    last4: text().notNull(),
    status: text().$type<ApiKeyStatus>().notNull().default("unverified"),
    statusReason: text(),
    verifiedAt: timestamptz(),
    /** When the last check with the provider started; checks of one key are spaced by it. */
    verificationStartedAt: timestamptz(),
    createdAt: timestamptz().notNull().defaultNow(),
    updatedAt: timestamptz().notNull().defaultNow(),
  },
  (table) => [
    unique("api_keys_user_id_provider_key").on(table.userId, table.provider),
    check(
      "api_keys_status_valid",
      sql`${table.status} IN ('unverified', 'valid', 'invalid', 'needs_reentry')`,
    ),
    check("api_keys_last4_length", sql`char_length(${table.last4}) <= 4`),
    check("api_keys_provider_format", sql`${table.provider} ~ '^[a-z0-9_-]{1,32}$'`),
  ],
);
