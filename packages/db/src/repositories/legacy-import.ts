import { and, eq, sql } from "drizzle-orm";
import type { Executor } from "../client";
import { DomainError, UnknownUserError } from "../errors";
import {
  apiKeys,
  legacyImports,
  onboardingEvents,
  onboardingSessions,
  onboardingSteps,
  personaData,
  platformIntegrations,
  researchPreferences,
  type SessionStatus,
  type StepStatus,
  users,
  websiteAnalyses,
} from "../schema";
import { inTransaction } from "../user-scope";
import { saveApiKey } from "../vault/api-keys";
import type { Keyring } from "../vault/keyring";
import { getOrCreateSession, getProgress, type OnboardingProgress } from "./progress";
import { removeTypedStepData, type TypedStepData, writeTypedStepData } from "./step-data";
import { STEP_COUNT } from "./wizard-rules";

/** One step as the import leaves it. */
export interface LegacyImportStep {
  stepNumber: number;
  status: StepStatus;
  /** Form state for the step's autosave, or null. Never contains an API key. */
  draft: Record<string, unknown> | null;
  /** Set exactly when `status` is completed. */
  completedAt: Date | null;
}

/** Everything one legacy progress file becomes, already validated and mapped. */
export interface LegacyImportPlan {
  session: {
    status: SessionStatus;
    currentStep: number;
    startedAt: Date;
    /** Set exactly when `status` is completed. */
    completedAt: Date | null;
  };
  /** All six steps, one entry each. */
  steps: LegacyImportStep[];
  /** Rows for the typed step tables, only for completed steps. */
  stepData: TypedStepData[];
  /** Plaintext keys to encrypt through the vault; they are stored nowhere else. */
  apiKeys: { provider: string; key: string }[];
  /** Summary of the import's decisions and reasons for legacy_imports.summary; no secret in it. */
  summary: Record<string, unknown>;
}

export interface ImportLegacyProgressParams {
  userId: string;
  /** SHA-256 of the file's bytes, lower-case hex. */
  sourceSha256: string;
  /** The file's name, without secrets in it. */
  sourceName: string;
  plan: LegacyImportPlan;
  /** Replace progress the user already has; without it such progress raises ExistingProgressError. */
  overwrite?: boolean;
}

/** A previous import of the same file for the same user. */
export interface LegacyImportRecord {
  id: string;
  sourceName: string;
  importedAt: Date;
}

export type LegacyImportResult =
  | {
      status: "imported";
      importId: string;
      importedAt: Date;
      /** Findings about the replaced progress; empty unless `overwrite` met existing progress. */
      replaced: string[];
      progress: OnboardingProgress;
    }
  | { status: "already_imported"; previous: LegacyImportRecord };

/** The user already has onboarding progress, and the caller did not ask to overwrite it. */
export class ExistingProgressError extends DomainError {
  override name = "ExistingProgressError";
  constructor(readonly findings: string[]) {
    super(`The user already has onboarding progress: ${findings.join("; ")}.`);
  }
}

/** Returns the import of this exact file for the user, or undefined when there is none. */
export async function findLegacyImport(
  executor: Executor,
  params: { userId: string; sourceSha256: string },
): Promise<LegacyImportRecord | undefined> {
  const [row] = await executor
    .select({
      id: legacyImports.id,
      sourceName: legacyImports.sourceName,
      importedAt: legacyImports.importedAt,
    })
    .from(legacyImports)
    .where(
      and(
        eq(legacyImports.userId, params.userId),
        eq(legacyImports.sourceSha256, params.sourceSha256),
      ),
    );
  return row;
}

/**
 * Describes the progress the user already has, one phrase per finding; empty when there is none.
 * A session that was only opened (step 1 in progress without a draft, every other step pending)
 * counts as no progress, because every visit to the wizard creates one.
 */
export async function findExistingProgress(
  executor: Executor,
  params: { userId: string },
): Promise<string[]> {
  const findings: string[] = [];

  const [session] = await executor
    .select({ status: onboardingSessions.status })
    .from(onboardingSessions)
    .where(eq(onboardingSessions.userId, params.userId));
  if (session?.status === "completed") findings.push("the onboarding is finished");

  const steps = await executor
    .select({
      stepNumber: onboardingSteps.stepNumber,
      status: onboardingSteps.status,
      hasDraft: sql<boolean>`${onboardingSteps.draft} IS NOT NULL`,
    })
    .from(onboardingSteps)
    .where(eq(onboardingSteps.userId, params.userId))
    .orderBy(onboardingSteps.stepNumber);
  for (const step of steps) {
    const untouched =
      step.status === "pending" || (step.stepNumber === 1 && step.status === "in_progress");
    if (!untouched) findings.push(`step ${step.stepNumber} is ${step.status.replace("_", " ")}`);
    if (step.hasDraft) findings.push(`step ${step.stepNumber} has a draft`);
  }

  const typedTables = [
    { stepNumber: 2, table: websiteAnalyses, name: "website_analyses" },
    { stepNumber: 3, table: researchPreferences, name: "research_preferences" },
    { stepNumber: 4, table: personaData, name: "persona_data" },
    { stepNumber: 5, table: platformIntegrations, name: "platform_integrations" },
  ] as const;
  for (const { stepNumber, table, name } of typedTables) {
    const [row] = await executor
      .select({ id: table.id })
      .from(table)
      .where(eq(table.userId, params.userId));
    if (row) findings.push(`step ${stepNumber} data is stored in ${name}`);
  }

  const keys = await executor
    .select({ provider: apiKeys.provider })
    .from(apiKeys)
    .where(eq(apiKeys.userId, params.userId))
    .orderBy(apiKeys.provider);
  if (keys.length > 0) {
    findings.push(`API keys are stored for ${keys.map((key) => key.provider).join(", ")}`);
  }
  return findings;
}

function assertPlanShape(plan: LegacyImportPlan): void {
  const numbers = plan.steps.map((step) => step.stepNumber).sort((a, b) => a - b);
  const expected = Array.from({ length: STEP_COUNT }, (_, index) => index + 1);
  if (numbers.join(",") !== expected.join(",")) {
    throw new RangeError(`A legacy import plan needs steps 1 to ${STEP_COUNT} exactly once each.`);
  }
  for (const step of plan.steps) {
    if ((step.status === "completed") !== (step.completedAt !== null)) {
      throw new RangeError(`Step ${step.stepNumber} needs completedAt exactly when completed.`);
    }
  }
}

/**
 * Writes one legacy progress file's plan for the user in one transaction: step statuses and
 * drafts, the session (version bumped), typed step rows, encrypted API keys, a legacy_imports row
 * and a `legacy_imported` event. The user's row stays locked until the transaction ends, so two
 * imports for one user run one after the other.
 *
 * Returns `already_imported` and changes nothing when the same file (same SHA-256) was imported
 * for the user before. Raises ExistingProgressError when the user has progress (see
 * findExistingProgress) and `overwrite` is not set, and UnknownUserError when the user is gone.
 * With `overwrite`, typed step rows and drafts are replaced; stored keys of providers the plan
 * does not contain are kept.
 */
export async function importLegacyProgress(
  db: Executor,
  keyring: Keyring | undefined,
  params: ImportLegacyProgressParams,
): Promise<LegacyImportResult> {
  const { userId, plan } = params;
  assertPlanShape(plan);
  if (plan.apiKeys.length > 0 && !keyring) {
    throw new Error("The plan contains API keys, but no keyring was given to encrypt them.");
  }

  return inTransaction(db, async (tx) => {
    const [user] = await tx
      .select({ id: users.id })
      .from(users)
      .where(eq(users.id, userId))
      .for("update");
    if (!user) throw new UnknownUserError();

    const previous = await findLegacyImport(tx, params);
    if (previous) return { status: "already_imported", previous };

    const replaced = await findExistingProgress(tx, { userId });
    if (replaced.length > 0 && !params.overwrite) throw new ExistingProgressError(replaced);

    const { sessionId } = await getOrCreateSession(tx, { userId });
    if (params.overwrite) await removeTypedStepData(tx, userId);

    for (const step of plan.steps) {
      await tx
        .update(onboardingSteps)
        .set({
          status: step.status,
          draft: step.draft,
          completedAt: step.completedAt,
          updatedAt: sql`now()`,
        })
        .where(
          and(
            eq(onboardingSteps.userId, userId),
            eq(onboardingSteps.sessionId, sessionId),
            eq(onboardingSteps.stepNumber, step.stepNumber),
          ),
        );
    }
    await tx
      .update(onboardingSessions)
      .set({
        status: plan.session.status,
        currentStep: plan.session.currentStep,
        startedAt: plan.session.startedAt,
        completedAt: plan.session.completedAt,
        version: sql`${onboardingSessions.version} + 1`,
        updatedAt: sql`now()`,
      })
      .where(and(eq(onboardingSessions.userId, userId), eq(onboardingSessions.id, sessionId)));

    for (const payload of plan.stepData) await writeTypedStepData(tx, userId, payload);
    for (const { provider, key } of plan.apiKeys) {
      // Checked above: a plan with keys always comes with a keyring.
      await saveApiKey(tx, keyring as Keyring, { userId, provider, key });
    }

    const [recorded] = await tx
      .insert(legacyImports)
      .values({
        userId,
        sourceSha256: params.sourceSha256,
        sourceName: params.sourceName,
        summary: plan.summary,
      })
      .returning({ id: legacyImports.id, importedAt: legacyImports.importedAt });
    if (!recorded) throw new Error("Recording the legacy import returned no row.");

    await tx.insert(onboardingEvents).values({
      userId,
      sessionId,
      type: "legacy_imported",
      detail: {
        legacyImportId: recorded.id,
        sourceName: params.sourceName,
        sourceSha256: params.sourceSha256,
        apiKeys: plan.apiKeys.map((entry) => entry.provider),
        typedSteps: plan.stepData.map((payload) => payload.stepNumber),
        draftSteps: plan.steps.filter((step) => step.draft).map((step) => step.stepNumber),
        overwritten: replaced.length > 0,
      },
    });

    return {
      status: "imported",
      importId: recorded.id,
      importedAt: recorded.importedAt,
      replaced,
      progress: await getProgress(tx, { userId }),
    };
  });
}
