// The wizard and dashboard in Chromium against the production server on PGlite: accessibility
// scans, layout at 360 px, keyboard use, screenshots, resuming after a restart, autosave retries
// and the dashboard's data actions. The release checklist covers PostgreSQL.

import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scrollWidthAt360, seriousViolations } from "./support/accessibility";
import { apiClientFor, prepareUser } from "./support/api";
import { launchBrowser } from "./support/browser";
import { prepareServerDatabase, type ServerDatabase } from "./support/database";
import { captureScreens } from "./support/screenshots";
import { type RunningServer, startServer } from "./support/server";
import {
  completeProviders,
  fillWebsite,
  finishSetup,
  keysFor,
  PASSWORD,
  signIn,
  signUp,
  skipIntegrations,
  type WizardUser,
  waitForSaved,
  wizardUser,
} from "./support/wizard";

/** Describes the focused element: its id, or its tag with name and value for unnamed controls. */
function focusedElement(page: Page): Promise<string> {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLInputElement | null;
    if (!element || element === document.body) return "(body)";
    if (element.id) return `#${element.id}`;
    const label = element.textContent?.trim() || element.value || element.name || "";
    return `${element.tagName.toLowerCase()}:${label}`;
  });
}

/** Presses Tab until `target` has focus; fails after `limit` presses. */
async function tabTo(page: Page, target: string, limit = 12): Promise<void> {
  const seen: string[] = [];
  for (let press = 0; press < limit; press++) {
    await page.keyboard.press("Tab");
    const focused = await focusedElement(page);
    if (focused === target) return;
    seen.push(focused);
  }
  throw new Error(`Tab never reached ${target}; focus went through: ${seen.join(", ")}`);
}

describe("wizard and dashboard in Chromium", () => {
  let browser: Browser;
  let database: ServerDatabase;
  let server: RunningServer;

  beforeAll(async () => {
    [browser, database] = await Promise.all([launchBrowser(), prepareServerDatabase("pglite")]);
    server = await startServer(database.env);
  });

  afterAll(async () => {
    await server?.stop();
    await browser?.close();
    await database?.dispose();
  });

  /** Scans the page with axe, checks it fits 360 px and saves its screenshots as `name`. */
  async function checkPage(page: Page, name: string): Promise<void> {
    await page.locator("h1").waitFor();
    expect.soft(await seriousViolations(page), `axe violations on ${name}`).toEqual([]);
    expect.soft(await scrollWidthAt360(page), `scroll width of ${name}`).toBeLessThanOrEqual(360);
    await captureScreens(page, name);
  }

  it("page checks catch broken markup", async () => {
    const page = await browser.newPage();
    await page.setContent(
      '<html lang="en"><body><main><h1>Broken</h1><img src="data:,">' +
        '<div style="width: 500px">wide</div></main></body></html>',
    );

    const violations = await seriousViolations(page);
    const width = await scrollWidthAt360(page);
    await page.close();

    expect(violations.join("\n")).toContain("image-alt");
    expect(width).toBeGreaterThan(360);
  });

  it("passes axe and fits every page", async () => {
    // Fixed values, so the screenshots read well; the database is new for each run.
    const user: WizardUser = {
      email: "ada@example.test",
      keys: keysFor("ada"),
      site: "ada-writes.example",
      personaName: "Ada from Acme",
    };
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();

    await page.goto(`${server.baseUrl}/sign-in`);
    await checkPage(page, "sign-in");
    await page.goto(`${server.baseUrl}/sign-up`);
    await checkPage(page, "sign-up");

    await signUp(page, server.baseUrl, user.email);
    await checkPage(page, "step-1");
    await completeProviders(page, user.keys);

    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByText("fields need your attention").waitFor();
    await checkPage(page, "step-2-errors");
    await page.reload();
    await fillWebsite(page, user.site);
    await page.getByLabel("Style notes (optional)").fill("Short sentences. No jargon.");
    await waitForSaved(page);
    await checkPage(page, "step-2");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.waitForURL(/\/onboarding\/step\/3$/);

    await page.getByLabel("Research depth").selectOption("comprehensive");
    await page.getByRole("checkbox", { name: "Blog posts" }).check();
    await page.getByRole("checkbox", { name: "Newsletters" }).check();
    await page
      .getByLabel("Competitor websites (optional)")
      .fill("https://competitor.example\nrival.example, third.example");
    await waitForSaved(page);
    await checkPage(page, "step-3");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.waitForURL(/\/onboarding\/step\/4$/);
    const research = await (await apiClientFor(server.baseUrl, user)).onboarding.getStep.query({
      stepNumber: 3,
    });
    expect(research.values).toMatchObject({
      competitors: [
        "https://competitor.example/",
        "https://rival.example/",
        "https://third.example/",
      ],
    });

    await page.getByLabel("Persona name").fill(user.personaName);
    await page.getByLabel("Brand voice").fill("Plain, warm and precise.");
    await page.getByLabel("Default tone").selectOption("friendly");
    await page
      .getByRole("group", { name: "Platforms you publish on" })
      .getByRole("checkbox", { name: "Blog" })
      .check();
    await waitForSaved(page);
    await checkPage(page, "step-4");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.waitForURL(/\/onboarding\/step\/5$/);

    await checkPage(page, "step-5");
    await skipIntegrations(page);

    await checkPage(page, "step-6");
    await finishSetup(page);

    await checkPage(page, "dashboard");
    await page.getByRole("button", { name: "Start over…" }).click();
    await page.getByRole("button", { name: "Delete my account…" }).click();
    expect.soft(await seriousViolations(page), "axe violations on open panels").toEqual([]);
    expect
      .soft(await scrollWidthAt360(page), "scroll width of open panels")
      .toBeLessThanOrEqual(360);
    await context.close();
  });

  it("walks step two by keyboard", async () => {
    const user = wizardUser("keyboard");
    await prepareUser(server.baseUrl, user, 1);
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, server.baseUrl, user.email);
    await page.waitForURL(/\/onboarding\/step\/2$/);

    expect(await focusedElement(page)).toBe("h1:Step 2 of 6: Website");

    await tabTo(page, "input:website");
    await tabTo(page, "#websiteUrl");
    await page.keyboard.press("Enter");
    await page.getByTestId("wizard-notice").getByText("need your attention").waitFor();
    const invalid = page.locator("#websiteUrl");
    const describedBy = (await invalid.getAttribute("aria-describedby")) ?? "";

    expect(await focusedElement(page)).toBe("#websiteUrl");
    expect(await invalid.getAttribute("aria-invalid")).toBe("true");
    expect(describedBy.split(" ")).toContain("websiteUrl-error");
    expect(await page.locator("#websiteUrl-error").textContent()).toContain("website address");
    expect(await page.getByTestId("wizard-notice").getAttribute("aria-live")).toBe("polite");

    await page.keyboard.type("keyboard.example");
    await tabTo(page, "#writingTone");
    await page.keyboard.type("Friendly");
    await tabTo(page, "#primaryContentType");
    await page.keyboard.type("Articles");
    await tabTo(page, "#targetAudience");
    await page.keyboard.type("People who never touch a mouse");
    await tabTo(page, "#useAnalysisForGenAi");
    await page.keyboard.press("Space");
    await tabTo(page, "button:Continue");
    await page.keyboard.press("Space");
    await page.waitForURL(/\/onboarding\/step\/3$/);
    await page.locator("h1").filter({ hasText: "Step 3 of 6" }).waitFor();

    expect(await focusedElement(page)).toBe("h1:Step 3 of 6: Research");
    const values = (
      await (
        await apiClientFor(server.baseUrl, user)
      ).onboarding.getStep.query({
        stepNumber: 2,
      })
    ).values;
    expect(values).toMatchObject({
      websiteUrl: "https://keyboard.example/",
      writingTone: "friendly",
      primaryContentType: "articles",
      targetAudience: "People who never touch a mouse",
      useAnalysisForGenAi: false,
    });
    await context.close();
  });

  it("resumes with drafts after a restart", async () => {
    const user = wizardUser("restart-pglite");
    const client = await prepareUser(server.baseUrl, user, 2);
    await client.onboarding.saveStep.mutate({
      stepNumber: 3,
      draft: { researchDepth: "basic", contentTypes: ["newsletters"], competitorsText: "" },
    });

    await server.stop();
    server = await startServer(database.env);
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, server.baseUrl, user.email);

    expect(new URL(page.url()).pathname).toBe("/onboarding/step/3");
    expect(await page.getByLabel("Research depth").inputValue()).toBe("basic");
    expect(await page.getByRole("checkbox", { name: "Newsletters" }).isChecked()).toBe(true);
    await context.close();
  });

  it("retries an autosave after going offline", async () => {
    const user = wizardUser("offline");
    const client = await prepareUser(server.baseUrl, user, 1);
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, server.baseUrl, user.email);
    await page.waitForURL(/\/onboarding\/step\/2$/);

    await context.setOffline(true);
    await page.getByLabel("Website URL").fill("offline.example");
    await page.getByTestId("save-status").filter({ hasText: "Not saved, retrying" }).waitFor();
    const whileOffline = await client.onboarding.getStep.query({ stepNumber: 2 });
    await context.setOffline(false);
    await waitForSaved(page);
    const afterwards = await client.onboarding.getStep.query({ stepNumber: 2 });

    expect(whileOffline.draft).toBeNull();
    expect(afterwards.draft?.websiteUrl).toBe("offline.example");
    await context.close();
  });

  it.each([
    ["a reload", "reload"],
    ["a stepper link", "stepper"],
  ])("keeps typing cut short by %s", async (_label, exit) => {
    const user = wizardUser(`leave-${exit}`);
    const client = await prepareUser(server.baseUrl, user, 1);
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, server.baseUrl, user.email);
    await page.waitForURL(/\/onboarding\/step\/2$/);

    await page.getByLabel("Target audience").fill(`Typed just before ${exit}`);
    if (exit === "reload") await page.reload();
    else await page.getByTestId("stepper-step-1").getByRole("link").click();
    await page.waitForLoadState("networkidle");
    const step = await client.onboarding.getStep.query({ stepNumber: 2 });

    expect(step.draft?.targetAudience).toBe(`Typed just before ${exit}`);
    await context.close();
  });

  it("names key buttons by provider", async () => {
    const user = wizardUser("key-names");
    const context = await browser.newContext();
    const page = await context.newPage();
    await signUp(page, server.baseUrl, user.email);

    const saveButtons = page.getByRole("button", { name: /^Save key for / });
    const names = await saveButtons.evaluateAll((buttons) =>
      buttons.map((button) => button.textContent?.trim()),
    );

    expect(names.length).toBeGreaterThan(1);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain("Save key for Google Gemini");
    await context.close();
  });

  it("keeps focus after saving a key", async () => {
    const user = wizardUser("key-focus");
    const context = await browser.newContext();
    const page = await context.newPage();
    await signUp(page, server.baseUrl, user.email);

    const row = page.getByTestId("provider-gemini");
    await page.getByLabel("Google Gemini API key").fill(user.keys.gemini);
    await row.getByRole("button", { name: "Save key" }).press("Enter");
    await row.getByRole("button", { name: "Replace" }).waitFor();
    const afterSave = await page.evaluate(() => document.activeElement?.textContent?.trim());
    await page.keyboard.press("Enter");
    const afterReplace = await page.evaluate(() => document.activeElement?.id);

    expect(afterSave).toBe("Replace Google Gemini key");
    expect(afterReplace).toBe("key-gemini");
    await context.close();
  });

  it("saves a draft on request", async () => {
    const user = wizardUser("draft");
    const client = await prepareUser(server.baseUrl, user, 1);
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, server.baseUrl, user.email);

    await page.getByRole("radio", { name: "No website yet" }).check();
    await page.getByLabel("Business name").fill("Crumb Bakery");
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByTestId("wizard-notice").getByText("Draft saved.").waitFor();
    const step = await client.onboarding.getStep.query({ stepNumber: 2 });

    expect(step.draft).toMatchObject({ mode: "business", businessName: "Crumb Bakery" });
    await context.close();
  });

  it("downloads the user's data", async () => {
    const user = wizardUser("download");
    await prepareUser(server.baseUrl, user, 6);
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, server.baseUrl, user.email);

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download my data" }).click(),
    ]);
    const text = readFileSync(await download.path(), "utf8");
    const exported = JSON.parse(text);
    await page.getByTestId("download-status").getByText("Downloaded").waitFor();

    expect(download.suggestedFilename()).toMatch(/^onboarding-data-\d{4}-\d{2}-\d{2}\.json$/);
    expect(exported.account.email).toBe(user.email);
    expect(exported.progress.status).toBe("completed");
    expect(exported.steps).toHaveLength(6);
    expect(exported.stepData.map((entry: { stepNumber: number }) => entry.stepNumber)).toEqual([
      2, 3, 4,
    ]);
    expect(exported.apiKeys.map((key: { last4: string }) => key.last4).sort()).toEqual(
      [user.keys.exa.slice(-4), user.keys.gemini.slice(-4)].sort(),
    );
    expect(exported.events.length).toBeGreaterThan(0);
    expect(text).not.toContain(user.keys.gemini);
    expect(text).not.toContain(user.keys.exa);
    expect(text).not.toContain("ciphertext");
    await context.close();
  });

  it("starts over and forgets keys", async () => {
    const user = wizardUser("restart");
    const client = await prepareUser(server.baseUrl, user, 6);
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, server.baseUrl, user.email);

    await page.getByRole("button", { name: "Start over…" }).click();
    expect(await focusedElement(page)).toBe("#forget-keys");
    await page.getByLabel("Also forget my stored API keys").check();
    await page.getByRole("button", { name: "Yes, start over" }).click();
    await page.waitForURL(/\/onboarding\/step\/1$/);
    await page.locator("h1").filter({ hasText: "Step 1 of 6" }).waitFor();

    expect(await page.getByText("Stored key ending in").count()).toBe(0);
    expect(await page.getByTestId("percent-complete").textContent()).toBe("0% done");
    expect(await client.apiKeys.list.query()).toEqual([]);
    expect((await client.onboarding.getProgress.query()).status).toBe("in_progress");
    await context.close();
  });

  it("signs out on the address in use", async () => {
    const user = wizardUser("sign-out");
    await prepareUser(server.baseUrl, user, 1);
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, server.baseUrl, user.email);

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/sign-in$/);
    const onboarding = await page.goto(`${server.baseUrl}/onboarding`);

    expect(new URL(page.url()).origin).toBe(server.baseUrl);
    expect(onboarding?.url()).toContain("/sign-in");
    await context.close();
  });

  it("keeps focus after a failed sign-in", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/sign-in`);

    await page.getByLabel("Email").fill("nobody-here@example.test");
    await page.getByLabel("Password").fill("not the password");
    await page.getByLabel("Password").press("Enter");
    await page.getByText("Wrong email or password").waitFor();
    const focused = await page.evaluate(() => document.activeElement?.id);

    expect(focused).toBe("password");
    await context.close();
  });

  it("deletes the account after confirmation", async () => {
    const user = wizardUser("leaving");
    await prepareUser(server.baseUrl, user, 6);
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, server.baseUrl, user.email);

    await page.getByRole("button", { name: "Delete my account…" }).click();
    const confirmation = page.getByLabel(`Type your email address, ${user.email}, to confirm`);
    await confirmation.fill("someone-else@example.test");
    await page.getByRole("button", { name: "Delete my account permanently" }).click();
    await page.locator("#confirm-email-error").waitFor();
    const rejected = await confirmation.getAttribute("aria-invalid");
    await confirmation.fill(user.email);
    await page.getByRole("button", { name: "Delete my account permanently" }).click();
    await page.waitForURL(/\/sign-in\?deleted=1$/);
    await page.getByTestId("account-deleted").waitFor();

    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("Wrong email or password").waitFor();

    expect(rejected).toBe("true");
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    await context.close();
  });
});
