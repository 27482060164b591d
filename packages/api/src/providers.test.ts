import { describe, expect, it } from "vitest";
import { createLogger } from "./logger";
import { checkApiKeyFormat, MAX_API_KEY_LENGTH, PROVIDER_IDS, PROVIDERS } from "./providers";
import { createCaller } from "./root";
import { SAMPLE_KEYS } from "./sample-keys";
import { parseRequiredProviders, type Services } from "./services";
import { createTRPCContext } from "./trpc";
import {
  checkUrlFor,
  DEFAULT_VERIFICATION_CONFIG,
  KEY_CHECKS,
  parseVerificationConfig,
  VerificationConfigError,
} from "./verification";

describe("provider registry", () => {
  it("lists eleven providers with complete entries", () => {
    expect([...PROVIDER_IDS].sort()).toEqual(Object.keys(SAMPLE_KEYS).sort());
    for (const provider of PROVIDERS) {
      expect(provider.label, provider.id).not.toBe("");
      expect(provider.formatHint, provider.id).not.toBe("");
      expect(provider.keyUrl, provider.id).toMatch(/^https:\/\//);
      expect(() => new RegExp(provider.pattern), provider.id).not.toThrow();
    }
  });

  it("marks exactly the providers with a check as verifiable", () => {
    const verifiable = PROVIDERS.filter((provider) => provider.verifiable).map((p) => p.id);

    expect(verifiable.sort()).toEqual(Object.keys(KEY_CHECKS).sort());
  });

  it("points checks at the real providers by default", () => {
    expect(checkUrlFor("gemini", DEFAULT_VERIFICATION_CONFIG)).toBe(
      "https://generativelanguage.googleapis.com/v1beta/models?pageSize=1",
    );
    expect(checkUrlFor("openai", DEFAULT_VERIFICATION_CONFIG)).toBe(
      "https://api.openai.com/v1/models",
    );
    for (const provider of Object.keys(KEY_CHECKS)) {
      expect(checkUrlFor(provider, DEFAULT_VERIFICATION_CONFIG), provider).toMatch(/^https:\/\//);
    }
  });

  it("serves providers.list with required and verifiable flags", async () => {
    const services = {
      requiredProviders: ["openai"],
      logger: createLogger({ level: "silent" }),
    } as unknown as Services;
    const caller = createCaller(createTRPCContext({ session: null, services }));

    const listed = await caller.providers.list();

    expect(listed).toHaveLength(PROVIDERS.length);
    expect(listed.filter((provider) => provider.required).map((p) => p.id)).toEqual(["openai"]);
    expect(listed.find((provider) => provider.id === "gemini")).toMatchObject({
      label: "Google Gemini",
      pattern: "^AIza[0-9A-Za-z_-]{35}$",
      keyUrl: "https://aistudio.google.com/app/apikey",
      verifiable: true,
      required: false,
    });
  });

  it("reads the required providers", () => {
    expect(parseRequiredProviders(undefined)).toEqual(["gemini", "exa"]);
    expect(parseRequiredProviders("")).toEqual([]);
    expect(parseRequiredProviders(" OpenAI , tavily,openai ")).toEqual(["openai", "tavily"]);
    expect(() => parseRequiredProviders("gemini,pastebin")).toThrow(
      /ONBOARDING_REQUIRED_PROVIDERS.*pastebin/,
    );
  });
});

describe("checkApiKeyFormat", () => {
  it("accepts each provider's key and trims pasted whitespace", () => {
    for (const [provider, sample] of Object.entries(SAMPLE_KEYS)) {
      const key = sample();
      expect(checkApiKeyFormat(provider, ` \t${key}\r\n `), provider).toEqual({ ok: true, key });
    }
  });

  it("rejects bad keys naming the provider and format, never the key", () => {
    for (const provider of PROVIDERS) {
      const key = (SAMPLE_KEYS[provider.id] as () => string)();
      const cases: [string, string][] = [
        ["empty", "   "],
        ["wrong format", `${key}!`],
        ["too long", key.repeat(Math.ceil((MAX_API_KEY_LENGTH + 1) / key.length))],
        ["control character", `${key.slice(0, 8)}\u0000${key.slice(8)}`],
        ["inner newline", `${key.slice(0, 8)}\n${key.slice(8)}`],
        ["escape", `${key}\u001b[0m`],
        ["C1 control", `${key.slice(0, 5)}\u0085${key.slice(5)}`],
      ];

      for (const [label, value] of cases) {
        const result = checkApiKeyFormat(provider.id, value);
        const where = `${provider.id} ${label}`;
        if (result.ok) throw new Error(`${where} was accepted.`);
        expect(result.message, where).toContain(provider.label);
        expect(result.message, where).toContain(provider.formatHint);
        expect(result.message, where).not.toContain(key);
        expect(result.message, where).not.toContain(key.slice(4, 16));
      }
    }
  });

  it("names the limit for over-long keys", () => {
    const result = checkApiKeyFormat("openai", `sk-${"a".repeat(MAX_API_KEY_LENGTH)}`);

    expect(result).toEqual({ ok: false, message: expect.stringContaining("over 512 characters") });
  });

  it("rejects an unknown provider", () => {
    expect(checkApiKeyFormat("pastebin", "x").ok).toBe(false);
  });
});

describe("parseVerificationConfig", () => {
  it("defaults to the real providers and five seconds", () => {
    expect(parseVerificationConfig({})).toEqual({
      baseUrls: {},
      timeoutMs: 5000,
      cooldownSeconds: 10,
    });
  });

  it("reads base URLs and the timeout", () => {
    const config = parseVerificationConfig({
      ONBOARDING_PROVIDER_BASE_URLS: JSON.stringify({
        openai: "https://llm-proxy.example/openai/",
        gemini: "http://127.0.0.1:8080",
      }),
      ONBOARDING_VERIFY_TIMEOUT_MS: "2500",
    });

    expect(config).toEqual({
      baseUrls: {
        openai: "https://llm-proxy.example/openai",
        gemini: "http://127.0.0.1:8080",
      },
      timeoutMs: 2500,
      cooldownSeconds: 10,
    });
    expect(checkUrlFor("openai", config)).toBe("https://llm-proxy.example/openai/v1/models");
  });

  it("rejects bad settings naming the variable", () => {
    const urls = (value: unknown) => ({
      ONBOARDING_PROVIDER_BASE_URLS: typeof value === "string" ? value : JSON.stringify(value),
    });
    const cases: [string, NodeJS.ProcessEnv, string][] = [
      ["not JSON", urls("{openai:"), "not valid JSON"],
      ["array", urls(["https://a.example"]), "JSON object"],
      ["unknown provider", urls({ pastebin: "https://a.example" }), "no verifiable provider"],
      ["unverifiable provider", urls({ exa: "https://a.example" }), "no verifiable provider"],
      ["constructor", urls({ constructor: "https://a.example" }), "no verifiable provider"],
      ["toString", urls({ toString: "https://a.example" }), "no verifiable provider"],
      ["__proto__", urls('{"__proto__": "https://a.example"}'), "no verifiable provider"],
      ["valid ids listed", urls({ constructor: "https://a.example" }), "use one of: gemini,"],
      ["not a string", urls({ openai: 42 }), "URL string"],
      ["not a URL", urls({ openai: "proxy" }), "not a URL"],
      ["plain http", urls({ openai: "http://proxy.example" }), "must use https"],
      ["other scheme", urls({ openai: "ftp://127.0.0.1" }), "must use https"],
      ["credentials", urls({ openai: "https://u:p@proxy.example" }), "credentials"],
      ["query", urls({ openai: "https://proxy.example/?key=1" }), "query"],
      ["zero timeout", { ONBOARDING_VERIFY_TIMEOUT_MS: "0" }, "ONBOARDING_VERIFY_TIMEOUT_MS"],
      ["huge timeout", { ONBOARDING_VERIFY_TIMEOUT_MS: "600000" }, "ONBOARDING_VERIFY_TIMEOUT_MS"],
      ["word timeout", { ONBOARDING_VERIFY_TIMEOUT_MS: "5s" }, "ONBOARDING_VERIFY_TIMEOUT_MS"],
    ];

    for (const [label, env, expected] of cases) {
      let caught: unknown;
      try {
        parseVerificationConfig(env);
      } catch (error) {
        caught = error;
      }
      expect(caught, label).toBeInstanceOf(VerificationConfigError);
      expect((caught as Error).message, label).toContain(expected);
      if (!label.endsWith("timeout")) {
        expect((caught as Error).message, label).toContain("ONBOARDING_PROVIDER_BASE_URLS");
      }
    }
  });
});
