import { sql } from "drizzle-orm";
import type { Executor } from "../client";
import { sqlStateOf, UnknownUserError } from "../errors";
import { onboardingSessions, type SessionStatus, type StepStatus } from "../schema";
import { queryRows } from "../sql-rows";
import { STEP_COUNT } from "./wizard-rules";

export interface StepProgress {
  stepNumber: number;
  status: StepStatus;
  hasDraft: boolean;
  completedAt: Date | null;
  updatedAt: Date;
}

export interface OnboardingProgress {
  sessionId: string;
  currentStep: number;
  status: SessionStatus;
  version: number;
  startedAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
  steps: StepProgress[];
  /** Share of the six steps that are completed or skipped, 0 to 100. */
  percentComplete: number;
}

const FOREIGN_KEY_VIOLATION = "23503";

export interface StepJson {
  stepNumber: number;
  status: StepStatus;
  hasDraft: boolean;
  completedAt: string | null;
  updatedAt: string;
}

/**
 * Creates the user's onboarding session with its six step rows and a `started` event, unless one
 * exists. One statement, so any number of concurrent first calls create exactly one session.
 */
export async function getOrCreateSession(
  executor: Executor,
  params: { userId: string },
): Promise<{ sessionId: string; created: boolean }> {
  const inserted = await queryRows<{ id: string }>(
    executor,
    sql`
      WITH new_session AS (
        INSERT INTO onboarding_sessions (user_id) VALUES (${params.userId})
        ON CONFLICT (user_id) DO NOTHING
        RETURNING id, user_id
      ), new_steps AS (
        INSERT INTO onboarding_steps (session_id, user_id, step_number, status)
        SELECT new_session.id, new_session.user_id, n,
               CASE WHEN n = 1 THEN 'in_progress' ELSE 'pending' END
        FROM new_session, generate_series(1, ${STEP_COUNT}) AS n
      ), started AS (
        INSERT INTO onboarding_events (user_id, session_id, type)
        SELECT user_id, id, 'started' FROM new_session
      )
      SELECT id FROM new_session`,
  ).catch((error: unknown) => {
    if (sqlStateOf(error) === FOREIGN_KEY_VIOLATION) throw new UnknownUserError();
    throw error;
  });
  const created = inserted[0];
  if (created) return { sessionId: created.id, created: true };

  const existing = await executor
    .select({ id: onboardingSessions.id })
    .from(onboardingSessions)
    .where(sql`${onboardingSessions.userId} = ${params.userId}`);
  const session = existing[0];
  if (!session) throw new Error("Onboarding session vanished while it was being created.");
  return { sessionId: session.id, created: false };
}

function parseJson<T>(value: T | string): T {
  return typeof value === "string" ? (JSON.parse(value) as T) : value;
}

const toDate = (value: Date | string) => (value instanceof Date ? value : new Date(value));

/** The progress row as SQL returns it, with timestamps as Date objects or ISO strings. */
export interface ProgressRow {
  sessionId: string;
  currentStep: number;
  status: SessionStatus;
  version: number;
  startedAt: Date | string;
  updatedAt: Date | string;
  completedAt: Date | string | null;
  steps: StepJson[];
}

/** Builds OnboardingProgress from a progress row, computing the share of steps done. */
export function toProgress(row: ProgressRow): OnboardingProgress {
  const steps = row.steps.map((step) => ({
    stepNumber: step.stepNumber,
    status: step.status,
    hasDraft: step.hasDraft,
    completedAt: step.completedAt ? new Date(step.completedAt) : null,
    updatedAt: new Date(step.updatedAt),
  }));
  const done = steps.filter((step) => step.status === "completed" || step.status === "skipped");

  return {
    sessionId: row.sessionId,
    currentStep: row.currentStep,
    status: row.status,
    version: row.version,
    startedAt: toDate(row.startedAt),
    updatedAt: toDate(row.updatedAt),
    completedAt: row.completedAt === null ? null : toDate(row.completedAt),
    steps,
    percentComplete: Math.round((done.length / STEP_COUNT) * 100),
  };
}

/** Reads the session and all its steps in one query; undefined when the user has no session. */
export async function findProgress(
  executor: Executor,
  params: { userId: string },
): Promise<OnboardingProgress | undefined> {
  const rows = await executor
    .select({
      sessionId: onboardingSessions.id,
      currentStep: onboardingSessions.currentStep,
      status: onboardingSessions.status,
      version: onboardingSessions.version,
      startedAt: onboardingSessions.startedAt,
      updatedAt: onboardingSessions.updatedAt,
      completedAt: onboardingSessions.completedAt,
      steps: sql<StepJson[]>`(
        SELECT coalesce(json_agg(json_build_object(
          'stepNumber', st.step_number,
          'status', st.status,
          'hasDraft', st.draft IS NOT NULL,
          'completedAt', st.completed_at,
          'updatedAt', st.updated_at
        ) ORDER BY st.step_number), '[]'::json)
        FROM onboarding_steps st
        WHERE st.session_id = ${onboardingSessions.id} AND st.user_id = ${params.userId}
      )`,
    })
    .from(onboardingSessions)
    .where(sql`${onboardingSessions.userId} = ${params.userId}`);

  const row = rows[0];
  if (!row) return undefined;

  return toProgress({ ...row, steps: parseJson<StepJson[]>(row.steps) });
}

/** Returns the user's progress, creating the session on the first call. */
export async function getProgress(
  executor: Executor,
  params: { userId: string },
): Promise<OnboardingProgress> {
  const existing = await findProgress(executor, params);
  if (existing) return existing;

  await getOrCreateSession(executor, params);
  const created = await findProgress(executor, params);
  if (!created) throw new Error("Onboarding session was not found right after it was created.");
  return created;
}
