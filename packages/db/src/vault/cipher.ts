import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { KEY_ID_PATTERN, type Keyring } from "./keyring";

const FORMAT_VERSION = 1;
const HEADER_BYTES = 2;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A stored key that cannot be decrypted: tampered, moved to another row, or its master key gone. */
export class DecryptionError extends Error {
  override name = "DecryptionError";
}

export interface SecretBinding {
  userId: string;
  provider: string;
}

/**
 * The associated data ties a ciphertext to its owner, provider and master key, so a blob copied
 * to another user's row or another provider fails authentication.
 */
function associatedData(binding: SecretBinding, keyId: string): Buffer {
  return Buffer.from(
    ["onboarding-api-key", FORMAT_VERSION, binding.userId, binding.provider, keyId].join("\u0000"),
    "utf8",
  );
}

/**
 * Encrypts with AES-256-GCM under the keyring's newest key and a fresh random 96-bit IV.
 * Layout: version (1 byte), key id length (1 byte), key id (ASCII), IV, auth tag, ciphertext.
 */
export function encryptSecret(
  keyring: Keyring,
  binding: SecretBinding,
  plaintext: string,
): { blob: Buffer; keyId: string } {
  const keyId = keyring.currentKeyId;
  const key = keyring.keys.get(keyId);
  if (!key) throw new Error(`The keyring has no key with id "${keyId}".`);

  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(associatedData(binding, keyId));
  const encrypted = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const keyIdBytes = Buffer.from(keyId, "ascii");

  const blob = Buffer.concat([
    Buffer.from([FORMAT_VERSION, keyIdBytes.length]),
    keyIdBytes,
    iv,
    cipher.getAuthTag(),
    encrypted,
  ]);
  return { blob, keyId };
}

interface ParsedBlob {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  data: Buffer;
}

function parseBlob(blob: Uint8Array): ParsedBlob | undefined {
  const buffer = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (buffer.length < HEADER_BYTES || buffer[0] !== FORMAT_VERSION) return undefined;

  const keyIdEnd = HEADER_BYTES + (buffer[1] ?? 0);
  const ivEnd = keyIdEnd + IV_BYTES;
  const tagEnd = ivEnd + TAG_BYTES;
  if (buffer.length < tagEnd) return undefined;

  const keyId = buffer.subarray(HEADER_BYTES, keyIdEnd).toString("latin1");
  if (!KEY_ID_PATTERN.test(keyId)) return undefined;
  return {
    keyId,
    iv: buffer.subarray(keyIdEnd, ivEnd),
    tag: buffer.subarray(ivEnd, tagEnd),
    data: buffer.subarray(tagEnd),
  };
}

/** Reads the master key id a blob names, or undefined when the header is malformed. */
export function keyIdOf(blob: Uint8Array): string | undefined {
  return parseBlob(blob)?.keyId;
}

/**
 * Decrypts to bytes; the caller owns the buffer and may wipe it. `storedKeyId` is the row's
 * key_id column: the header's key id is authenticated and the column is not, so a row whose
 * column names another key was altered and fails like any other tampering.
 */
function decryptToBuffer(
  keyring: Keyring,
  binding: SecretBinding,
  blob: Uint8Array,
  storedKeyId?: string,
): Buffer {
  const parsed = parseBlob(blob);
  if (!parsed) throw new DecryptionError("The stored key is damaged: its header is unreadable.");
  if (storedKeyId !== undefined && storedKeyId !== parsed.keyId) {
    throw new DecryptionError(
      `The stored key was altered: its key_id column names master key "${storedKeyId}", but it ` +
        `was encrypted with "${parsed.keyId}".`,
    );
  }

  const key = keyring.keys.get(parsed.keyId);
  if (!key) {
    throw new DecryptionError(
      `The stored key was encrypted with master key "${parsed.keyId}", which this server no ` +
        "longer has.",
    );
  }

  try {
    const decipher = createDecipheriv("aes-256-gcm", key, parsed.iv);
    decipher.setAAD(associatedData(binding, parsed.keyId));
    decipher.setAuthTag(parsed.tag);
    return Buffer.concat([decipher.update(parsed.data), decipher.final()]);
  } catch {
    throw new DecryptionError(
      "The stored key failed its integrity check: it was altered, moved from another row, or " +
        `master key "${parsed.keyId}" has changed.`,
    );
  }
}

/**
 * Decrypts a blob from encryptSecret; raises DecryptionError without any key material, also when
 * `storedKeyId` (the row's key_id) differs from the key id in the blob.
 */
export function decryptSecret(
  keyring: Keyring,
  binding: SecretBinding,
  blob: Uint8Array,
  storedKeyId?: string,
): string {
  const bytes = decryptToBuffer(keyring, binding, blob, storedKeyId);
  try {
    return bytes.toString("utf8");
  } finally {
    bytes.fill(0);
  }
}

/**
 * Checks that a blob decrypts for its binding without handing out the plaintext, which is wiped
 * at once. Returns the DecryptionError when it does not, undefined when it does.
 */
export function checkDecryptable(
  keyring: Keyring,
  binding: SecretBinding,
  blob: Uint8Array,
  storedKeyId?: string,
): DecryptionError | undefined {
  try {
    decryptToBuffer(keyring, binding, blob, storedKeyId).fill(0);
    return undefined;
  } catch (error) {
    if (error instanceof DecryptionError) return error;
    throw error;
  }
}
