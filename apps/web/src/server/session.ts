/**
 * Reads the signed-in user from the next-auth session cookie for API requests, without what
 * auth() adds per call: @auth/core's request pipeline and a fresh encryption of the cookie, whose
 * Set-Cookie a route handler drops anyway. Decoded cookies are cached by their exact value until
 * they expire, because a browser sends the same cookie with every autosave.
 *
 * It accepts exactly the cookies auth() accepts: the same cookie name (with the __Secure- prefix
 * when the app is served over https, judged from AUTH_URL or X-Forwarded-Proto as @auth/core
 * does), the same secret and the same expiry check. Bearer tokens are not read, as auth() reads
 * none either.
 */
import type { AuthSession } from "@onboarding/api";
import { decode, getToken, type JWT } from "next-auth/jwt";

/**
 * Maximum number of decoded sessions kept: an estimated 5 to 10 MB when full, since a cookie is
 * about 500 bytes.
 */
const CACHE_LIMIT = 10_000;

interface CachedSession {
  session: AuthSession;
  /** Milliseconds since the epoch at which the token's `exp` passes. */
  expiresAt: number;
}

// Map iteration follows insertion order, so re-inserting on a hit makes the first key the least
// recently used one.
const cache = new Map<string, CachedSession>();

/** Checks whether @auth/core would pick the __Secure- cookie names for this request. */
function usesSecureCookies(headers: Headers): boolean {
  const envUrl = process.env.AUTH_URL ?? process.env.NEXTAUTH_URL;
  if (envUrl) {
    try {
      return new URL(envUrl).protocol === "https:";
    } catch {
      return false;
    }
  }
  // @auth/core assumes https when no proxy or Next.js header says otherwise.
  const protocol = headers.get("x-forwarded-proto") ?? "https";
  return protocol.replace(/:$/, "") === "https";
}

function remember(key: string, entry: CachedSession): void {
  cache.set(key, entry);
  if (cache.size > CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
}

/** Returns the session of the request's cookie, or null without a valid, unexpired one. */
export async function readSession(request: Request): Promise<AuthSession | null> {
  // NOTE: like next-auth, this reads AUTH_SECRET or NEXTAUTH_SECRET. The AUTH_SECRET_1..3 list
  // that @auth/core falls back to when both are unset is not read; the launcher requires AUTH_SECRET.
  const secret = process.env.AUTH_SECRET ?? process.env.NEXTAUTH_SECRET;
  if (!secret) return null;

  const secureCookie = usesSecureCookies(request.headers);
  // Only the Cookie header is passed on, so getToken cannot fall back to a Bearer token.
  const headers = { cookie: request.headers.get("cookie") ?? "" };
  const token = await getToken({ req: { headers }, secureCookie, raw: true, secret });
  if (!token) return null;

  // The cookie's name is the salt of its encryption, so a token is cached under both: the same
  // token under the other name must be decoded, and fail, as auth() would.
  const salt = secureCookie ? "__Secure-authjs.session-token" : "authjs.session-token";
  const cacheKey = `${salt}=${token}`;
  const cached = cache.get(cacheKey);
  if (cached) {
    cache.delete(cacheKey);
    if (cached.expiresAt > Date.now()) {
      cache.set(cacheKey, cached);
      return cached.session;
    }
  }

  let payload: JWT | null;
  try {
    payload = await decode({ token, secret, salt });
  } catch {
    // Tampered, expired or encrypted with another secret: no session, as auth() decides.
    return null;
  }
  if (!payload?.sub || typeof payload.exp !== "number") return null;

  const session: AuthSession = {
    user: { id: payload.sub, email: payload.email ?? null, name: payload.name ?? null },
  };
  remember(cacheKey, { session, expiresAt: payload.exp * 1000 });
  return session;
}
