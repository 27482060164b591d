import { randomBytes } from "node:crypto";

export const KEYRING_VARIABLE = "ONBOARDING_ENCRYPTION_KEYS";
export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,32}$/;
const KEY_BYTES = 32;

// 32 bytes are 43 base64 characters and one "=" of padding, in either alphabet but not a mix.
const BASE64_KEY = /^[A-Za-z0-9+/]{43}=?$/;
const BASE64URL_KEY = /^[A-Za-z0-9_-]{43}=?$/;

/** Master keys for AES-256-GCM, newest first; the newest encrypts, all of them decrypt. */
export interface Keyring {
  currentKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

/** A keyring value that cannot be used; the message names the variable and never the key. */
export class KeyringError extends Error {
  override name = "KeyringError";
}

/**
 * Parses `id:base64key[,id:base64key...]`, newest first. Each key id is 1 to 32 characters of
 * letters, digits, `.`, `_` or `-`; each key is 32 random bytes in base64 or base64url.
 * Raises KeyringError naming the variable and the entry, never echoing a key.
 */
export function parseKeyring(value: string | undefined, variable = KEYRING_VARIABLE): Keyring {
  if (value === undefined || value.trim() === "") {
    throw new KeyringError(
      `${variable} is missing. Set it to "<key id>:<32 random bytes in base64>", for example ` +
        `"k1:$(openssl rand -base64 32)".`,
    );
  }

  const keys = new Map<string, Buffer>();
  const entries = value.split(",").map((entry) => entry.trim());
  entries.forEach((entry, index) => {
    const position = `entry ${index + 1} of ${variable}`;
    const separator = entry.indexOf(":");
    if (separator <= 0) {
      throw new KeyringError(`${position} is invalid: expected "<key id>:<base64 key>".`);
    }

    const keyId = entry.slice(0, separator);
    const encoded = entry.slice(separator + 1);
    if (!KEY_ID_PATTERN.test(keyId)) {
      throw new KeyringError(
        `${position} has an invalid key id: use 1 to 32 letters, digits, ".", "_" or "-".`,
      );
    }
    if (keys.has(keyId)) throw new KeyringError(`${position} repeats the key id "${keyId}".`);

    const alphabet = BASE64_KEY.test(encoded)
      ? "base64"
      : BASE64URL_KEY.test(encoded)
        ? "base64url"
        : undefined;
    const key = alphabet ? Buffer.from(encoded, alphabet) : undefined;
    if (!key || key.length !== KEY_BYTES) {
      throw new KeyringError(
        `${position} (key id "${keyId}") must be ${KEY_BYTES} bytes in base64; ` +
          "generate one with `openssl rand -base64 32`.",
      );
    }
    keys.set(keyId, key);
  });

  const currentKeyId = entries[0]?.slice(0, entries[0].indexOf(":"));
  if (!currentKeyId) throw new KeyringError(`${variable} contains no key.`);
  return { currentKeyId, keys };
}

/** The key ids of a keyring, newest first: safe to log, unlike the keys. */
export function keyIdsOf(keyring: Keyring): string[] {
  return [...keyring.keys.keys()];
}

/** Formats a new random master key as a keyring entry. */
export function generateKeyringEntry(keyId: string): string {
  if (!KEY_ID_PATTERN.test(keyId)) throw new KeyringError(`Invalid key id "${keyId}".`);
  return `${keyId}:${randomBytes(KEY_BYTES).toString("base64")}`;
}
