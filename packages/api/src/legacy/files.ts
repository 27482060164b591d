/**
 * File handling around an import: reading a legacy file with its SHA-256, and after the commit,
 * the backup copy and the removal of the original.
 */
import { createHash } from "node:crypto";
import {
  chmodSync,
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { LegacyFileError, MAX_LEGACY_FILE_BYTES } from "./parse";

export const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

/** Reads a legacy file; raises LegacyFileError for a missing, unreadable or oversized file. */
export function readLegacyFile(path: string, fileName: string): { bytes: Buffer; sha256: string } {
  try {
    const size = statSync(path).size;
    if (size > MAX_LEGACY_FILE_BYTES) {
      throw new LegacyFileError(
        fileName,
        undefined,
        `the file has ${size} bytes; the maximum is ${MAX_LEGACY_FILE_BYTES} bytes`,
      );
    }
    const bytes = readFileSync(path);
    return { bytes, sha256: sha256Hex(bytes) };
  } catch (error) {
    if (error instanceof LegacyFileError) throw error;
    const code = errorCode(error);
    const problem =
      code === "ENOENT"
        ? "the file does not exist; check the path"
        : code === "EISDIR"
          ? "this is a directory; pass a file, or use --dir with --map"
          : code === "EACCES"
            ? "permission denied; run the command as a user who can read the file"
            : `the file cannot be read (${code ?? String(error)})`;
    throw new LegacyFileError(fileName, undefined, problem);
  }
}

/** The fate of the original file after a committed import. */
export type FileDisposition =
  | { kept: true }
  | { kept: false; backupPath: string; removed: boolean; warning?: string };

/** Returns the backup path: `<path>.imported-<UTC time, compact ISO 8601>.bak`. */
export function backupPathFor(path: string, now: Date): string {
  return `${path}.imported-${now.toISOString().replace(/[-:]/g, "")}.bak`;
}

function writePrivateCopy(path: string, bytes: Uint8Array): void {
  const descriptor = openSync(path, "wx", 0o600);
  try {
    writeSync(descriptor, bytes);
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  chmodSync(path, 0o600);
}

/**
 * Runs after the import committed. With `keepFile` nothing changes: the original stays, and no
 * backup is written, because every copy of the file is another copy of plaintext keys. Otherwise
 * the imported bytes are copied next to the file (mode 0600, flushed to disk) and the original is
 * removed, unless it changed since it was read. A failure here becomes a warning, and the committed import is kept.
 */
export function disposeOfImportedFile(
  path: string,
  imported: { bytes: Uint8Array; sha256: string },
  options: { keepFile: boolean; now: Date },
): FileDisposition {
  if (options.keepFile) return { kept: true };

  const backupPath = backupPathFor(path, options.now);
  try {
    writePrivateCopy(backupPath, imported.bytes);
  } catch (error) {
    return {
      kept: false,
      backupPath,
      removed: false,
      warning: `writing the backup failed (${errorCode(error) ?? String(error)}); the original was left in place`,
    };
  }

  try {
    if (sha256Hex(readFileSync(path)) !== imported.sha256) {
      return {
        kept: false,
        backupPath,
        removed: false,
        warning: "the file changed while it was imported; the original was left in place",
      };
    }
    unlinkSync(path);
    return { kept: false, backupPath, removed: true };
  } catch (error) {
    return {
      kept: false,
      backupPath,
      removed: false,
      warning: `removing the original failed (${errorCode(error) ?? String(error)})`,
    };
  }
}
