import { createCaller, createTRPCContext, type Services } from "@onboarding/api";
import { createLogger } from "@onboarding/api/logger";
import { createDatabase, type Database } from "@onboarding/db";
import { generateKeyringEntry, parseKeyring } from "@onboarding/db/vault";
import { SAVE_DRAFT, SAVE_STEP_NUMBER } from "./workload";

/** One SQL statement as Drizzle sent it: text with $n placeholders and its parameters. */
export interface CapturedStatement {
  query: string;
  params: unknown[];
}

export interface StatementCount {
  /** BEGIN, the set_config of role and user id, and COMMIT (or ROLLBACK). */
  setup: number;
  /** Every other statement. */
  work: number;
  /** One short line per statement in the order sent, for the report. */
  sequence: string[];
}

export interface StatementCounts {
  getProgress: StatementCount;
  saveStep: StatementCount;
  /** getProgress of a user whose onboarding has not started yet: it creates the session. */
  firstGetProgress: StatementCount;
  /** The statements of one saveStep and one getProgress, replayed by the SQL baseline. */
  captured: { saveStep: CapturedStatement[]; getProgress: CapturedStatement[] };
}

const SET_CONFIG = /^\s*select set_config\('role'/i;

function describe(query: string): string {
  const oneLine = query.replace(/\s+/g, " ").trim();
  return oneLine.length > 90 ? `${oneLine.slice(0, 87)}...` : oneLine;
}

interface Recorder {
  statements: CapturedStatement[];
  lines: string[];
  setup: number;
  work: number;
}

/**
 * Wraps the database so that each top-level transaction counts its BEGIN and COMMIT (or
 * ROLLBACK). postgres.js sends both as statements of their own from `sql.begin()`, which Drizzle's
 * logger does not see; the SQL baseline's postgres.js debug hook shows them.
 */
function countTransactions(db: Database, recorder: Recorder): Database {
  return new Proxy(db, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (property !== "transaction") {
        return typeof value === "function" ? value.bind(target) : value;
      }
      const transaction: Database["transaction"] = async (work, config) => {
        recorder.setup++;
        recorder.lines.push("BEGIN");
        try {
          const result = await target.transaction(work, config);
          recorder.setup++;
          recorder.lines.push("COMMIT");
          return result;
        } catch (error) {
          recorder.setup++;
          recorder.lines.push("ROLLBACK");
          throw error;
        }
      };
      return transaction;
    },
  });
}

function take(recorder: Recorder): { count: StatementCount; captured: CapturedStatement[] } {
  const count = { setup: recorder.setup, work: recorder.work, sequence: [...recorder.lines] };
  const captured = [...recorder.statements];
  recorder.statements.length = 0;
  recorder.lines.length = 0;
  recorder.setup = 0;
  recorder.work = 0;
  return { count, captured };
}

/**
 * Runs onboarding.getProgress and onboarding.saveStep in this process through createCaller, the
 * same procedures the HTTP route calls, on a database opened by createDatabase with a logger, and
 * counts every statement they send. `userId` must have a started onboarding; `freshUserId` must
 * have none.
 */
export async function countStatements(
  url: string,
  userId: string,
  freshUserId: string,
): Promise<StatementCounts> {
  const recorder: Recorder = { statements: [], lines: [], setup: 0, work: 0 };
  const handle = await createDatabase({
    url,
    maxConnections: 1,
    logger: {
      logQuery(query, params) {
        recorder.statements.push({ query, params });
        recorder.lines.push(describe(query));
        if (SET_CONFIG.test(query)) recorder.setup++;
        else recorder.work++;
      },
    },
  });

  const services: Services = {
    db: countTransactions(handle.db, recorder),
    keyring: parseKeyring(generateKeyringEntry("bench")),
    requiredProviders: [],
    logger: createLogger({ level: "silent" }),
  };
  const callerFor = (id: string) =>
    createCaller(createTRPCContext({ session: { user: { id } }, services }));

  try {
    const caller = callerFor(userId);
    await caller.onboarding.getProgress();
    take(recorder);

    await caller.onboarding.getProgress();
    const getProgress = take(recorder);

    await caller.onboarding.saveStep({ stepNumber: SAVE_STEP_NUMBER, draft: SAVE_DRAFT });
    const saveStep = take(recorder);

    await callerFor(freshUserId).onboarding.getProgress();
    const firstGetProgress = take(recorder);

    return {
      getProgress: getProgress.count,
      saveStep: saveStep.count,
      firstGetProgress: firstGetProgress.count,
      captured: { saveStep: saveStep.captured, getProgress: getProgress.captured },
    };
  } finally {
    await handle.close();
  }
}
