import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { accountRouter } from "./routers/account";
import { apiKeysRouter } from "./routers/api-keys";
import { authRouter } from "./routers/auth";
import { onboardingRouter } from "./routers/onboarding";
import { providersRouter } from "./routers/providers";
import { createCallerFactory, createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  auth: authRouter,
  providers: providersRouter,
  onboarding: onboardingRouter,
  apiKeys: apiKeysRouter,
  account: accountRouter,
});

export type AppRouter = typeof appRouter;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/** Calls procedures in-process with a context the caller builds, as tests and server code do. */
export const createCaller = createCallerFactory(appRouter);
