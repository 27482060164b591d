import "server-only";

const RESERVED_KEYS = new Set(["__proto__", "constructor", "prototype"]);
const MAX_DEPTH = 64;

/**
 * Finds the first object key in a parsed request body that could reach an object's prototype,
 * and returns its dotted path without the batch index and superjson's `json` wrapper. superjson
 * drops `__proto__` while it deserializes, so the schemas behind it never see one; this check
 * rejects such input instead of storing it silently changed.
 */
export function findReservedKey(value: unknown, path: string[] = []): string | undefined {
  if (path.length > MAX_DEPTH || value === null || typeof value !== "object") return undefined;

  for (const [key, child] of Object.entries(value)) {
    const childPath = [...path, key];
    if (RESERVED_KEYS.has(key)) return readablePath(childPath);
    const found = findReservedKey(child, childPath);
    if (found) return found;
  }
  return undefined;
}

function readablePath(path: string[]): string {
  const parts = /^\d+$/.test(path[0] ?? "") ? path.slice(1) : path;
  return (parts[0] === "json" ? parts.slice(1) : parts).join(".");
}

/** Parses a JSON request body and returns the path of a reserved key in it, if any. */
export function reservedKeyInBody(body: Uint8Array): string | undefined {
  try {
    return findReservedKey(JSON.parse(new TextDecoder().decode(body)));
  } catch {
    // Malformed JSON is tRPC's to report.
    return undefined;
  }
}
