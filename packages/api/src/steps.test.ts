import { describe, expect, it } from "vitest";
import { toFormValues, toStepRecord } from "./step-records";
import {
  checkWebsiteUrl,
  integrationsStepSchema,
  normalizeWebsiteUrl,
  personaStepSchema,
  websiteStepSchema,
} from "./steps";

const website = {
  mode: "website",
  websiteUrl: "Example.com/blog#top",
  writingTone: "friendly",
  targetAudience: "Bakers",
  primaryContentType: "articles",
} as const;

const persona = {
  personaName: "Ada",
  brandVoice: "Warm",
  defaultTone: "friendly",
  platforms: ["blog"],
} as const;

describe("step schemas", () => {
  it("normalizes website addresses", () => {
    expect(normalizeWebsiteUrl(" Example.COM/a#b ")).toBe("https://example.com/a");
    expect(normalizeWebsiteUrl("http://example.com")).toBe("http://example.com/");
    expect(normalizeWebsiteUrl("ftp://example.com")).toBeUndefined();
    expect(normalizeWebsiteUrl("javascript:alert(1)")).toBeUndefined();
    expect(normalizeWebsiteUrl("https://user:pw@example.com")).toBeUndefined();
    expect(normalizeWebsiteUrl("localhost:3000")).toBeUndefined();
  });

  it.each([
    ["", "Enter a website address"],
    ["example .com", "cannot contain spaces"],
    ["ftp://example.com", "starting with http:// or https://"],
    ["example", "whole domain name"],
    ["https://user:pw@example.com", "Remove the user name and password"],
    ["https://", "not a website address"],
  ])("explains why %j is not a website", (input, expected) => {
    const checked = checkWebsiteUrl(input);

    expect(checked).toEqual({ problem: expect.stringContaining(expected) });
  });

  it("accepts website input without style notes", () => {
    const parsed = websiteStepSchema.parse(website);

    expect(parsed).toMatchObject({ websiteUrl: "https://example.com/blog", styleNotes: "" });
  });

  it("round-trips style notes", () => {
    const data = websiteStepSchema.parse({ ...website, styleNotes: " Short sentences. " });

    const record = toStepRecord({ stepNumber: 2, data });
    const values = toFormValues(2, record.data);

    expect(record.data).toMatchObject({
      writingStyle: { tone: "friendly", notes: "Short sentences." },
    });
    expect(values).toMatchObject({ styleNotes: "Short sentences." });
  });

  it("omits empty style notes", () => {
    const record = toStepRecord({ stepNumber: 2, data: websiteStepSchema.parse(website) });

    expect(record.data).toMatchObject({ writingStyle: { tone: "friendly" } });
    expect(toFormValues(2, record.data)).not.toHaveProperty("styleNotes");
  });

  it("rejects avoiding the default tone", () => {
    const result = personaStepSchema.safeParse({ ...persona, avoidedTones: ["friendly"] });

    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["avoidedTones"]);
    expect(result.error?.issues[0]?.message).toContain("default tone");
  });

  it("accepts other avoided tones", () => {
    const result = personaStepSchema.safeParse({ ...persona, avoidedTones: ["casual"] });

    expect(result.success).toBe(true);
  });

  it("normalizes the LinkedIn address", () => {
    const parsed = integrationsStepSchema.parse({ linkedinUrl: "linkedin.com/company/acme" });
    const empty = integrationsStepSchema.parse({});

    expect(parsed.linkedinUrl).toBe("https://linkedin.com/company/acme");
    expect(empty.linkedinUrl).toBe("");
  });

  it("rejects a LinkedIn address that is no URL", () => {
    const result = integrationsStepSchema.safeParse({ linkedinUrl: "my page" });

    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["linkedinUrl"]);
  });
});
