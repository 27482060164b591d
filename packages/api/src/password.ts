import { hash, verify } from "@node-rs/argon2";

// Argon2id with the OWASP password storage cheat sheet's minimum: 19 MiB, 2 passes, 1 lane.
const ARGON2ID = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

// Verified against when an email is unknown, so sign-in takes as long for unknown accounts.
const DUMMY_HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$zC3mHkSdPnm1Q0yqNfbJ4ZpDo2NV2fwrlHcUaJlyv0k";

/** Hashes a password with argon2id. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2ID);
}

/** Checks a password against a stored argon2id hash; a missing hash never matches. */
export async function verifyPassword(
  storedHash: string | null,
  password: string,
): Promise<boolean> {
  try {
    const matches = await verify(storedHash ?? DUMMY_HASH, password);
    return storedHash !== null && matches;
  } catch {
    return false;
  }
}
