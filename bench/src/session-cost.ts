import { createRequire } from "node:module";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { readSession } from "../../apps/web/src/server/session";
import { appDir } from "./paths";

/** Microseconds per call, measured in this process one call at a time. */
export interface SessionCost {
  /** next-auth's JWT decode (key derivation plus JWE decryption) of a real session cookie. */
  decodeMicros: number;
  /** next-auth's JWT encode, which auth() runs again on every call to refresh the expiry. */
  encodeMicros: number;
  /** @auth/core's whole session action, which is what auth() runs per request. */
  authSessionMicros: number;
  /** The tRPC route's readSession on a cookie it has not seen: cookie parsing plus decode. */
  readSessionMissMicros: number;
  /** readSession on a cookie it decoded before: a cache lookup. */
  readSessionHitMicros: number;
  iterations: number;
}

interface JwtModule {
  decode(params: { token: string; secret: string; salt: string }): Promise<unknown>;
  encode(params: {
    token: Record<string, unknown>;
    secret: string;
    salt: string;
    maxAge: number;
  }): Promise<string>;
}

interface CoreModule {
  Auth(request: Request, config: Record<string, unknown>): Promise<Response>;
}

// The web app depends on next-auth, the bench does not: load the app's own copies, so the code
// measured here is the code the server runs.
async function loadAuthModules(): Promise<{ jwt: JwtModule; core: CoreModule }> {
  const fromApp = createRequire(join(appDir, "package.json"));
  const jwtPath = fromApp.resolve("next-auth/jwt");
  const fromNextAuth = createRequire(jwtPath);
  const corePath = fromNextAuth.resolve("@auth/core");
  const jwt = (await import(pathToFileURL(jwtPath).href)) as JwtModule;
  const core = (await import(pathToFileURL(corePath).href)) as CoreModule;
  return { jwt, core };
}

/** Splits a `Cookie` header value into the session cookie's name and value. */
export function sessionCookieOf(cookieHeader: string): { name: string; value: string } {
  for (const pair of cookieHeader.split(/;\s*/)) {
    const separator = pair.indexOf("=");
    const name = pair.slice(0, separator);
    if (name.endsWith("authjs.session-token")) return { name, value: pair.slice(separator + 1) };
  }
  throw new Error("The sign-in cookie has no authjs.session-token; next-auth may have renamed it.");
}

async function microsPerCall(iterations: number, call: () => Promise<unknown>): Promise<number> {
  for (let index = 0; index < Math.min(200, iterations); index++) await call();
  const started = performance.now();
  for (let index = 0; index < iterations; index++) await call();
  return ((performance.now() - started) * 1000) / iterations;
}

/**
 * Times the tRPC route's readSession over `count` distinct cookies twice: the first pass decodes
 * each one, the second finds each in the cache.
 */
async function measureReadSession(
  jwt: JwtModule,
  secret: string,
  salt: string,
  count: number,
): Promise<Pick<SessionCost, "readSessionMissMicros" | "readSessionHitMicros">> {
  const requests: Request[] = [];
  for (let index = 0; index < count; index++) {
    const token = await jwt.encode({
      token: { sub: `bench-session-${index}`, email: `session-${index}@example.test` },
      secret,
      salt,
      maxAge: 3600,
    });
    requests.push(
      new Request("http://127.0.0.1/api/trpc/onboarding.getProgress", {
        headers: { cookie: `${salt}=${token}`, "x-forwarded-proto": "http" },
      }),
    );
  }

  // readSession takes the secret from the environment, as it does in the server.
  return withEnvironment("AUTH_SECRET", secret, async () => {
    const pass = async () => {
      const started = performance.now();
      for (const request of requests) {
        if (!(await readSession(request))) throw new Error("readSession rejected a valid cookie.");
      }
      return ((performance.now() - started) * 1000) / requests.length;
    };
    const readSessionMissMicros = await pass();
    const readSessionHitMicros = await pass();
    return { readSessionMissMicros, readSessionHitMicros };
  });
}

/** Runs `work` with one environment variable set, restoring its previous value after. */
async function withEnvironment<T>(name: string, value: string, work: () => Promise<T>): Promise<T> {
  const saved = process.env[name];
  process.env[name] = value;
  try {
    return await work();
  } finally {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  }
}

/**
 * Times next-auth's session check piece by piece on one real session cookie: decode alone,
 * encode alone, and @auth/core's session action with the app's jwt and session callbacks, the
 * same call auth() makes.
 */
export async function measureSessionCost(
  cookieHeader: string,
  secret: string,
  iterations = 1000,
): Promise<SessionCost> {
  const { jwt, core } = await loadAuthModules();
  const cookie = sessionCookieOf(cookieHeader);
  const salt = cookie.name;

  const payload = (await jwt.decode({ token: cookie.value, secret, salt })) as Record<
    string,
    unknown
  > | null;
  if (!payload?.sub) throw new Error("Decoding the session cookie with AUTH_SECRET failed.");

  const config = {
    secret,
    trustHost: true,
    basePath: "/api/auth",
    providers: [],
    session: { strategy: "jwt", maxAge: 30 * 24 * 60 * 60 },
    callbacks: {
      jwt: ({ token }: { token: Record<string, unknown> }) => token,
      session: ({
        session,
        token,
      }: {
        session: { user: Record<string, unknown> };
        token: Record<string, unknown>;
      }) => {
        if (token.sub) session.user.id = token.sub;
        return session;
      },
    },
  };
  const sessionUrl = "http://127.0.0.1/api/auth/session";
  const headers = { cookie: `${cookie.name}=${cookie.value}` };

  const readSessionCost = await measureReadSession(jwt, secret, salt, iterations);

  return {
    ...readSessionCost,
    decodeMicros: await microsPerCall(iterations, () =>
      jwt.decode({ token: cookie.value, secret, salt }),
    ),
    encodeMicros: await microsPerCall(iterations, () =>
      jwt.encode({ token: payload, secret, salt, maxAge: 30 * 24 * 60 * 60 }),
    ),
    authSessionMicros: await microsPerCall(iterations, async () => {
      const response = await core.Auth(new Request(sessionUrl, { headers }), config);
      await response.json();
    }),
    iterations,
  };
}
