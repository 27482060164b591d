import { mkdtempSync, rmSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { LatencyRecorder, type LatencySummary } from "./latency";
import { SAVE_DRAFT, SAVE_STEP_NUMBER } from "./workload";

export interface FileRun {
  usersInFile: number;
  /** Size of one user's progress object as JSON, in bytes. */
  bytesPerUser: number;
  fileBytes: number;
  seconds: number;
  saves: number;
  /** Saves per second. */
  sps: number;
  latency: LatencySummary;
}

const LOREM =
  "We publish practical guides for data teams: how to model events, choose a warehouse, " +
  "review dashboards and explain metrics to executives. ";

/**
 * Builds one user's whole onboarding progress as the old design kept it: every step's status and data
 * in one object, about 3 KB of JSON.
 */
function progressObject(index: number): Record<string, unknown> {
  const at = new Date(Date.UTC(2025, 0, 1, 0, 0, index % 60)).toISOString();
  return {
    userId: `user-${index}`,
    email: `user-${index}@example.test`,
    currentStep: 4,
    status: "in_progress",
    startedAt: at,
    updatedAt: at,
    steps: {
      "1": {
        status: "completed",
        completedAt: at,
        data: {
          providers: {
            gemini: { last4: "a1b2", status: "valid", savedAt: at },
            exa: { last4: "c3d4", status: "valid", savedAt: at },
            openai: { last4: "e5f6", status: "unverified", savedAt: at },
          },
        },
      },
      "2": {
        status: "completed",
        completedAt: at,
        data: {
          mode: "website",
          websiteUrl: `https://company-${index}.example/`,
          targetAudience: LOREM,
          primaryContentType: "blog",
          analysis: {
            summary: LOREM.repeat(4),
            topics: ["data modeling", "warehouses", "dashboards", "metrics", "team practices"],
            tone: ["practical", "plain", "confident"],
            analyzedAt: at,
          },
        },
      },
      "3": {
        status: "completed",
        completedAt: at,
        data: {
          researchDepth: "comprehensive",
          contentTypes: ["blog", "newsletter", "linkedin"],
          autoResearch: true,
          factualContent: true,
          sources: ["industry reports", "peer-reviewed journals", "company documentation"],
        },
      },
      "4": {
        status: "in_progress",
        draft: {
          personaName: "Pragmatic data lead",
          brandVoice: LOREM.repeat(3),
          avoidedTones: ["sarcastic", "hyped"],
          writingSamples: [LOREM.repeat(2), LOREM.repeat(2)],
        },
      },
      "5": { status: "pending", data: null },
      "6": { status: "pending", data: null },
    },
  };
}

/**
 * Measures the old design's save: read the whole progress file, JSON.parse it, change one user's
 * step, JSON.stringify everything and write the file back, one save at a time (concurrent
 * read-modify-writes of one file lose updates). The file is written without fsync, as a plain
 * writeFile does.
 */
export async function runFileBaseline(options: {
  usersInFile: number;
  durationSeconds: number;
  warmupSeconds: number;
}): Promise<FileRun> {
  const dir = mkdtempSync(join(tmpdir(), "onboarding-bench-file-"));
  const path = join(dir, "onboarding-progress.json");
  try {
    const users: Record<string, unknown> = {};
    for (let index = 0; index < options.usersInFile; index++) {
      users[`user-${index}`] = progressObject(index);
    }
    const initial = JSON.stringify({ users });
    await writeFile(path, initial);
    const bytesPerUser = Buffer.byteLength(JSON.stringify(progressObject(0)));

    let nextUser = 0;
    const save = async () => {
      const userId = `user-${nextUser++ % options.usersInFile}`;
      const store = JSON.parse(await readFile(path, "utf8")) as {
        users: Record<string, { updatedAt: string; steps: Record<string, unknown> }>;
      };
      const user = store.users[userId];
      if (!user) throw new Error(`User ${userId} is missing from the progress file.`);
      user.steps[String(SAVE_STEP_NUMBER)] = { status: "in_progress", draft: SAVE_DRAFT };
      user.updatedAt = new Date().toISOString();
      await writeFile(path, JSON.stringify(store));
    };

    const drive = async (seconds: number, latencies?: LatencyRecorder) => {
      const deadline = performance.now() + seconds * 1000;
      while (performance.now() < deadline) {
        const started = performance.now();
        await save();
        latencies?.add(performance.now() - started);
      }
    };

    await drive(options.warmupSeconds);
    const latencies = new LatencyRecorder();
    const started = performance.now();
    await drive(options.durationSeconds, latencies);
    const seconds = (performance.now() - started) / 1000;

    return {
      usersInFile: options.usersInFile,
      bytesPerUser,
      fileBytes: Buffer.byteLength(initial),
      seconds,
      saves: latencies.count,
      sps: latencies.count / seconds,
      latency: latencies.summary(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
