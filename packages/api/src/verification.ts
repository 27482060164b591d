/**
 * Checks a stored key against its provider with one free, read-only call. The key goes only to
 * the provider's base URL (real by default, overridable for tests and proxies) and only in the
 * header that provider expects; redirects are not followed, so it cannot be forwarded elsewhere.
 */
import type { Executor } from "@onboarding/db";
import {
  type ApiKeySummary,
  type Keyring,
  openApiKeyForVerification,
  recordVerification,
  type VerificationOutcome,
} from "@onboarding/db/vault";
import { findProvider, type ProviderDefinition } from "./providers";

export const BASE_URLS_VARIABLE = "ONBOARDING_PROVIDER_BASE_URLS";
export const TIMEOUT_VARIABLE = "ONBOARDING_VERIFY_TIMEOUT_MS";
export const DEFAULT_VERIFY_TIMEOUT_MS = 5_000;
const MAX_VERIFY_TIMEOUT_MS = 60_000;
// Enough to find an error reason in a provider's JSON error body, small enough to ignore abuse.
const MAX_BODY_BYTES = 64 * 1024;

/**
 * Provider URLs and timeout of verification calls, built from the environment by
 * `parseVerificationConfig`.
 */
export interface VerificationConfig {
  /** Base URL per provider id, replacing the real provider's (tests, proxies). */
  baseUrls: Readonly<Record<string, string>>;
  timeoutMs: number;
  /** Seconds between two checks of one stored key. */
  cooldownSeconds: number;
}

/**
 * Minimum seconds between two checks of one key, so a user cannot make the server call a
 * provider in a loop.
 */
export const VERIFY_COOLDOWN_SECONDS = 10;

export const DEFAULT_VERIFICATION_CONFIG: VerificationConfig = {
  baseUrls: {},
  timeoutMs: DEFAULT_VERIFY_TIMEOUT_MS,
  cooldownSeconds: VERIFY_COOLDOWN_SECONDS,
};

interface KeyCheck {
  baseUrl: string;
  /** Path and query of a free, read-only endpoint that requires a valid key. */
  path: string;
  headers: (key: string) => Record<string, string>;
  /** Recognises a rejected key that the provider reports with another status than 401/403. */
  rejectsKey?: (status: number, body: string) => boolean;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** One check per verifiable provider; a test keeps this in step with the registry. */
export const KEY_CHECKS: Readonly<Record<string, KeyCheck>> = {
  gemini: {
    baseUrl: "https://generativelanguage.googleapis.com",
    path: "/v1beta/models?pageSize=1",
    headers: (key) => ({ "x-goog-api-key": key }),
    // Google answers an unknown key with 400 INVALID_ARGUMENT and the reason API_KEY_INVALID.
    rejectsKey: (status, body) => status === 400 && body.includes("API_KEY_INVALID"),
  },
  openai: { baseUrl: "https://api.openai.com", path: "/v1/models", headers: bearer },
  anthropic: {
    baseUrl: "https://api.anthropic.com",
    path: "/v1/models?limit=1",
    headers: (key) => ({ "x-api-key": key, "anthropic-version": "2023-06-01" }),
  },
  mistral: { baseUrl: "https://api.mistral.ai", path: "/v1/models", headers: bearer },
  tavily: { baseUrl: "https://api.tavily.com", path: "/usage", headers: bearer },
  serper: {
    baseUrl: "https://google.serper.dev",
    path: "/account",
    headers: (key) => ({ "x-api-key": key }),
  },
  firecrawl: {
    baseUrl: "https://api.firecrawl.dev",
    path: "/v2/team/credit-usage",
    headers: bearer,
  },
  huggingface: { baseUrl: "https://huggingface.co", path: "/api/whoami-v2", headers: bearer },
  stability: { baseUrl: "https://api.stability.ai", path: "/v1/user/account", headers: bearer },
};

/** Looks up a provider's check by own property only, so ids like "constructor" find none. */
function keyCheckFor(provider: string): KeyCheck | undefined {
  return Object.hasOwn(KEY_CHECKS, provider) ? KEY_CHECKS[provider] : undefined;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]", "localhost"]);

/** Raised for a bad verification setting; the message names the variable. */
export class VerificationConfigError extends Error {
  override name = "VerificationConfigError";
}

function checkBaseUrl(provider: string, value: unknown): string {
  const where = `${BASE_URLS_VARIABLE} entry "${provider}"`;
  if (!keyCheckFor(provider)) {
    const known = Object.keys(KEY_CHECKS).join(", ");
    throw new VerificationConfigError(
      `${where} names no verifiable provider; use one of: ${known}.`,
    );
  }
  if (typeof value !== "string")
    throw new VerificationConfigError(`${where} must be a URL string.`);

  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new VerificationConfigError(`${where} is not a URL.`);
  }
  const secure = url.protocol === "https:";
  const loopback = url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname);
  if (!secure && !loopback) {
    throw new VerificationConfigError(
      `${where} must use https (plain http is allowed only for 127.0.0.1, [::1] or localhost).`,
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new VerificationConfigError(`${where} must not contain credentials, a query or a hash.`);
  }
  return url.toString().replace(/\/+$/, "");
}

/**
 * Reads `ONBOARDING_PROVIDER_BASE_URLS` (a JSON object from provider id to base URL, https
 * except on loopback) and `ONBOARDING_VERIFY_TIMEOUT_MS` (100 to 60000, default 5000). Raises
 * VerificationConfigError naming the variable.
 */
export function parseVerificationConfig(env: NodeJS.ProcessEnv): VerificationConfig {
  // No prototype, so an entry named "__proto__" stays a plain key until it is rejected.
  const baseUrls: Record<string, string> = Object.create(null);
  const rawUrls = env[BASE_URLS_VARIABLE]?.trim();
  if (rawUrls) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawUrls);
    } catch {
      throw new VerificationConfigError(
        `${BASE_URLS_VARIABLE} is not valid JSON; expected {"openai": "https://proxy.example"}.`,
      );
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new VerificationConfigError(
        `${BASE_URLS_VARIABLE} must be a JSON object from provider id to base URL.`,
      );
    }
    for (const [provider, value] of Object.entries(parsed)) {
      baseUrls[provider] = checkBaseUrl(provider, value);
    }
  }

  let timeoutMs = DEFAULT_VERIFY_TIMEOUT_MS;
  const rawTimeout = env[TIMEOUT_VARIABLE]?.trim();
  if (rawTimeout) {
    timeoutMs = Number(rawTimeout);
    if (!/^\d+$/.test(rawTimeout) || timeoutMs < 100 || timeoutMs > MAX_VERIFY_TIMEOUT_MS) {
      throw new VerificationConfigError(
        `${TIMEOUT_VARIABLE} must be a whole number of milliseconds from 100 to ${MAX_VERIFY_TIMEOUT_MS}.`,
      );
    }
  }
  return { baseUrls, timeoutMs, cooldownSeconds: VERIFY_COOLDOWN_SECONDS };
}

/** The URL a provider's check calls under `config`; exported for the docs and tests. */
export function checkUrlFor(provider: string, config: VerificationConfig): string | undefined {
  const check = keyCheckFor(provider);
  if (!check) return undefined;
  const override = Object.hasOwn(config.baseUrls, provider) ? config.baseUrls[provider] : undefined;
  return `${override ?? check.baseUrl}${check.path}`;
}

async function readSomeText(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_BODY_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString("utf8");
}

/**
 * Describes a failed call in plain words for the user. The error's message and code stay out:
 * messages can quote request details, and codes such as ECONNREFUSED mean nothing to a user.
 */
function failedCallReason(error: unknown, label: string, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `${label} did not answer within ${timeoutMs / 1000} s; try again later.`;
  }
  return `${label} could not be reached; try again later.`;
}

/**
 * Calls the provider's check endpoint with the key and classifies the answer: 2xx `valid`;
 * 401/403 (or the provider's own rejection) `invalid`; anything else, a timeout or an unreachable
 * provider `unverified` with the reason. The reason never contains the key or the response body.
 */
export async function checkKeyWithProvider(
  provider: ProviderDefinition,
  key: string,
  config: VerificationConfig,
): Promise<VerificationOutcome> {
  const check = keyCheckFor(provider.id);
  const url = checkUrlFor(provider.id, config);
  if (!check || !url) {
    return { status: "unverified", reason: `${provider.label} keys cannot be checked.` };
  }
  // Keys pass the format check before they are stored; this only guards the header.
  if (!/^[\x21-\x7e]+$/.test(key)) {
    return {
      status: "unverified",
      reason: `The stored ${provider.label} key has characters that cannot be sent; save it again.`,
    };
  }

  // The timeout covers the body too, so reading it stays inside the try.
  let response: Response;
  let body = "";
  try {
    response = await fetch(url, {
      method: "GET",
      headers: { accept: "application/json", ...check.headers(key) },
      redirect: "manual",
      signal: AbortSignal.timeout(config.timeoutMs),
    });
    if (check.rejectsKey && response.status === 400) body = await readSomeText(response);
  } catch (error) {
    return {
      status: "unverified",
      reason: failedCallReason(error, provider.label, config.timeoutMs),
    };
  }
  if (!body) await response.body?.cancel().catch(() => {});

  const status = response.status;
  if (status >= 200 && status < 300) return { status: "valid", reason: null, httpStatus: status };
  if (status === 401 || status === 403 || check.rejectsKey?.(status, body)) {
    return {
      status: "invalid",
      reason: `${provider.label} rejected this key (HTTP ${status}). Check it and save it again.`,
      httpStatus: status,
    };
  }
  const reason =
    status === 429
      ? `${provider.label} is limiting requests (HTTP 429); try again later.`
      : status >= 500
        ? `${provider.label} had a problem (HTTP ${status}); try again later.`
        : `${provider.label} answered HTTP ${status}, which does not tell whether the key works.`;
  return { status: "unverified", reason, httpStatus: status };
}

/** Runs work in one database transaction scoped to the user, like `ctx.asUser`. */
export type UserScope = <T>(work: (tx: Executor) => Promise<T>) => Promise<T>;

/**
 * Verifies the user's stored key for a provider: decrypts it through the vault's useApiKey (which
 * records a `key_used` event), calls the provider outside any transaction, then records the
 * outcome. A key that no longer decrypts comes back as `needs_reentry` without any call.
 */
export async function verifyStoredKey(params: {
  asUser: UserScope;
  keyring: Keyring;
  config: VerificationConfig;
  userId: string;
  provider: ProviderDefinition;
}): Promise<ApiKeySummary> {
  const binding = { userId: params.userId, provider: params.provider.id };
  const opened = await params.asUser((tx) =>
    openApiKeyForVerification(tx, params.keyring, {
      ...binding,
      cooldownSeconds: params.config.cooldownSeconds,
    }),
  );
  if ("summary" in opened) return opened.summary;

  const outcome = await checkKeyWithProvider(params.provider, opened.key, params.config);
  return params.asUser((tx) =>
    recordVerification(tx, { ...binding, stamp: opened.stamp, outcome }),
  );
}

/** The registry entry of a provider whose keys can be verified, or undefined. */
export function verifiableProvider(id: string): ProviderDefinition | undefined {
  const provider = findProvider(id);
  return provider?.verifiable && keyCheckFor(id) ? provider : undefined;
}
