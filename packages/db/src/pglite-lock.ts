import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";

/** Thrown when another live process already has the embedded database directory open. */
export class DatabaseLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `The embedded database directory ${dataDir} is in use by process ${holder.pid} ` +
        `(${holder.command}) on ${holder.hostname} since ${holder.since}. ` +
        "Stop that process, or set PGLITE_DATA_DIR to another directory.",
    );
    this.name = "DatabaseLockedError";
  }
}

interface LockHolder {
  pid: number;
  hostname: string;
  command: string;
  since: string;
}

/** The lock lives beside the data directory, because PGlite owns everything inside it. */
export function lockPathFor(dataDir: string): string {
  return join(dirname(dataDir), `${basename(dataDir)}.lock`);
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(lockPath: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(lockPath, "utf8")) as LockHolder;
  } catch {
    return undefined;
  }
}

/**
 * Takes an exclusive lock on a PGlite data directory for this process and returns its release
 * function. A lock left by a dead process on this host is taken over; a live holder raises
 * DatabaseLockedError at once instead of letting two processes corrupt the same files.
 */
export function acquireDataDirLock(dataDir: string): () => void {
  const lockPath = lockPathFor(dataDir);
  mkdirSync(dirname(lockPath), { recursive: true });

  const holder: LockHolder = {
    pid: process.pid,
    hostname: hostname(),
    command: process.argv.slice(1, 3).join(" ") || process.argv0,
    since: new Date().toISOString(),
  };

  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(lockPath, "wx", 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;

      const existing = readHolder(lockPath);
      const isStale =
        existing === undefined ||
        (existing.hostname === holder.hostname && !isProcessAlive(existing.pid));
      if (!isStale) throw new DatabaseLockedError(dataDir, existing);

      rmSync(lockPath, { force: true });
      continue;
    }

    writeSync(fd, JSON.stringify(holder));
    closeSync(fd);

    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      process.off("exit", release);
      if (readHolder(lockPath)?.pid === process.pid) rmSync(lockPath, { force: true });
    };
    process.on("exit", release);
    return release;
  }

  throw new Error(`Could not take the lock ${lockPath}; remove it if no process uses ${dataDir}.`);
}
