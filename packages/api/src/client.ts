import { createTRPCClient, httpBatchLink } from "@trpc/client";
import superjson from "superjson";
import { MAX_BATCH_SIZE } from "./batch";
import type { AppRouter } from "./root";

export interface OnboardingClientOptions {
  /** Origin of the web app, such as `http://localhost:3000`. */
  baseUrl: string;
  /** The `Cookie` header value carrying the next-auth session, as signInWithPassword returns it. */
  sessionCookie?: string;
  fetch?: typeof fetch;
}

/** Creates a typed tRPC client for Node scripts and other services. */
export function createOnboardingClient(options: OnboardingClientOptions) {
  const url = new URL("/api/trpc", options.baseUrl).toString();
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url,
        transformer: superjson,
        maxItems: MAX_BATCH_SIZE,
        fetch: options.fetch,
        headers: () => (options.sessionCookie ? { cookie: options.sessionCookie } : {}),
      }),
    ],
  });
}

export type OnboardingClient = ReturnType<typeof createOnboardingClient>;

/** Raised when the server rejects the email and password. */
export class SignInError extends Error {
  override name = "SignInError";
}

function cookiePairs(response: Response): string[] {
  return response.headers.getSetCookie().map((header) => header.split(";")[0] ?? "");
}

/**
 * Signs in with email and password through next-auth's credentials endpoint and returns the
 * session's `Cookie` header value for createOnboardingClient.
 */
export async function signInWithPassword(options: {
  baseUrl: string;
  email: string;
  password: string;
  fetch?: typeof fetch;
}): Promise<string> {
  const fetcher = options.fetch ?? fetch;

  const csrfResponse = await fetcher(new URL("/api/auth/csrf", options.baseUrl));
  if (!csrfResponse.ok) {
    throw new SignInError(`Fetching the sign-in token failed with HTTP ${csrfResponse.status}.`);
  }
  const { csrfToken } = (await csrfResponse.json()) as { csrfToken: string };
  const csrfCookies = cookiePairs(csrfResponse);

  const response = await fetcher(new URL("/api/auth/callback/credentials", options.baseUrl), {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie: csrfCookies.join("; "),
    },
    body: new URLSearchParams({ email: options.email, password: options.password, csrfToken }),
  });

  const sessionCookies = cookiePairs(response).filter((pair) => pair.includes("session-token"));
  if (sessionCookies.length === 0) {
    throw new SignInError(`Sign-in as ${options.email} failed: wrong email or password.`);
  }
  return sessionCookies.join("; ");
}
