import axe from "axe-core";
import type { Page } from "playwright-core";

/** Impacts that fail a page; axe also reports "minor" and "moderate" ones. */
const FAILING_IMPACTS = new Set(["serious", "critical"]);

interface Violation {
  id: string;
  impact?: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * Runs axe-core (the version in apps/web's devDependencies) on the page as it is and returns one
 * line per serious or critical violation: rule id, help text and the offending elements.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axe.source });
  const violations = await page.evaluate(async () => {
    const runner = (window as unknown as { axe: typeof axe }).axe;
    const results = await runner.run(document, { resultTypes: ["violations"] });
    return results.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map((node) => ({ target: node.target as unknown[] })),
    }));
  });
  return (violations as Violation[])
    .filter((violation) => FAILING_IMPACTS.has(violation.impact ?? ""))
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help} at ` +
        violation.nodes.map((node) => node.target.join(" ")).join(", "),
    );
}

/** Measures the page's scroll width at a 360 px viewport; over 360 means horizontal scrolling. */
export async function scrollWidthAt360(page: Page): Promise<number> {
  const before = page.viewportSize();
  await page.setViewportSize({ width: 360, height: before?.height ?? 800 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  if (before) await page.setViewportSize(before);
  return width;
}
