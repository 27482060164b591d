/**
 * Starts the web app with zero configuration. Without DATABASE_URL it uses the embedded database
 * under .data/ and generates development secrets there; with DATABASE_URL it requires real ones.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { constants } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseRequiredProviders } from "@onboarding/api";
import { parseVerificationConfig } from "@onboarding/api/services";
import { DatabaseLockedError } from "@onboarding/db";
import { acquireDataDirLock } from "@onboarding/db/pglite-lock";
import { generateKeyringEntry, KeyringError, parseKeyring } from "@onboarding/db/vault";

// Without a limit V8 sizes the heap from the machine's memory and collects lazily, so the server
// grew past 400 MiB under the benchmark's load. With this limit it stayed near 200 MiB.
const DEFAULT_HEAP_MIB = 256;

const HELP = `Usage: pnpm start [-- --dev]

Serves the onboarding app. \`pnpm start\` builds it first when needed (through turbo). Run
directly, this launcher serves the existing build.

Options:
  --dev     Run the Next.js development server instead of the production build.
  --help    Show this help.

Environment:
  PORT                            Port to listen on (default 3000).
  DATABASE_URL                    PostgreSQL URL. Unset: embedded PGlite under .data/pglite.
  PGLITE_DATA_DIR                 Directory of the embedded database (default .data/pglite).
  AUTH_SECRET                     Secret that signs sessions. Required with DATABASE_URL.
  ONBOARDING_ENCRYPTION_KEYS      Master keys for stored API keys, "id:base64key,..." newest
                                  first. Required with DATABASE_URL.
  ONBOARDING_REQUIRED_PROVIDERS   Providers step 1 requires (default "gemini,exa").
  ONBOARDING_PROVIDER_BASE_URLS   JSON object from provider id to the base URL that key checks
                                  call (default: the real providers).
  ONBOARDING_VERIFY_TIMEOUT_MS    Timeout of one key check in milliseconds (default 5000).
  LOG_LEVEL                       pino log level of the server (default info).
  NODE_OPTIONS                    Passed on to the server. Unless it sets --max-old-space-size,
                                  the production server gets ${DEFAULT_HEAP_MIB} (MiB of V8 heap).
`;

// 32 characters of base64 carry 192 bits; anyone who guesses the secret can forge sessions.
const MIN_AUTH_SECRET_LENGTH = 32;

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = resolve(appDir, "../..");

function fail(message: string): never {
  console.error(`onboarding: ${message}`);
  process.exit(1);
}

interface DevSecrets {
  AUTH_SECRET: string;
  ONBOARDING_ENCRYPTION_KEYS: string;
}

/**
 * Reads an existing secrets file. A parse error is reported without its text, because Node's
 * message quotes the offending line and that line may contain a master key.
 */
function readDevSecrets(secretsPath: string): DevSecrets {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(secretsPath, "utf8"));
  } catch {
    parsed = undefined;
  }
  const secrets = parsed as Partial<DevSecrets> | undefined;
  if (
    typeof secrets?.AUTH_SECRET !== "string" ||
    typeof secrets.ONBOARDING_ENCRYPTION_KEYS !== "string"
  ) {
    fail(
      `${secretsPath} is not valid: it must be a JSON object with the strings AUTH_SECRET and ` +
        "ONBOARDING_ENCRYPTION_KEYS. Repair it, or set both variables yourself. Deleting it " +
        "generates new secrets, and keys stored under the old ones must then be entered again.",
    );
  }
  return {
    AUTH_SECRET: secrets.AUTH_SECRET,
    ONBOARDING_ENCRYPTION_KEYS: secrets.ONBOARDING_ENCRYPTION_KEYS,
  };
}

/** Loads the development secrets file, creating it with mode 0600 on first start. */
function loadDevSecrets(secretsPath: string): DevSecrets {
  if (existsSync(secretsPath)) {
    console.log(`onboarding: using development secrets from ${secretsPath}`);
    return readDevSecrets(secretsPath);
  }

  const secrets: DevSecrets = {
    AUTH_SECRET: generateKeyringEntry("dev").split(":")[1] ?? "",
    ONBOARDING_ENCRYPTION_KEYS: generateKeyringEntry("dev1"),
  };
  mkdirSync(dirname(secretsPath), { recursive: true });
  writeFileSync(secretsPath, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  console.log(
    `onboarding: generated a development AUTH_SECRET and ONBOARDING_ENCRYPTION_KEYS in ${secretsPath} ` +
      "(mode 0600). Set both variables yourself before using real data.",
  );
  return secrets;
}

function prepareEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ONBOARDING_MIGRATIONS_DIR: join(repoRoot, "packages/db/drizzle"),
  };

  if (env.DATABASE_URL) {
    if (!env.AUTH_SECRET) {
      fail("AUTH_SECRET is missing. Set it to a random secret (openssl rand -base64 32).");
    }
    if (env.AUTH_SECRET.length < MIN_AUTH_SECRET_LENGTH) {
      fail(
        `AUTH_SECRET is too short (${env.AUTH_SECRET.length} characters); use at least ` +
          `${MIN_AUTH_SECRET_LENGTH}, for example the output of openssl rand -base64 32.`,
      );
    }
    if (!env.ONBOARDING_ENCRYPTION_KEYS) {
      fail('ONBOARDING_ENCRYPTION_KEYS is missing. Set it to "k1:<32 random bytes in base64>".');
    }
  } else {
    const dataDir = resolve(repoRoot, env.PGLITE_DATA_DIR ?? ".data/pglite");
    env.PGLITE_DATA_DIR = dataDir;
    if (!env.AUTH_SECRET || !env.ONBOARDING_ENCRYPTION_KEYS) {
      const secrets = loadDevSecrets(join(dirname(dataDir), "dev-secrets.json"));
      env.AUTH_SECRET ??= secrets.AUTH_SECRET;
      env.ONBOARDING_ENCRYPTION_KEYS ??= secrets.ONBOARDING_ENCRYPTION_KEYS;
    }
    try {
      acquireDataDirLock(dataDir)();
    } catch (error) {
      if (error instanceof DatabaseLockedError) fail(error.message);
      throw error;
    }
  }

  try {
    parseKeyring(env.ONBOARDING_ENCRYPTION_KEYS);
    parseRequiredProviders(env.ONBOARDING_REQUIRED_PROVIDERS);
    parseVerificationConfig(env);
  } catch (error) {
    if (error instanceof KeyringError || error instanceof Error) fail(error.message);
    throw error;
  }
  return env;
}

function main(): void {
  const args = process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(HELP);
    return;
  }

  const unknown = args.filter((arg) => arg !== "--" && arg !== "--dev");
  if (unknown.length > 0) fail(`unknown option "${unknown[0]}"; run with --help for the options.`);
  const dev = args.includes("--dev");
  const port = process.env.PORT ?? "3000";
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65_535)
    fail(`PORT "${port}" is invalid; use a number from 1 to 65535.`);

  const env = prepareEnvironment();
  // Node accepts dashes or underscores in the flag's name.
  const setsHeapLimit = /(^|\s)--max[-_]old[-_]space[-_]size[=\s]/.test(env.NODE_OPTIONS ?? "");
  if (!dev && !setsHeapLimit) {
    env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ""} --max-old-space-size=${DEFAULT_HEAP_MIB}`.trim();
  }
  // The production server is scripts/server.mjs: Next.js, with tRPC calls handled directly.
  const nextBin = createRequire(join(appDir, "package.json")).resolve("next/dist/bin/next");
  const serverArgs = dev
    ? [nextBin, "dev", "--port", port]
    : [join(appDir, "scripts/server.mjs"), "--port", port];
  const server = spawn(process.execPath, serverArgs, { cwd: appDir, env, stdio: "inherit" });

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => server.kill(signal));
  }
  // A server ended by a signal exits as a shell reports it, 128 plus the signal's number, so a
  // supervisor does not take a kill for a clean stop.
  server.on("exit", (code, signal) =>
    process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1)),
  );
}

main();
