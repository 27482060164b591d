/**
 * Imports one legacy progress file for one registered user: read, parse, map, write in one
 * transaction, then back up and remove the file. The command line lives in import-cli.ts.
 */
import { basename } from "node:path";
import type { Database } from "@onboarding/db";
import {
  ExistingProgressError,
  findExistingProgress,
  findLegacyImport,
  findUserCredentials,
  importLegacyProgress,
} from "@onboarding/db/repositories";
import { type Keyring, KeyringError } from "@onboarding/db/vault";
import { disposeOfImportedFile, type FileDisposition, readLegacyFile } from "./files";
import { type LegacyImportSummary, mapLegacyProgress } from "./map";
import { parseLegacyProgress } from "./parse";

/** An import that cannot go ahead. The message explains why and what to do; nothing changed. */
export class ImportRefusedError extends Error {
  override name = "ImportRefusedError";
}

export interface ImportFileRequest {
  path: string;
  email: string;
  /** Parse, map and check against the database, but write nothing and leave the file alone. */
  dryRun: boolean;
  keepFile: boolean;
  overwrite: boolean;
  /** Validated IANA zone for naive timestamps. */
  timeZone: string;
  requiredProviders: readonly string[];
  /** Called only when the file has keys to store (or, in a dry run, to check). */
  loadKeyring: () => Keyring;
  now?: () => Date;
}

export type ImportFileOutcome =
  | {
      kind: "imported";
      fileName: string;
      importId: string;
      summary: LegacyImportSummary;
      /** Progress the import replaced because of --overwrite. */
      replaced: string[];
      file: FileDisposition;
    }
  | { kind: "already_imported"; fileName: string; importedAt: Date; previousName: string }
  | {
      kind: "dry_run";
      fileName: string;
      summary: LegacyImportSummary;
      /** Set when a real run would find the same file already imported (and change nothing). */
      alreadyImportedAt?: Date;
      /** Set when a real run would be refused, with the reason. */
      refusal?: string;
    };

function existingProgressMessage(email: string, fileName: string, findings: string[]): string {
  return (
    `${email} already has onboarding progress (${findings.join("; ")}). Nothing was imported ` +
    `from ${fileName}; run the command again with --overwrite to replace that progress.`
  );
}

function keyringFor(request: ImportFileRequest, fileName: string): Keyring {
  try {
    return request.loadKeyring();
  } catch (error) {
    if (!(error instanceof KeyringError)) throw error;
    throw new ImportRefusedError(
      `${fileName} has API keys to store, but the keyring cannot be loaded: ${error.message}`,
    );
  }
}

/**
 * Imports one legacy file for the account with `email`. Raises LegacyFileError for a file that
 * cannot be parsed. Raises ImportRefusedError when the account is missing, has progress (without
 * `overwrite`) or the keyring is unusable. In each of these cases nothing changed.
 */
export async function importLegacyFile(
  db: Database,
  request: ImportFileRequest,
): Promise<ImportFileOutcome> {
  const now = request.now ?? (() => new Date());
  const fileName = basename(request.path);
  const { bytes, sha256 } = readLegacyFile(request.path, fileName);
  const progress = parseLegacyProgress(bytes, fileName, request.timeZone);
  const { plan, summary } = mapLegacyProgress(progress, {
    timeZone: request.timeZone,
    requiredProviders: request.requiredProviders,
    fileBytes: bytes.length,
    now: now(),
  });

  const user = await findUserCredentials(db, { email: request.email });
  if (!user) {
    throw new ImportRefusedError(
      `No account exists for ${request.email}. The user must register first (sign up in the ` +
        `app), then run the import again; nothing was imported from ${fileName}.`,
    );
  }

  if (request.dryRun) {
    if (plan.apiKeys.length > 0) keyringFor(request, fileName);
    const previous = await findLegacyImport(db, { userId: user.id, sourceSha256: sha256 });
    const existing = previous ? [] : await findExistingProgress(db, { userId: user.id });
    return {
      kind: "dry_run",
      fileName,
      summary,
      alreadyImportedAt: previous?.importedAt,
      refusal:
        existing.length > 0 && !request.overwrite
          ? existingProgressMessage(request.email, fileName, existing)
          : undefined,
    };
  }

  const keyring = plan.apiKeys.length > 0 ? keyringFor(request, fileName) : undefined;
  let result: Awaited<ReturnType<typeof importLegacyProgress>>;
  try {
    result = await importLegacyProgress(db, keyring, {
      userId: user.id,
      sourceSha256: sha256,
      sourceName: fileName,
      plan,
      overwrite: request.overwrite,
    });
  } catch (error) {
    if (error instanceof ExistingProgressError) {
      throw new ImportRefusedError(
        existingProgressMessage(request.email, fileName, error.findings),
      );
    }
    throw error;
  }

  if (result.status === "already_imported") {
    return {
      kind: "already_imported",
      fileName,
      importedAt: result.previous.importedAt,
      previousName: result.previous.sourceName,
    };
  }
  return {
    kind: "imported",
    fileName,
    importId: result.importId,
    summary,
    replaced: result.replaced,
    file: disposeOfImportedFile(
      request.path,
      { bytes, sha256 },
      {
        keepFile: request.keepFile,
        now: now(),
      },
    ),
  };
}
