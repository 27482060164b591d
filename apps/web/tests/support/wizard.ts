import { createHash } from "node:crypto";
import type { Page } from "playwright-core";

export const PASSWORD = "correct horse battery staple";
export const GEMINI_KEY = `AIzaSy${"0123456789abcdefghijklmnopqrstuvwxyz".slice(0, 33)}`;
export const EXA_KEY = "3f2b8c1e-9a4d-4e7b-8c2a-1d5e6f7a8b9c";

export interface ProviderKeys {
  gemini: string;
  exa: string;
}

/** Everything one test user enters in the wizard; every value is unique to the label. */
export interface WizardUser {
  email: string;
  keys: ProviderKeys;
  site: string;
  personaName: string;
}

/** Builds well-formed keys that differ per label, so a leak between users is visible. */
export function keysFor(label: string): ProviderKeys {
  const hex = createHash("sha256").update(label).digest("hex");
  return {
    gemini: `AIza${hex.slice(0, 35)}`,
    exa: [
      hex.slice(0, 8),
      hex.slice(8, 12),
      `4${hex.slice(13, 16)}`,
      `a${hex.slice(17, 20)}`,
      hex.slice(20, 32),
    ].join("-"),
  };
}

/** Builds a user whose email, keys, website and persona name derive from `label`. */
export function wizardUser(label: string): WizardUser {
  const unique = `${label}-${Date.now().toString(36)}`;
  return {
    email: `${unique}@example.test`,
    keys: keysFor(unique),
    site: `${unique}.example`,
    personaName: `Persona of ${unique}`,
  };
}

export async function signUp(page: Page, baseUrl: string, email: string): Promise<void> {
  await page.goto(`${baseUrl}/sign-up`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(/\/onboarding\/step\/1$/);
}

export async function signIn(page: Page, baseUrl: string, email: string): Promise<void> {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/(onboarding\/step\/\d|dashboard)$/);
}

async function continueTo(page: Page, next: RegExp): Promise<void> {
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL(next);
}

/** Waits until the autosave indicator reports that the server has the latest draft. */
export async function waitForSaved(page: Page): Promise<void> {
  await page
    .getByTestId("save-status")
    .filter({ hasText: /^Saved$/ })
    .waitFor();
}

export async function completeProviders(
  page: Page,
  keys: ProviderKeys = { gemini: GEMINI_KEY, exa: EXA_KEY },
): Promise<void> {
  for (const [provider, label, key] of [
    ["gemini", "Google Gemini API key", keys.gemini],
    ["exa", "Exa API key", keys.exa],
  ] as const) {
    const row = page.getByTestId(`provider-${provider}`);
    await page.getByLabel(label).fill(key);
    await row.getByRole("button", { name: "Save key" }).click();
    await row.getByText("Stored key ending in").waitFor();
  }
  await continueTo(page, /\/onboarding\/step\/2$/);
}

export async function fillWebsite(page: Page, url: string): Promise<void> {
  await page.getByLabel("Website URL").fill(url);
  await page.getByLabel("Writing tone").selectOption("friendly");
  await page.getByLabel("Main content type").selectOption("blog_posts");
  await page.getByLabel("Target audience").fill("Founders of small software companies");
}

export async function completeWebsite(page: Page, url = "example.com"): Promise<void> {
  await fillWebsite(page, url);
  await continueTo(page, /\/onboarding\/step\/3$/);
}

export async function completeResearch(page: Page): Promise<void> {
  await page.getByLabel("Research depth").selectOption("comprehensive");
  await page.getByRole("checkbox", { name: "Blog posts" }).check();
  await page
    .getByLabel("Competitor websites (optional)")
    .fill("https://competitor.example\nrival.example");
  await continueTo(page, /\/onboarding\/step\/4$/);
}

export async function completePersona(page: Page, personaName: string): Promise<void> {
  await page.getByLabel("Persona name").fill(personaName);
  await page.getByLabel("Brand voice").fill("Plain, warm and precise.");
  await page.getByLabel("Default tone").selectOption("professional");
  await page
    .getByRole("group", { name: "Platforms you publish on" })
    .getByRole("checkbox", { name: "LinkedIn" })
    .check();
  await continueTo(page, /\/onboarding\/step\/5$/);
}

export async function skipIntegrations(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Skip" }).click();
  await page.waitForURL(/\/onboarding\/step\/6$/);
}

export async function finishSetup(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Finish setup" }).click();
  await page.waitForURL(/\/dashboard$/);
}

/** Signs up and walks through all six steps, skipping integrations; ends on the dashboard. */
export async function completeOnboarding(
  page: Page,
  baseUrl: string,
  user: WizardUser,
): Promise<void> {
  await signUp(page, baseUrl, user.email);
  await completeProviders(page, user.keys);
  await completeWebsite(page, user.site);
  await completeResearch(page);
  await completePersona(page, user.personaName);
  await skipIntegrations(page);
  await finishSetup(page);
}
