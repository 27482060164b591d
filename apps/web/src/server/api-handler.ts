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
  if (request.method !== "POST") return runApiRequest(request, { tooLarge: false });

  const declared = request.headers.get("content-length");
  if (declared !== null) {
    return runApiRequest(request, { tooLarge: Number(declared) > MAX_REQUEST_BYTES });
  }
  const read = await readBodyWithin(request, MAX_REQUEST_BYTES);
  const copy = new Request(request.url, {
    method: "POST",
    headers: request.headers,
    body: read.ok ? read.body : "{}",
  });
  return runApiRequest(copy, { tooLarge: !read.ok });
}

/**
 * Runs a tRPC request whose body has been checked against the size limit: the session from the
 * cookie, a 413 when `tooLarge`, and the request id and no-store headers on the response.
 */
export async function runApiRequest(
  request: Request,
  { tooLarge }: { tooLarge: boolean },
): Promise<Response> {
  const services = await getServices();
  const requestId = request.headers.get("x-request-id") ?? randomUUID();

  return fetchRequestHandler({
    endpoint: API_PREFIX,
    req: request,
    router: appRouter,
    maxBatchSize: MAX_BATCH_SIZE,
    createContext: async () => {
      if (tooLarge) {
        throw new TRPCError({
          code: "PAYLOAD_TOO_LARGE",
          message: `Request body is larger than ${MAX_REQUEST_BYTES / 1024} KiB; send less data per request.`,
        });
      }
      return createTRPCContext({ session: await readSession(request), services, requestId });
    },
    responseMeta: () => ({ headers: { "x-request-id": requestId, "cache-control": "no-store" } }),
  });
}
