import {
  createOnboardingClient,
  type OnboardingClient,
  signInWithPassword,
} from "@onboarding/api/client";
import { PASSWORD, type WizardUser } from "./wizard";

/** Signs the user in through next-auth and returns their typed tRPC client. */
export async function apiClientFor(baseUrl: string, user: WizardUser): Promise<OnboardingClient> {
  const sessionCookie = await signInWithPassword({
    baseUrl,
    email: user.email,
    password: PASSWORD,
  });
  return createOnboardingClient({ baseUrl, sessionCookie });
}

/**
 * Registers the user and completes steps 1 to `lastStep` through the API, which is much faster
 * than the browser when a test only needs the user to be at a later step. `lastStep` 6 finishes
 * the onboarding, skipping integrations.
 */
export async function prepareUser(
  baseUrl: string,
  user: WizardUser,
  lastStep: number,
): Promise<OnboardingClient> {
  await createOnboardingClient({ baseUrl }).auth.register.mutate({
    email: user.email,
    password: PASSWORD,
  });
  const client = await apiClientFor(baseUrl, user);
  const steps: (() => Promise<unknown>)[] = [
    async () => {
      await client.apiKeys.save.mutate({ provider: "gemini", key: user.keys.gemini });
      await client.apiKeys.save.mutate({ provider: "exa", key: user.keys.exa });
      await client.onboarding.completeStep.mutate({ stepNumber: 1 });
    },
    () =>
      client.onboarding.completeStep.mutate({
        stepNumber: 2,
        data: {
          mode: "website",
          websiteUrl: user.site,
          writingTone: "professional",
          targetAudience: "Engineering managers",
          primaryContentType: "articles",
        },
      }),
    () =>
      client.onboarding.completeStep.mutate({
        stepNumber: 3,
        data: { researchDepth: "standard", contentTypes: ["articles"] },
      }),
    () =>
      client.onboarding.completeStep.mutate({
        stepNumber: 4,
        data: {
          personaName: user.personaName,
          brandVoice: "Calm and exact.",
          defaultTone: "professional",
          platforms: ["blog"],
        },
      }),
    () => client.onboarding.skipStep.mutate({ stepNumber: 5 }),
    () => client.onboarding.finish.mutate(),
  ];
  for (const step of steps.slice(0, lastStep)) await step();
  return client;
}
