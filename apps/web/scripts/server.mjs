// @ts-check
/**
 * The production server that the launcher starts. Next.js serves the pages and every route except
 * tRPC calls, which go straight to the handler behind the tRPC route. Passing through Next's router
 * nearly doubled a save's server CPU (docs/benchmarks.md), and autosaves are most of the traffic.
 *
 * Plain JavaScript on purpose: a TypeScript loader in this process added about 120 MiB of memory.
 */
import { createServer } from "node:http";
import { Server as NetServer } from "node:net";
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
// A second signal within this time is the same one delivered twice, not a request to hurry.
const REPEAT_SIGNAL_MS = 1_000;

// A procedure path such as onboarding.saveStep, or a batch of them separated by commas. Anything
// else (a trailing slash, "..", a backslash, percent-encoding) is left to Next.js, which
// normalizes or redirects it as before.
const PROCEDURE = "[A-Za-z0-9_-]+(?:\\.[A-Za-z0-9_-]+)*";
const API_PATH = new RegExp(`^/api/trpc/${PROCEDURE}(?:,${PROCEDURE})*(?:\\?|$)`);

// Time a request may take to arrive whole, headers and body. Bodies are at most 256 KiB, so a
// client slower than this ties up memory rather than sending a request.
const REQUEST_TIMEOUT_MS = 30_000;

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

  // Until the server listens, a signal ends the process at once, with the usual status.
  /** @type {((signal: NodeJS.Signals) => void) | undefined} */
  let stop;
  for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM"])) {
    process.on(signal, () => {
      if (stop) stop(signal);
      else process.exit(signal === "SIGINT" ? 130 : 143);
    });
  }

  // Next reads NODE_ENV when it loads, so it is set before the import.
  Object.assign(process.env, { NODE_ENV: "production" });

  /** @type {ServerBridge} */
  const bridge = {};
  Object.assign(globalThis, { [BRIDGE_KEY]: bridge });

  const { default: next } = await import("next");
  const app = next({ dev: false, dir: appDir, port });
  const handleWithNext = app.getRequestHandler();
  await app.prepare();

  let stopping = false;
  let stoppingSince = 0;
  // Responses not sent yet. When stopping, each gets "Connection: close", so a client does not
  // send its next request on a connection that the server is about to close.
  /** @type {Set<import("node:http").ServerResponse>} */
  const pending = new Set();
  // Node checks the request timeout on a timer. Checking once a second cuts a stalled request
  // close to the timeout, where the default of 30 s let it live up to twice as long.
  const options = { requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 1_000 };
  const server = createServer(options, (incoming, outgoing) => {
    if (stopping) {
      outgoing.shouldKeepAlive = false;
    } else {
      pending.add(outgoing);
      outgoing.once("close", () => pending.delete(outgoing));
    }

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

  stop = (signal) => {
    const status = signal === "SIGINT" ? 130 : 143;
    if (stopping) {
      // Ctrl-C in a terminal reaches this process twice, from the shell and from the launcher,
      // so only a repeat that comes later counts.
      if (Date.now() - stoppingSince < REPEAT_SIGNAL_MS) return;
      console.log(`onboarding: ${signal} again; stopping at once.`);
      process.exit(status);
    }
    stopping = true;
    stoppingSince = Date.now();
    console.log(
      `onboarding: ${signal}; finishing the requests in progress (at most ${GRACE_MS / 1000} s). ` +
        "Send it again to stop at once.",
    );
    for (const response of pending) {
      if (!response.headersSent) response.shouldKeepAlive = false;
    }
    // Stop accepting connections and let every request finish, each closing its connection after
    // the response. A kept-alive connection that stays idle closes at its keep-alive timeout.
    // This is net.Server's close, because http.Server's also drops idle connections at once,
    // together with any request that a client has sent on one and the server not yet read.
    // Once every connection is closed, the database closes and Next cleans up. Connections
    // still open after the grace time are cut.
    NetServer.prototype.close.call(server, async () => {
      await bridge.closeServices?.();
      await app.close();
      process.exit(status);
    });
    setTimeout(() => {
      console.log("onboarding: grace time over; closing the connections still open.");
      server.closeAllConnections();
    }, GRACE_MS).unref();
  };

  server.on("error", (error) => {
    console.error(`onboarding: the server could not listen on port ${port}: ${error.message}`);
    process.exit(1);
  });
  server.listen(port, () => {
    console.log(`onboarding: serving on http://localhost:${port}`);
    // Next starts the app on its first request. Making that request here opens the database at
    // once, so a bad setup shows in the log now, and no user waits for the start-up.
    fetch(`http://127.0.0.1:${port}/api/ready`).catch((/** @type {unknown} */ error) => {
      console.error("onboarding: the start-up request failed:", error);
    });
  });
}

main().catch((/** @type {unknown} */ error) => {
  console.error("onboarding: the server failed to start:", error);
  process.exit(1);
});
