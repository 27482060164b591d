import { randomUUID } from "node:crypto";
import { appRouter, createTRPCContext } from "@onboarding/api";
import { MAX_BATCH_SIZE } from "@onboarding/api/batch";
import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { MAX_REQUEST_BYTES, readBodyWithin } from "~/server/limited-body";
import { getServices } from "~/server/services";
import { readSession } from "~/server/session";

export const dynamic = "force-dynamic";

async function handle(request: Request): Promise<Response> {
  const services = await getServices();
  const requestId = request.headers.get("x-request-id") ?? randomUUID();

  // A declared length is enforced by Node's HTTP parser, so such a body is passed on unread. A
  // chunked body has no declared length: it is read here up to the limit and passed on as a copy.
  let trpcRequest = request;
  let tooLarge = false;
  if (request.method === "POST") {
    const declared = request.headers.get("content-length");
    if (declared !== null) {
      tooLarge = Number(declared) > MAX_REQUEST_BYTES;
    } else {
      const read = await readBodyWithin(request, MAX_REQUEST_BYTES);
      tooLarge = !read.ok;
      trpcRequest = new Request(request.url, {
        method: "POST",
        headers: request.headers,
        body: read.ok ? read.body : "{}",
      });
    }
  }

  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: trpcRequest,
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

export { handle as GET, handle as POST };
