import { encode } from "next-auth/jwt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readSession } from "../src/server/session";

const SECRET = "a-session-test-secret-of-enough-length-0123";
const HTTP_COOKIE = "authjs.session-token";
const SECURE_COOKIE = "__Secure-authjs.session-token";

function sessionToken(
  options: { sub?: string; secret?: string; salt?: string; maxAge?: number } = {},
) {
  return encode({
    token: { sub: options.sub ?? "user-1", email: "ada@example.test", name: "Ada" },
    secret: options.secret ?? SECRET,
    salt: options.salt ?? HTTP_COOKIE,
    maxAge: options.maxAge ?? 3600,
  });
}

function requestWith(headers: Record<string, string>): Request {
  return new Request("http://127.0.0.1/api/trpc/onboarding.getProgress", {
    headers: { "x-forwarded-proto": "http", ...headers },
  });
}

describe("readSession", () => {
  const saved = { secret: process.env.AUTH_SECRET, url: process.env.AUTH_URL };

  beforeEach(() => {
    process.env.AUTH_SECRET = SECRET;
    delete process.env.AUTH_URL;
  });

  afterEach(() => {
    process.env.AUTH_SECRET = saved.secret;
    if (saved.url === undefined) delete process.env.AUTH_URL;
    else process.env.AUTH_URL = saved.url;
  });

  it("reads a valid cookie", async () => {
    const token = await sessionToken({ sub: "user-valid" });

    const session = await readSession(requestWith({ cookie: `${HTTP_COOKIE}=${token}` }));

    expect(session?.user?.id).toBe("user-valid");
    expect(session?.user?.email).toBe("ada@example.test");
  });

  it("reads a cached cookie again", async () => {
    const token = await sessionToken({ sub: "user-cached" });
    const request = () => requestWith({ cookie: `${HTTP_COOKIE}=${token}` });

    const first = await readSession(request());
    const second = await readSession(request());

    expect(first?.user?.id).toBe("user-cached");
    expect(second?.user?.id).toBe("user-cached");
  });

  it("returns null without a cookie", async () => {
    expect(await readSession(requestWith({}))).toBeNull();
  });

  it("rejects a tampered cookie", async () => {
    const token = await sessionToken();
    const last = token.at(-2) === "A" ? "B" : "A";
    const tampered = `${token.slice(0, -2)}${last}${token.at(-1)}`;

    expect(await readSession(requestWith({ cookie: `${HTTP_COOKIE}=${tampered}` }))).toBeNull();
  });

  it("rejects another secret's cookie", async () => {
    const token = await sessionToken({ secret: "another-secret-of-enough-length-9876543210" });

    expect(await readSession(requestWith({ cookie: `${HTTP_COOKIE}=${token}` }))).toBeNull();
  });

  it("rejects an expired cookie", async () => {
    const token = await sessionToken({ maxAge: -3600 });

    expect(await readSession(requestWith({ cookie: `${HTTP_COOKIE}=${token}` }))).toBeNull();
  });

  it("rejects a cookie without AUTH_SECRET", async () => {
    const token = await sessionToken();
    delete process.env.AUTH_SECRET;

    expect(await readSession(requestWith({ cookie: `${HTTP_COOKIE}=${token}` }))).toBeNull();
  });

  it("ignores a Bearer token", async () => {
    const token = await sessionToken();

    expect(await readSession(requestWith({ authorization: `Bearer ${token}` }))).toBeNull();
  });

  it("uses the secure cookie over https", async () => {
    const token = await sessionToken({ sub: "user-secure", salt: SECURE_COOKIE });
    const headers = { "x-forwarded-proto": "https" };

    const secure = await readSession(
      requestWith({ ...headers, cookie: `${SECURE_COOKIE}=${token}` }),
    );
    const plain = await readSession(requestWith({ ...headers, cookie: `${HTTP_COOKIE}=${token}` }));

    expect(secure?.user?.id).toBe("user-secure");
    expect(plain).toBeNull();
  });

  it("keeps the cookie name after caching", async () => {
    const token = await sessionToken({ sub: "user-plain" });

    const plain = await readSession(requestWith({ cookie: `${HTTP_COOKIE}=${token}` }));
    const renamed = await readSession(
      requestWith({ "x-forwarded-proto": "https", cookie: `${SECURE_COOKIE}=${token}` }),
    );

    expect(plain?.user?.id).toBe("user-plain");
    expect(renamed).toBeNull();
  });

  it("follows AUTH_URL's protocol", async () => {
    process.env.AUTH_URL = "https://onboarding.example.test";
    const token = await sessionToken({ sub: "user-auth-url", salt: SECURE_COOKIE });

    const session = await readSession(requestWith({ cookie: `${SECURE_COOKIE}=${token}` }));

    expect(session?.user?.id).toBe("user-auth-url");
  });
});
