export {
  type AppRouter,
  appRouter,
  createCaller,
  type RouterInputs,
  type RouterOutputs,
} from "./root";
export type { Services } from "./services";
export { parseRequiredProviders } from "./services";
export { type AuthSession, type Context, createTRPCContext, type SessionUser } from "./trpc";
