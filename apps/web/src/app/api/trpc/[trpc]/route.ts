import { randomUUID } from "node:crypto";
import { appRouter, createTRPCContext } from "@onboarding/api";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { auth } from "~/auth";
import { getServices } from "~/server/services";

export const dynamic = "force-dynamic";

async function handle(request: Request): Promise<Response> {
  const services = await getServices();
  const requestId = request.headers.get("x-request-id") ?? randomUUID();

  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    createContext: async () => createTRPCContext({ session: await auth(), services, requestId }),
    responseMeta: () => ({ headers: { "x-request-id": requestId, "cache-control": "no-store" } }),
  });
}

export { handle as GET, handle as POST };
