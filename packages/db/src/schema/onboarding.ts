import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import { users } from "./auth";
import { timestamptz } from "./columns";

export const sessionStatuses = ["in_progress", "completed"] as const;
export type SessionStatus = (typeof sessionStatuses)[number];

export const stepStatuses = ["pending", "in_progress", "completed", "skipped"] as const;
export type StepStatus = (typeof stepStatuses)[number];

export const eventTypes = [
  "started",
  "draft_saved",
  "step_completed",
  "step_skipped",
  "navigated",
  "finished",
  "reset",
  "key_saved",
  "key_removed",
  "key_verified",
  "key_used",
  "legacy_imported",
] as const;
export type EventType = (typeof eventTypes)[number];

const inList = (values: readonly string[]) =>
  sql.raw(values.map((value) => `'${value}'`).join(", "));

/** One wizard run per user; `version` is bumped by every change so stale writers can be detected. */
export const onboardingSessions = pgTable(
  "onboarding_sessions",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    currentStep: smallint().notNull().default(1),
    status: text().$type<SessionStatus>().notNull().default("in_progress"),
    version: integer().notNull().default(1),
    flowVersion: smallint().notNull().default(1),
    startedAt: timestamptz().notNull().defaultNow(),
    updatedAt: timestamptz().notNull().defaultNow(),
    completedAt: timestamptz(),
  },
  (table) => [
    unique("onboarding_sessions_user_id_key").on(table.userId),
    unique("onboarding_sessions_id_user_id_key").on(table.id, table.userId),
    check("onboarding_sessions_current_step_range", sql`${table.currentStep} BETWEEN 1 AND 6`),
    check("onboarding_sessions_status_valid", sql`${table.status} IN (${inList(sessionStatuses)})`),
    check(
      "onboarding_sessions_completed_at_matches_status",
      sql`(${table.status} = 'completed') = (${table.completedAt} IS NOT NULL)`,
    ),
    check("onboarding_sessions_version_positive", sql`${table.version} > 0`),
  ],
);

/** Status and unvalidated draft of one step; validated data lives in the step's own table. */
export const onboardingSteps = pgTable(
  "onboarding_steps",
  {
    sessionId: uuid().notNull(),
    userId: text().notNull(),
    stepNumber: smallint().notNull(),
    status: text().$type<StepStatus>().notNull().default("pending"),
    draft: jsonb().$type<Record<string, unknown>>(),
    completedAt: timestamptz(),
    updatedAt: timestamptz().notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ name: "onboarding_steps_pkey", columns: [table.sessionId, table.stepNumber] }),
    foreignKey({
      name: "onboarding_steps_session_fkey",
      columns: [table.sessionId, table.userId],
      foreignColumns: [onboardingSessions.id, onboardingSessions.userId],
    }).onDelete("cascade"),
    index("onboarding_steps_user_id_idx").on(table.userId),
    check("onboarding_steps_step_number_range", sql`${table.stepNumber} BETWEEN 1 AND 6`),
    check("onboarding_steps_status_valid", sql`${table.status} IN (${inList(stepStatuses)})`),
    check(
      "onboarding_steps_completed_at_matches_status",
      sql`(${table.status} = 'completed') = (${table.completedAt} IS NOT NULL)`,
    ),
  ],
);

/** Append-only audit trail. `detail` never contains a secret. */
export const onboardingEvents = pgTable(
  "onboarding_events",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    userId: text()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    sessionId: uuid().references(() => onboardingSessions.id, { onDelete: "set null" }),
    type: text().$type<EventType>().notNull(),
    stepNumber: smallint(),
    at: timestamptz().notNull().defaultNow(),
    detail: jsonb().$type<Record<string, unknown>>().notNull().default({}),
  },
  (table) => [
    index("onboarding_events_user_id_at_idx").on(table.userId, table.at),
    check("onboarding_events_type_valid", sql`${table.type} IN (${inList(eventTypes)})`),
    check(
      "onboarding_events_step_number_range",
      sql`${table.stepNumber} IS NULL OR ${table.stepNumber} BETWEEN 1 AND 6`,
    ),
  ],
);
