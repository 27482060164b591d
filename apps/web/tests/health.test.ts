import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase, freePort, type RunningServer, startServer } from "./support/server";

describe("health endpoints with a working database", () => {
  let server: RunningServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "onboarding-health-"));
    server = await startServer({ PGLITE_DATA_DIR: join(dir, "pglite") });
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reports liveness", async () => {
    const response = await fetch(`${server.baseUrl}/api/health`);

    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("reports readiness", async () => {
    const response = await fetch(`${server.baseUrl}/api/ready`);

    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ status: "ready" });
  });
});

describe("health endpoints without a database", () => {
  const password = "ready-check-password-never-echoed";
  let server: RunningServer;
  let databaseUrl: string;

  beforeAll(async () => {
    // Nothing listens on a port that was free a moment ago, so every connection is refused.
    databaseUrl = `postgres://onboarding:${password}@127.0.0.1:${await freePort()}/onboarding`;
    server = await startServer({
      DATABASE_URL: databaseUrl,
      AUTH_SECRET: "a-secret-for-the-health-test-0123456789",
      ONBOARDING_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString("base64")}`,
    });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("stays live", async () => {
    const response = await fetch(`${server.baseUrl}/api/health`);

    expect(response.status).toBe(200);
  });

  it("reports not ready with a reason", async () => {
    const response = await fetch(`${server.baseUrl}/api/ready`);
    const text = await response.text();

    expect(response.status).toBe(503);
    expect(JSON.parse(text)).toEqual({ status: "unavailable", reason: "database query failed" });
  });

  it("keeps secrets out of the response", async () => {
    const response = await fetch(`${server.baseUrl}/api/ready`);
    const text = await response.text();

    expect(text).not.toContain(password);
    expect(text).not.toContain(databaseUrl);
    expect(text).not.toContain("ECONNREFUSED");
    expect(text).not.toMatch(/\n\s+at /);
  });

  it("keeps the password out of the log", async () => {
    await fetch(`${server.baseUrl}/api/ready`);

    expect(server.output()).toContain("readiness check failed");
    expect(server.output()).not.toContain(password);
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)("readiness before migrations", () => {
  let server: RunningServer;
  let database: Awaited<ReturnType<typeof createScratchDatabase>>;

  beforeAll(async () => {
    database = await createScratchDatabase(process.env.TEST_DATABASE_URL ?? "");
    server = await startServer({
      DATABASE_URL: database.url,
      AUTH_SECRET: "a-secret-for-the-health-test-0123456789",
      ONBOARDING_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString("base64")}`,
    });
  });

  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  it("reports missing migrations", async () => {
    const response = await fetch(`${server.baseUrl}/api/ready`);
    const body = await response.json();

    expect(response.status).toBe(503);
    expect(body.reason).toContain("pnpm db:migrate");
  });
});

describe("health endpoints when the database cannot be opened", () => {
  const password = "unopenable-database-password";
  let server: RunningServer;

  beforeAll(async () => {
    // Port 99999 does not exist, so opening the database fails before any connection.
    server = await startServer({
      DATABASE_URL: `postgres://onboarding:${password}@127.0.0.1:99999/onboarding`,
      AUTH_SECRET: "a-secret-for-the-health-test-0123456789",
      ONBOARDING_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString("base64")}`,
    });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("stays live and reports why it is not ready", async () => {
    const health = await fetch(`${server.baseUrl}/api/health`);
    const ready = await fetch(`${server.baseUrl}/api/ready`);

    expect(health.status).toBe(200);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: "unavailable",
      reason: "services failed to start",
    });
    expect(server.output()).not.toContain(password);
  });
});
