// The release checklist, run in Chromium against the production server: isolation between users,
// a redeploy that loses nothing, concurrent users, encrypted keys, resuming with drafts, and
// conflicts between two tabs. PostgreSQL when TEST_DATABASE_URL is set, else PGlite.

import { createOnboardingClient, signInWithPassword } from "@onboarding/api/client";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./support/browser";
import {
  defaultServerDriver,
  prepareServerDatabase,
  type ServerDatabase,
} from "./support/database";
import { type RunningServer, startServer } from "./support/server";
import {
  completeOnboarding,
  completeProviders,
  completeWebsite,
  fillWebsite,
  PASSWORD,
  signIn,
  signUp,
  type WizardUser,
  waitForSaved,
  wizardUser,
} from "./support/wizard";

const driver = defaultServerDriver();

describe(`release checklist on ${driver}`, () => {
  let browser: Browser;
  let database: ServerDatabase;
  let server: RunningServer;
  const finished: WizardUser[] = [];

  beforeAll(async () => {
    [browser, database] = await Promise.all([launchBrowser(), prepareServerDatabase(driver)]);
    server = await startServer(database.env);
  });

  afterAll(async () => {
    await server?.stop();
    await browser?.close();
    await database?.dispose();
  });

  async function restartServer(): Promise<void> {
    await server.stop();
    server = await startServer(database.env);
  }

  /** Opens a fresh context, as a new device would, and returns its first page. */
  async function newDevice(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext();
    return { context, page: await context.newPage() };
  }

  /** Signs in through the API and returns the user's typed client. */
  async function apiAs(user: WizardUser) {
    const sessionCookie = await signInWithPassword({
      baseUrl: server.baseUrl,
      email: user.email,
      password: PASSWORD,
    });
    return createOnboardingClient({ baseUrl: server.baseUrl, sessionCookie });
  }

  /** Checks the dashboard shows the user's own values and masked keys and none of `others`. */
  async function expectOwnDashboard(page: Page, user: WizardUser, others: WizardUser[]) {
    const text = ((await page.locator("main").textContent()) ?? "").toLowerCase();
    expect(new URL(page.url()).pathname, user.email).toBe("/dashboard");
    expect(text, `${user.email} sees their persona`).toContain(user.personaName.toLowerCase());
    expect(text, `${user.email} sees their website`).toContain(user.site);
    expect(text, `${user.email} sees their gemini key mask`).toContain(user.keys.gemini.slice(-4));
    for (const other of others) {
      expect(text, `${user.email} sees ${other.email}`).not.toContain(other.email);
      expect(text, `${user.email} sees ${other.site}`).not.toContain(other.site);
      expect(text, `${user.email} sees ${other.personaName}`).not.toContain(
        other.personaName.toLowerCase(),
      );
    }
  }

  /** Checks the user's data export carries nothing of `others`. */
  async function expectOwnExport(user: WizardUser, others: WizardUser[]) {
    const client = await apiAs(user);
    const json = JSON.stringify(await client.account.export.query());
    expect(json).toContain(user.email);
    for (const other of others) {
      for (const value of [other.email, other.site, other.personaName, other.keys.gemini]) {
        expect(json, `export of ${user.email}`).not.toContain(value);
      }
    }
  }

  it("isolates two finished users", async () => {
    const alice = wizardUser("alice");
    const bob = wizardUser("bob");

    for (const user of [alice, bob]) {
      const { context, page } = await newDevice();
      await completeOnboarding(page, server.baseUrl, user);
      await context.close();
      finished.push(user);
    }

    for (const [user, other] of [
      [alice, bob],
      [bob, alice],
    ] as const) {
      const { context, page } = await newDevice();
      await signIn(page, server.baseUrl, user.email);
      await expectOwnDashboard(page, user, [other]);
      await context.close();
      await expectOwnExport(user, [other]);
    }
  });

  it("keeps both users across a restart", async () => {
    expect(finished).toHaveLength(2);

    await restartServer();

    for (const user of finished) {
      const { context, page } = await newDevice();
      await signIn(page, server.baseUrl, user.email);
      await expectOwnDashboard(
        page,
        user,
        finished.filter((other) => other !== user),
      );
      await context.close();
    }
  });

  it("shows a new user nothing", async () => {
    const carol = wizardUser("carol");
    const { context, page } = await newDevice();
    await signUp(page, server.baseUrl, carol.email);

    const stepOne = (await page.locator("main").textContent()) ?? "";
    await page.goto(`${server.baseUrl}/dashboard`);
    const dashboardPath = new URL(page.url()).pathname;
    await page.goto(`${server.baseUrl}/onboarding/step/4`);
    const jumpPath = new URL(page.url()).pathname;
    await context.close();

    expect(stepOne).not.toContain("Stored key ending in");
    expect(dashboardPath).toBe("/onboarding/step/1");
    expect(jumpPath).toBe("/onboarding/step/1");
    for (const other of finished) {
      expect(stepOne).not.toContain(other.email);
    }
    await expectOwnExport(carol, finished);
  });

  it("runs three wizards at once", async () => {
    const users = ["dave", "erin", "frank"].map((label) => wizardUser(label));
    const devices = await Promise.all(users.map(() => newDevice()));

    await Promise.all(
      users.map((user, index) => {
        const device = devices[index];
        if (!device) throw new Error(`No browser context for ${user.email}.`);
        return completeOnboarding(device.page, server.baseUrl, user);
      }),
    );

    for (const [index, user] of users.entries()) {
      const device = devices[index];
      if (!device) throw new Error(`No browser context for ${user.email}.`);
      await device.page.reload();
      await expectOwnDashboard(device.page, user, [
        ...users.filter((other) => other !== user),
        ...finished,
      ]);
      await device.context.close();
    }
    finished.push(...users);
  });

  it("stores API keys encrypted", async () => {
    expect(finished.length).toBeGreaterThanOrEqual(2);
    // PGlite allows one process per data directory, so the server stops while the test reads.
    if (driver === "pglite") await server.stop();

    const ciphertexts = await database.query<{ hex: string }>(
      "SELECT encode(ciphertext, 'hex') AS hex FROM api_keys",
    );
    const tables = await database.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables " +
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    const dumps = await database.query<{ row: string }>(
      tables.map(({ name }) => `SELECT t::text AS row FROM "${name}" t`).join(" UNION ALL "),
    );
    if (driver === "pglite") server = await startServer(database.env);

    expect(ciphertexts.length).toBe(finished.length * 2);
    expect(tables.map((table) => table.name)).toContain("api_keys");
    for (const user of finished) {
      for (const key of [user.keys.gemini, user.keys.exa]) {
        const plaintext = Buffer.from(key, "utf8");
        for (const { hex } of ciphertexts) {
          expect(Buffer.from(hex, "hex").includes(plaintext), `ciphertext contains ${key}`).toBe(
            false,
          );
        }
        expect(
          dumps.some(({ row }) => row.includes(key)),
          `a row contains ${key}`,
        ).toBe(false);
      }
    }
  });

  it("resumes half-way with drafts", async () => {
    const grace = wizardUser("grace");
    const first = await newDevice();
    await signUp(first.page, server.baseUrl, grace.email);
    await completeProviders(first.page, grace.keys);
    await completeWebsite(first.page, grace.site);
    await first.page.getByLabel("Research depth").selectOption("expert");
    await first.page.getByRole("checkbox", { name: "Case studies" }).check();
    await first.page
      .getByLabel("Competitor websites (optional)")
      .fill("rival-of-grace.example\nhttps://other.example");
    await waitForSaved(first.page);
    await first.context.close();

    await restartServer();

    const second = await newDevice();
    await signIn(second.page, server.baseUrl, grace.email);
    const page = second.page;

    expect(new URL(page.url()).pathname).toBe("/onboarding/step/3");
    expect(await page.getByLabel("Research depth").inputValue()).toBe("expert");
    expect(await page.getByRole("checkbox", { name: "Case studies" }).isChecked()).toBe(true);
    expect(await page.getByRole("checkbox", { name: "Blog posts" }).isChecked()).toBe(false);
    expect(await page.getByLabel("Competitor websites (optional)").inputValue()).toBe(
      "rival-of-grace.example\nhttps://other.example",
    );
    expect(await page.getByTestId("stepper-step-1").textContent()).toContain("Completed");
    expect(await page.getByTestId("stepper-step-2").textContent()).toContain("Completed");
    expect(await page.getByTestId("stepper-step-3").textContent()).toContain("In progress");
    await second.context.close();
  });

  /**
   * Opens step 2 in two tabs of one browser, saves a website in the first, then types another in
   * the second, whose save then meets the first tab's newer version.
   */
  async function editInTwoTabs(name: string) {
    const user = wizardUser(name);
    const { context, page: first } = await newDevice();
    await signUp(first, server.baseUrl, user.email);
    await completeProviders(first, user.keys);
    const second = await context.newPage();
    await second.goto(`${server.baseUrl}/onboarding/step/2`);
    await second.getByRole("heading", { level: 1 }).waitFor();

    await first.getByLabel("Website URL").fill("first-tab.example");
    await waitForSaved(first);
    await second.getByLabel("Website URL").fill("second-tab.example");
    return { user, context, second };
  }

  it("sends a stale tab the conflict message", async () => {
    const { user: heidi, context, second } = await editInTwoTabs("heidi");
    const message = second
      .getByTestId("wizard-notice")
      .getByText("This onboarding changed in another tab or device");
    await message.waitFor();
    await second
      .getByLabel("Website URL")
      .and(second.locator('[value="first-tab.example"]'))
      .waitFor();
    const draft = (await (await apiAs(heidi)).onboarding.getStep.query({ stepNumber: 2 })).draft;

    expect(draft?.websiteUrl).toBe("first-tab.example");
    expect(await second.getByLabel("Website URL").inputValue()).toBe("first-tab.example");
    await context.close();
  });

  it("gives a stale tab its text back", async () => {
    const { user: judy, context, second } = await editInTwoTabs("judy");
    const offer = second.getByTestId("unsaved-notice");
    await offer.waitFor();
    const loaded = await second.getByLabel("Website URL").inputValue();
    await offer.getByRole("button", { name: "Restore my text" }).click();
    await waitForSaved(second);
    const draft = (await (await apiAs(judy)).onboarding.getStep.query({ stepNumber: 2 })).draft;

    expect(loaded).toBe("first-tab.example");
    expect(await second.getByLabel("Website URL").inputValue()).toBe("second-tab.example");
    expect(draft?.websiteUrl).toBe("second-tab.example");
    expect(await offer.count()).toBe(0);
    await context.close();
  });

  it("keeps the other tab's finished step", async () => {
    const ivan = wizardUser("ivan");
    const { context, page: first } = await newDevice();
    await signUp(first, server.baseUrl, ivan.email);
    await completeProviders(first, ivan.keys);
    const second = await context.newPage();
    await second.goto(`${server.baseUrl}/onboarding/step/2`);
    await second.getByRole("heading", { level: 1 }).waitFor();

    await completeWebsite(first, "winner.example");
    await fillWebsite(second, "loser.example");
    await second.getByRole("button", { name: "Continue" }).click();
    await second
      .getByTestId("wizard-notice")
      .getByText("This onboarding changed in another tab or device")
      .waitFor();
    await second
      .getByLabel("Website URL")
      .and(second.locator('[value="https://winner.example/"]'))
      .waitFor();
    const step = await (await apiAs(ivan)).onboarding.getStep.query({ stepNumber: 2 });

    expect(step.status).toBe("completed");
    expect(step.values?.websiteUrl).toBe("https://winner.example/");
    expect(JSON.stringify(step)).not.toContain("loser.example");
    await context.close();
  });
});
