// Database helpers for the import tests: raw SQL on either driver, row counts per table and the
// text of every row, to prove a failed import changed nothing and no plaintext key was stored.

import type { DatabaseHandle } from "@onboarding/db";

/** Runs raw SQL through the driver's own client; the api package does not depend on drizzle. */
export async function rawRows<Row>(handle: DatabaseHandle, text: string): Promise<Row[]> {
  const client = (handle.db as unknown as { $client: unknown }).$client;
  if (handle.driver === "pglite") {
    const result = await (client as { query(sql: string): Promise<{ rows: Row[] }> }).query(text);
    return result.rows;
  }
  return [...(await (client as { unsafe(sql: string): Promise<Row[]> }).unsafe(text))];
}

async function tableNames(handle: DatabaseHandle): Promise<string[]> {
  const rows = await rawRows<{ name: string }>(
    handle,
    `SELECT quote_ident(table_name) AS name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  return rows.map((row) => row.name);
}

/** Counts the rows of every table in the public schema (migration bookkeeping lives elsewhere). */
export async function rowCounts(handle: DatabaseHandle): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const name of await tableNames(handle)) {
    const [row] = await rawRows<{ n: number }>(handle, `SELECT count(*)::int AS n FROM ${name}`);
    counts[name] = row?.n ?? -1;
  }
  return counts;
}

/** Returns every row of every public table in PostgreSQL's text form (bytea as hex), one per line. */
export async function allRowsAsText(handle: DatabaseHandle): Promise<string> {
  const lines: string[] = [];
  for (const name of await tableNames(handle)) {
    const rows = await rawRows<{ row: string }>(handle, `SELECT t::text AS row FROM ${name} AS t`);
    lines.push(...rows.map((row) => `${name}: ${row.row}`));
  }
  return lines.join("\n");
}

/** Returns the forms a stored plaintext could take in row text: as is, hex and base64. */
export function plaintextForms(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  return [secret, bytes.toString("hex"), bytes.toString("base64").replace(/=+$/, "")];
}

/** Describes every key found in `text` in any form, without repeating the key. */
export function findPlaintext(text: string, keys: Record<string, string>): string[] {
  return Object.entries(keys).flatMap(([provider, key]) =>
    plaintextForms(key)
      .map((form, index) => (text.includes(form) ? `${provider} key in form #${index}` : ""))
      .filter((found) => found !== ""),
  );
}
