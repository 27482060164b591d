import type { LoadRun } from "./http-load";
import type { BenchResults, Target } from "./results";
import type { EndpointName } from "./workload";

/** Connections at which the save throughput is compared with /api/health. */
export const TARGET_CONNECTIONS = 32;

export function findRun(
  runs: readonly LoadRun[],
  endpoint: EndpointName,
  connections: number,
  storedUsers: number,
): LoadRun | undefined {
  return runs.find(
    (run) =>
      run.endpoint === endpoint &&
      run.connections === connections &&
      run.storedUsers === storedUsers,
  );
}

const format = (value: number, digits = 2) =>
  Number.isFinite(value) ? value.toFixed(digits) : "n/a";

export interface SessionShare {
  /** Server CPU per saveStep at the target connections, all threads, in milliseconds. */
  saveCpuMs: number;
  /** Share of the save run's busy main-thread samples under the route's session check. */
  profileShare: number;
  /** readSession's cost on a cookie it has not cached, over saveCpuMs: every request a miss. */
  missShare: number;
  /** Server CPU of auth() per request (/api/auth/session minus /api/health), over saveCpuMs. */
  authShare: number;
}

/** Estimates the session check's share of a save's server time in three ways. */
export function sessionShareOfSave(
  results: Pick<BenchResults, "http" | "sessionCost" | "profile">,
): SessionShare {
  const stored = results.http[0]?.storedUsers ?? 0;
  const cpuOf = (endpoint: EndpointName) =>
    findRun(results.http, endpoint, TARGET_CONNECTIONS, stored)?.serverCpuMsPerRequest ??
    Number.NaN;
  const saveCpuMs = cpuOf("saveStep");
  return {
    saveCpuMs,
    profileShare: (results.profile?.sessionCheckInclusivePercent ?? Number.NaN) / 100,
    missShare: results.sessionCost.readSessionMissMicros / 1000 / saveCpuMs,
    authShare: (cpuOf("session") - cpuOf("health")) / saveCpuMs,
  };
}

/** Checks each target against the measured figures; a missing figure counts as missed. */
export function evaluateTargets(results: Omit<BenchResults, "targets">): Target[] {
  const stored = [...new Set(results.http.map((run) => run.storedUsers))];
  const smallStored = stored[0] ?? 0;
  const largeStored = stored[stored.length - 1] ?? smallStored;
  const targets: Target[] = [];

  const save32 = findRun(results.http, "saveStep", TARGET_CONNECTIONS, smallStored);
  const health32 = findRun(results.http, "health", TARGET_CONNECTIONS, smallStored);
  const throughputRatio = (save32?.rps ?? Number.NaN) / (health32?.rps ?? Number.NaN);
  targets.push({
    name: "save throughput vs. framework floor",
    goal: `saveStep req/s at ${TARGET_CONNECTIONS} connections >= 0.6 x /api/health req/s`,
    measured: `${format(save32?.rps ?? Number.NaN, 0)} / ${format(health32?.rps ?? Number.NaN, 0)} = ${format(throughputRatio)}`,
    met: throughputRatio >= 0.6,
  });

  const session = sessionShareOfSave(results);
  const judged = Number.isFinite(session.profileShare) ? session.profileShare : session.missShare;
  targets.push({
    name: "session check share of a save",
    goal: "< 0.25 of a save's server time",
    measured:
      `${format(session.profileShare)} of the save run's main-thread CPU profile; ` +
      `${format(session.missShare)} if every cookie missed readSession's cache; ` +
      `auth() itself would cost ${format(session.authShare)} ` +
      `(save: ${format(session.saveCpuMs)} ms server CPU per request at ${TARGET_CONNECTIONS} connections)`,
    met: judged < 0.25,
  });

  const save = results.statements.saveStep;
  targets.push({
    name: "statements of real work per save",
    goal: "1",
    measured: `${save.work} (plus ${save.setup} of request set-up)`,
    met: save.work === 1,
  });

  const read = results.statements.getProgress;
  targets.push({
    name: "queries per getProgress",
    goal: "1",
    measured: `${read.work} (plus ${read.setup} of request set-up)`,
    met: read.work === 1,
  });

  if (largeStored !== smallStored) {
    const ratios = results.settings.connections.map((connections) => {
      const small = findRun(results.http, "getProgress", connections, smallStored);
      const large = findRun(results.http, "getProgress", connections, largeStored);
      return {
        connections,
        ratio: (large?.latency.p50 ?? Number.NaN) / (small?.latency.p50 ?? Number.NaN),
      };
    });
    const plan = (stored: number) =>
      results.plans.find((item) => item.procedure === "getProgress" && item.storedUsers === stored);
    const planRatio =
      (plan(largeStored)?.executionMs ?? Number.NaN) /
      (plan(smallStored)?.executionMs ?? Number.NaN);
    const single = ratios.find((item) => item.connections === 1);
    targets.push({
      name: `getProgress p50 at ${largeStored.toLocaleString("en-US")} vs. ${smallStored.toLocaleString("en-US")} users`,
      goal: "<= 1.2 x, judged at 1 connection, where no request waits for another",
      measured:
        `p50 ratio by connections: ${ratios.map((item) => `${item.connections}: ${format(item.ratio)}`).join(", ")}; ` +
        `PostgreSQL execution time ratio ${format(planRatio)}`,
      met: (single?.ratio ?? Number.NaN) <= 1.2,
    });
  }

  const peakMB = (results.memory.peakRssMiB * 1024 * 1024) / 1e6;
  targets.push({
    name: "server memory",
    goal: "< 300 MB resident",
    measured:
      `peak ${format(peakMB, 0)} MB = ${format(results.memory.peakRssMiB, 0)} MiB ` +
      "(VmHWM of the server process)",
    met: peakMB < 300,
  });
  return targets;
}
