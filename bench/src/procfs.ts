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
  /** Cores busy machine-wide, including PostgreSQL and anything else running. */
  machineCores: number;
}

export interface ResourceSample {
  memory: { maxRssMiB: number; meanRssMiB: number; samples: number };
  cpu: CpuShare;
}

/** Samples the server's memory every `intervalMs` and its CPU use over the whole window. */
export class ResourceSampler {
  private readonly rss: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = process.hrtime.bigint();
  private readonly serverCpuAtStart: number;
  private readonly ownCpuAtStart = process.cpuUsage();
  private readonly machineAtStart = readMachineCpu();

  constructor(
    private readonly pid: number,
    intervalMs = 250,
  ) {
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
    const total = this.rss.reduce((sum, value) => sum + value, 0);
    return {
      memory: {
        maxRssMiB: Math.max(...this.rss),
        meanRssMiB: this.rss.length > 0 ? total / this.rss.length : Number.NaN,
        samples: this.rss.length,
      },
      cpu: {
        serverSeconds: serverCpu,
        serverCores: serverCpu / seconds,
        loadGeneratorCores: (own.user + own.system) / 1e6 / seconds,
        machineCores: machineBusy / seconds,
      },
    };
  }
}
