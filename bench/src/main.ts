/**
 * `pnpm bench`: measures the production server under HTTP load beside its limits, all in one
 * run, and writes bench/results/latest.json and the generated part of docs/benchmarks.md.
 * See --help and docs/benchmarks.md.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { generateKeyringEntry } from "@onboarding/db/vault";
import { PROFILER_PRELOAD, profilePath, summarizeProfile } from "./cpu-profile";
import {
  type BenchDatabase,
  backendPids,
  countUsers,
  openBenchDatabase,
  readDatabaseFacts,
  readTableCounts,
  seedUsers,
} from "./database";
import { runFileBaseline } from "./file-baseline";
import { type LoadRun, runLoad, warmUp } from "./http-load";
import { type BenchOptions, HELP, parseOptions, UsageError } from "./options";
import { type PageWeight, pageWeightFromBuild, scriptsOfServedPage } from "./page-weight";
import { appDir, repoRoot } from "./paths";
import { readMemory } from "./procfs";
import { progress, sleep } from "./progress";
import { explainWork, type PlanTiming } from "./query-plans";
import { writeReport } from "./report";
import type { BenchResults, Machine, Versions } from "./results";
import {
  type AppServer,
  buildApp,
  readBuildId,
  type ServerEnv,
  startAppServer,
  waitForBuild,
} from "./server";
import { measureSessionCost } from "./session-cost";
import { PRODUCT_POOL_SIZE, runSqlBaseline, type SqlRun } from "./sql-baseline";
import { countStatements } from "./statements";
import { evaluateTargets, TARGET_CONNECTIONS } from "./targets";
import { type BenchUser, signInUsers } from "./users";
import { ENDPOINTS, type EndpointName } from "./workload";

/** Work to undo when the run ends or is interrupted, newest first. */
/** Connections of the unmeasured load that brings the server to the same state at each scale. */
const SETTLE_CONNECTIONS = 8;

const cleanups: (() => Promise<void>)[] = [];

async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop();
    try {
      await cleanup?.();
    } catch (error) {
      console.error(`bench: cleanup failed: ${(error as Error).message}`);
    }
  }
}

/**
 * Formats a written JSON file the way `pnpm lint` expects (biome collapses short arrays), so a
 * committed results file passes the lint. Without biome the file stays as JSON.stringify wrote it.
 */
function formatJson(file: string): void {
  const biome = join(repoRoot, "node_modules/.bin/biome");
  if (!existsSync(biome)) return;
  const result = spawnSync(biome, ["format", "--write", file], { encoding: "utf8" });
  if (result.status !== 0) {
    progress(`  biome could not format ${file}: ${result.stderr.trim() || result.stdout.trim()}`);
  }
}

/** Reads the version of a package installed for the workspace package in `fromDir`. */
function packageVersion(fromDir: string, name: string): string {
  const manifest = join(fromDir, "node_modules", name, "package.json");
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
}

function describeMachine(): Omit<Machine, "loadAverageAtEnd"> {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  return {
    cpus: availableParallelism(),
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown",
    memoryGiB: totalmem() / 1024 ** 3,
    loadAverageAtStart: loadavg(),
  };
}

function describeVersions(postgresVersion: string): Versions {
  return {
    node: process.version,
    postgres: postgresVersion,
    next: packageVersion(appDir, "next"),
    nextAuth: packageVersion(appDir, "next-auth"),
    autocannon: packageVersion(repoRoot, "autocannon"),
    postgresJs: packageVersion(repoRoot, "postgres"),
  };
}

function summarizeRun(run: LoadRun): string {
  const failures = run.non2xx + run.errors + run.timeouts;
  return (
    `${run.endpoint} c=${run.connections}: ${run.rps.toFixed(0)} req/s, ` +
    `p50 ${run.latency.p50.toFixed(2)} ms, p99 ${run.latency.p99.toFixed(2)} ms, ` +
    `RSS max ${run.resources.memory.maxRssMiB.toFixed(0)} MiB` +
    (failures > 0 ? `, FAILED ${failures} (${JSON.stringify(run.statusCodes)})` : "")
  );
}

function summarizeSqlRun(run: SqlRun): string {
  return (
    `SQL ${run.procedure} c=${run.connections}: ${run.tps.toFixed(0)} tx/s, ` +
    `p50 ${run.latency.p50.toFixed(2)} ms, ${run.statementsPerTransaction.toFixed(1)} statements/tx`
  );
}

async function measurePageWeights(server: AppServer, user: BenchUser): Promise<PageWeight[]> {
  const pages = [
    { route: "/sign-up", pageKey: "/sign-up/page", url: "/sign-up", cookie: undefined },
    {
      route: "/onboarding/step/[n]",
      pageKey: "/onboarding/step/[n]/page",
      url: "/onboarding/step/1",
      cookie: user.cookie,
    },
    { route: "/dashboard", pageKey: "/dashboard/page", url: "/dashboard", cookie: user.cookie },
  ];
  const weights: PageWeight[] = [];
  for (const page of pages) {
    const weight = pageWeightFromBuild(page.route, page.pageKey);
    weight.htmlScripts = await scriptsOfServedPage(`${server.baseUrl}${page.url}`, page.cookie);
    weights.push(weight);
  }
  return weights;
}

/**
 * Starts a server with the CPU profiler preloaded, drives saveStep through it, and summarizes
 * the profile over the measured seconds.
 */
async function profileSaves(
  options: BenchOptions,
  env: ServerEnv,
  cookies: readonly string[],
  storedUsers: number,
  database: BenchDatabase,
): Promise<BenchResults["profile"]> {
  const dir = mkdtempSync(join(tmpdir(), "onboarding-bench-profile-"));
  try {
    const server = await startAppServer({
      ...env,
      NODE_OPTIONS: `--require ${PROFILER_PRELOAD}`,
      BENCH_CPU_PROFILE_DIR: dir,
    });
    const file = profilePath(dir, server.serverPid);
    let run: LoadRun;
    let windowStart: number;
    let windowEnd: number;
    try {
      // The warm-up is left out through the monotonic clock, which V8's profile timestamps share.
      windowStart = Number(process.hrtime.bigint() / 1000n) + options.warmupSeconds * 1e6;
      run = await runLoad({
        baseUrl: server.baseUrl,
        endpoint: ENDPOINTS.saveStep,
        connections: options.profileConnections,
        durationSeconds: options.durationSeconds,
        warmupSeconds: options.warmupSeconds,
        cookies,
        serverPid: server.serverPid,
        storedUsers,
        postgresPids: () => backendPids(database.owner),
      });
      windowEnd = Number(process.hrtime.bigint() / 1000n);
      process.kill(server.serverPid, "SIGUSR2");
      for (let attempt = 0; attempt < 100 && !existsSync(file); attempt++) await sleep(100);
    } finally {
      await server.stop();
    }
    if (!existsSync(file)) {
      progress(`  process ${server.serverPid} wrote no CPU profile; leaving it out`);
      return undefined;
    }
    const summary = summarizeProfile(file, windowStart, windowEnd);
    if (options.profileOutFile) {
      copyFileSync(file, options.profileOutFile);
      progress(`  raw CPU profile: ${options.profileOutFile}`);
    }
    return {
      ...summary,
      connections: options.profileConnections,
      rps: run.rps,
      seconds: run.seconds,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Starts a server with a V8 old-space limit and runs getProgress and saveStep through it at the
 * target connections, to measure the memory fix beside the default server.
 */
async function measureHeapCap(
  options: BenchOptions,
  env: ServerEnv,
  cookies: readonly string[],
  storedUsers: number,
  database: BenchDatabase,
): Promise<BenchResults["heapCap"]> {
  const server = await startAppServer({
    ...env,
    NODE_OPTIONS: `--max-old-space-size=${options.heapCapMiB}`,
  });
  try {
    const runs: LoadRun[] = [];
    for (const name of ["getProgress", "saveStep"] as const) {
      const result = await runLoad({
        baseUrl: server.baseUrl,
        endpoint: ENDPOINTS[name],
        connections: TARGET_CONNECTIONS,
        durationSeconds: options.durationSeconds,
        warmupSeconds: options.warmupSeconds,
        cookies,
        serverPid: server.serverPid,
        storedUsers,
        postgresPids: () => backendPids(database.owner),
      });
      runs.push(result);
      progress(`  ${summarizeRun(result)}`);
    }
    return {
      megabytes: options.heapCapMiB,
      runs,
      peakRssMiB: readMemory(server.serverPid).peakRssMiB,
    };
  } finally {
    await server.stop();
  }
}

async function run(options: BenchOptions): Promise<void> {
  const machine = describeMachine();
  progress(
    `${machine.cpus} CPUs (${machine.cpuModel}), load average ${machine.loadAverageAtStart
      .map((value) => value.toFixed(2))
      .join(" ")}`,
  );

  if (options.build) {
    progress("building the production app (pnpm build)");
    await buildApp();
  }
  const buildIdAtStart = await waitForBuild(() =>
    progress("waiting for another next build to finish"),
  );

  progress("opening the database");
  const database: BenchDatabase = await openBenchDatabase();
  cleanups.push(async () => {
    progress(database.scratch ? "dropping the scratch database" : "deleting the bench's users");
    await database.cleanup();
  });
  const facts = await readDatabaseFacts(database.owner);
  progress(`  ${database.location} (PostgreSQL ${facts.version})`);

  const env: ServerEnv = {
    DATABASE_URL: database.url,
    AUTH_SECRET: randomBytes(32).toString("base64"),
    ONBOARDING_ENCRYPTION_KEYS: generateKeyringEntry("bench"),
  };

  progress("starting the production server");
  const server = await startAppServer(env);
  cleanups.push(() => server.stop());
  const idleRssMiB = readMemory(server.serverPid).rssMiB;
  progress(`  ${server.baseUrl}, server pid ${server.serverPid}, RSS ${idleRssMiB.toFixed(0)} MiB`);

  progress(`registering and signing in ${options.users} users`);
  const users = await signInUsers(server.baseUrl, database.runPrefix, options.users);
  const cookies = users.map((user) => user.cookie);
  const firstUser = users[0];
  if (!firstUser) throw new Error("Signing in the benchmark users failed.");

  progress("counting statements per procedure (createCaller in this process)");
  // A user without an onboarding session shows the first call's statements. createCaller needs
  // no sign-in, so the account is inserted directly as the database owner.
  const [brandNew] = await database.owner<{ id: string }[]>`
    INSERT INTO users (id, email, password_hash)
    VALUES (${`${database.runPrefix}new`}, ${`${database.runPrefix}new@example.test`},
            '$argon2id$v=19$m=19456,t=2,p=1$bmV3$0000000000000000000000000000000000000000000')
    RETURNING id`;
  const statements = await countStatements(database.url, firstUser.id, brandNew?.id ?? "");
  progress(
    `  saveStep ${statements.saveStep.work} work + ${statements.saveStep.setup} set-up, ` +
      `getProgress ${statements.getProgress.work} work + ${statements.getProgress.setup} set-up`,
  );

  progress("timing next-auth's session check in this process");
  const sessionCost = await measureSessionCost(firstUser.cookie, env.AUTH_SECRET);
  progress(
    `  decode ${sessionCost.decodeMicros.toFixed(0)} us, encode ${sessionCost.encodeMicros.toFixed(0)} us, ` +
      `session action ${sessionCost.authSessionMicros.toFixed(0)} us`,
  );

  progress("measuring first-load JavaScript");
  const pageWeight = await measurePageWeights(server, firstUser);

  const http: LoadRun[] = [];
  const sql: SqlRun[] = [];
  const tableCounts: BenchResults["tableCounts"] = {};
  const plans: PlanTiming[] = [];
  const userIds = users.map((user) => user.id);

  for (const [index, scale] of options.scales.entries()) {
    progress(`seeding users up to ${scale} stored`);
    await seedUsers(database, scale, (stored) => progress(`  ${stored} users stored`));
    const storedUsers = await countUsers(database.owner);
    tableCounts[String(scale)] = await readTableCounts(database.owner);
    for (const procedure of ["getProgress", "saveStep"] as const) {
      const plan = await explainWork(
        database.owner,
        procedure,
        statements.captured[procedure],
        firstUser.id,
        users[1]?.id ?? firstUser.id,
        storedUsers,
      );
      plans.push(plan);
      progress(
        `  EXPLAIN ANALYZE ${procedure}: ${plan.executionMs.toFixed(3)} ms in PostgreSQL ` +
          `(${plan.scans.join(", ")})`,
      );
    }

    // Seeding leaves the server idle long enough for V8 to shrink its heap, so each scale starts
    // from the same state: both procedures under load for a while, unmeasured.
    for (const name of ["getProgress", "saveStep"] as const) {
      await warmUp(
        {
          baseUrl: server.baseUrl,
          endpoint: ENDPOINTS[name],
          connections: SETTLE_CONNECTIONS,
          durationSeconds: 0,
          warmupSeconds: 0,
          cookies,
          serverPid: server.serverPid,
          storedUsers,
          postgresPids: () => backendPids(database.owner),
        },
        options.warmupSeconds * 2,
      );
    }

    const endpoints: EndpointName[] =
      index === 0 ? ["health", "session", "getProgress", "saveStep"] : ["getProgress", "saveStep"];
    for (const name of endpoints) {
      for (const connections of options.connections) {
        const result = await runLoad({
          baseUrl: server.baseUrl,
          endpoint: ENDPOINTS[name],
          connections,
          durationSeconds: options.durationSeconds,
          warmupSeconds: options.warmupSeconds,
          cookies,
          serverPid: server.serverPid,
          storedUsers,
          postgresPids: () => backendPids(database.owner),
        });
        http.push(result);
        progress(`  ${summarizeRun(result)}`);
      }
    }

    for (const procedure of ["saveStep", "getProgress"] as const) {
      for (const connections of options.connections) {
        const result = await runSqlBaseline({
          url: database.url,
          procedure,
          statements: statements.captured[procedure],
          capturedUserId: firstUser.id,
          userIds,
          connections,
          durationSeconds: options.durationSeconds,
          warmupSeconds: options.warmupSeconds,
          storedUsers,
        });
        sql.push(result);
        progress(`  ${summarizeSqlRun(result)}`);
      }
    }
  }

  const memoryNow = readMemory(server.serverPid);
  const launcherMemory = readMemory(server.launcherPid);
  await server.stop();
  cleanups.pop();
  const finalUsers = await countUsers(database.owner);

  let heapCap: BenchResults["heapCap"];
  if (options.heapCapMiB > 0) {
    progress(`memory with NODE_OPTIONS=--max-old-space-size=${options.heapCapMiB}`);
    heapCap = await measureHeapCap(options, env, cookies, finalUsers, database);
    progress(`  peak RSS ${heapCap?.peakRssMiB.toFixed(0)} MiB`);
  }

  let profile: BenchResults["profile"];
  if (options.profile) {
    progress(`profiling saveStep at ${options.profileConnections} connections`);
    profile = await profileSaves(options, env, cookies, finalUsers, database);
    if (profile) {
      progress(
        `  ${profile.rps.toFixed(0)} req/s while profiled; session check on the stack in ` +
          `${profile.sessionCheckInclusivePercent.toFixed(1)}% of busy samples`,
      );
    }
  }

  const file = [];
  for (const usersInFile of [1, 1000]) {
    progress(`old design: whole-file JSON save with ${usersInFile} user(s) in the file`);
    const result = await runFileBaseline({
      usersInFile,
      durationSeconds: options.durationSeconds,
      warmupSeconds: options.warmupSeconds,
    });
    file.push(result);
    progress(
      `  ${result.sps.toFixed(0)} saves/s, p50 ${result.latency.p50.toFixed(2)} ms, ` +
        `file ${(result.fileBytes / 1024).toFixed(0)} KiB`,
    );
  }

  await runCleanups();

  const buildIdAtEnd = readBuildId();
  if (buildIdAtEnd !== buildIdAtStart) {
    progress(
      "WARNING: apps/web/.next was rebuilt during the run; servers started later used another build",
    );
  }
  const partial: Omit<BenchResults, "targets"> = {
    date: new Date().toISOString(),
    command: options.command,
    build: { idAtStart: buildIdAtStart, idAtEnd: buildIdAtEnd ?? "(missing)" },
    machine: { ...machine, loadAverageAtEnd: loadavg() },
    versions: describeVersions(facts.version),
    database: {
      ...facts,
      location: database.scratch ? "scratch database on 127.0.0.1:5432" : database.location,
      scratch: database.scratch,
      poolSize: PRODUCT_POOL_SIZE,
    },
    settings: {
      durationSeconds: options.durationSeconds,
      warmupSeconds: options.warmupSeconds,
      connections: options.connections,
      users: options.users,
      scales: options.scales,
    },
    tableCounts,
    http,
    sql,
    file,
    statements: {
      getProgress: statements.getProgress,
      saveStep: statements.saveStep,
      firstGetProgress: statements.firstGetProgress,
    },
    sessionCost,
    memory: {
      peakRssMiB: memoryNow.peakRssMiB,
      maxSampledRssMiB: Math.max(...http.map((item) => item.resources.memory.maxRssMiB)),
      idleRssMiB,
      launcherRssMiB: launcherMemory.rssMiB,
    },
    plans,
    profile,
    heapCap,
    pageWeight,
  };
  const results: BenchResults = { ...partial, targets: evaluateTargets(partial) };

  mkdirSync(dirname(options.outFile), { recursive: true });
  writeFileSync(options.outFile, `${JSON.stringify(results, null, 2)}\n`);
  formatJson(options.outFile);
  progress(`wrote ${options.outFile}`);
  if (options.reportFile) {
    writeReport(options.reportFile, results);
    progress(`wrote ${options.reportFile}`);
  }
  for (const target of results.targets) {
    progress(`${target.met ? "met   " : "MISSED"} ${target.name}: ${target.measured}`);
  }
}

async function main(): Promise<void> {
  let options: BenchOptions | "help";
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`bench: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  if (options === "help") {
    process.stdout.write(HELP);
    return;
  }

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.error(`bench: ${signal} received; stopping the server and cleaning up`);
      void runCleanups().finally(() => process.exit(130));
    });
  }

  if (options.renderFrom) {
    const results = JSON.parse(readFileSync(options.renderFrom, "utf8")) as BenchResults;
    if (!options.reportFile) {
      console.error('bench: --render needs a --report file other than "-".');
      process.exit(2);
    }
    writeReport(options.reportFile, results);
    progress(`wrote ${options.reportFile} from ${options.renderFrom}`);
    return;
  }

  try {
    await run(options);
  } catch (error) {
    console.error(`bench: ${(error as Error).stack ?? error}`);
    await runCleanups();
    process.exit(1);
  }
}

await main();
