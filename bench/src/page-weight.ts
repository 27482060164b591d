import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { appDir } from "./paths";

export interface PageWeight {
  route: string;
  /** JavaScript files a first visit loads, relative to .next/. */
  files: string[];
  rawBytes: number;
  gzipBytes: number;
  /** Script files the served HTML references, when the page was fetched; a cross-check. */
  htmlScripts?: { files: number; rawBytes: number; gzipBytes: number; status: number };
}

const nextDir = join(appDir, ".next");

interface BuildManifest {
  rootMainFiles: string[];
  polyfillFiles: string[];
}

/** Reads the client reference manifest of an App Router page: `/sign-up/page` and the like. */
function entryFilesOf(pageKey: string): Record<string, string[]> {
  const path = join(nextDir, "server/app", `${pageKey}_client-reference-manifest.js`);
  const text = readFileSync(path, "utf8");
  // The file assigns one JSON object: globalThis.__RSC_MANIFEST["/x/page"] = {...};
  const json = text.slice(text.indexOf("= {") + 2, text.lastIndexOf("}") + 1);
  const manifest = JSON.parse(json) as { entryJSFiles?: Record<string, string[]> };
  return manifest.entryJSFiles ?? {};
}

function sizes(files: readonly string[]): { rawBytes: number; gzipBytes: number } {
  let rawBytes = 0;
  let gzipBytes = 0;
  for (const file of files) {
    const content = readFileSync(join(nextDir, file));
    rawBytes += content.length;
    gzipBytes += gzipSync(content).length;
  }
  return { rawBytes, gzipBytes };
}

/**
 * Computes a page's first-load JavaScript from the production build: the root main files every
 * page loads (runtime, React, Next's client) plus the entry chunks of the root layout and of the
 * page itself, each counted once. Legacy polyfills load only in browsers without ES modules and
 * are left out, as Next's own build output did.
 */
export function pageWeightFromBuild(route: string, pageKey: string): PageWeight {
  const build = JSON.parse(
    readFileSync(join(nextDir, "build-manifest.json"), "utf8"),
  ) as BuildManifest;
  const entries = entryFilesOf(pageKey);
  const files = new Set(build.rootMainFiles);
  for (const [entry, chunks] of Object.entries(entries)) {
    if (entry.endsWith("/app/layout") || entry.endsWith(`/app${pageKey}`)) {
      for (const chunk of chunks) files.add(chunk);
    }
  }
  const list = [...files];
  return { route, files: list, ...sizes(list) };
}

/**
 * Fetches the page as a browser would and sums the script files its HTML references, to check
 * the build-based figure.
 */
export async function scriptsOfServedPage(
  url: string,
  cookie: string | undefined,
): Promise<PageWeight["htmlScripts"]> {
  const response = await fetch(url, { headers: cookie ? { cookie } : {}, redirect: "manual" });
  const html = await response.text();
  const files = new Set<string>();
  for (const [tag] of html.matchAll(/<script\b[^>]*>/g)) {
    // Scripts marked nomodule are the legacy polyfills, which modern browsers skip.
    const source = /\ssrc="\/_next\/(static\/[^"?]+\.js)/.exec(tag)?.[1];
    if (source && !/\snomodule/i.test(tag)) files.add(source);
  }
  return { files: files.size, ...sizes([...files]), status: response.status };
}
