import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Hands the bundled tRPC handler to the production server, scripts/server.mjs. That script runs
 * outside the Next.js bundle and cannot import the handler; instrumentation publishes it here when
 * Next starts serving. The key is a registered symbol, so the script finds it under the same name.
 */
const HANDLER_KEY = Symbol.for("onboarding.apiHandler");

type NodeHandler = (incoming: IncomingMessage, outgoing: ServerResponse) => Promise<void>;

export function publishApiHandler(handler: NodeHandler): void {
  (globalThis as typeof globalThis & { [HANDLER_KEY]?: NodeHandler })[HANDLER_KEY] = handler;
}
