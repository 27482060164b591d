import "server-only";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type BodyRejection, runApiRequest } from "~/server/api-handler";
import { MAX_REQUEST_BYTES } from "~/server/limited-body";
import { getServices } from "~/server/services";
import { readSession } from "~/server/session";

// Only the path and query of a request's URL reach tRPC; the origin is a placeholder rather than
// the Host header, which the client chooses.
const ORIGIN = "http://localhost";

/**
 * Bytes of request bodies that requests may hold while the bodies arrive: all together, those
 * without a session together, and one user's together. Buffers live outside the V8 heap limit,
 * so without a limit slow uploads could grow the process without bound. The shares keep one
 * client from taking the whole budget: anonymous uploads cannot starve signed-in users, and one
 * user can keep at most four bodies of the largest size.
 */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;
const MAX_ANONYMOUS_BYTES = 8 * 1024 * 1024;
const MAX_USER_BYTES = 1024 * 1024;

/** Body bytes held now, per budget: "all", "anonymous", or a user id. */
const heldBytes = new Map<string, number>();

function hold(budget: string, bytes: number): number {
  const total = (heldBytes.get(budget) ?? 0) + bytes;
  if (total === 0) heldBytes.delete(budget);
  else heldBytes.set(budget, total);
  return total;
}

type BodyRead =
  | { outcome: "read"; body: Buffer<ArrayBuffer> }
  | { outcome: "declared too large" }
  | { outcome: "too large" }
  | { outcome: "busy" }
  | { outcome: "aborted" };

/**
 * Reads a request body up to `limit` bytes. A declared length over the limit is rejected unread,
 * and Node discards that body after the response. A chunked body is read until it passes the
 * limit, and any body stops when its budgets are used up (see MAX_BUFFERED_BYTES).
 */
function readBody(
  incoming: IncomingMessage,
  limit: number,
  userId: string | undefined,
): Promise<BodyRead> {
  if (Number(incoming.headers["content-length"] ?? 0) > limit) {
    return Promise.resolve({ outcome: "declared too large" });
  }

  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const finish = (result: BodyRead) => {
      incoming.off("data", onData).off("end", onEnd).off("error", onAbort).off("close", onAbort);
      hold("all", -total);
      hold(share, -total);
      resolve(result);
    };
    const share = userId === undefined ? "anonymous" : `user:${userId}`;
    const shareLimit = userId === undefined ? MAX_ANONYMOUS_BYTES : MAX_USER_BYTES;
    const onData = (chunk: Buffer) => {
      total += chunk.byteLength;
      const all = hold("all", chunk.byteLength);
      const shared = hold(share, chunk.byteLength);
      if (total > limit || all > MAX_BUFFERED_BYTES || shared > shareLimit) {
        incoming.pause();
        finish({ outcome: total > limit ? "too large" : "busy" });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish({ outcome: "read", body: Buffer.concat(chunks, total) });
    const onAbort = () => finish({ outcome: "aborted" });
    incoming.on("data", onData).on("end", onEnd).on("error", onAbort).on("close", onAbort);
  });
}

function toHeaders(incoming: IncomingMessage): Headers {
  // Node has joined repeated headers as HTTP requires (Cookie with "; ", others with ", ").
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  // Next.js adds this header when no proxy has; the session cookie's name depends on it.
  if (!headers.has("x-forwarded-proto")) headers.set("x-forwarded-proto", "http");
  return headers;
}

async function writeResponse(
  response: Response,
  outgoing: ServerResponse,
  closeConnection: boolean,
): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  if (closeConnection) headers.connection = "close";

  // tRPC responds with one JSON document, so the body is read whole and sent in one write.
  const body = Buffer.from(await response.arrayBuffer());
  headers["content-length"] = String(body.byteLength);
  outgoing.writeHead(response.status, headers);
  outgoing.end(body);
}

/**
 * Serves a tRPC call from Node's request and response, for the production server. The response
 * is the route handler's, produced without Next's router and without web streams for the body.
 * Procedures' errors become tRPC errors, and anything thrown here is the caller's 500.
 */
export async function serveApiRequest(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
): Promise<void> {
  let headers: Headers;
  try {
    headers = toHeaders(incoming);
  } catch (error) {
    // Node's parser accepts a few header values that the Fetch API rejects.
    const { logger } = await getServices();
    logger.warn({ err: error, path: incoming.url?.split("?")[0] }, "request headers rejected");
    outgoing.writeHead(400, { "content-type": "application/json", "cache-control": "no-store" });
    outgoing.end(
      JSON.stringify({
        error: { message: "Request headers are invalid; use printable ASCII in names and values." },
      }),
    );
    return;
  }

  const url = ORIGIN + (incoming.url ?? "/");
  if (incoming.method !== "POST") {
    const request = new Request(url, { method: incoming.method, headers });
    await writeResponse(await runApiRequest(request), outgoing, false);
    return;
  }

  // The session only picks the body's budget here; the procedure checks it again as always.
  const session = await readSession({ headers } as Request);
  const read = await readBody(incoming, MAX_REQUEST_BYTES, session?.user?.id ?? undefined);
  if (read.outcome === "aborted") return;
  const request = new Request(url, {
    method: "POST",
    headers,
    body: read.outcome === "read" ? read.body : "{}",
  });
  if (read.outcome === "busy") {
    const { logger } = await getServices();
    logger.warn({ userId: session?.user?.id }, "request body rejected: body budget used up");
  }
  let rejection: BodyRejection | undefined;
  if (read.outcome === "busy") rejection = "busy";
  else if (read.outcome !== "read") rejection = "too large";
  // The rest of a body that was cut off may never arrive, so the connection closes after the
  // response instead of reading it.
  const cutOff = read.outcome === "too large" || read.outcome === "busy";
  await writeResponse(await runApiRequest(request, { rejection }), outgoing, cutOff);
  if (cutOff) outgoing.once("finish", () => incoming.destroy());
}
