import pino, { type Logger } from "pino";

export type { Logger };

/**
 * Field names whose values are secrets wherever they appear in a log object. A key or password
 * passed by mistake is replaced before the line is written.
 */
const REDACTED_PATHS = [
  "password",
  "key",
  "apiKey",
  "plaintext",
  "ciphertext",
  "authorization",
  "cookie",
  "*.password",
  "*.key",
  "*.apiKey",
  "*.plaintext",
  "*.ciphertext",
  "*.authorization",
  "*.cookie",
  "req.headers.cookie",
  "req.headers.authorization",
];

/** Creates the process's root logger: JSON lines to stdout, level from `LOG_LEVEL`. */
export function createLogger(
  options: { level?: string; destination?: pino.DestinationStream } = {},
): Logger {
  return pino(
    {
      name: "onboarding",
      level: options.level ?? process.env.LOG_LEVEL ?? "info",
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    },
    options.destination,
  );
}
