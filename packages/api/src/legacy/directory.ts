/**
 * Directory mode: finds the legacy progress files in a directory and pairs each with the email
 * of its user through a mapping file of legacy user ids to emails.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { emailSchema } from "../steps";
import { findJsonSyntaxError, lineAndColumn } from "./json-syntax";
import { formatPath, isPlainObject } from "./parse";

/** The single-user file of the old app, which has no user id in its name. */
export const GLOBAL_FILE_NAME = ".onboarding_progress.json";
const USER_FILE_NAME = /^\.onboarding_progress_(.+)\.json$/;

/** A mapping file that cannot be used; the message names the file, the position and the fix. */
export class MappingFileError extends Error {
  override name = "MappingFileError";
}

/**
 * Reads the mapping file: a JSON object from legacy user id to the email of the account that
 * receives that user's progress, such as `{ "42": "ada@example.com" }`.
 */
export function readMapping(path: string): Map<string, string> {
  const name = basename(path);
  let text: string;
  try {
    text = readFileSync(path, "utf8").replace(/^\uFEFF/, "");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new MappingFileError(`${name}: the mapping file cannot be read (${code}); check --map.`);
  }

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const found = findJsonSyntaxError(text) ?? { offset: 0, message: "invalid JSON" };
    const { line, column } = lineAndColumn(text, found.offset);
    throw new MappingFileError(
      `${name} at line ${line}, column ${column}: ${found.message}. Fix the mapping file and run again.`,
    );
  }
  if (!isPlainObject(json)) {
    throw new MappingFileError(
      `${name}: expected a JSON object from legacy user id to email, such as ` +
        '{ "42": "ada@example.com" }.',
    );
  }

  const mapping = new Map<string, string>();
  for (const [id, value] of Object.entries(json)) {
    const email = emailSchema.safeParse(value);
    if (!email.success) {
      throw new MappingFileError(
        `${name} at ${formatPath([id])}: expected the email address of a registered user; ` +
          "fix the mapping file and run again.",
      );
    }
    mapping.set(id, email.data);
  }
  return mapping;
}

/** One legacy file found in the directory, with its user's email or the reason it has none. */
export interface DirectoryEntry {
  path: string;
  fileName: string;
  /** The legacy user id from the file name; null for the global file. */
  legacyId: string | null;
  email?: string;
  problem?: string;
}

/**
 * Lists the legacy progress files in `dir`, sorted by name, each with its user's email: from the
 * mapping for per-user files, from `userEmail` for the global file. Backups the import wrote
 * (`*.bak`) do not match. Also returns the mapped ids that have no file.
 */
export function listLegacyFiles(
  dir: string,
  mapping: ReadonlyMap<string, string>,
  userEmail: string | undefined,
): { entries: DirectoryEntry[]; idsWithoutFile: string[] } {
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .filter((name) => name === GLOBAL_FILE_NAME || USER_FILE_NAME.test(name))
    .sort();

  const entries = names.map((fileName): DirectoryEntry => {
    const path = join(dir, fileName);
    if (fileName === GLOBAL_FILE_NAME) {
      return userEmail
        ? { path, fileName, legacyId: null, email: userEmail }
        : {
            path,
            fileName,
            legacyId: null,
            problem: "the global file has no user id; pass --user-email for it",
          };
    }
    const legacyId = USER_FILE_NAME.exec(fileName)?.[1] ?? "";
    const email = mapping.get(legacyId);
    return email
      ? { path, fileName, legacyId, email }
      : {
          path,
          fileName,
          legacyId,
          problem: `the mapping has no email for legacy id ${JSON.stringify(legacyId)}; add it`,
        };
  });

  const found = new Set(entries.map((entry) => entry.legacyId));
  const idsWithoutFile = [...mapping.keys()].filter((id) => !found.has(id));
  return { entries, idsWithoutFile };
}
