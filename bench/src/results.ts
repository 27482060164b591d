import type { ProfileSummary } from "./cpu-profile";
import type { DatabaseFacts } from "./database";
import type { FileRun } from "./file-baseline";
import type { LoadRun } from "./http-load";
import type { PageWeight } from "./page-weight";
import type { PlanTiming } from "./query-plans";
import type { SessionCost } from "./session-cost";
import type { SqlRun } from "./sql-baseline";
import type { StatementCount } from "./statements";

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  /** 1-, 5- and 15-minute load averages; other work on the machine shows up here. */
  loadAverageAtStart: number[];
  loadAverageAtEnd: number[];
}

export interface Versions {
  node: string;
  postgres: string;
  next: string;
  nextAuth: string;
  autocannon: string;
  postgresJs: string;
}

export interface Target {
  name: string;
  goal: string;
  measured: string;
  met: boolean;
}

export interface BenchResults {
  date: string;
  command: string;
  /** apps/web/.next/BUILD_ID when the run started and ended; they differ if others rebuilt. */
  build: { idAtStart: string; idAtEnd: string };
  machine: Machine;
  versions: Versions;
  database: DatabaseFacts & { location: string; scratch: boolean; poolSize: number };
  settings: {
    durationSeconds: number;
    warmupSeconds: number;
    connections: number[];
    users: number;
    scales: number[];
  };
  /** Row counts per table at each scale, keyed by the scale. */
  tableCounts: Record<string, Record<string, number>>;
  http: LoadRun[];
  sql: SqlRun[];
  file: FileRun[];
  statements: {
    getProgress: StatementCount;
    saveStep: StatementCount;
    firstGetProgress: StatementCount;
  };
  sessionCost: SessionCost;
  memory: {
    /** Highest resident set of the server process over its whole life (VmHWM), in MiB. */
    peakRssMiB: number;
    /** Highest of the RSS samples taken during the load runs, in MiB. */
    maxSampledRssMiB: number;
    /** RSS right after start-up, before any load, in MiB. */
    idleRssMiB: number;
    /** RSS of the launcher process (tsx running scripts/start.ts) at the end, in MiB. */
    launcherRssMiB: number;
  };
  /** PostgreSQL's own execution time of each procedure's statement at each scale. */
  plans: PlanTiming[];
  profile?: ProfileSummary & { connections: number; rps: number; seconds: number };
  /** The same server with a V8 heap limit: the memory fix, measured. */
  heapCap?: { megabytes: number; runs: LoadRun[]; peakRssMiB: number };
  pageWeight: PageWeight[];
  targets: Target[];
}
