import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Key of the bundled tRPC handler on globalThis. The production server, scripts/server.mjs, runs
 * outside the Next.js bundle and cannot import the handler, so instrumentation publishes it here.
 * A registered symbol has the same identity in the bundle and in the script.
 */
const HANDLER_KEY = Symbol.for("onboarding.apiHandler");

type NodeHandler = (incoming: IncomingMessage, outgoing: ServerResponse) => Promise<void>;

/** Makes the handler available to scripts/server.mjs. */
export function publishApiHandler(handler: NodeHandler): void {
  (globalThis as typeof globalThis & { [HANDLER_KEY]?: NodeHandler })[HANDLER_KEY] = handler;
}
