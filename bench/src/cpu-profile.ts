import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The subset of V8's .cpuprofile format that the summary reads. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }[];
  /** Microseconds on the monotonic clock, the same clock as process.hrtime in any process. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

type CallFrame = CpuProfile["nodes"][number]["callFrame"];

export interface ProfileEntry {
  name: string;
  /** Milliseconds. */
  ms: number;
  /** Share of the busy (non-idle) samples, 0 to 100. */
  percent: number;
}

export interface ProfileSummary {
  /** Milliseconds of samples inside the measured window, idle included. */
  windowMs: number;
  busyMs: number;
  /** Functions by self time, with their package and original file and line. */
  topFunctions: ProfileEntry[];
  /** Packages by self time; Node.js internals and native code count as their own entries. */
  topModules: ProfileEntry[];
  /**
   * Areas by self time, where Node.js internals and native code count for the nearest package
   * that called them (so a WebCrypto call from jose counts for the session check).
   */
  areas: ProfileEntry[];
  /** Share of busy samples with a session-check frame anywhere on the stack. */
  sessionCheckInclusivePercent: number;
}

/** Packages whose frames belong to the session check. */
const SESSION_PACKAGES = new Set(["next-auth", "@auth/core", "jose", "@panva/hkdf"]);
/** The tRPC route's session reader, which calls next-auth's decode on a cache miss. */
const SESSION_SOURCE = "apps/web/src/server/session.ts";

/** Owner of frames that have no package frame above them, such as I/O callbacks from libuv. */
const NO_PACKAGE = "(no package on the stack)";

/** Modules that stand for no package: their time goes to the nearest package up the stack. */
const UNOWNED = new Set(["node:internal", "(native)", "(root)"]);

const AREAS: { area: string; matches: (module: string) => boolean }[] = [
  {
    area: "session check (next-auth, @auth/core, jose, readSession)",
    matches: (m) => SESSION_PACKAGES.has(m) || m === SESSION_SOURCE,
  },
  { area: "Next.js and React", matches: (m) => /^(next|react|react-dom|@next\/.*)$/.test(m) },
  {
    area: "tRPC, superjson, zod",
    matches: (m) => m.startsWith("@trpc/") || m === "superjson" || m === "zod",
  },
  { area: "postgres.js and Drizzle", matches: (m) => m === "postgres" || m === "drizzle-orm" },
  { area: "pino logging", matches: (m) => m.startsWith("pino") || m === "sonic-boom" },
  { area: "app code", matches: (m) => m.startsWith("@onboarding/") },
  { area: "garbage collector", matches: (m) => m === "(garbage collector)" },
  { area: "V8 itself (program)", matches: (m) => m === "(program)" },
  {
    area: "Node.js internals and native code with no package on the stack",
    matches: (m) => UNOWNED.has(m) || m === NO_PACKAGE,
  },
];

/** Maps a file path to its package, or to @onboarding/<name> for this repository's code. */
function moduleOfPath(path: string): string {
  const nodeModules = path.lastIndexOf("node_modules/");
  if (nodeModules >= 0) {
    const [first, second] = path.slice(nodeModules + "node_modules/".length).split("/");
    return first?.startsWith("@") ? `${first}/${second}` : (first ?? path);
  }
  if (path.endsWith(SESSION_SOURCE)) return SESSION_SOURCE;
  const workspace = /(?:^|\/)(apps|packages)\/([^/]+)\//.exec(path);
  if (workspace) return `@onboarding/${workspace[2]}`;
  return path;
}

interface Location {
  module: string;
  /** Original file and line, such as `jose/dist/webapi/jwe/flattened/decrypt.js:42`. */
  where: string;
}

class SourceLocator {
  private readonly maps = new Map<string, SourceMap | undefined>();

  private mapFor(path: string): SourceMap | undefined {
    if (!this.maps.has(path)) {
      let map: SourceMap | undefined;
      try {
        const mapPath = `${path}.map`;
        if (existsSync(mapPath)) map = new SourceMap(JSON.parse(readFileSync(mapPath, "utf8")));
      } catch {
        map = undefined;
      }
      this.maps.set(path, map);
    }
    return this.maps.get(path);
  }

  /**
   * Locates a frame. Files of installed packages name their package directly; the app's
   * bundles under .next/ are mapped back to their sources through the build's source maps.
   */
  locate(frame: CallFrame): Location {
    const { url, lineNumber, columnNumber, functionName } = frame;
    if (url === "") {
      const special = /^\(.*\)$/.test(functionName);
      return { module: special ? functionName : "(native)", where: "" };
    }
    if (url.startsWith("node:")) return { module: "node:internal", where: url.slice(5) };
    if (!url.startsWith("file:")) return { module: url, where: "" };

    const path = fileURLToPath(url);
    const shortPath = (file: string) => file.split("/").slice(-3).join("/");
    if (path.includes("/node_modules/")) {
      return { module: moduleOfPath(path), where: `${shortPath(path)}:${lineNumber + 1}` };
    }
    const entry = this.mapFor(path)?.findEntry(lineNumber, columnNumber);
    if (entry && "originalSource" in entry && entry.originalSource) {
      const source = decodeURIComponent(entry.originalSource);
      return {
        module: moduleOfPath(source),
        where: `${shortPath(source)}:${entry.originalLine + 1}`,
      };
    }
    return { module: moduleOfPath(path), where: shortPath(path) };
  }
}

function ranked(totals: Map<string, number>, busyMicros: number, limit: number): ProfileEntry[] {
  return [...totals.entries()]
    .sort((left, right) => right[1] - left[1])
    .slice(0, limit)
    .map(([name, micros]) => ({ name, ms: micros / 1000, percent: (micros / busyMicros) * 100 }));
}

function add(totals: Map<string, number>, key: string, micros: number): void {
  totals.set(key, (totals.get(key) ?? 0) + micros);
}

/** Path of the profile that cpu-profiler-preload.cjs writes for `pid`. */
export function profilePath(dir: string, pid: number): string {
  return join(dir, `CPU.${pid}.cpuprofile`);
}

/** The preload file that profiles a server started with it in NODE_OPTIONS. */
export const PROFILER_PRELOAD = fileURLToPath(
  new URL("./cpu-profiler-preload.cjs", import.meta.url),
);

/**
 * Summarizes a CPU profile over the samples between `windowStart` and `windowEnd`, in
 * microseconds on the monotonic clock. The summary lists top functions and packages by self time,
 * mapped to their original sources, and areas with Node.js internals charged to their caller. It
 * also gives the share of time spent under the session check.
 */
export function summarizeProfile(
  file: string,
  windowStart: number,
  windowEnd: number,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const locator = new SourceLocator();

  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  }
  const located = new Map(profile.nodes.map((node) => [node.id, locator.locate(node.callFrame)]));
  const moduleOf = (id: number) => located.get(id)?.module ?? "";

  // Nodes are walked from the root down, so each node's parent is resolved before the node.
  const owner = new Map<number, string>();
  const underSession = new Map<number, boolean>();
  const isSession = (module: string) => SESSION_PACKAGES.has(module) || module === SESSION_SOURCE;
  const pending = profile.nodes.filter((node) => !parentOf.has(node.id)).map((node) => node.id);
  while (pending.length > 0) {
    const id = pending.pop() as number;
    const parent = parentOf.get(id);
    const module = moduleOf(id);
    const inherited = parent === undefined ? NO_PACKAGE : (owner.get(parent) ?? NO_PACKAGE);
    owner.set(id, UNOWNED.has(module) ? inherited : module);
    underSession.set(
      id,
      isSession(module) || (parent !== undefined && underSession.get(parent) === true),
    );
    pending.push(...(byId.get(id)?.children ?? []));
  }

  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  const areas = new Map<string, number>();
  let windowMicros = 0;
  let busyMicros = 0;
  let sessionMicros = 0;
  let timestamp = profile.startTime;

  for (const [index, id] of profile.samples.entries()) {
    const delta = profile.timeDeltas[index] ?? 0;
    timestamp += delta;
    if (timestamp < windowStart || timestamp > windowEnd) continue;
    windowMicros += delta;

    const node = byId.get(id);
    const where = located.get(id);
    if (!node || !where || where.module === "(idle)") continue;
    busyMicros += delta;
    if (underSession.get(id)) sessionMicros += delta;

    const name = node.callFrame.functionName || "(anonymous)";
    add(functions, `${name} [${where.module}${where.where ? ` ${where.where}` : ""}]`, delta);
    add(modules, where.module, delta);
    const attributed = owner.get(id) ?? where.module;
    const area = AREAS.find((candidate) => candidate.matches(attributed))?.area ?? "other";
    add(areas, area, delta);
  }

  return {
    windowMs: windowMicros / 1000,
    busyMs: busyMicros / 1000,
    topFunctions: ranked(functions, busyMicros, 15),
    topModules: ranked(modules, busyMicros, 12),
    areas: ranked(areas, busyMicros, AREAS.length + 1),
    sessionCheckInclusivePercent: busyMicros > 0 ? (sessionMicros / busyMicros) * 100 : 0,
  };
}
