import { exportUserData, removeAccount } from "@onboarding/db/repositories";
import { z } from "zod";
import { createTRPCRouter, protectedProcedure } from "../trpc";

export const accountRouter = createTRPCRouter({
  /**
   * Returns everything stored about the caller: account, progress, steps with drafts, typed step
   * data, masked key summaries and events. Never a password hash, API key or ciphertext.
   */
  export: protectedProcedure.query(({ ctx }) =>
    ctx.asUser((tx) => exportUserData(tx, { userId: ctx.user.id })),
  ),

  /**
   * Deletes the caller's account and every row it owns once `confirmEmail` matches the account's
   * email. The client signs out afterwards, because the session cookie outlives the account.
   */
  delete: protectedProcedure
    .input(
      z.object({
        confirmEmail: z
          .string({ error: "confirmEmail is required: type your account's email to confirm." })
          .max(254, "confirmEmail must be at most 254 characters."),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      await ctx.asUser((tx) =>
        removeAccount(tx, { userId: ctx.user.id, confirmEmail: input.confirmEmail }),
      );
      ctx.logger.info({ userId: ctx.user.id }, "account deleted");
      return { deleted: true };
    }),
});
