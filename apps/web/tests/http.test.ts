import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createOnboardingClient, signInWithPassword } from "@onboarding/api/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "./support/server";

const PASSWORD = "correct horse battery staple";

describe("tRPC over HTTP", () => {
  let server: RunningServer;
  let dir: string;
  let cookie: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "onboarding-http-"));
    server = await startServer({ PGLITE_DATA_DIR: join(dir, "pglite") });
    const email = `http-${Date.now()}@example.test`;
    await createOnboardingClient({ baseUrl: server.baseUrl }).auth.register.mutate({
      email,
      password: PASSWORD,
    });
    cookie = await signInWithPassword({ baseUrl: server.baseUrl, email, password: PASSWORD });
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function postSaveStep(body: BodyInit, headers: Record<string, string> = {}) {
    return fetch(`${server.baseUrl}/api/trpc/onboarding.saveStep`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie, ...headers },
      body,
      duplex: "half",
    } as RequestInit);
  }

  it("rejects a declared oversized body", async () => {
    const draft = { text: "x".repeat(300 * 1024) };
    const response = await postSaveStep(JSON.stringify({ json: { stepNumber: 2, draft } }));
    const payload = await response.json();

    expect(response.status).toBe(413);
    expect(payload.error.json.data.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("stops reading a streamed oversized body", async () => {
    const cap = 64 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, "x");
    const url = new URL(`${server.baseUrl}/api/trpc/onboarding.saveStep`);

    // Chunked upload without Content-Length; it stops at the first response, at 64 MiB, or when
    // the server closes the connection (EPIPE or ECONNRESET can beat the 413 to the client).
    const outcome = await new Promise<{ status: number; written: number }>((resolve, reject) => {
      let written = 0;
      let finished = false;
      const finish = (status: number) => {
        if (finished) return;
        finished = true;
        resolve({ status, written });
        request.destroy();
      };
      const request = httpRequest(url, {
        method: "POST",
        headers: { "content-type": "application/json", cookie, "transfer-encoding": "chunked" },
        agent: false,
      });
      request.on("response", (response) => {
        response.resume();
        finish(response.statusCode ?? 0);
      });
      request.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code === "EPIPE" || error.code === "ECONNRESET") finish(0);
        else if (!finished) reject(error);
      });
      const pump = () => {
        while (!finished && written < cap) {
          written += chunk.length;
          if (!request.write(chunk)) {
            request.once("drain", pump);
            return;
          }
        }
        if (!finished) request.end();
      };
      pump();
    });

    expect([413, 0]).toContain(outcome.status);
    expect(outcome.written).toBeLessThan(cap);
  });

  it("answers procedures without Next's router", async () => {
    const page = await fetch(`${server.baseUrl}/api/health`);
    const call = await fetch(`${server.baseUrl}/api/trpc/onboarding.getProgress`, {
      headers: { cookie },
    });

    expect(call.status).toBe(200);
    expect(page.headers.get("vary")).toContain("rsc");
    expect(call.headers.get("vary")).not.toContain("rsc");
  });

  it("leaves odd procedure paths to Next", async () => {
    // fetch would normalize these paths, so the request is written by hand.
    const rawStatus = (path: string) =>
      new Promise<string>((resolve, reject) => {
        const { port } = new URL(server.baseUrl);
        const socket = connect(Number(port), "127.0.0.1", () => {
          socket.end(
            `GET ${path} HTTP/1.1\r\nHost: x\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`,
          );
        });
        let head = "";
        socket.on("data", (chunk) => {
          head += chunk.toString("latin1");
        });
        socket.on("end", () => resolve(head.slice(0, head.indexOf("\r\n"))));
        socket.on("error", reject);
      });

    const backslashes = await rawStatus("/api/trpc/..\\..\\api\\trpc\\account.export");
    const dots = await rawStatus("/api/trpc/..");

    expect(backslashes).toBe("HTTP/1.1 308 Permanent Redirect");
    expect(dots).not.toContain(" 200 ");
  });

  it("echoes only a plain request id", async () => {
    const call = (requestId: string) =>
      fetch(`${server.baseUrl}/api/trpc/onboarding.getProgress`, {
        headers: { cookie, "x-request-id": requestId },
      });

    const plain = await call("trace-42.a:b");
    const odd = await call(`{"injected": "${"x".repeat(300)}"}`);

    expect(plain.headers.get("x-request-id")).toBe("trace-42.a:b");
    expect(odd.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("reads a chunked body within the limit", async () => {
    const draft = { note: "sent in pieces" };
    const body = JSON.stringify({ json: { stepNumber: 2, draft } });
    const url = new URL(`${server.baseUrl}/api/trpc/onboarding.saveStep`);

    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(url, {
        method: "POST",
        headers: { "content-type": "application/json", cookie, "transfer-encoding": "chunked" },
      });
      request.on("response", (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on("error", reject);
      request.write(body.slice(0, 10));
      request.end(body.slice(10));
    });
    const client = createOnboardingClient({ baseUrl: server.baseUrl, sessionCookie: cookie });
    const step = await client.onboarding.getStep.query({ stepNumber: 2 });

    expect(status).toBe(200);
    expect(step.draft).toEqual(draft);
  });

  /**
   * Opens `count` uploads of the largest body, each one byte short so that it never ends, and
   * returns the status lines the server sends and a function that closes them all.
   */
  async function stallUploads(count: number, sessionCookie: string | undefined) {
    const size = 256 * 1024;
    const { port } = new URL(server.baseUrl);
    const sockets: Socket[] = [];
    const statusLines: string[] = [];
    for (let index = 0; index < count; index++) {
      const socket = connect(Number(port), "127.0.0.1");
      sockets.push(socket);
      socket.on("data", (chunk) => {
        statusLines.push(chunk.toString("latin1").split("\r\n")[0] ?? "");
      });
      socket.on("error", () => {});
      socket.write(
        "POST /api/trpc/onboarding.saveStep HTTP/1.1\r\nHost: x\r\n" +
          (sessionCookie ? `Cookie: ${sessionCookie}\r\n` : "") +
          `Content-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`,
      );
      socket.write(Buffer.alloc(size - 1, " "));
    }
    // Let the server read what was sent.
    await new Promise((resolveWait) => setTimeout(resolveWait, 1_500));
    return {
      statusLines,
      close: () => {
        for (const socket of sockets) socket.destroy();
      },
    };
  }

  it("limits one user's bodies in flight", async () => {
    // Eight bodies of the largest size are twice what one user may hold while they arrive.
    const uploads = await stallUploads(8, cookie);
    uploads.close();
    await new Promise((resolveWait) => setTimeout(resolveWait, 500));
    const afterwards = await postSaveStep(JSON.stringify({ json: { stepNumber: 2, draft: {} } }));

    expect(uploads.statusLines).toContain("HTTP/1.1 503 Service Unavailable");
    expect(afterwards.status).toBe(200);
  });

  it("keeps anonymous uploads from starving users", async () => {
    // 40 bodies of 256 KiB are more than all requests without a session may hold.
    const uploads = await stallUploads(40, undefined);
    try {
      const save = await postSaveStep(JSON.stringify({ json: { stepNumber: 2, draft: {} } }));

      expect(uploads.statusLines).toContain("HTTP/1.1 503 Service Unavailable");
      expect(save.status).toBe(200);
    } finally {
      uploads.close();
    }
  });

  it("rejects an oversized batch", async () => {
    const batchUrl = (calls: number) =>
      `${server.baseUrl}/api/trpc/${Array(calls).fill("onboarding.getProgress").join(",")}?batch=1&input=${encodeURIComponent("{}")}`;

    const allowed = await fetch(batchUrl(10), { headers: { cookie } });
    const tooMany = await fetch(batchUrl(11), { headers: { cookie } });

    expect(allowed.status).toBe(200);
    expect(tooMany.status).toBe(400);
  });

  it("rejects an oversized sign-in body", async () => {
    const response = await fetch(`${server.baseUrl}/api/auth/callback/credentials`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `email=a%40example.test&password=${"x".repeat(64 * 1024)}`,
      redirect: "manual",
    });

    expect(response.status).toBe(413);
  });

  it("rejects a prototype key in a draft", async () => {
    const response = await postSaveStep(
      '{"json":{"stepNumber":2,"draft":{"keep":1,"__proto__":{"polluted":true}}}}',
    );
    const payload = await response.json();

    expect(response.status).toBe(400);
    expect(payload.error.json.message).toContain("draft.__proto__");
  });

  it("rejects calls without a session", async () => {
    const response = await fetch(`${server.baseUrl}/api/trpc/onboarding.getProgress`);

    expect(response.status).toBe(401);
  });

  it("names the invalid field", async () => {
    const response = await postSaveStep(JSON.stringify({ json: { stepNumber: 9, draft: {} } }));
    const payload = await response.json();

    expect(response.status).toBe(400);
    expect(Object.keys(payload.error.json.data.fieldErrors)).toContain("stepNumber");
  });

  it("sends a deleted account to sign-in", async () => {
    const email = `deleted-${Date.now()}@example.test`;
    await createOnboardingClient({ baseUrl: server.baseUrl }).auth.register.mutate({
      email,
      password: PASSWORD,
    });
    const staleCookie = await signInWithPassword({
      baseUrl: server.baseUrl,
      email,
      password: PASSWORD,
    });
    await createOnboardingClient({
      baseUrl: server.baseUrl,
      sessionCookie: staleCookie,
    }).account.delete.mutate({ confirmEmail: email });

    const dashboard = await fetch(`${server.baseUrl}/dashboard`, {
      headers: { cookie: staleCookie },
      redirect: "manual",
    });
    const signIn = await fetch(`${server.baseUrl}/sign-in?reason=account-missing`, {
      headers: { cookie: staleCookie },
      redirect: "manual",
    });

    expect(dashboard.status).toBe(307);
    expect(dashboard.headers.get("location")).toContain("/sign-in?reason=account-missing");
    expect(signIn.status).toBe(200);
  });

  it("serves the typed client", async () => {
    const client = createOnboardingClient({ baseUrl: server.baseUrl, sessionCookie: cookie });

    const saved = await client.onboarding.saveStep.mutate({ stepNumber: 2, draft: { a: 1 } });
    const step = await client.onboarding.getStep.query({ stepNumber: 2 });

    expect(saved.version).toBeGreaterThan(1);
    expect(step.draft).toEqual({ a: 1 });
  });
});
