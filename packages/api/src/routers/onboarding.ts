import {
  finishOnboarding,
  getProgress,
  getStepData,
  goToStep,
  listEvents,
  markStepCompleted,
  resetOnboarding,
  saveStepData,
  skipStep,
} from "@onboarding/db/repositories";
import { z } from "zod";
import { type StepValues, toFormValues, toStepRecord } from "../step-records";
import { completeStepInputSchema, draftSchema, stepNumberSchema, versionSchema } from "../steps";
import { createTRPCRouter, protectedProcedure } from "../trpc";

const expectedVersion = versionSchema.optional();

export const onboardingRouter = createTRPCRouter({
  /** Returns the caller's progress, starting the onboarding on the first call. */
  getProgress: protectedProcedure.query(({ ctx }) =>
    ctx.asUser((tx) => getProgress(tx, { userId: ctx.user.id })),
  ),

  /** Returns the caller's audit trail, newest first: what changed and when, never a secret. */
  history: protectedProcedure
    .input(z.object({ limit: z.number().int().min(1).max(500).default(100) }).optional())
    .query(({ ctx, input }) =>
      ctx.asUser((tx) => listEvents(tx, { userId: ctx.user.id, limit: input?.limit ?? 100 })),
    ),

  /** Returns one step: status, draft and the validated values as form values. */
  getStep: protectedProcedure
    .input(z.object({ stepNumber: stepNumberSchema }))
    .query(async ({ ctx, input }) => {
      const step = await ctx.asUser((tx) =>
        getStepData(tx, { userId: ctx.user.id, stepNumber: input.stepNumber }),
      );
      return {
        stepNumber: step.stepNumber,
        status: step.status,
        draft: step.draft,
        values: toFormValues(step.stepNumber, step.data),
        completedAt: step.completedAt,
        updatedAt: step.updatedAt,
      };
    }),

  /** Stores a draft of a step's form; never advances the wizard. */
  saveStep: protectedProcedure
    .input(z.object({ stepNumber: stepNumberSchema, draft: draftSchema, expectedVersion }))
    .mutation(({ ctx, input }) =>
      ctx.asUser((tx) => saveStepData(tx, { userId: ctx.user.id, ...input })),
    ),

  /** Validates a step strictly, stores it and moves to the next open step. */
  completeStep: protectedProcedure.input(completeStepInputSchema).mutation(({ ctx, input }) => {
    const userId = ctx.user.id;
    if (input.stepNumber === 1) {
      return ctx.asUser((tx) =>
        markStepCompleted(tx, {
          userId,
          stepNumber: 1,
          requiredProviders: ctx.services.requiredProviders,
          keyring: ctx.services.keyring,
          expectedVersion: input.expectedVersion,
        }),
      );
    }
    const record = toStepRecord(input as StepValues);
    return ctx.asUser((tx) =>
      markStepCompleted(tx, { userId, expectedVersion: input.expectedVersion, ...record }),
    );
  }),

  /** Skips an optional step (step 5). */
  skipStep: protectedProcedure
    .input(z.object({ stepNumber: stepNumberSchema, expectedVersion }))
    .mutation(({ ctx, input }) =>
      ctx.asUser((tx) => skipStep(tx, { userId: ctx.user.id, ...input })),
    ),

  /** Goes back to a reached step. */
  goToStep: protectedProcedure
    .input(z.object({ stepNumber: stepNumberSchema, expectedVersion }))
    .mutation(({ ctx, input }) =>
      ctx.asUser((tx) => goToStep(tx, { userId: ctx.user.id, ...input })),
    ),

  /** Finishes the onboarding; calling it again changes nothing. */
  finish: protectedProcedure
    .input(z.object({ expectedVersion }).optional())
    .mutation(({ ctx, input }) =>
      ctx.asUser((tx) =>
        finishOnboarding(tx, {
          userId: ctx.user.id,
          requiredProviders: ctx.services.requiredProviders,
          keyring: ctx.services.keyring,
          ...input,
        }),
      ),
    ),

  /** Starts over; stored API keys are kept unless `forgetKeys` is true. */
  reset: protectedProcedure
    .input(z.object({ forgetKeys: z.boolean().default(false), expectedVersion }).optional())
    .mutation(({ ctx, input }) =>
      ctx.asUser((tx) => resetOnboarding(tx, { userId: ctx.user.id, ...input })),
    ),
});
