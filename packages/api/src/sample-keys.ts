// Well-formed sample keys for the tests: random each time, shaped like each provider's keys.

import { randomBytes, randomUUID } from "node:crypto";

const alnum = (length: number) =>
  randomBytes(length * 2)
    .toString("base64")
    .replace(/[^A-Za-z0-9]/g, "")
    .slice(0, length)
    .padEnd(length, "x");
const hex = (length: number) => randomBytes(length).toString("hex").slice(0, length);

/** A fresh, well-formed key for each provider, as the provider issues them. */
export const SAMPLE_KEYS: Readonly<Record<string, () => string>> = {
  gemini: () => `AIza${alnum(33)}_-`,
  exa: () => randomUUID(),
  copilotkit: () => `ck_pub_${hex(32)}`,
  openai: () => `sk-proj-${alnum(40)}_${alnum(8)}`,
  anthropic: () => `sk-ant-api03-${alnum(60)}-${alnum(10)}AA`,
  mistral: () => alnum(32),
  tavily: () => `tvly-dev-${alnum(28)}`,
  serper: () => hex(40),
  firecrawl: () => `fc-${hex(32)}`,
  huggingface: () => `hf_${alnum(34)}`,
  stability: () => `sk-${alnum(48)}`,
};
