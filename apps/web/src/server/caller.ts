import "server-only";
import { createCaller, createTRPCContext } from "@onboarding/api";
import { cache } from "react";
import { auth } from "~/auth";
import { getServices } from "./services";

/** A tRPC caller for server components, bound to the signed-in user of this request. */
export const getServerCaller = cache(async () => {
  const [session, services] = await Promise.all([auth(), getServices()]);
  return { session, caller: createCaller(createTRPCContext({ session, services })) };
});
