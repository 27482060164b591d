import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateKeyringEntry, KeyringError, keyIdsOf, parseKeyring } from "./keyring";

const keyA = randomBytes(32);
const keyB = randomBytes(32);

describe("parseKeyring", () => {
  it("reads entries newest first", () => {
    const keyring = parseKeyring(
      ` k2:${keyB.toString("base64")} , k1:${keyA.toString("base64url")}`,
    );

    expect(keyring.currentKeyId).toBe("k2");
    expect(keyIdsOf(keyring)).toEqual(["k2", "k1"]);
    expect(keyring.keys.get("k2")?.equals(keyB)).toBe(true);
    expect(keyring.keys.get("k1")?.equals(keyA)).toBe(true);
  });

  it("accepts a generated entry", () => {
    const entry = generateKeyringEntry("2026-12.a");

    expect(parseKeyring(entry).currentKeyId).toBe("2026-12.a");
    expect(() => generateKeyringEntry("bad id")).toThrow(KeyringError);
  });

  it("rejects bad values with a message naming the variable and never the key", () => {
    const secret = keyA.toString("base64");
    const short = randomBytes(16).toString("base64");
    const cases: [string, string | undefined, string][] = [
      ["unset", undefined, "is missing"],
      ["blank", "  ", "is missing"],
      ["no separator", secret, "entry 1"],
      ["empty id", `:${secret}`, "entry 1"],
      ["trailing comma", `k1:${secret},`, "entry 2"],
      ["bad id", `k 1:${secret}`, "invalid key id"],
      ["long id", `${"k".repeat(33)}:${secret}`, "invalid key id"],
      ["repeated id", `k1:${secret},k1:${keyB.toString("base64")}`, 'repeats the key id "k1"'],
      ["short key", `k1:${short}`, "must be 32 bytes"],
      ["long key", `k1:${randomBytes(48).toString("base64")}`, "must be 32 bytes"],
      ["not base64", `k1:${"*".repeat(43)}=`, "must be 32 bytes"],
      ["mixed alphabets", `k1:${"+-".repeat(21)}A=`, "must be 32 bytes"],
    ];

    for (const [label, value, expected] of cases) {
      let caught: unknown;
      try {
        parseKeyring(value);
      } catch (error) {
        caught = error;
      }
      expect(caught, label).toBeInstanceOf(KeyringError);
      const message = (caught as Error).message;
      expect(message, label).toContain("ONBOARDING_ENCRYPTION_KEYS");
      expect(message, label).toContain(expected);
      expect(message, label).not.toContain(secret);
      expect(message, label).not.toContain(short);
    }
  });
});
