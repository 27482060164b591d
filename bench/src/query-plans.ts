import type postgres from "postgres";
import type { CapturedStatement } from "./statements";

export interface PlanTiming {
  procedure: "saveStep" | "getProgress";
  storedUsers: number;
  /** Median of PostgreSQL's own execution time over the repetitions, in milliseconds. */
  executionMs: number;
  /** Median planning time, in milliseconds. */
  planningMs: number;
  /** Scan nodes of the plan, such as "Index Scan on onboarding_sessions_user_id_key". */
  scans: string[];
  repetitions: number;
}

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Relation Name"?: string;
  "CTE Name"?: string;
  Plans?: PlanNode[];
}

interface ExplainOutput {
  Plan: PlanNode;
  "Planning Time": number;
  "Execution Time": number;
}

function scansOf(node: PlanNode, into: string[]): string[] {
  if (node["Node Type"].includes("Scan")) {
    const target = node["Index Name"] ?? node["Relation Name"] ?? node["CTE Name"] ?? "?";
    into.push(`${node["Node Type"]} on ${target}`);
  }
  for (const child of node.Plans ?? []) scansOf(child, into);
  return into;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/**
 * Runs the procedure's work statement under EXPLAIN ANALYZE as the request role with the
 * request's settings, in a transaction that is rolled back, so a write changes nothing. The
 * timings are PostgreSQL's own, free of the HTTP server and the load generator.
 */
export async function explainWork(
  owner: postgres.Sql,
  procedure: PlanTiming["procedure"],
  statements: CapturedStatement[],
  capturedUserId: string,
  userId: string,
  storedUsers: number,
  repetitions = 15,
): Promise<PlanTiming> {
  const [setup, work] = statements;
  if (!setup || !work || statements.length !== 2) {
    throw new Error(
      `Expected set_config and one statement for ${procedure}, got ${statements.length}.`,
    );
  }
  const paramsOf = (statement: CapturedStatement) =>
    statement.params.map((param) => (param === capturedUserId ? userId : param)) as never[];

  const outputs: ExplainOutput[] = [];
  for (let index = 0; index < repetitions; index++) {
    await owner
      .begin(async (tx) => {
        await tx.unsafe(setup.query, paramsOf(setup));
        const rows = await tx.unsafe(
          `EXPLAIN (ANALYZE, FORMAT JSON) ${work.query}`,
          paramsOf(work),
        );
        const plan = (rows[0] as { "QUERY PLAN": ExplainOutput[] } | undefined)?.[
          "QUERY PLAN"
        ]?.[0];
        if (plan) outputs.push(plan);
        throw new RollBack();
      })
      .catch((error: unknown) => {
        if (!(error instanceof RollBack)) throw error;
      });
  }

  const first = outputs[0];
  return {
    procedure,
    storedUsers,
    executionMs: median(outputs.map((output) => output["Execution Time"])),
    planningMs: median(outputs.map((output) => output["Planning Time"])),
    scans: first ? [...new Set(scansOf(first.Plan, []))] : [],
    repetitions: outputs.length,
  };
}

/** Thrown to roll the EXPLAIN ANALYZE transaction back. */
class RollBack extends Error {}
