import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { repoRoot } from "./paths";

export const HELP = `Usage: pnpm bench [-- options]

Measures the onboarding server's speed in one run: the production server under HTTP load
(autocannon) beside its limits, which are the framework's cost per request (/api/health),
PostgreSQL's cost per statement (the same SQL through postgres.js) and the old design that
rewrote one JSON file per save. Writes bench/results/latest.json and the generated part of
docs/benchmarks.md. Traffic goes only to servers this command starts on 127.0.0.1.

Options:
  --duration SECONDS     measured seconds per load run (default 6)
  --warmup SECONDS       unmeasured seconds of the same load before each run (default 2)
  --connections LIST     concurrent connections, comma-separated (default 1,8,32,64)
  --users N              users that register, sign in and send the requests (default 100)
  --scale LIST           users stored in the database during the runs, comma-separated and
                         ascending (default 1000,100000); the first gets every run, the others
                         repeat getProgress and saveStep
  --profile-connections N
                         connections of the CPU-profiled saveStep run (default 32)
  --heap-cap MB          also run getProgress and saveStep on a server started with
                         NODE_OPTIONS=--max-old-space-size=MB, to compare memory and speed
                         with another V8 heap limit than the launcher's 256 (default 0: skip)
  --no-build             reuse apps/web/.next instead of running pnpm build
  --no-profile           skip the CPU-profiled saveStep run
  --profile-out FILE     also keep that run's raw V8 CPU profile, for Chrome DevTools or
                         speedscope (default: not kept)
  --out FILE             raw results as JSON (default bench/results/latest.json)
  --report FILE          Markdown report whose generated section is replaced
                         (default docs/benchmarks.md); "-" writes none
  --render FILE          only rewrite the report from a results file that a run wrote
  --help                 show this help

Environment:
  DATABASE_URL   PostgreSQL database to run in. It is migrated, the bench adds its users to it
                 and deletes them at the end. Unset: a scratch database on
                 postgres://postgres@127.0.0.1:5432, created and dropped by the bench.
`;

export interface BenchOptions {
  durationSeconds: number;
  warmupSeconds: number;
  connections: number[];
  users: number;
  scales: number[];
  profileConnections: number;
  /** V8 old-space limit in MiB for the extra memory runs; 0 skips them. */
  heapCapMiB: number;
  build: boolean;
  profile: boolean;
  /** Copy destination of the profiled run's raw .cpuprofile, or undefined to keep none. */
  profileOutFile: string | undefined;
  outFile: string;
  reportFile: string | undefined;
  /** The command line as typed, for the report. */
  command: string;
  /** Results file to render the report from, without running anything. */
  renderFrom: string | undefined;
}

export class UsageError extends Error {
  override name = "UsageError";
}

function positiveNumber(name: string, value: string, integer: boolean): number {
  const parsed = Number(value);
  const valid = Number.isFinite(parsed) && parsed > 0 && (!integer || Number.isInteger(parsed));
  if (!valid) {
    throw new UsageError(
      `--${name} "${value}" is invalid; use a positive ${integer ? "whole " : ""}number.`,
    );
  }
  return parsed;
}

function positiveList(name: string, value: string): number[] {
  const items = value.split(",").map((item) => positiveNumber(name, item.trim(), true));
  if (items.length === 0) throw new UsageError(`--${name} is empty; list at least one number.`);
  return items;
}

/** Parses the command line; raises UsageError with the offending option. */
export function parseOptions(rawArgv: string[]): BenchOptions | "help" {
  // pnpm forwards a literal "--" when the user separates the script's own options with it.
  const argv = rawArgv[0] === "--" ? rawArgv.slice(1) : rawArgv;
  const optionSpec = {
    duration: { type: "string", default: "6" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "1,8,32,64" },
    users: { type: "string", default: "100" },
    scale: { type: "string", default: "1000,100000" },
    "profile-connections": { type: "string", default: "32" },
    "heap-cap": { type: "string", default: "0" },
    "no-build": { type: "boolean", default: false },
    "no-profile": { type: "boolean", default: false },
    "profile-out": { type: "string" },
    out: { type: "string", default: "bench/results/latest.json" },
    report: { type: "string", default: "docs/benchmarks.md" },
    render: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  } as const;
  let values: ReturnType<typeof parseArgs<{ options: typeof optionSpec }>>["values"];
  try {
    values = parseArgs({ args: argv, options: optionSpec, strict: true }).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}. Run with --help for the options.`);
  }
  if (values.help) return "help";

  const scales = positiveList("scale", values.scale);
  const users = positiveNumber("users", values.users, true);
  for (const [index, scale] of scales.entries()) {
    if (index > 0 && scale <= (scales[index - 1] ?? 0)) {
      throw new UsageError(`--scale "${values.scale}" must be ascending.`);
    }
  }
  if ((scales[0] ?? 0) < users) {
    throw new UsageError(
      `--scale starts at ${scales[0]}, below the ${users} users that sign in; raise it or lower --users.`,
    );
  }

  if (values["no-profile"] && values["profile-out"] !== undefined) {
    throw new UsageError("--profile-out keeps the profiled run's profile; drop --no-profile.");
  }

  return {
    durationSeconds: positiveNumber("duration", values.duration, false),
    warmupSeconds: positiveNumber("warmup", values.warmup, false),
    connections: positiveList("connections", values.connections),
    users,
    scales,
    profileConnections: positiveNumber("profile-connections", values["profile-connections"], true),
    heapCapMiB:
      values["heap-cap"] === "0" ? 0 : positiveNumber("heap-cap", values["heap-cap"], true),
    build: !values["no-build"],
    profile: !values["no-profile"],
    profileOutFile:
      values["profile-out"] === undefined ? undefined : resolve(repoRoot, values["profile-out"]),
    outFile: resolve(repoRoot, values.out),
    reportFile: values.report === "-" ? undefined : resolve(repoRoot, values.report),
    command: ["pnpm bench", ...(argv.length > 0 ? ["--", ...argv] : [])].join(" "),
    renderFrom: values.render === undefined ? undefined : resolve(repoRoot, values.render),
  };
}
