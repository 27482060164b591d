import { TRPCError } from "@trpc/server";
import superjson from "superjson";

const RESERVED_KEYS = new Set(["__proto__", "constructor", "prototype"]);
// NOTE: a reserved key nested deeper than this is not reported by name. The schemas drop unknown
// keys, and the draft schema rejects drafts nested that deep with a message about depth.
const MAX_DEPTH = 64;

/**
 * Finds the first object key that could reach an object's prototype in one call's input as it
 * arrived over HTTP, and returns its dotted path without superjson's `json` wrapper.
 */
export function findReservedKey(value: unknown, path: string[] = []): string | undefined {
  if (path.length > MAX_DEPTH || value === null || typeof value !== "object") return undefined;

  for (const [key, child] of Object.entries(value)) {
    const childPath = [...path, key];
    if (RESERVED_KEYS.has(key))
      return (childPath[0] === "json" ? childPath.slice(1) : childPath).join(".");
    const found = findReservedKey(child, childPath);
    if (found) return found;
  }
  return undefined;
}

/**
 * superjson, with one check on the way in. superjson drops `__proto__` while it deserializes,
 * so the schemas behind it would never see one and the input would be stored silently changed.
 * Input containing a reserved key name is rejected instead, naming the field. The check runs on the
 * input the HTTP adapter has already parsed, so the body is parsed once.
 */
export const transformer = {
  input: {
    serialize: (value: unknown) => superjson.serialize(value),
    deserialize: (value: unknown) => {
      const reserved = findReservedKey(value);
      if (reserved) {
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: `${reserved}: "${reserved.split(".").pop()}" is a reserved key name; rename it.`,
        });
      }
      return superjson.deserialize(value as Parameters<typeof superjson.deserialize>[0]);
    },
  },
  output: superjson,
};
