import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { Browser } from "playwright-core";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./support/browser";
import { createScratchDatabase, type RunningServer, startServer } from "./support/server";
import {
  completePersona,
  completeProviders,
  completeResearch,
  completeWebsite,
  EXA_KEY,
  finishSetup,
  GEMINI_KEY,
  signIn,
  signUp,
  skipIntegrations,
} from "./support/wizard";

type Driver = "pglite" | "postgres";
const drivers: Driver[] = process.env.TEST_DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];

/** Reads every stored ciphertext straight from the database the server used. */
async function storedCiphertexts(driver: Driver, location: string): Promise<Buffer[]> {
  if (driver === "postgres") {
    const sql = postgres(location, { max: 1, onnotice: () => {} });
    const rows = await sql<{ ciphertext: Buffer }[]>`SELECT ciphertext FROM api_keys`;
    await sql.end();
    return rows.map((row) => Buffer.from(row.ciphertext));
  }
  const pglite = await PGlite.create({ dataDir: location });
  const result = await pglite.query<{ ciphertext: Uint8Array }>("SELECT ciphertext FROM api_keys");
  await pglite.close();
  return result.rows.map((row) => Buffer.from(row.ciphertext));
}

describe.each(drivers)("wizard in Chromium on %s", (driver) => {
  let browser: Browser;
  let server: RunningServer;
  let env: Record<string, string>;
  let location: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    browser = await launchBrowser();
    if (driver === "postgres") {
      const database = await createScratchDatabase(process.env.TEST_DATABASE_URL ?? "");
      location = database.url;
      env = {
        DATABASE_URL: database.url,
        AUTH_SECRET: "browser-test-auth-secret-0123456789abcdef",
        ONBOARDING_ENCRYPTION_KEYS: `t1:${Buffer.alloc(32, 3).toString("base64")}`,
      };
      const { createDatabase, migrateDatabase } = await import("@onboarding/db");
      const handle = await createDatabase({ url: database.url });
      await migrateDatabase(handle);
      await handle.close();
      cleanup = database.drop;
    } else {
      const dir = mkdtempSync(join(tmpdir(), "onboarding-browser-"));
      location = join(dir, "pglite");
      env = { PGLITE_DATA_DIR: location };
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
    server = await startServer(env);
  });

  afterAll(async () => {
    await server?.stop();
    await browser?.close();
    await cleanup?.();
  });

  it("resumes at step three after a restart", async () => {
    const email = `resume-${driver}-${Date.now()}@example.test`;
    const first = await browser.newContext();
    const page = await first.newPage();
    await signUp(page, server.baseUrl, email);
    await completeProviders(page);
    await completeWebsite(page);
    await first.close();

    await server.stop();
    const ciphertexts = await storedCiphertexts(driver, location);
    server = await startServer(env);

    const second = await browser.newContext();
    const resumed = await second.newPage();
    await signIn(resumed, server.baseUrl, email);

    expect(new URL(resumed.url()).pathname).toBe("/onboarding/step/3");
    await expect(resumed.getByTestId("stepper-step-1").textContent()).resolves.toContain(
      "Completed",
    );
    await expect(resumed.getByTestId("stepper-step-2").textContent()).resolves.toContain(
      "Completed",
    );
    await expect(resumed.getByTestId("stepper-step-3").textContent()).resolves.toContain(
      "In progress",
    );
    expect(ciphertexts).toHaveLength(2);
    for (const ciphertext of ciphertexts) {
      expect(ciphertext.includes(Buffer.from(GEMINI_KEY))).toBe(false);
      expect(ciphertext.includes(Buffer.from(EXA_KEY))).toBe(false);
    }
    await second.close();
  });

  it("keeps a finished onboarding and hides it from others", async () => {
    const owner = `finished-${driver}-${Date.now()}@example.test`;
    const context = await browser.newContext();
    const page = await context.newPage();
    await signUp(page, server.baseUrl, owner);
    await completeProviders(page);
    await completeWebsite(page, "https://owner-site.example");
    await completeResearch(page);
    await completePersona(page, "Persona of the owner");
    await skipIntegrations(page);
    await expect(page.getByText("owner-site.example").count()).resolves.toBeGreaterThan(0);
    await finishSetup(page);
    await context.close();

    await server.stop();
    server = await startServer(env);

    const again = await browser.newContext();
    const dashboard = await again.newPage();
    await signIn(dashboard, server.baseUrl, owner);
    expect(new URL(dashboard.url()).pathname).toBe("/dashboard");
    await dashboard.getByRole("heading", { name: "Your assistant is set up" }).waitFor();
    await dashboard.screenshot({ path: join(tmpdir(), `dashboard-${driver}.png`), fullPage: true });
    await expect(dashboard.getByText("Persona of the owner").count()).resolves.toBe(1);
    await again.close();

    const stranger = await browser.newContext();
    const other = await stranger.newPage();
    await signUp(other, server.baseUrl, `stranger-${driver}-${Date.now()}@example.test`);
    await other.goto(`${server.baseUrl}/dashboard`);
    await other.waitForURL(/\/onboarding\/step\/1$/);
    await expect(other.getByText("Stored key ending in").count()).resolves.toBe(0);
    await other.goto(`${server.baseUrl}/onboarding/step/4`);
    await other.waitForURL(/\/onboarding\/step\/1$/);
    await expect(other.getByText("Persona of the owner").count()).resolves.toBe(0);
    await stranger.close();
  });
});
