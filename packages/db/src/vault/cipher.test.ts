import { describe, expect, it } from "vitest";
import { checkDecryptable, DecryptionError, decryptSecret, encryptSecret, keyIdOf } from "./cipher";
import { parseKeyring } from "./keyring";
import { randomKeyring } from "./test-support";

const SECRET = "sk-ant-cipher-test-0123456789abcdefghij";
const alice = { userId: "user-alice", provider: "anthropic" };

function decryptError(run: () => unknown): DecryptionError {
  try {
    run();
  } catch (error) {
    if (error instanceof DecryptionError) return error;
    throw error;
  }
  throw new Error("Expected a DecryptionError, but decryption succeeded.");
}

describe("cipher", () => {
  const { keyring, value } = randomKeyring("k2", "k1");

  it("round-trips under the newest key", () => {
    const { blob, keyId } = encryptSecret(keyring, alice, SECRET);

    expect(keyId).toBe("k2");
    expect(keyIdOf(blob)).toBe("k2");
    expect(decryptSecret(keyring, alice, blob)).toBe(SECRET);
    expect(checkDecryptable(keyring, alice, blob)).toBeUndefined();
  });

  it("uses a fresh IV for every write", () => {
    const first = encryptSecret(keyring, alice, SECRET).blob;
    const second = encryptSecret(keyring, alice, SECRET).blob;
    const ivOf = (blob: Buffer) => blob.subarray(4, 16).toString("hex");

    expect(first.equals(second)).toBe(false);
    expect(ivOf(first)).not.toBe(ivOf(second));
    expect(first.length).toBe(2 + 2 + 12 + 16 + SECRET.length);
  });

  it("never holds the plaintext", () => {
    const { blob } = encryptSecret(keyring, alice, SECRET);

    expect(blob.includes(Buffer.from(SECRET))).toBe(false);
    expect(blob.includes(Buffer.from(SECRET.slice(8, 24)))).toBe(false);
  });

  it("fails for another user or provider", () => {
    const { blob } = encryptSecret(keyring, alice, SECRET);

    const otherUser = decryptError(() =>
      decryptSecret(keyring, { ...alice, userId: "user-mallory" }, blob),
    );
    const otherProvider = decryptError(() =>
      decryptSecret(keyring, { ...alice, provider: "openai" }, blob),
    );

    expect(otherUser.message).toContain("integrity check");
    expect(otherProvider.message).toContain("integrity check");
  });

  it("fails when any single byte changes", () => {
    const { blob } = encryptSecret(keyring, alice, SECRET);

    for (let index = 0; index < blob.length; index++) {
      const tampered = Buffer.from(blob);
      tampered[index] = (tampered[index] ?? 0) ^ 0x01;
      const error = checkDecryptable(keyring, alice, tampered);
      expect(error, `byte ${index}`).toBeInstanceOf(DecryptionError);
      expect(error?.message, `byte ${index}`).not.toContain(SECRET);
    }
  });

  it("fails for truncated and empty blobs", () => {
    const { blob } = encryptSecret(keyring, alice, SECRET);

    for (const length of [0, 1, 2, 5, 20, 33, blob.length - 1]) {
      expect(
        checkDecryptable(keyring, alice, blob.subarray(0, length)),
        `${length}`,
      ).toBeInstanceOf(DecryptionError);
    }
  });

  it("fails once the master key is retired or replaced", () => {
    const { blob } = encryptSecret(parseKeyring(value.split(",")[1]), alice, SECRET);
    const withoutK1 = parseKeyring(value.split(",")[0]);
    const k1Replaced = randomKeyring("k1").keyring;

    const retired = decryptError(() => decryptSecret(withoutK1, alice, blob));
    const replaced = decryptError(() => decryptSecret(k1Replaced, alice, blob));

    expect(decryptSecret(keyring, alice, blob)).toBe(SECRET);
    expect(retired.message).toContain('master key "k1"');
    expect(retired.message).toContain("no longer has");
    expect(replaced.message).toContain("integrity check");
  });

  it("rejects a header naming another key id", () => {
    const { blob } = encryptSecret(keyring, alice, SECRET);
    const relabelled = Buffer.from(blob);
    relabelled.write("k1", 2, "latin1");

    expect(checkDecryptable(keyring, alice, relabelled)).toBeInstanceOf(DecryptionError);
  });
});
