import "server-only";
import { randomUUID } from "node:crypto";
import { appRouter, createTRPCContext } from "@onboarding/api";
import { MAX_BATCH_SIZE } from "@onboarding/api/batch";
import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { MAX_REQUEST_BYTES, readBodyWithin } from "~/server/limited-body";
import { getServices } from "~/server/services";
import { readSession } from "~/server/session";

/** URL prefix of every tRPC procedure. */
export const API_PREFIX = "/api/trpc";

/**
 * Handles a tRPC request in Next's route handler. Node's HTTP parser enforces a declared length,
 * so such a body is passed on unread. A chunked body has none, so it is read here up to the limit
 * and passed on as a copy.
 */
export async function handleApiRequest(request: Request): Promise<Response> {
  if (request.method !== "POST") return runApiRequest(request);

  const declared = request.headers.get("content-length");
  if (declared !== null) {
    const tooLarge = Number(declared) > MAX_REQUEST_BYTES;
    return runApiRequest(request, { rejection: tooLarge ? "too large" : undefined });
  }
  const read = await readBodyWithin(request, MAX_REQUEST_BYTES);
  const copy = new Request(request.url, {
    method: "POST",
    headers: request.headers,
    body: read.ok ? read.body : "{}",
  });
  return runApiRequest(copy, { rejection: read.ok ? undefined : "too large" });
}

/** Reason a request's body was rejected: over the size limit, or too many bodies arriving. */
export type BodyRejection = "too large" | "busy";

// A request id from the client is kept only if it is short and plain, because it goes into
// response headers, bodies and every log line of the request.
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Runs a tRPC request whose body has been checked: the session from the cookie, a 413 or 503
 * for a refused body, and the request id and no-store headers on the response.
 */
export async function runApiRequest(
  request: Request,
  { rejection }: { rejection?: BodyRejection } = {},
): Promise<Response> {
  const services = await getServices();
  const clientId = request.headers.get("x-request-id");
  const requestId = clientId && CLIENT_REQUEST_ID.test(clientId) ? clientId : randomUUID();

  return fetchRequestHandler({
    endpoint: API_PREFIX,
    req: request,
    router: appRouter,
    maxBatchSize: MAX_BATCH_SIZE,
    createContext: async () => {
      if (rejection === "too large") {
        throw new TRPCError({
          code: "PAYLOAD_TOO_LARGE",
          message: `Request body is larger than ${MAX_REQUEST_BYTES / 1024} KiB; send less data per request.`,
        });
      }
      if (rejection === "busy") {
        throw new TRPCError({
          code: "SERVICE_UNAVAILABLE",
          message: "The server is receiving too much data at once; try again in a moment.",
        });
      }
      return createTRPCContext({ session: await readSession(request), services, requestId });
    },
    responseMeta: () => ({ headers: { "x-request-id": requestId, "cache-control": "no-store" } }),
  });
}
