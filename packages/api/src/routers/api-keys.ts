import { listApiKeys, removeApiKey, saveApiKey } from "@onboarding/db/vault";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { checkApiKeyFormat, findProvider, PROVIDER_IDS } from "../providers";
import { createTRPCRouter, protectedProcedure } from "../trpc";
import { DEFAULT_VERIFICATION_CONFIG, verifiableProvider, verifyStoredKey } from "../verification";

const providerSchema = z.enum(PROVIDER_IDS as [string, ...string[]], {
  error: `Provider must be one of: ${PROVIDER_IDS.join(", ")}.`,
});

export const apiKeysRouter = createTRPCRouter({
  /**
   * Lists the caller's keys: provider, last four characters, status and times; never the key.
   * A key that no longer decrypts is listed as `needs_reentry`.
   */
  list: protectedProcedure.query(({ ctx }) =>
    ctx.asUser((tx) => listApiKeys(tx, ctx.services.keyring, { userId: ctx.user.id })),
  ),

  /** Encrypts and stores a key, replacing any earlier key for the provider. */
  save: protectedProcedure
    .input(
      z.object({
        provider: providerSchema,
        key: z.string({
          error: (issue) =>
            issue.input === undefined ? "key is required." : "key must be a string.",
        }),
      }),
    )
    .mutation(({ ctx, input }) => {
      const checked = checkApiKeyFormat(input.provider, input.key);
      if (!checked.ok) {
        throw new TRPCError({ code: "BAD_REQUEST", message: `key: ${checked.message}` });
      }
      return ctx.asUser((tx) =>
        saveApiKey(tx, ctx.services.keyring, {
          userId: ctx.user.id,
          provider: input.provider,
          key: checked.key,
        }),
      );
    }),

  /** Deletes the caller's key for a provider. */
  remove: protectedProcedure
    .input(z.object({ provider: providerSchema }))
    .mutation(async ({ ctx, input }) => {
      await ctx.asUser((tx) => removeApiKey(tx, { userId: ctx.user.id, provider: input.provider }));
      return { provider: input.provider, removed: true };
    }),

  /**
   * Checks the caller's stored key with one read-only call to its provider and returns the
   * updated summary: `valid`, `invalid` (rejected), `unverified` (inconclusive, with the reason)
   * or `needs_reentry` (no longer decrypts; nothing is sent).
   */
  verify: protectedProcedure
    .input(z.object({ provider: providerSchema }))
    .mutation(async ({ ctx, input }) => {
      const provider = verifiableProvider(input.provider);
      if (!provider) {
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: `provider: ${findProvider(input.provider)?.label ?? input.provider} keys cannot be checked with a call to the provider.`,
        });
      }
      const summary = await verifyStoredKey({
        asUser: ctx.asUser,
        keyring: ctx.services.keyring,
        config: ctx.services.verification ?? DEFAULT_VERIFICATION_CONFIG,
        userId: ctx.user.id,
        provider,
      });
      ctx.logger.info({ provider: provider.id, status: summary.status }, "api key verified");
      return summary;
    }),
});
