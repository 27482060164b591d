/**
 * Locations of the database and the encryption keyring for the import command, found by the same
 * rules as `pnpm start` (apps/web/scripts/start.ts).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { KEYRING_VARIABLE, type Keyring, KeyringError, parseKeyring } from "@onboarding/db/vault";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

/** Returns the embedded database directory: PGLITE_DATA_DIR, relative to the repository root. */
export function pgliteDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(REPO_ROOT, env.PGLITE_DATA_DIR ?? ".data/pglite");
}

/** Returns the path of the development secrets file that `pnpm start` writes beside PGlite. */
export function devSecretsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(dirname(pgliteDataDir(env)), "dev-secrets.json");
}

/**
 * Loads the keyring from ONBOARDING_ENCRYPTION_KEYS. When it is unset and so is DATABASE_URL,
 * reads the development keyring from dev-secrets.json beside the PGlite directory. Raises
 * KeyringError naming the variable or file and what to do; the message never contains a key.
 */
export function loadKeyring(env: NodeJS.ProcessEnv = process.env): Keyring {
  const value = env[KEYRING_VARIABLE];
  if (value !== undefined && value.trim() !== "") return parseKeyring(value);
  if (env.DATABASE_URL) return parseKeyring(value);

  const path = devSecretsPath(env);
  if (!existsSync(path)) {
    throw new KeyringError(
      `${KEYRING_VARIABLE} is not set and ${path} does not exist. Set ${KEYRING_VARIABLE} to ` +
        "the keyring the app uses, or start the app once with `pnpm start` to create the " +
        "development secrets.",
    );
  }
  let secrets: unknown;
  try {
    secrets = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw new KeyringError(`${path} is not valid JSON; restore it or set ${KEYRING_VARIABLE}.`);
  }
  const stored = (secrets as Record<string, unknown> | null)?.[KEYRING_VARIABLE];
  if (typeof stored !== "string") {
    throw new KeyringError(`${path} has no ${KEYRING_VARIABLE} entry; set ${KEYRING_VARIABLE}.`);
  }
  return parseKeyring(stored, `${KEYRING_VARIABLE} in ${path}`);
}
