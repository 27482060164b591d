import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { DatabaseHandle } from "@onboarding/db";
import { createTestUser, openTestDatabase, testDrivers } from "@onboarding/db/testing";
import { parseKeyring } from "@onboarding/db/vault";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  copyStoredKey,
  describeError,
  dumpDatabase,
  eventRows,
  refuseApiKeyWrites,
  SecretWitness,
  tamperStoredKey,
  testDatabaseUrl,
} from "../../../db/src/vault/test-support";
import { createLogger } from "../logger";
import { createCaller } from "../root";
import { SAMPLE_KEYS } from "../sample-keys";
import type { Services } from "../services";
import { createTRPCContext } from "../trpc";
import { KEY_CHECKS } from "../verification";

type Caller = ReturnType<typeof createCaller>;

/** How the fake provider answers; the first path segment of a base URL picks the behaviour. */
type Mode =
  | "ok"
  | "401"
  | "403"
  | "429"
  | "500"
  | "404"
  | "slow"
  | "stalled-400"
  | "redirect"
  | "gemini-bad-key";

interface SeenRequest {
  server: "provider" | "trap";
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** Where each verifiable provider expects its key. */
const KEY_HEADERS: Record<string, (key: string) => Record<string, string>> = {
  gemini: (key) => ({ "x-goog-api-key": key }),
  anthropic: (key) => ({ "x-api-key": key, "anthropic-version": "2023-06-01" }),
  serper: (key) => ({ "x-api-key": key }),
};
const expectedHeaders = (provider: string, key: string) =>
  KEY_HEADERS[provider]?.(key) ?? { authorization: `Bearer ${key}` };

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe.each(testDrivers())("api key vault through the API on %s", (driver) => {
  const keyring = parseKeyring(`api1:${randomBytes(32).toString("base64")}`);
  const seen: SeenRequest[] = [];
  let provider: Server;
  let trap: Server;
  let providerUrl: string;
  let trapUrl: string;
  let closedUrl: string;
  const realFetch = globalThis.fetch;

  let handle: DatabaseHandle;
  let services: Services & { verification: NonNullable<Services["verification"]> };
  let witness: SecretWitness;
  let logLines: string[];
  let observed: { label: string; value: unknown }[];

  /** Runs a call, keeping its response or error so the after-hook can search it for keys. */
  async function track<T>(label: string, call: Promise<T>): Promise<T> {
    try {
      const value = await call;
      observed.push({ label, value });
      return value;
    } catch (error) {
      observed.push({ label: `${label} (error)`, value: describeError(error) });
      throw error;
    }
  }

  async function failure(label: string, call: Promise<unknown>) {
    try {
      await track(label, call);
    } catch (error) {
      return error as { code?: string; message: string };
    }
    throw new Error(`Expected ${label} to fail.`);
  }

  function callerFor(userId: string): Caller {
    return createCaller(createTRPCContext({ session: { user: { id: userId } }, services }));
  }

  /** Points one provider's checks at the fake provider answering with `mode`. */
  function answer(providerId: string, mode: Mode) {
    services.verification.baseUrls = {
      ...services.verification.baseUrls,
      [providerId]: `${providerUrl}/${mode}`,
    };
  }

  async function userWithKey(providerId: string) {
    const user = await createTestUser(handle);
    const caller = callerFor(user.id);
    const key = witness.remember((SAMPLE_KEYS[providerId] as () => string)());
    await track("save", caller.apiKeys.save({ provider: providerId, key }));
    return { user, caller, key };
  }

  beforeAll(async () => {
    provider = createServer((request, response) => {
      seen.push({
        server: "provider",
        method: request.method ?? "",
        url: request.url ?? "",
        headers: request.headers,
      });
      const mode = (request.url ?? "").split("/")[1] as Mode;
      const json = (status: number, body: unknown) => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify(body));
      };
      if (mode === "ok") return json(200, { data: [{ id: "model-1" }] });
      if (mode === "slow") {
        setTimeout(() => json(200, { data: [] }), 3_000).unref();
        return;
      }
      if (mode === "stalled-400") {
        // Sends the status and part of the body, then stalls past the verification timeout.
        response.writeHead(400, { "content-type": "application/json" });
        response.write('{"error": ');
        setTimeout(() => response.end("{}}"), 3_000).unref();
        return;
      }
      if (mode === "redirect") {
        response.writeHead(302, { location: `${trapUrl}/collect` });
        return response.end();
      }
      if (mode === "gemini-bad-key") {
        return json(400, {
          error: {
            code: 400,
            status: "INVALID_ARGUMENT",
            details: [{ reason: "API_KEY_INVALID" }],
          },
        });
      }
      return json(Number(mode), { error: "as requested" });
    });
    trap = createServer((request, response) => {
      seen.push({
        server: "trap",
        method: request.method ?? "",
        url: request.url ?? "",
        headers: request.headers,
      });
      response.end("{}");
    });
    // Outlive any pause between tests, so the client never reuses a connection as it closes.
    provider.keepAliveTimeout = 60_000;
    providerUrl = await listen(provider);
    trapUrl = await listen(trap);
    const closed = createServer();
    closedUrl = await listen(closed);
    await stop(closed);

    // The real providers' URLs are the defaults; no test may reach them.
    globalThis.fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.hostname !== "127.0.0.1") {
        return Promise.reject(new Error(`Test tried to reach ${url.origin}.`));
      }
      return realFetch(input, init);
    };
  });

  afterAll(async () => {
    globalThis.fetch = realFetch;
    await stop(provider);
    await stop(trap);
  });

  beforeEach(async () => {
    handle = await openTestDatabase(driver);
    witness = new SecretWitness();
    logLines = [];
    observed = [];
    seen.length = 0;
    services = {
      db: handle.db,
      keyring,
      requiredProviders: ["gemini", "exa"],
      logger: createLogger({
        level: "trace",
        destination: { write: (line: string) => logLines.push(line) },
      }),
      verification: {
        // Every verifiable provider goes to the fake; tests pick the answer per provider.
        baseUrls: Object.fromEntries(
          Object.keys(KEY_CHECKS).map((id) => [id, `${providerUrl}/ok`]),
        ),
        timeoutMs: 400,
        cooldownSeconds: 60,
      },
    };
  });

  afterEach(async () => {
    try {
      const dump = await dumpDatabase(handle, await testDatabaseUrl(handle));
      const events = await eventRows(handle);

      expect(witness.leaksInDump(dump)).toEqual([]);
      expect(witness.leaksIn("events", JSON.stringify(events))).toEqual([]);
      expect(witness.leaksIn("logs", logLines.join(""))).toEqual([]);
      for (const { label, value } of observed) {
        const text = typeof value === "string" ? value : JSON.stringify(value);
        expect(witness.leaksIn(label, text)).toEqual([]);
      }
      expect(seen.filter((request) => request.server === "trap")).toEqual([]);
    } finally {
      await handle.close();
    }
  });

  it("verifies a key the provider accepts", async () => {
    const { caller, key } = await userWithKey("openai");

    const verified = await track("verify", caller.apiKeys.verify({ provider: "openai" }));
    const listed = await track("list", caller.apiKeys.list());
    const events = (await eventRows(handle)).filter((event) =>
      ["key_used", "key_verified"].includes(event.type),
    );

    expect(verified).toMatchObject({ provider: "openai", status: "valid", statusReason: null });
    expect(verified.verifiedAt).toBeInstanceOf(Date);
    expect(listed).toEqual([verified]);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: "GET", url: "/ok/v1/models" });
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${key}`);
    expect(events).toEqual([
      { type: "key_used", detail: { provider: "openai", purpose: "verification" } },
      { type: "key_verified", detail: { provider: "openai", status: "valid", httpStatus: 200 } },
    ]);
  });

  it("sends each provider's key only in the header it expects", async () => {
    for (const providerId of Object.keys(KEY_CHECKS)) {
      seen.length = 0;
      const { caller, key } = await userWithKey(providerId);

      const verified = await track(providerId, caller.apiKeys.verify({ provider: providerId }));
      const request = seen[0];
      const carrying = Object.entries(request?.headers ?? {}).filter(([, value]) =>
        String(value).includes(key),
      );

      expect(verified.status, providerId).toBe("valid");
      expect(seen, providerId).toHaveLength(1);
      expect(request?.url, providerId).toBe(`/ok${KEY_CHECKS[providerId]?.path}`);
      expect(request?.url, providerId).not.toContain(key);
      expect(request?.headers, providerId).toMatchObject(expectedHeaders(providerId, key));
      expect(carrying, providerId).toHaveLength(1);
    }
  });

  it("marks a key the provider rejects invalid", async () => {
    const cases: [string, Mode][] = [
      ["openai", "401"],
      ["anthropic", "403"],
      ["gemini", "gemini-bad-key"],
    ];

    for (const [providerId, mode] of cases) {
      const { caller } = await userWithKey(providerId);
      answer(providerId, mode);

      const verified = await track(mode, caller.apiKeys.verify({ provider: providerId }));

      expect(verified.status, mode).toBe("invalid");
      expect(verified.statusReason, mode).toContain("rejected this key");
      expect(verified.verifiedAt, mode).toBeNull();
    }
  });

  it("leaves a key unverified when the check is inconclusive", async () => {
    const cases: [Mode | "closed", string][] = [
      ["429", "HTTP 429"],
      ["500", "HTTP 500"],
      ["404", "HTTP 404"],
      ["slow", "did not answer within 0.4 s"],
      ["redirect", "HTTP 302"],
      ["closed", "could not be reached; try again later."],
    ];
    const { caller } = await userWithKey("mistral");
    services.verification.cooldownSeconds = 0;

    for (const [mode, reason] of cases) {
      services.verification.baseUrls = {
        ...services.verification.baseUrls,
        mistral: mode === "closed" ? closedUrl : `${providerUrl}/${mode}`,
      };

      const verified = await track(mode, caller.apiKeys.verify({ provider: "mistral" }));

      expect(verified.status, mode).toBe("unverified");
      expect(verified.statusReason, mode).toContain(reason);
    }
  });

  it("times out a stalled error body", async () => {
    const { caller } = await userWithKey("gemini");
    answer("gemini", "stalled-400");

    const verified = await track("stalled", caller.apiKeys.verify({ provider: "gemini" }));

    expect(verified.status).toBe("unverified");
    expect(verified.statusReason).toContain("did not answer within 0.4 s");
  });

  it("keeps internal codes out of reasons", async () => {
    const { caller } = await userWithKey("openai");
    services.verification.baseUrls = { ...services.verification.baseUrls, openai: closedUrl };

    const verified = await track("closed", caller.apiKeys.verify({ provider: "openai" }));

    expect(verified.statusReason).toBe("OpenAI could not be reached; try again later.");
  });

  it("keeps the last success time through an inconclusive check", async () => {
    const { caller } = await userWithKey("huggingface");
    services.verification.cooldownSeconds = 0;

    const valid = await track("ok", caller.apiKeys.verify({ provider: "huggingface" }));
    answer("huggingface", "429");
    const limited = await track("429", caller.apiKeys.verify({ provider: "huggingface" }));

    expect(valid.status).toBe("valid");
    expect(limited.status).toBe("unverified");
    expect(limited.verifiedAt).toEqual(valid.verifiedAt);
  });

  it("spaces checks of one key", async () => {
    const { caller } = await userWithKey("openai");

    const results = await Promise.allSettled([
      caller.apiKeys.verify({ provider: "openai" }),
      caller.apiKeys.verify({ provider: "openai" }),
    ]);
    const again = await failure("again", caller.apiKeys.verify({ provider: "openai" }));
    const rejected = results.filter((result) => result.status === "rejected");

    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason.code).toBe("TOO_MANY_REQUESTS");
    expect(again.code).toBe("TOO_MANY_REQUESTS");
    expect(again.message).toMatch(/check it again in \d+ seconds/);
    expect(seen).toHaveLength(1);
  });

  it("refuses providers without a check", async () => {
    const { caller } = await userWithKey("exa");

    const error = await failure("verify exa", caller.apiKeys.verify({ provider: "exa" }));

    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toContain("Exa keys cannot be checked");
    expect(seen).toEqual([]);
  });

  it("answers NOT_FOUND for a provider without a key", async () => {
    const user = await createTestUser(handle);

    const error = await failure(
      "verify",
      callerFor(user.id).apiKeys.verify({ provider: "openai" }),
    );

    expect(error.code).toBe("NOT_FOUND");
    expect(seen).toEqual([]);
  });

  it("shows a tampered key as needs_reentry and never sends it", async () => {
    const { user, caller } = await userWithKey("tavily");
    await tamperStoredKey(handle, { userId: user.id, provider: "tavily" });

    const listed = await track("list", caller.apiKeys.list());
    const verified = await track("verify", caller.apiKeys.verify({ provider: "tavily" }));
    const replaced = await track(
      "save",
      caller.apiKeys.save({
        provider: "tavily",
        key: witness.remember(SAMPLE_KEYS.tavily?.() ?? ""),
      }),
    );

    expect(listed[0]).toMatchObject({ status: "needs_reentry" });
    expect(listed[0]?.statusReason).toContain("integrity check");
    expect(verified.status).toBe("needs_reentry");
    expect(seen).toEqual([]);
    expect(replaced.status).toBe("unverified");
  });

  it("shows a key moved from another user as needs_reentry", async () => {
    const alice = await userWithKey("gemini");
    const mallory = await userWithKey("gemini");
    await copyStoredKey(
      handle,
      { userId: alice.user.id, provider: "gemini" },
      { userId: mallory.user.id, provider: "gemini" },
    );

    const listed = await track("list", mallory.caller.apiKeys.list());
    const verified = await track("verify", mallory.caller.apiKeys.verify({ provider: "gemini" }));

    expect(listed[0]?.status).toBe("needs_reentry");
    expect(verified.status).toBe("needs_reentry");
    expect(seen).toEqual([]);
    expect((await track("alice", alice.caller.apiKeys.list()))[0]?.status).toBe("unverified");
  });

  it("keeps keys out of a failing save's error and log", async () => {
    const user = await createTestUser(handle);
    const caller = callerFor(user.id);
    await refuseApiKeyWrites(handle);

    const error = await failure(
      "save",
      caller.apiKeys.save({
        provider: "openai",
        key: witness.remember(SAMPLE_KEYS.openai?.() ?? ""),
      }),
    );
    const logged = logLines.join("");

    expect(error.code).toBe("INTERNAL_SERVER_ERROR");
    expect(logged).toContain("test_refuses_writes");
    expect(logged).not.toMatch(/params|Failed query/);
  });

  it("rejects a malformed key for every provider without echoing it", async () => {
    const user = await createTestUser(handle);
    const caller = callerFor(user.id);

    for (const providerId of Object.keys(SAMPLE_KEYS)) {
      const key = witness.remember(`${(SAMPLE_KEYS[providerId] as () => string)()}\u0007`);
      const error = await failure(providerId, caller.apiKeys.save({ provider: providerId, key }));

      expect(error.code, providerId).toBe("BAD_REQUEST");
    }
    expect(await track("list", caller.apiKeys.list())).toEqual([]);
  });
});
