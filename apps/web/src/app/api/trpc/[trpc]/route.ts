import { randomUUID } from "node:crypto";
import { appRouter, createTRPCContext } from "@onboarding/api";
import { MAX_BATCH_SIZE } from "@onboarding/api/batch";
import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { MAX_REQUEST_BYTES, readBodyWithin } from "~/server/limited-body";
import { reservedKeyInBody } from "~/server/reserved-keys";
import { getServices } from "~/server/services";
import { readSession } from "~/server/session";

export const dynamic = "force-dynamic";

async function handle(request: Request): Promise<Response> {
  const services = await getServices();
  const requestId = request.headers.get("x-request-id") ?? randomUUID();

  let trpcRequest = request;
  let tooLarge = false;
  let reservedKey: string | undefined;
  if (request.method === "POST") {
    const read = await readBodyWithin(request, MAX_REQUEST_BYTES);
    tooLarge = !read.ok;
    reservedKey = read.ok ? reservedKeyInBody(read.body) : undefined;
    const headers = new Headers(request.headers);
    headers.delete("content-length");
    trpcRequest = new Request(request.url, {
      method: "POST",
      headers,
      body: read.ok ? read.body : "{}",
    });
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
      if (reservedKey) {
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: `${reservedKey}: "${reservedKey.split(".").pop()}" is a reserved key name; rename it.`,
        });
      }
      return createTRPCContext({ session: await readSession(request), services, requestId });
    },
    responseMeta: () => ({ headers: { "x-request-id": requestId, "cache-control": "no-store" } }),
  });
}

export { handle as GET, handle as POST };
