import { describe, expect, it } from "vitest";
import { createDatabase, InvalidDatabaseUrlError, redactUrl } from "./client";

describe("redactUrl", () => {
  it("masks the password of a normal URL", () => {
    const redacted = redactUrl("postgres://app:Zq9Secret@db.internal:5432/onboarding");

    expect(redacted).toBe("postgres://app:***@db.internal:5432/onboarding");
  });

  it("masks a password query parameter", () => {
    const redacted = redactUrl("postgres://app@127.0.0.1:5432/onboarding?password=Zq9Secret");

    expect(redacted).not.toContain("Zq9Secret");
    expect(redacted).toContain("password=***");
  });

  it.each([
    ["one slash", "postgresql:/app:Zq9Secret@127.0.0.1:5432/onboarding"],
    ["no slashes", "postgres:app:Zq9Secret@127.0.0.1:5432/onboarding"],
    ["another scheme", "mysql://app:Zq9Secret@127.0.0.1/onboarding"],
    ["no scheme", "app:Zq9Secret@127.0.0.1:5432/onboarding"],
    ["an unencoded #", "postgres://app:Zq9#Secret@127.0.0.1:5432/onboarding"],
  ])("hides a URL with %s", (_, url) => {
    const redacted = redactUrl(url);

    expect(redacted).not.toContain("Zq9");
    expect(redacted).toContain("unexpected form");
  });
});

describe("createDatabase", () => {
  it.each([
    ["an unencoded #", "postgres://app:Zq9#Secret@127.0.0.1:5432/onboarding"],
    ["a port out of range", "postgres://app:Zq9Secret@127.0.0.1:99999/onboarding"],
    ["one slash", "postgresql:/app:Zq9Secret@127.0.0.1:5432/onboarding"],
    ["another scheme", "mysql://app:Zq9Secret@127.0.0.1:5432/onboarding"],
  ])("explains a URL with %s", async (_, url) => {
    const opening = createDatabase({ url });

    await expect(opening).rejects.toBeInstanceOf(InvalidDatabaseUrlError);
    await expect(opening).rejects.toThrow(/percent-encode/);
    await expect(opening).rejects.not.toThrow(/Zq9/);
  });
});
