// Helpers for the vault tests: every secret a test writes is remembered, then looked for in
// database dumps, logs, errors, responses and events. Not exported from the package.

import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { inspect, promisify } from "node:util";
import type { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import type { DatabaseHandle } from "../client";
import { apiKeys, users } from "../schema";
import { queryRows } from "../sql-rows";
import { decryptSecret, encryptSecret } from "./cipher";
import { type Keyring, parseKeyring } from "./keyring";

const run = promisify(execFile);

/** A keyring of fresh random keys with the given ids, newest first. */
export function randomKeyring(...ids: string[]): { keyring: Keyring; value: string } {
  const value = ids.map((id) => `${id}:${randomBytes(32).toString("base64")}`).join(",");
  return { keyring: parseKeyring(value), value };
}

/** One part of a dump: what it is and its bytes. */
export interface DumpPart {
  label: string;
  bytes: Buffer;
}

/**
 * Everything the database holds, as an attacker with a copy would see it: the text of every row
 * of every table, plus the PGlite data directory's raw files (a tarball) or `pg_dump` output
 * when the binary is installed. PostgreSQL needs `url`, the test database's real URL.
 */
export async function dumpDatabase(handle: DatabaseHandle, url?: string): Promise<DumpPart[]> {
  const parts: DumpPart[] = [];
  const tables = await queryRows<{ name: string }>(
    handle.db,
    sql`SELECT quote_ident(table_name) AS name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  for (const table of tables) {
    const rows = await queryRows<{ row: string }>(
      handle.db,
      sql`SELECT t::text AS row FROM ${sql.raw(table.name)} AS t`,
    );
    parts.push({
      label: `rows of ${table.name}`,
      bytes: Buffer.from(rows.map((row) => row.row).join("\n"), "utf8"),
    });
  }

  if (handle.driver === "pglite") {
    const pglite = (handle.db as unknown as { $client: PGlite }).$client;
    const tarball = await pglite.dumpDataDir("none");
    parts.push({ label: "PGlite data directory", bytes: Buffer.from(await tarball.arrayBuffer()) });
  } else if (url) {
    const dumped = await pgDump(url);
    if (dumped) parts.push({ label: "pg_dump", bytes: dumped });
  }
  return parts;
}

async function pgDump(url: string): Promise<Buffer | undefined> {
  try {
    const { stdout } = await run("pg_dump", ["--no-owner", "--dbname", url], {
      encoding: "buffer",
      maxBuffer: 256 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    // No binary, or one older than the server: the row text above still covers every value.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    if (/server version mismatch/.test(String((error as { stderr?: unknown }).stderr))) {
      return undefined;
    }
    throw error;
  }
}

/** The real URL of the database a PostgreSQL test handle points at, from TEST_DATABASE_URL. */
export async function testDatabaseUrl(handle: DatabaseHandle): Promise<string | undefined> {
  const base = process.env.TEST_DATABASE_URL;
  if (handle.driver !== "postgres" || !base) return undefined;
  const [row] = await queryRows<{ name: string }>(
    handle.db,
    sql`SELECT current_database() AS name`,
  );
  const url = new URL(base);
  url.pathname = `/${row?.name ?? ""}`;
  return url.toString();
}

/** Renders an error with every property and its whole cause chain, as a logger might. */
export function describeError(error: unknown): string {
  return [
    String(error),
    error instanceof Error ? (error.stack ?? "") : "",
    inspect(error, { depth: 20, showHidden: true, maxArrayLength: null, maxStringLength: null }),
    safeJson(error),
  ].join("\n");
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return "";
  }
}

/**
 * Finds which `needles` occur in `haystack` in one pass (Rabin-Karp over the shortest needle's
 * length), so a dump of tens of megabytes can be searched for thousands of secrets at once.
 */
function findNeedles(haystack: Buffer, needles: readonly Buffer[]): Set<number> {
  const found = new Set<number>();
  const width = Math.min(...needles.map((needle) => needle.length));
  if (needles.length === 0 || width < 1 || haystack.length < width) return found;

  const BASE = 257;
  let topPower = 1;
  for (let index = 1; index < width; index++) topPower = Math.imul(topPower, BASE);
  const hashAt = (bytes: Buffer, start: number) => {
    let hash = 0;
    for (let index = 0; index < width; index++) {
      hash = (Math.imul(hash, BASE) + (bytes[start + index] ?? 0)) | 0;
    }
    return hash;
  };

  const byHash = new Map<number, number[]>();
  const filter = new Uint8Array(1 << 20);
  needles.forEach((needle, index) => {
    const hash = hashAt(needle, 0);
    byHash.set(hash, [...(byHash.get(hash) ?? []), index]);
    filter[(hash >>> 12) & 0xfffff] = 1;
  });

  let hash = hashAt(haystack, 0);
  for (let start = 0; ; start++) {
    if (filter[(hash >>> 12) & 0xfffff] === 1) {
      for (const index of byHash.get(hash) ?? []) {
        const needle = needles[index] as Buffer;
        const end = start + needle.length;
        if (
          end <= haystack.length &&
          haystack.compare(needle, 0, needle.length, start, end) === 0
        ) {
          found.add(index);
        }
      }
    }
    if (start + width >= haystack.length) break;
    const outgoing = Math.imul(haystack[start] ?? 0, topPower);
    hash = (Math.imul(hash - outgoing, BASE) + (haystack[start + width] ?? 0)) | 0;
  }
  return found;
}

/** The forms a secret could take in storage: as is, hex, base64, base64url and UTF-16. */
function formsOf(secret: string): Buffer[] {
  const utf8 = Buffer.from(secret, "utf8");
  return [
    utf8,
    Buffer.from(utf8.toString("hex"), "utf8"),
    Buffer.from(utf8.toString("base64").replace(/=+$/, ""), "utf8"),
    Buffer.from(utf8.toString("base64url").replace(/=+$/, ""), "utf8"),
    Buffer.from(secret, "utf16le"),
  ];
}

/**
 * Remembers every secret a test writes and finds any of them, in plain text or hex / base64 /
 * UTF-16 form, in text or bytes. `leaksIn` returns one description per secret found, so a failing
 * assertion says where without printing the secret.
 */
export class SecretWitness {
  private readonly secrets: string[] = [];

  remember<T extends string>(secret: T): T {
    if (!this.secrets.includes(secret)) this.secrets.push(secret);
    return secret;
  }

  get size(): number {
    return this.secrets.length;
  }

  /** Descriptions of every remembered secret found in `haystack`, named by `label`. */
  leaksIn(label: string, haystack: string | Uint8Array): string[] {
    const bytes =
      typeof haystack === "string" ? Buffer.from(haystack, "utf8") : Buffer.from(haystack);
    const needles = this.secrets.flatMap(formsOf);
    const formCount = needles.length / Math.max(this.secrets.length, 1);

    const secretIndexes = new Set(
      [...findNeedles(bytes, needles)].map((index) => Math.floor(index / formCount)),
    );
    return [...secretIndexes]
      .sort((a, b) => a - b)
      .map((index) => `${label}: secret #${index + 1} (ending ${this.secrets[index]?.slice(-4)})`);
  }

  /** Every find across the database dump parts. */
  leaksInDump(parts: DumpPart[]): string[] {
    return parts.flatMap((part) => this.leaksIn(part.label, part.bytes));
  }
}

const SEED_PROVIDERS = [
  "anthropic",
  "copilotkit",
  "exa",
  "firecrawl",
  "gemini",
  "huggingface",
  "mistral",
  "openai",
  "serper",
  "stability",
  "tavily",
];

export interface SeededKey {
  userId: string;
  provider: string;
  key: string;
}

/**
 * Stores `count` keys encrypted under `keyring`'s newest key, spread over as many users as the
 * eleven providers need, with bulk inserts. Every key is remembered by `witness`.
 */
export async function seedKeys(
  handle: DatabaseHandle,
  keyring: Keyring,
  count: number,
  witness: SecretWitness,
): Promise<SeededKey[]> {
  const seeded: SeededKey[] = [];
  const userCount = Math.ceil(count / SEED_PROVIDERS.length);
  const created = await handle.db
    .insert(users)
    .values(
      Array.from({ length: userCount }, (_, index) => ({
        email: `rotation-${index}-${crypto.randomUUID()}@example.test`,
      })),
    )
    .returning({ id: users.id });

  for (const [userIndex, user] of created.entries()) {
    for (const provider of SEED_PROVIDERS) {
      if (seeded.length === count) break;
      const key = witness.remember(`rot-${userIndex}-${provider}-${crypto.randomUUID()}`);
      seeded.push({ userId: user.id, provider, key });
    }
  }

  for (let start = 0; start < seeded.length; start += 250) {
    await handle.db.insert(apiKeys).values(
      seeded.slice(start, start + 250).map((row) => {
        const { blob, keyId } = encryptSecret(keyring, row, row.key);
        return { ...row, ciphertext: blob, keyId, last4: row.key.slice(-4) };
      }),
    );
  }
  return seeded;
}

/** Decrypts every stored key with `keyring` and returns the ones that differ or fail. */
export async function lostKeys(
  handle: DatabaseHandle,
  keyring: Keyring,
  seeded: SeededKey[],
): Promise<string[]> {
  const rows = await handle.db
    .select({
      userId: apiKeys.userId,
      provider: apiKeys.provider,
      ciphertext: apiKeys.ciphertext,
    })
    .from(apiKeys);
  const stored = new Map(rows.map((row) => [`${row.userId}/${row.provider}`, row.ciphertext]));

  const lost: string[] = [];
  for (const row of seeded) {
    const ciphertext = stored.get(`${row.userId}/${row.provider}`);
    try {
      if (!ciphertext || decryptSecret(keyring, row, ciphertext) !== row.key) lost.push(row.key);
    } catch {
      lost.push(row.key);
    }
  }
  return lost;
}

type KeyRow = { userId: string; provider: string };

/** Flips one bit of a stored ciphertext, as an attacker with write access to the table could. */
export async function tamperStoredKey(
  handle: DatabaseHandle,
  row: KeyRow,
  byteIndex = 25,
): Promise<void> {
  await handle.db.execute(sql`
    UPDATE api_keys SET ciphertext = set_byte(ciphertext, ${byteIndex}, get_byte(ciphertext, ${byteIndex}) # 1)
    WHERE user_id = ${row.userId} AND provider = ${row.provider}`);
}

/** Copies one row's ciphertext over another's, as if moved to another user or provider. */
export async function copyStoredKey(handle: DatabaseHandle, from: KeyRow, to: KeyRow) {
  await handle.db.execute(sql`
    UPDATE api_keys SET ciphertext = (
      SELECT ciphertext FROM api_keys WHERE user_id = ${from.userId} AND provider = ${from.provider})
    WHERE user_id = ${to.userId} AND provider = ${to.provider}`);
}

/** Makes every later write to api_keys fail with a check violation (test databases only). */
export async function refuseApiKeyWrites(handle: DatabaseHandle): Promise<void> {
  await handle.db.execute(
    sql`ALTER TABLE api_keys ADD CONSTRAINT test_refuses_writes CHECK (false) NOT VALID`,
  );
}

/** Every event of the database, oldest first, as type and detail. */
export async function eventRows(
  handle: DatabaseHandle,
): Promise<{ type: string; detail: unknown }[]> {
  return queryRows(handle.db, sql`SELECT type, detail FROM onboarding_events ORDER BY id`);
}
