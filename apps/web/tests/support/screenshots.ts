import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { appDir } from "./server";

/** Where the browser tests write screenshots; test-results/ is ignored by git. */
export const SCREENSHOT_DIR = join(appDir, "test-results", "screenshots");

export const SCREEN_WIDTHS = { desktop: 1280, phone: 390 } as const;

/**
 * Saves full-page screenshots of the page at desktop and phone width as `<name>-desktop.png` and
 * `<name>-phone.png`, then restores the viewport. It takes focus off the focused element first,
 * so no focus ring shows.
 */
export async function captureScreens(page: Page, name: string): Promise<string[]> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const before = page.viewportSize();
  const paths: string[] = [];
  for (const [label, width] of Object.entries(SCREEN_WIDTHS)) {
    await page.setViewportSize({ width, height: before?.height ?? 800 });
    const path = join(SCREENSHOT_DIR, `${name}-${label}.png`);
    await page.screenshot({ path, fullPage: true, animations: "disabled", caret: "hide" });
    paths.push(path);
  }
  if (before) await page.setViewportSize(before);
  return paths;
}
