import { createUser } from "@onboarding/db/repositories";
import { hashPassword } from "../password";
import { registerInputSchema } from "../steps";
import { createTRPCRouter, publicProcedure } from "../trpc";

export const authRouter = createTRPCRouter({
  /** Creates an account; the client then signs in through next-auth with the same password. */
  register: publicProcedure.input(registerInputSchema).mutation(async ({ ctx, input }) => {
    const passwordHash = await hashPassword(input.password);
    const user = await createUser(ctx.services.db, {
      email: input.email,
      passwordHash,
      name: input.name || null,
    });
    ctx.logger.info({ registeredUserId: user.id }, "user registered");
    return { id: user.id, email: user.email };
  }),
});
