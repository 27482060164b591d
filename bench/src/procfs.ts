import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc CPU times; 100 on every mainstream Linux build. */
const CLOCK_TICKS = 100;

export interface MemoryStatus {
  /** Resident set size now, in MiB. */
  rssMiB: number;
  /** Highest resident set size since the process started (VmHWM), in MiB. */
  peakRssMiB: number;
}

function statusField(text: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

export function readMemory(pid: number): MemoryStatus {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  return { rssMiB: statusField(text, "VmRSS"), peakRssMiB: statusField(text, "VmHWM") };
}

/** CPU seconds (user plus system) the process has used so far. */
export function readProcessCpuSeconds(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name may contain spaces, so fields are counted after its closing parenthesis.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  return (userTicks + systemTicks) / CLOCK_TICKS;
}

/** Busy and total CPU seconds of the whole machine, summed over cores. */
export function readMachineCpu(): { busySeconds: number; totalSeconds: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((sum, value) => sum + value, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busySeconds: (total - idle) / CLOCK_TICKS, totalSeconds: total / CLOCK_TICKS };
}

export interface CpuShare {
  /** CPU seconds the server process used in the window, all its threads together. */
  serverSeconds: number;
  /** Cores the server process kept busy on average (1.0 = one full core). */
  serverCores: number;
  /** Cores this bench process (the load generator) kept busy. */
  loadGeneratorCores: number;
  /** Cores kept busy by the PostgreSQL backends serving the bench's database. */
  postgresCores: number;
  /** Cores busy machine-wide, including PostgreSQL and anything else running. */
  machineCores: number;
  /**
   * Cores busy with anything else: machine minus server, load generator and PostgreSQL. Other
   * work on a shared machine shows up here and slows every figure of the run.
   */
  otherCores: number;
}

export interface ResourceSample {
  memory: { maxRssMiB: number; meanRssMiB: number; samples: number };
  cpu: CpuShare;
}

/** CPU seconds of each process that is still running, by pid. */
function cpuByPid(pids: readonly number[]): Map<number, number> {
  const seconds = new Map<number, number>();
  for (const pid of pids) {
    try {
      seconds.set(pid, readProcessCpuSeconds(pid));
    } catch {
      // The process ended; its CPU time is lost to the sum.
    }
  }
  return seconds;
}

/**
 * Samples the server's memory every `intervalMs`, and over the whole window the CPU use of the
 * server, of this process, of the given PostgreSQL backends and of the machine.
 */
export class ResourceSampler {
  private readonly rss: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = process.hrtime.bigint();
  private readonly serverCpuAtStart: number;
  private readonly ownCpuAtStart = process.cpuUsage();
  private readonly machineAtStart = readMachineCpu();
  private readonly postgresAtStart: Map<number, number>;

  constructor(
    private readonly pid: number,
    private readonly postgresPids: readonly number[],
    intervalMs = 250,
  ) {
    this.postgresAtStart = cpuByPid(postgresPids);
    this.serverCpuAtStart = readProcessCpuSeconds(pid);
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    try {
      this.rss.push(readMemory(this.pid).rssMiB);
    } catch {
      // The process ended; the runner reports the failed requests.
    }
  }

  stop(): ResourceSample {
    clearInterval(this.timer);
    this.sample();
    const seconds = Number(process.hrtime.bigint() - this.startedAt) / 1e9;
    const own = process.cpuUsage(this.ownCpuAtStart);
    const machine = readMachineCpu();
    const machineBusy = machine.busySeconds - this.machineAtStart.busySeconds;
    let serverCpu = Number.NaN;
    try {
      serverCpu = readProcessCpuSeconds(this.pid) - this.serverCpuAtStart;
    } catch {
      // The process ended.
    }
    let postgresCpu = 0;
    for (const [pid, after] of cpuByPid(this.postgresPids)) {
      postgresCpu += after - (this.postgresAtStart.get(pid) ?? after);
    }
    const ownCores = (own.user + own.system) / 1e6 / seconds;
    const serverCores = serverCpu / seconds;
    const postgresCores = postgresCpu / seconds;
    const machineCores = machineBusy / seconds;
    // The SQL baseline samples this process as its server, so it must not count twice.
    const serverAndOwn = this.pid === process.pid ? ownCores : serverCores + ownCores;
    const total = this.rss.reduce((sum, value) => sum + value, 0);
    return {
      memory: {
        maxRssMiB: Math.max(...this.rss),
        meanRssMiB: this.rss.length > 0 ? total / this.rss.length : Number.NaN,
        samples: this.rss.length,
      },
      cpu: {
        serverSeconds: serverCpu,
        serverCores,
        loadGeneratorCores: ownCores,
        postgresCores,
        machineCores,
        otherCores: Math.max(0, machineCores - serverAndOwn - postgresCores),
      },
    };
  }
}
