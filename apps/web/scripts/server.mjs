// @ts-check
/**
 * The production server that the launcher starts. Next.js serves the pages and every route except
 * tRPC calls, which go straight to the handler behind the tRPC route. Passing through Next's router
 * nearly doubled a save's server CPU (docs/benchmarks.md), and autosaves are most of the traffic.
 *
 * Plain JavaScript on purpose: a TypeScript loader in this process added about 120 MiB of memory.
 */
import { createServer } from "node:http";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HELP = `Usage: node scripts/server.mjs --port PORT

Serves the production build of the onboarding app. The launcher (pnpm start) prepares the
environment and runs this; run the launcher, not this script.
`;

// Key of the object through which the bundled app hands over its tRPC handler and database
// shutdown (src/server/api-bridge.ts). A registered symbol has the same identity in the bundle.
const BRIDGE_KEY = Symbol.for("onboarding.serverBridge");

// Time that requests in progress get to finish after SIGTERM before their connections close.
const GRACE_MS = 10_000;

// One path segment after the prefix, as the route [trpc] matches: one procedure or a batch
// "a,b,c". Anything else (a trailing slash, a deeper path) is left to Next.js.
const API_PATH = /^\/api\/trpc\/[^/?#]+(?:\?|$)/;

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * @typedef {object} ServerBridge
 * @property {(
 *   incoming: import("node:http").IncomingMessage,
 *   outgoing: import("node:http").ServerResponse,
 * ) => Promise<void>} [serveApiRequest]
 * @property {() => Promise<void>} [closeServices]
 */

/** @param {string[]} args */
function parsePort(args) {
  const index = args.indexOf("--port");
  const value = index === -1 ? undefined : args[index + 1];
  if (value === undefined || !/^\d{1,5}$/.test(value) || Number(value) > 65_535) {
    process.stderr.write(`onboarding: --port needs a number from 0 to 65535.\n\n${HELP}`);
    process.exit(2);
  }
  return Number(value);
}

/**
 * @param {import("node:http").IncomingMessage} incoming
 * @param {import("node:http").ServerResponse} outgoing
 * @param {unknown} error
 */
function reportFailure(incoming, outgoing, error) {
  console.error(`onboarding: a request to ${incoming.url?.split("?")[0]} failed:`, error);
  if (outgoing.headersSent) {
    outgoing.destroy();
    return;
  }
  outgoing.writeHead(500, { "content-type": "text/plain", "cache-control": "no-store" });
  outgoing.end("Internal Server Error");
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes("--help")) {
    process.stdout.write(HELP);
    return;
  }
  const port = parsePort(args);
  process.title = "onboarding-server";
  // Next reads NODE_ENV when it loads, so it is set before the import.
  Object.assign(process.env, { NODE_ENV: "production" });

  /** @type {ServerBridge} */
  const bridge = {};
  Object.assign(globalThis, { [BRIDGE_KEY]: bridge });

  const { default: next } = await import("next");
  const app = next({ dev: false, dir: appDir, port });
  const handleWithNext = app.getRequestHandler();
  await app.prepare();

  const server = createServer((incoming, outgoing) => {
    // Next runs instrumentation, which hands over the tRPC handler, on the first request it serves.
    // Until then tRPC calls go through Next's route, and that route runs the same handler.
    const serveApi = bridge.serveApiRequest;
    const method = incoming.method;
    if (serveApi && (method === "GET" || method === "POST") && API_PATH.test(incoming.url ?? "")) {
      serveApi(incoming, outgoing).catch((/** @type {unknown} */ error) =>
        reportFailure(incoming, outgoing, error),
      );
      return;
    }
    handleWithNext(incoming, outgoing).catch((/** @type {unknown} */ error) =>
      reportFailure(incoming, outgoing, error),
    );
  });

  let stopping = false;
  /** @param {NodeJS.Signals} signal */
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    // Stop accepting connections and let requests in progress finish, then close the database
    // and let Next clean up. Connections still open after the grace time are cut.
    server.close(async () => {
      await bridge.closeServices?.();
      await app.close();
      process.exit(signal === "SIGINT" ? 130 : 143);
    });
    setTimeout(() => server.closeAllConnections(), GRACE_MS).unref();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  server.on("error", (error) => {
    console.error(`onboarding: the server could not listen on port ${port}: ${error.message}`);
    process.exit(1);
  });
  server.listen(port, () => {
    console.log(`onboarding: serving on http://localhost:${port}`);
  });
}

main().catch((/** @type {unknown} */ error) => {
  console.error("onboarding: the server failed to start:", error);
  process.exit(1);
});
