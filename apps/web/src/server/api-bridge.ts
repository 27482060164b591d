import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Link between the bundled app and the production server, scripts/server.mjs. The script runs
 * outside the Next.js bundle and cannot import from it, so it puts this object on globalThis
 * before Next loads, and the app fills it in. A registered symbol has the same identity in both.
 */
export interface ServerBridge {
  /** Serves a tRPC call; set by instrumentation. */
  serveApiRequest?: (incoming: IncomingMessage, outgoing: ServerResponse) => Promise<void>;
  /** Closes the database once the server has stopped taking requests; set with the services. */
  closeServices?: () => Promise<void>;
}

const BRIDGE_KEY = Symbol.for("onboarding.serverBridge");

/** Returns the production server's bridge, or undefined under `next dev` and `next start`. */
export function serverBridge(): ServerBridge | undefined {
  return (globalThis as typeof globalThis & { [BRIDGE_KEY]?: ServerBridge })[BRIDGE_KEY];
}
