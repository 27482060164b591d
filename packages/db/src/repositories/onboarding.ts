import { and, eq, inArray, sql } from "drizzle-orm";
import type { Executor } from "../client";
import { ConflictError, MissingKeysError, NotFoundError, PreconditionFailedError } from "../errors";
import {
  apiKeys,
  type EventType,
  onboardingEvents,
  onboardingSessions,
  onboardingSteps,
  type SessionStatus,
  type StepStatus,
} from "../schema";
import { queryRows } from "../sql-rows";
import { inTransaction } from "../user-scope";
import { checkDecryptable } from "../vault/cipher";
import type { Keyring } from "../vault/keyring";
import {
  findProgress,
  getOrCreateSession,
  getProgress,
  type OnboardingProgress,
  type ProgressRow,
  toProgress,
} from "./progress";
import {
  readTypedStepData,
  removeTypedStepData,
  type TypedStepData,
  writeTypedStepData,
} from "./step-data";
import {
  blockingStepsBefore,
  FINISH_STEP,
  firstOpenStep,
  isStepDone,
  SKIPPABLE_STEPS,
  type StepState,
} from "./wizard-rules";

interface MutationParams {
  userId: string;
  /** When given, the mutation fails with ConflictError unless the session is at this version. */
  expectedVersion?: number;
}

interface LockedSession {
  id: string;
  version: number;
  status: SessionStatus;
  currentStep: number;
  steps: StepState[];
}

/**
 * Bumps the session's version, which also locks its row until the transaction ends, so mutations
 * of one user run one at a time. A stale `expectedVersion` raises ConflictError.
 */
async function lockSession(tx: Executor, params: MutationParams): Promise<LockedSession> {
  await getOrCreateSession(tx, params);

  const versionMatches =
    params.expectedVersion === undefined
      ? sql`true`
      : eq(onboardingSessions.version, params.expectedVersion);
  const [session] = await tx
    .update(onboardingSessions)
    .set({ version: sql`${onboardingSessions.version} + 1`, updatedAt: sql`now()` })
    .where(and(eq(onboardingSessions.userId, params.userId), versionMatches))
    .returning({
      id: onboardingSessions.id,
      version: onboardingSessions.version,
      status: onboardingSessions.status,
      currentStep: onboardingSessions.currentStep,
    });

  if (!session) {
    const progress = await findProgress(tx, params);
    if (!progress) throw new NotFoundError("Onboarding session not found.");
    throw new ConflictError(progress);
  }

  const steps = await tx
    .select({ stepNumber: onboardingSteps.stepNumber, status: onboardingSteps.status })
    .from(onboardingSteps)
    .where(
      and(eq(onboardingSteps.userId, params.userId), eq(onboardingSteps.sessionId, session.id)),
    );
  return { ...session, steps };
}

function assertNotFinished(session: LockedSession): void {
  if (session.status === "completed") {
    throw new PreconditionFailedError(
      "Onboarding is already finished. Start over from the dashboard to change it.",
    );
  }
}

function assertEarlierStepsDone(session: LockedSession, stepNumber: number): void {
  const blocking = blockingStepsBefore(session.steps, stepNumber);
  if (blocking.length > 0) {
    const list = blocking.join(", ");
    throw new PreconditionFailedError(
      `Complete step${blocking.length > 1 ? "s" : ""} ${list} before step ${stepNumber}.`,
      blocking,
    );
  }
}

async function recordEvent(
  tx: Executor,
  event: {
    userId: string;
    sessionId: string;
    type: EventType;
    stepNumber?: number;
    detail?: Record<string, unknown>;
  },
): Promise<void> {
  await tx.insert(onboardingEvents).values({
    userId: event.userId,
    sessionId: event.sessionId,
    type: event.type,
    stepNumber: event.stepNumber ?? null,
    detail: event.detail ?? {},
  });
}

async function setStepStatus(
  tx: Executor,
  session: LockedSession,
  userId: string,
  stepNumber: number,
  status: StepStatus,
): Promise<void> {
  await tx
    .update(onboardingSteps)
    .set({
      status,
      draft: null,
      completedAt: status === "completed" ? sql`now()` : null,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        eq(onboardingSteps.userId, userId),
        eq(onboardingSteps.sessionId, session.id),
        eq(onboardingSteps.stepNumber, stepNumber),
      ),
    );
  session.steps = session.steps.map((step) =>
    step.stepNumber === stepNumber ? { ...step, status } : step,
  );
}

async function moveToStep(
  tx: Executor,
  session: LockedSession,
  userId: string,
  stepNumber: number,
): Promise<void> {
  await tx
    .update(onboardingSessions)
    .set({ currentStep: stepNumber })
    .where(and(eq(onboardingSessions.userId, userId), eq(onboardingSessions.id, session.id)));
  await tx
    .update(onboardingSteps)
    .set({ status: "in_progress", updatedAt: sql`now()` })
    .where(
      and(
        eq(onboardingSteps.userId, userId),
        eq(onboardingSteps.sessionId, session.id),
        eq(onboardingSteps.stepNumber, stepNumber),
        eq(onboardingSteps.status, "pending"),
      ),
    );
}

async function progressAfter(tx: Executor, userId: string): Promise<OnboardingProgress> {
  return getProgress(tx, { userId });
}

type SaveDraftParams = MutationParams & { stepNumber: number; draft: Record<string, unknown> };

/**
 * The common case of a draft save as one statement: bumps the version of an unfinished session
 * (at the expected version, if given), stores the draft, records the event and returns the new
 * progress. Returns undefined when no session matched, so the caller can find out why.
 */
async function saveDraftInOneStatement(
  executor: Executor,
  params: SaveDraftParams,
): Promise<OnboardingProgress | undefined> {
  const draftJson = JSON.stringify(params.draft);
  const detail = JSON.stringify({ bytes: draftJson.length });
  const expectedVersion = params.expectedVersion ?? null;

  const [row] = await queryRows<{ progress: ProgressRow | string }>(
    executor,
    sql`
      WITH bumped AS (
        UPDATE onboarding_sessions
        SET version = version + 1, updated_at = now()
        WHERE user_id = ${params.userId} AND status = 'in_progress'
          AND (${expectedVersion}::int IS NULL OR version = ${expectedVersion}::int)
        RETURNING id, user_id, current_step, status, version, started_at, updated_at, completed_at
      ), saved AS (
        UPDATE onboarding_steps AS st
        SET draft = ${draftJson}::jsonb,
            status = CASE WHEN st.status = 'pending' THEN 'in_progress' ELSE st.status END,
            updated_at = now()
        FROM bumped
        WHERE st.session_id = bumped.id AND st.user_id = bumped.user_id
          AND st.step_number = ${params.stepNumber}
        RETURNING st.step_number, st.status, st.updated_at
      ), recorded AS (
        INSERT INTO onboarding_events (user_id, session_id, type, step_number, detail)
        SELECT user_id, id, 'draft_saved', ${params.stepNumber}, ${detail}::jsonb FROM bumped
      )
      -- The steps subquery sees the rows as they were before this statement, so the saved
      -- step's new status and time come from the saved CTE.
      SELECT json_build_object(
        'sessionId', bumped.id,
        'currentStep', bumped.current_step,
        'status', bumped.status,
        'version', bumped.version,
        'startedAt', bumped.started_at,
        'updatedAt', bumped.updated_at,
        'completedAt', bumped.completed_at,
        'steps', (
          SELECT json_agg(json_build_object(
            'stepNumber', st.step_number,
            'status', coalesce(saved.status, st.status),
            'hasDraft', saved.step_number IS NOT NULL OR st.draft IS NOT NULL,
            'completedAt', st.completed_at,
            'updatedAt', coalesce(saved.updated_at, st.updated_at)
          ) ORDER BY st.step_number)
          FROM onboarding_steps AS st
          LEFT JOIN saved ON saved.step_number = st.step_number
          WHERE st.session_id = bumped.id AND st.user_id = bumped.user_id
        )
      ) AS progress
      FROM bumped`,
  );
  if (!row) return undefined;

  const progress =
    typeof row.progress === "string" ? (JSON.parse(row.progress) as ProgressRow) : row.progress;
  return toProgress(progress);
}

/**
 * Stores an unvalidated draft for a step. Never advances the wizard. An existing, unfinished
 * session at the expected version costs one statement; anything else takes the general path,
 * which creates the session or raises the conflict or precondition error.
 */
export async function saveStepData(
  db: Executor,
  params: SaveDraftParams,
): Promise<OnboardingProgress> {
  return inTransaction(db, async (tx) => {
    const saved = await saveDraftInOneStatement(tx, params);
    if (saved) return saved;

    const session = await lockSession(tx, params);
    assertNotFinished(session);

    await tx
      .update(onboardingSteps)
      .set({
        draft: params.draft,
        status: sql`CASE WHEN ${onboardingSteps.status} = 'pending' THEN 'in_progress' ELSE ${onboardingSteps.status} END`,
        updatedAt: sql`now()`,
      })
      .where(
        and(
          eq(onboardingSteps.userId, params.userId),
          eq(onboardingSteps.sessionId, session.id),
          eq(onboardingSteps.stepNumber, params.stepNumber),
        ),
      );
    await recordEvent(tx, {
      userId: params.userId,
      sessionId: session.id,
      type: "draft_saved",
      stepNumber: params.stepNumber,
      detail: { bytes: JSON.stringify(params.draft).length },
    });
    return progressAfter(tx, params.userId);
  });
}

export type CompleteStepParams = MutationParams &
  (
    | { stepNumber: 1; requiredProviders: readonly string[]; keyring?: Keyring }
    | (TypedStepData & { requiredProviders?: never })
  );

/**
 * Completes a step with its validated data: writes the typed table, marks the step completed and
 * moves the wizard to the first open step. Earlier required steps must be completed first.
 */
export async function markStepCompleted(
  db: Executor,
  params: CompleteStepParams,
): Promise<OnboardingProgress> {
  return inTransaction(db, async (tx) => {
    const session = await lockSession(tx, params);
    assertNotFinished(session);
    assertEarlierStepsDone(session, params.stepNumber);

    if (params.stepNumber === 1) {
      await assertRequiredKeysStored(tx, params.userId, params.requiredProviders, params.keyring);
    } else {
      await writeTypedStepData(tx, params.userId, params);
    }

    await setStepStatus(tx, session, params.userId, params.stepNumber, "completed");
    await moveToStep(tx, session, params.userId, firstOpenStep(session.steps));
    await recordEvent(tx, {
      userId: params.userId,
      sessionId: session.id,
      type: "step_completed",
      stepNumber: params.stepNumber,
    });
    return progressAfter(tx, params.userId);
  });
}

/**
 * Raises PreconditionFailedError unless each required provider has a key that is not known to be
 * invalid. With a keyring, each key must also still decrypt, so a tampered or orphaned key cannot
 * complete the step before a key list has marked it.
 */
async function assertRequiredKeysStored(
  tx: Executor,
  userId: string,
  requiredProviders: readonly string[],
  keyring: Keyring | undefined,
): Promise<void> {
  if (requiredProviders.length === 0) return;

  const stored = await tx
    .select({ provider: apiKeys.provider, status: apiKeys.status, ciphertext: apiKeys.ciphertext })
    .from(apiKeys)
    .where(and(eq(apiKeys.userId, userId), inArray(apiKeys.provider, [...requiredProviders])));
  const usable = new Set(
    stored
      .filter((row) => row.status !== "invalid" && row.status !== "needs_reentry")
      .filter(
        (row) =>
          keyring === undefined ||
          checkDecryptable(keyring, { userId, provider: row.provider }, row.ciphertext) ===
            undefined,
      )
      .map((row) => row.provider),
  );
  const missing = requiredProviders.filter((provider) => !usable.has(provider));
  if (missing.length > 0) throw new MissingKeysError(missing);
}

/** Skips a skippable step (only step 5) and moves the wizard to the first open step. */
export async function skipStep(
  db: Executor,
  params: MutationParams & { stepNumber: number },
): Promise<OnboardingProgress> {
  return inTransaction(db, async (tx) => {
    const session = await lockSession(tx, params);
    assertNotFinished(session);
    if (!SKIPPABLE_STEPS.includes(params.stepNumber)) {
      throw new PreconditionFailedError(
        `Step ${params.stepNumber} cannot be skipped; only step ${SKIPPABLE_STEPS.join(", ")} can.`,
      );
    }
    assertEarlierStepsDone(session, params.stepNumber);

    await setStepStatus(tx, session, params.userId, params.stepNumber, "skipped");
    await moveToStep(tx, session, params.userId, firstOpenStep(session.steps));
    await recordEvent(tx, {
      userId: params.userId,
      sessionId: session.id,
      type: "step_skipped",
      stepNumber: params.stepNumber,
    });
    return progressAfter(tx, params.userId);
  });
}

/** Moves the wizard back to any reached step; never past the first open one. */
export async function goToStep(
  db: Executor,
  params: MutationParams & { stepNumber: number },
): Promise<OnboardingProgress> {
  return inTransaction(db, async (tx) => {
    const session = await lockSession(tx, params);
    assertNotFinished(session);
    const furthest = firstOpenStep(session.steps);
    if (params.stepNumber > furthest) {
      throw new PreconditionFailedError(
        `Step ${params.stepNumber} is not reached yet; the first open step is ${furthest}.`,
        blockingStepsBefore(session.steps, params.stepNumber),
      );
    }

    await moveToStep(tx, session, params.userId, params.stepNumber);
    await recordEvent(tx, {
      userId: params.userId,
      sessionId: session.id,
      type: "navigated",
      stepNumber: params.stepNumber,
      detail: { from: session.currentStep },
    });
    return progressAfter(tx, params.userId);
  });
}

/**
 * Finishes the onboarding once steps 1 to 4 are completed and 5 is completed or skipped.
 * Finishing again returns the finished progress unchanged.
 */
export async function finishOnboarding(
  db: Executor,
  params: MutationParams & { requiredProviders?: readonly string[]; keyring?: Keyring },
): Promise<OnboardingProgress> {
  const existing = await findProgress(db, params);
  if (existing?.status === "completed") return existing;

  return inTransaction(db, async (tx) => {
    const session = await lockSession(tx, params);
    if (session.status === "completed") return progressAfter(tx, params.userId);
    assertEarlierStepsDone(session, FINISH_STEP);
    // Keys can be removed after step 1 was completed, so finishing checks them again.
    if (params.requiredProviders) {
      await assertRequiredKeysStored(tx, params.userId, params.requiredProviders, params.keyring);
    }

    await setStepStatus(tx, session, params.userId, FINISH_STEP, "completed");
    await tx
      .update(onboardingSessions)
      .set({ status: "completed", completedAt: sql`now()`, currentStep: FINISH_STEP })
      .where(
        and(eq(onboardingSessions.userId, params.userId), eq(onboardingSessions.id, session.id)),
      );
    await recordEvent(tx, { userId: params.userId, sessionId: session.id, type: "finished" });
    return progressAfter(tx, params.userId);
  });
}

/** Starts the onboarding over. Stored API keys are kept unless `forgetKeys` is set. */
export async function resetOnboarding(
  db: Executor,
  params: MutationParams & { forgetKeys?: boolean },
): Promise<OnboardingProgress> {
  return inTransaction(db, async (tx) => {
    const session = await lockSession(tx, params);

    await removeTypedStepData(tx, params.userId);
    if (params.forgetKeys) await tx.delete(apiKeys).where(eq(apiKeys.userId, params.userId));
    await tx
      .update(onboardingSteps)
      .set({
        status: sql`CASE WHEN ${onboardingSteps.stepNumber} = 1 THEN 'in_progress' ELSE 'pending' END`,
        draft: null,
        completedAt: null,
        updatedAt: sql`now()`,
      })
      .where(
        and(eq(onboardingSteps.userId, params.userId), eq(onboardingSteps.sessionId, session.id)),
      );
    await tx
      .update(onboardingSessions)
      .set({ status: "in_progress", completedAt: null, currentStep: 1, startedAt: sql`now()` })
      .where(
        and(eq(onboardingSessions.userId, params.userId), eq(onboardingSessions.id, session.id)),
      );
    await recordEvent(tx, {
      userId: params.userId,
      sessionId: session.id,
      type: "reset",
      detail: { forgetKeys: params.forgetKeys === true },
    });
    return progressAfter(tx, params.userId);
  });
}

export interface StepView {
  stepNumber: number;
  status: StepStatus;
  /** The unvalidated autosave, or null once the step is completed. */
  draft: Record<string, unknown> | null;
  /** The validated data from the step's typed table, or null before completion. */
  data: TypedStepData["data"] | null;
  completedAt: Date | null;
  updatedAt: Date;
}

/** Returns one step of the user's wizard: its status, draft and validated data. */
export async function getStepData(
  db: Executor,
  params: { userId: string; stepNumber: number },
): Promise<StepView> {
  const { sessionId } = await getOrCreateSession(db, params);
  const [step] = await db
    .select({
      stepNumber: onboardingSteps.stepNumber,
      status: onboardingSteps.status,
      draft: onboardingSteps.draft,
      completedAt: onboardingSteps.completedAt,
      updatedAt: onboardingSteps.updatedAt,
    })
    .from(onboardingSteps)
    .where(
      and(
        eq(onboardingSteps.userId, params.userId),
        eq(onboardingSteps.sessionId, sessionId),
        eq(onboardingSteps.stepNumber, params.stepNumber),
      ),
    );
  if (!step) throw new NotFoundError(`Step ${params.stepNumber} not found.`);

  const data = isStepDone(step.status)
    ? await readTypedStepData(db, params.userId, params.stepNumber)
    : null;
  return { ...step, data };
}
