import { PROVIDERS } from "../providers";
import { createTRPCRouter, publicProcedure } from "../trpc";

export const providersRouter = createTRPCRouter({
  /** Lists every supported provider with its key format and whether step 1 requires it. */
  list: publicProcedure.query(({ ctx }) =>
    PROVIDERS.map((provider) => ({
      ...provider,
      required: ctx.services.requiredProviders.includes(provider.id),
    })),
  ),
});
