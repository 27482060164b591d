/**
 * The AI and research providers a user can store a key for. Client-safe: no server imports, so
 * the step 1 form checks formats with the same rules as the server.
 */
export interface ProviderDefinition {
  id: string;
  label: string;
  /** Regular expression source a trimmed key must match in full. */
  pattern: string;
  /** The expected format in words, shown when a key does not match. */
  formatHint: string;
  /** Where a user creates a key. */
  keyUrl: string;
  /** Whether the server can check a key with a free read-only call (see verification.ts). */
  verifiable: boolean;
}

export const MAX_API_KEY_LENGTH = 512;

export const PROVIDERS: readonly ProviderDefinition[] = [
  {
    id: "gemini",
    label: "Google Gemini",
    pattern: "^AIza[0-9A-Za-z_-]{35}$",
    formatHint: '"AIza" followed by 35 letters, digits, "_" or "-"',
    keyUrl: "https://aistudio.google.com/app/apikey",
    verifiable: true,
  },
  {
    id: "exa",
    label: "Exa",
    pattern: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    formatHint: "a UUID such as 123e4567-e89b-12d3-a456-426614174000",
    keyUrl: "https://dashboard.exa.ai/api-keys",
    // Exa offers no free read-only call for search keys: every search costs credits, and the
    // Websets list needs a separate paid plan, so a valid key could be reported as rejected.
    verifiable: false,
  },
  {
    id: "copilotkit",
    label: "CopilotKit",
    pattern: "^ck_pub_[A-Za-z0-9]{16,128}$",
    formatHint: '"ck_pub_" followed by at least 16 letters or digits',
    keyUrl: "https://cloud.copilotkit.ai",
    verifiable: false,
  },
  {
    id: "openai",
    label: "OpenAI",
    pattern: "^sk-[A-Za-z0-9_-]{20,256}$",
    formatHint: '"sk-" followed by at least 20 letters, digits, "_" or "-"',
    keyUrl: "https://platform.openai.com/api-keys",
    verifiable: true,
  },
  {
    id: "anthropic",
    label: "Anthropic",
    pattern: "^sk-ant-[A-Za-z0-9_-]{20,256}$",
    formatHint: '"sk-ant-" followed by at least 20 letters, digits, "_" or "-"',
    keyUrl: "https://console.anthropic.com/settings/keys",
    verifiable: true,
  },
  {
    id: "mistral",
    label: "Mistral AI",
    pattern: "^[A-Za-z0-9]{32}$",
    formatHint: "32 letters or digits",
    keyUrl: "https://console.mistral.ai/api-keys",
    verifiable: true,
  },
  {
    id: "tavily",
    label: "Tavily",
    pattern: "^tvly-[A-Za-z0-9_-]{16,128}$",
    formatHint: '"tvly-" followed by at least 16 letters, digits, "_" or "-"',
    keyUrl: "https://app.tavily.com",
    verifiable: true,
  },
  {
    id: "serper",
    label: "Serper",
    pattern: "^[0-9a-f]{40}$",
    formatHint: "40 lower-case hexadecimal characters",
    keyUrl: "https://serper.dev/api-key",
    verifiable: true,
  },
  {
    id: "firecrawl",
    label: "Firecrawl",
    pattern: "^fc-[A-Za-z0-9]{16,128}$",
    formatHint: '"fc-" followed by at least 16 letters or digits',
    keyUrl: "https://www.firecrawl.dev/app/api-keys",
    verifiable: true,
  },
  {
    id: "huggingface",
    label: "Hugging Face",
    pattern: "^hf_[A-Za-z0-9]{30,128}$",
    formatHint: '"hf_" followed by at least 30 letters or digits',
    keyUrl: "https://huggingface.co/settings/tokens",
    verifiable: true,
  },
  {
    id: "stability",
    label: "Stability AI",
    pattern: "^sk-[A-Za-z0-9]{32,128}$",
    formatHint: '"sk-" followed by at least 32 letters or digits',
    keyUrl: "https://platform.stability.ai/account/keys",
    verifiable: true,
  },
];

export const PROVIDER_IDS = PROVIDERS.map((provider) => provider.id);
export const DEFAULT_REQUIRED_PROVIDERS: readonly string[] = ["gemini", "exa"];

export function findProvider(id: string): ProviderDefinition | undefined {
  return PROVIDERS.find((provider) => provider.id === id);
}

/**
 * Checks a pasted key for a provider after trimming surrounding whitespace. Returns the trimmed
 * key, or an error message that names the provider and the expected format but never the key.
 */
export function checkApiKeyFormat(
  providerId: string,
  rawKey: string,
): { ok: true; key: string } | { ok: false; message: string } {
  const provider = findProvider(providerId);
  if (!provider) {
    return { ok: false, message: `Unknown provider "${providerId}". Choose one from the list.` };
  }

  const expected = `expected ${provider.formatHint}`;
  const key = rawKey.trim();
  if (key.length === 0) {
    return { ok: false, message: `Enter your ${provider.label} API key: ${expected}.` };
  }
  if (key.length > MAX_API_KEY_LENGTH) {
    return {
      ok: false,
      message:
        `${provider.label} API key is too long (over ${MAX_API_KEY_LENGTH} characters): ` +
        `${expected}.`,
    };
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(key)) {
    return {
      ok: false,
      message: `${provider.label} API key contains control characters; paste the key alone: ${expected}.`,
    };
  }
  if (!new RegExp(provider.pattern).test(key)) {
    return { ok: false, message: `${provider.label} API key has the wrong format: ${expected}.` };
  }
  return { ok: true, key };
}
