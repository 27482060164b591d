import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SecretWitness } from "./test-support";

describe("SecretWitness", () => {
  const secret = "sk-witness-0123456789abcdef";
  const witness = new SecretWitness();
  witness.remember(secret);
  witness.remember("AIza-another-secret-value-xyz");
  const noise = randomBytes(4096);

  it("finds a secret anywhere in bytes", () => {
    const utf8 = Buffer.from(secret);
    const places = [
      Buffer.concat([utf8, noise]),
      Buffer.concat([noise, utf8, noise]),
      Buffer.concat([noise, utf8]),
      utf8,
    ];

    for (const [index, haystack] of places.entries()) {
      expect(witness.leaksIn(`place ${index}`, haystack), `place ${index}`).toHaveLength(1);
    }
  });

  it("finds encoded forms", () => {
    const forms = [
      Buffer.from(secret).toString("hex"),
      Buffer.from(secret).toString("base64"),
      Buffer.from(secret).toString("base64url"),
    ];

    for (const form of forms) expect(witness.leaksIn(form, `x${form}y`), form).toHaveLength(1);
    expect(witness.leaksIn("utf16", Buffer.from(`..${secret}..`, "utf16le"))).toHaveLength(1);
  });

  it("reports nothing for other text", () => {
    expect(witness.leaksIn("noise", noise)).toEqual([]);
    expect(witness.leaksIn("prefix", secret.slice(0, -1))).toEqual([]);
    expect(witness.leaksIn("last four", `ending ${secret.slice(-4)}`)).toEqual([]);
  });
});
