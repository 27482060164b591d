import type { Page } from "playwright-core";

export const PASSWORD = "correct horse battery staple";
export const GEMINI_KEY = `AIzaSy${"0123456789abcdefghijklmnopqrstuvwxyz".slice(0, 33)}`;
export const EXA_KEY = "3f2b8c1e-9a4d-4e7b-8c2a-1d5e6f7a8b9c";

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

export async function completeProviders(page: Page): Promise<void> {
  for (const [label, key] of [
    ["Google Gemini API key", GEMINI_KEY],
    ["Exa API key", EXA_KEY],
  ] as const) {
    const row = page.getByTestId(label.startsWith("Google") ? "provider-gemini" : "provider-exa");
    await page.getByLabel(label).fill(key);
    await row.getByRole("button", { name: "Save key" }).click();
    await row.getByText("Stored key ending in").waitFor();
  }
  await continueTo(page, /\/onboarding\/step\/2$/);
}

export async function completeWebsite(page: Page, url = "example.com"): Promise<void> {
  await page.getByLabel("Website URL").fill(url);
  await page.getByLabel("Writing tone").selectOption("friendly");
  await page.getByLabel("Main content type").selectOption("blog_posts");
  await page.getByLabel("Target audience").fill("Founders of small software companies");
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
