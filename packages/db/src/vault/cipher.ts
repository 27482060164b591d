import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { Keyring } from "./keyring";

const FORMAT_VERSION = 1;
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
 * Layout: version (1 byte), key id length (1 byte), key id, IV, auth tag, ciphertext.
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

/** Reads the master key id a blob names, or undefined when the header is malformed. */
export function keyIdOf(blob: Uint8Array): string | undefined {
  const buffer = Buffer.from(blob);
  if (buffer.length < 2 || buffer[0] !== FORMAT_VERSION) return undefined;
  const length = buffer[1] ?? 0;
  if (buffer.length < 2 + length + IV_BYTES + TAG_BYTES) return undefined;
  return buffer.subarray(2, 2 + length).toString("ascii");
}

/** Decrypts a blob from encryptSecret; raises DecryptionError without any key material. */
export function decryptSecret(keyring: Keyring, binding: SecretBinding, blob: Uint8Array): string {
  const buffer = Buffer.from(blob);
  const keyId = keyIdOf(buffer);
  if (keyId === undefined) throw new DecryptionError("The stored key has an unknown format.");

  const key = keyring.keys.get(keyId);
  if (!key) {
    throw new DecryptionError(
      `The stored key was encrypted with master key "${keyId}", which is not configured.`,
    );
  }

  const ivStart = 2 + keyId.length;
  const tagStart = ivStart + IV_BYTES;
  const dataStart = tagStart + TAG_BYTES;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, buffer.subarray(ivStart, tagStart));
    decipher.setAAD(associatedData(binding, keyId));
    decipher.setAuthTag(buffer.subarray(tagStart, dataStart));
    return Buffer.concat([decipher.update(buffer.subarray(dataStart)), decipher.final()]).toString(
      "utf8",
    );
  } catch {
    throw new DecryptionError("The stored key failed authentication; it was altered or moved.");
  }
}
