import { listApiKeys, removeApiKey, saveApiKey } from "@onboarding/db/vault";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { checkApiKeyFormat, PROVIDER_IDS } from "../providers";
import { createTRPCRouter, protectedProcedure } from "../trpc";

const providerSchema = z.enum(PROVIDER_IDS as [string, ...string[]], {
  error: `Provider must be one of: ${PROVIDER_IDS.join(", ")}.`,
});

export const apiKeysRouter = createTRPCRouter({
  /** Lists the caller's keys: provider, last four characters, status and times; never the key. */
  list: protectedProcedure.query(({ ctx }) =>
    listApiKeys(ctx.services.db, { userId: ctx.user.id }),
  ),

  /** Encrypts and stores a key, replacing any earlier key for the provider. */
  save: protectedProcedure
    .input(z.object({ provider: providerSchema, key: z.string({ error: "key is required." }) }))
    .mutation(({ ctx, input }) => {
      const checked = checkApiKeyFormat(input.provider, input.key);
      if (!checked.ok) {
        throw new TRPCError({ code: "BAD_REQUEST", message: `key: ${checked.message}` });
      }
      return saveApiKey(ctx.services.db, ctx.services.keyring, {
        userId: ctx.user.id,
        provider: input.provider,
        key: checked.key,
      });
    }),

  /** Deletes the caller's key for a provider. */
  remove: protectedProcedure
    .input(z.object({ provider: providerSchema }))
    .mutation(async ({ ctx, input }) => {
      await removeApiKey(ctx.services.db, { userId: ctx.user.id, provider: input.provider });
      return { provider: input.provider, removed: true };
    }),
});
