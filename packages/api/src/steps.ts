import { z } from "zod";

/**
 * The wizard's steps and the zod schemas for their forms. Client-safe: the forms and the tRPC
 * procedures import the same rules from here.
 */
export const WIZARD_STEPS = [
  { number: 1, slug: "providers", title: "AI providers", skippable: false },
  { number: 2, slug: "website", title: "Website", skippable: false },
  { number: 3, slug: "research", title: "Research", skippable: false },
  { number: 4, slug: "personalization", title: "Personalization", skippable: false },
  { number: 5, slug: "integrations", title: "Integrations", skippable: true },
  { number: 6, slug: "finish", title: "Finish", skippable: false },
] as const;

export const STEP_COUNT = WIZARD_STEPS.length;

export const stepNumberSchema = z
  .number({ error: "Step number must be a number from 1 to 6." })
  .int("Step number must be a whole number from 1 to 6.")
  .min(1, "Step number must be from 1 to 6.")
  .max(STEP_COUNT, "Step number must be from 1 to 6.");

export const MAX_DRAFT_BYTES = 64 * 1024;
export const MAX_DRAFT_DEPTH = 20;
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

// A lone surrogate cannot be encoded as UTF-8 and would be rejected or mangled by PostgreSQL.
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function describePath(path: readonly (string | number)[]): string {
  return path.length === 0 ? "draft" : `draft.${path.join(".")}`;
}

/** Finds the first reason a draft cannot be stored, with the path of the offending value. */
function findDraftProblem(
  value: unknown,
  path: (string | number)[],
): { path: (string | number)[]; message: string } | undefined {
  if (path.length > MAX_DRAFT_DEPTH) {
    return { path, message: `is nested deeper than ${MAX_DRAFT_DEPTH} levels` };
  }
  if (typeof value === "string") {
    if (value.includes("\u0000")) return { path, message: "contains a NUL character" };
    if (UNPAIRED_SURROGATE.test(value)) return { path, message: "contains an unpaired surrogate" };
    return undefined;
  }
  if (typeof value === "number") {
    return Number.isFinite(value) ? undefined : { path, message: "must be a finite number" };
  }
  if (value === null || typeof value === "boolean") return undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const problem = findDraftProblem(item, [...path, index]);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof value === "object") {
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key))
        return { path: [...path, key], message: "is a reserved key name" };
      const keyProblem = findDraftProblem(key, [...path, key]);
      if (keyProblem) return { path: [...path, key], message: `key ${keyProblem.message}` };
      const problem = findDraftProblem((value as Record<string, unknown>)[key], [...path, key]);
      if (problem) return problem;
    }
    return undefined;
  }
  return { path, message: `has unsupported type ${typeof value}` };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * An unvalidated autosave of a step's form: any JSON object up to 64 KiB serialized and 20 levels
 * deep, without NUL characters, unpaired surrogates or prototype-polluting key names.
 *
 * The checks run on the object as received. `z.record` (zod 4.6) leaves a top-level `__proto__`
 * key out of its copy, so checking that copy would store the draft without the key instead of
 * rejecting it.
 */
export const draftSchema = z.custom<Record<string, unknown>>().superRefine((draft, context) => {
  if (!isPlainObject(draft)) {
    context.addIssue({ code: "custom", message: "draft must be a JSON object." });
    return;
  }
  const problem = findDraftProblem(draft, []);
  if (problem) {
    context.addIssue({
      code: "custom",
      path: problem.path,
      message: `${describePath(problem.path)} ${problem.message}.`,
    });
    return;
  }
  const bytes = new TextEncoder().encode(JSON.stringify(draft)).length;
  if (bytes > MAX_DRAFT_BYTES) {
    context.addIssue({
      code: "custom",
      message: `draft is ${bytes} bytes; the maximum is ${MAX_DRAFT_BYTES} bytes (64 KiB).`,
    });
  }
});

/** Rejects characters PostgreSQL text cannot store: NUL and lone UTF-16 surrogates. */
const storableText = (label: string) => (value: string, context: z.RefinementCtx) => {
  if (value.includes("\u0000")) {
    context.addIssue({ code: "custom", message: `${label} contains a NUL character; remove it.` });
  } else if (UNPAIRED_SURROGATE.test(value)) {
    context.addIssue({
      code: "custom",
      message: `${label} contains an unpaired surrogate (a broken character); retype it.`,
    });
  }
};

const requiredText = (label: string, max: number) =>
  z
    .string({ error: `${label} is required.` })
    .trim()
    .min(1, `${label} is required.`)
    .max(max, `${label} must be at most ${max} characters.`)
    .superRefine(storableText(label));

const optionalText = (label: string, max: number) =>
  z
    .string()
    .trim()
    .max(max, `${label} must be at most ${max} characters.`)
    .superRefine(storableText(label))
    .default("");

const URL_EXAMPLE = "such as https://example.com";

/**
 * Normalizes a website address: adds https:// when no scheme is given, accepts only http and
 * https, lower-cases the host and drops the fragment. Returns the address, or what is wrong with
 * the input in words a form can show.
 */
export function checkWebsiteUrl(input: string): { url: string } | { problem: string } {
  const trimmed = input.trim();
  if (trimmed === "") return { problem: `Enter a website address, ${URL_EXAMPLE}.` };
  if (/\s/.test(trimmed)) {
    return { problem: "A website address cannot contain spaces; enter one address per entry." };
  }

  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(trimmed) ? trimmed : `https://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return { problem: `This is not a website address; enter one ${URL_EXAMPLE}.` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { problem: `Use an address starting with http:// or https://, ${URL_EXAMPLE}.` };
  }
  if (!url.hostname.includes(".") && url.hostname !== "localhost") {
    return { problem: `Enter the whole domain name with its ending, ${URL_EXAMPLE}.` };
  }
  if (url.username || url.password) {
    return { problem: "Remove the user name and password from the address." };
  }
  url.hash = "";
  return { url: url.toString() };
}

/** Returns the normalized website address (see checkWebsiteUrl), or undefined when invalid. */
export function normalizeWebsiteUrl(input: string): string | undefined {
  const checked = checkWebsiteUrl(input);
  return "url" in checked ? checked.url : undefined;
}

export const websiteUrlSchema = z
  .string({ error: "Website URL is required." })
  .max(2048, "Website URL must be at most 2048 characters.")
  .transform((value, context) => {
    const checked = checkWebsiteUrl(value);
    if ("problem" in checked) {
      context.addIssue({ code: "custom", message: checked.problem });
      return z.NEVER;
    }
    return checked.url;
  });

export const WRITING_TONES = [
  "professional",
  "friendly",
  "casual",
  "authoritative",
  "playful",
  "inspirational",
] as const;
export const CONTENT_TYPES = [
  "blog_posts",
  "articles",
  "social_media",
  "newsletters",
  "whitepapers",
  "case_studies",
  "product_pages",
] as const;
export const RESEARCH_DEPTHS = ["basic", "standard", "comprehensive", "expert"] as const;
export const PLATFORMS = [
  "blog",
  "linkedin",
  "twitter",
  "facebook",
  "instagram",
  "medium",
  "newsletter",
] as const;
export const PUBLISHING_PLATFORMS = [
  "wordpress",
  "webflow",
  "ghost",
  "medium",
  "substack",
] as const;

const toneSchema = z.enum(WRITING_TONES, { error: "Choose a tone from the list." });

/** Step 2: the user's website with its writing style, or business details without a website. */
export const websiteStepSchema = z.discriminatedUnion("mode", [
  z.object({
    mode: z.literal("website"),
    websiteUrl: websiteUrlSchema,
    writingTone: toneSchema,
    targetAudience: requiredText("Target audience", 500),
    primaryContentType: z.enum(CONTENT_TYPES, { error: "Choose a content type from the list." }),
    styleNotes: optionalText("Style notes", 500),
    useAnalysisForGenAi: z.boolean().default(true),
  }),
  z.object({
    mode: z.literal("business"),
    businessName: requiredText("Business name", 200),
    industry: requiredText("Industry", 200),
    businessDescription: requiredText("Business description", 2000),
    targetAudience: requiredText("Target audience", 500),
  }),
]);
export type WebsiteStepInput = z.input<typeof websiteStepSchema>;
export type WebsiteStep = z.output<typeof websiteStepSchema>;

export const MAX_COMPETITORS = 25;

/** Step 3: how much research the assistant does and on what. */
export const researchStepSchema = z.object({
  researchDepth: z.enum(RESEARCH_DEPTHS, { error: "Choose a research depth." }),
  contentTypes: z
    .array(z.enum(CONTENT_TYPES, { error: "Choose content types from the list." }))
    .min(1, "Choose at least one content type.")
    .transform((types) => [...new Set(types)]),
  autoResearch: z.boolean().default(false),
  factualContent: z.boolean().default(true),
  competitors: z
    .array(websiteUrlSchema)
    .max(MAX_COMPETITORS, `Add at most ${MAX_COMPETITORS} competitor websites.`)
    .default([]),
});
export type ResearchStep = z.output<typeof researchStepSchema>;

/** Step 4: the persona the assistant writes as. The default tone cannot also be avoided. */
export const personaStepSchema = z
  .object({
    personaName: requiredText("Persona name", 100),
    brandVoice: requiredText("Brand voice", 1000),
    defaultTone: toneSchema,
    avoidedTones: z.array(toneSchema).default([]),
    platforms: z
      .array(z.enum(PLATFORMS, { error: "Choose platforms from the list." }))
      .min(1, "Choose at least one platform."),
  })
  .superRefine((persona, context) => {
    if (persona.avoidedTones.includes(persona.defaultTone)) {
      context.addIssue({
        code: "custom",
        path: ["avoidedTones"],
        message: `"${persona.defaultTone}" is the default tone, so it cannot be avoided too. Untick it or choose another default tone.`,
      });
    }
  });
export type PersonaStep = z.output<typeof personaStepSchema>;

const GA_MEASUREMENT_ID = /^G-[A-Z0-9]{4,16}$/;

/** Step 5: optional publishing and analytics integrations. */
export const integrationsStepSchema = z.object({
  primaryPlatform: z
    .enum(PUBLISHING_PLATFORMS, { error: "Choose a publishing platform from the list." })
    .nullable()
    .default(null),
  googleAnalyticsId: z
    .string()
    .trim()
    .refine(
      (value) => value === "" || GA_MEASUREMENT_ID.test(value),
      "Google Analytics ID must look like G-XXXXXXX.",
    )
    .default(""),
  linkedinUrl: z
    .string()
    .trim()
    .max(300, "LinkedIn URL must be at most 300 characters.")
    .transform((value, context) => {
      if (value === "") return "";
      const normalized = normalizeWebsiteUrl(value);
      if (!normalized) {
        context.addIssue({
          code: "custom",
          message:
            "LinkedIn URL must be a web address, such as https://www.linkedin.com/company/acme.",
        });
        return z.NEVER;
      }
      return normalized;
    })
    .default(""),
  twitterHandle: z
    .string()
    .trim()
    .refine(
      (value) => value === "" || /^@?[A-Za-z0-9_]{1,15}$/.test(value),
      "X handle must be 1 to 15 letters, digits or underscores.",
    )
    .default(""),
});
export type IntegrationsStep = z.output<typeof integrationsStepSchema>;

/** A session version as the server reported it; PostgreSQL stores it as a 32-bit integer. */
export const versionSchema = z
  .number()
  .int("expectedVersion must be a whole number.")
  .positive("expectedVersion must be positive.")
  .max(2_147_483_647, "expectedVersion is larger than any version the server issues.");

/** Input of `onboarding.completeStep`: the step number and, for steps 2 to 5, its form data. */
export const completeStepInputSchema = z.discriminatedUnion("stepNumber", [
  z.object({ stepNumber: z.literal(1), expectedVersion: versionSchema.optional() }),
  z.object({
    stepNumber: z.literal(2),
    data: websiteStepSchema,
    expectedVersion: versionSchema.optional(),
  }),
  z.object({
    stepNumber: z.literal(3),
    data: researchStepSchema,
    expectedVersion: versionSchema.optional(),
  }),
  z.object({
    stepNumber: z.literal(4),
    data: personaStepSchema,
    expectedVersion: versionSchema.optional(),
  }),
  z.object({
    stepNumber: z.literal(5),
    data: integrationsStepSchema,
    expectedVersion: versionSchema.optional(),
  }),
]);
export type CompleteStepInput = z.input<typeof completeStepInputSchema>;

export const emailSchema = z
  .string({ error: "Email is required." })
  .trim()
  .toLowerCase()
  .max(254, "Email must be at most 254 characters.")
  .pipe(z.email("Enter a valid email address, such as ada@example.com."));

export const MIN_PASSWORD_LENGTH = 10;

export const passwordSchema = z
  .string({ error: "Password is required." })
  .min(MIN_PASSWORD_LENGTH, `Password must be at least ${MIN_PASSWORD_LENGTH} characters.`)
  .max(200, "Password must be at most 200 characters.");

export const registerInputSchema = z.object({
  name: z
    .string()
    .trim()
    .max(100, "Name must be at most 100 characters.")
    .superRefine(storableText("Name"))
    .optional(),
  email: emailSchema,
  password: passwordSchema,
});
