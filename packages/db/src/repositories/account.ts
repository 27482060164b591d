import { asc, eq } from "drizzle-orm";
import type { Executor } from "../client";
import { DomainError, UnknownUserError } from "../errors";
import {
  type ApiKeyStatus,
  accounts,
  apiKeys,
  type EventType,
  legacyImports,
  onboardingEvents,
  onboardingSteps,
  type StepStatus,
  users,
} from "../schema";
import { inTransaction } from "../user-scope";
import { apiKeySummaryColumns } from "../vault/api-keys";
import { eventColumns } from "./events";
import { findProgress, type OnboardingProgress } from "./progress";
import { readTypedStepData, type TypedStepData } from "./step-data";
import { normalizeEmail, removeUser } from "./users";

/** Version of the export's layout, bumped whenever a field is renamed or removed. */
export const EXPORT_FORMAT_VERSION = 1;

/** The steps whose validated data lives in a typed table of its own. */
const TYPED_STEPS = [2, 3, 4, 5] as const;

/** Everything stored about one user. Secrets are left out: no password hash, key or ciphertext. */
export interface UserDataExport {
  formatVersion: number;
  exportedAt: Date;
  account: {
    id: string;
    email: string;
    name: string | null;
    emailVerified: Date | null;
    image: string | null;
    createdAt: Date;
    updatedAt: Date;
    /** Linked sign-in providers, without their tokens. */
    linkedAccounts: { type: string; provider: string; providerAccountId: string }[];
  };
  /** Null when the user never opened the wizard. */
  progress: OnboardingProgress | null;
  steps: {
    stepNumber: number;
    status: StepStatus;
    draft: Record<string, unknown> | null;
    completedAt: Date | null;
    updatedAt: Date;
  }[];
  /** Validated data of steps 2 to 5 from their typed tables; steps without a row are left out. */
  stepData: TypedStepData[];
  /** Masked summaries: provider, last four characters and stored status, never the ciphertext. */
  apiKeys: {
    provider: string;
    last4: string;
    status: ApiKeyStatus;
    statusReason: string | null;
    verifiedAt: Date | null;
    createdAt: Date;
    updatedAt: Date;
  }[];
  /** The audit trail, oldest first. */
  events: {
    id: number;
    type: EventType;
    stepNumber: number | null;
    at: Date;
    detail: Record<string, unknown>;
  }[];
  legacyImports: {
    sourceName: string;
    sourceSha256: string;
    importedAt: Date;
    summary: Record<string, unknown>;
  }[];
}

/**
 * Collects every row stored about the user into one JSON-ready object. The reads share one
 * transaction, but at PostgreSQL's default isolation (read committed) each statement sees its own
 * snapshot, so a wizard change made during the export may show in some parts and not in others.
 */
export async function exportUserData(
  db: Executor,
  params: { userId: string },
): Promise<UserDataExport> {
  return inTransaction(db, async (tx) => {
    const [user] = await tx
      .select({
        id: users.id,
        email: users.email,
        name: users.name,
        emailVerified: users.emailVerified,
        image: users.image,
        createdAt: users.createdAt,
        updatedAt: users.updatedAt,
      })
      .from(users)
      .where(eq(users.id, params.userId));
    if (!user) throw new UnknownUserError();

    const linkedAccounts = await tx
      .select({
        type: accounts.type,
        provider: accounts.provider,
        providerAccountId: accounts.providerAccountId,
      })
      .from(accounts)
      .where(eq(accounts.userId, params.userId))
      .orderBy(asc(accounts.provider));

    const progress = (await findProgress(tx, params)) ?? null;

    const steps = await tx
      .select({
        stepNumber: onboardingSteps.stepNumber,
        status: onboardingSteps.status,
        draft: onboardingSteps.draft,
        completedAt: onboardingSteps.completedAt,
        updatedAt: onboardingSteps.updatedAt,
      })
      .from(onboardingSteps)
      .where(eq(onboardingSteps.userId, params.userId))
      .orderBy(asc(onboardingSteps.stepNumber));

    const stepData: TypedStepData[] = [];
    for (const stepNumber of TYPED_STEPS) {
      const data = await readTypedStepData(tx, params.userId, stepNumber);
      if (data) stepData.push({ stepNumber, data } as TypedStepData);
    }

    const keys = await tx
      .select(apiKeySummaryColumns)
      .from(apiKeys)
      .where(eq(apiKeys.userId, params.userId))
      .orderBy(asc(apiKeys.provider));

    const events = await tx
      .select(eventColumns)
      .from(onboardingEvents)
      .where(eq(onboardingEvents.userId, params.userId))
      .orderBy(asc(onboardingEvents.at), asc(onboardingEvents.id));

    const imports = await tx
      .select({
        sourceName: legacyImports.sourceName,
        sourceSha256: legacyImports.sourceSha256,
        importedAt: legacyImports.importedAt,
        summary: legacyImports.summary,
      })
      .from(legacyImports)
      .where(eq(legacyImports.userId, params.userId))
      .orderBy(asc(legacyImports.importedAt));

    return {
      formatVersion: EXPORT_FORMAT_VERSION,
      exportedAt: new Date(),
      account: { ...user, linkedAccounts },
      progress,
      steps,
      stepData,
      apiKeys: keys,
      events,
      legacyImports: imports,
    };
  });
}

/** The confirmation typed before deleting an account does not match the account's email. */
export class DeletionNotConfirmedError extends DomainError {
  override name = "DeletionNotConfirmedError";
  constructor() {
    super("confirmEmail: Type the email address of this account exactly to confirm the deletion.");
  }
}

/**
 * Deletes the account once `confirmEmail` matches its email (compared after trimming and
 * lower-casing). Every user-owned row goes with it through ON DELETE CASCADE on users.id.
 * Raises DeletionNotConfirmedError on a mismatch and UnknownUserError when the account is gone.
 */
export async function removeAccount(
  db: Executor,
  params: { userId: string; confirmEmail: string },
): Promise<void> {
  await inTransaction(db, async (tx) => {
    const [user] = await tx
      .select({ email: users.email })
      .from(users)
      .where(eq(users.id, params.userId))
      .for("update");
    if (!user) throw new UnknownUserError();
    if (normalizeEmail(params.confirmEmail) !== user.email) throw new DeletionNotConfirmedError();

    const removed = await removeUser(tx, { userId: params.userId });
    if (!removed) throw new UnknownUserError();
  });
}
