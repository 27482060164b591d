/** The step-2 (website) draft that every benchmarked save sends: about 600 bytes of JSON. */
export const SAVE_DRAFT: Record<string, unknown> = {
  mode: "website",
  websiteUrl: "https://www.example.com/",
  targetAudience:
    "Marketing leads at mid-sized software companies who publish two to four articles a week " +
    "and want research-backed posts without hiring more writers.",
  primaryContentType: "blog",
  useAnalysisForGenAi: true,
  notes:
    "Our blog covers data engineering, product analytics and team practices. Keep the tone " +
    "practical, cite sources for every statistic, and avoid hype words such as revolutionary.",
  competitors: ["https://competitor-one.example/", "https://competitor-two.example/"],
};

export const SAVE_STEP_NUMBER = 2;

/** The tRPC body of onboarding.saveStep; superjson wraps plain JSON values in `json`. */
export const SAVE_BODY = JSON.stringify({
  json: { stepNumber: SAVE_STEP_NUMBER, draft: SAVE_DRAFT },
});

export type EndpointName = "health" | "session" | "getProgress" | "saveStep";

export interface Endpoint {
  name: EndpointName;
  /** Description of what the request exercises, for the report. */
  description: string;
  method: "GET" | "POST";
  path: string;
  body?: string;
  authenticated: boolean;
}

export const ENDPOINTS: Record<EndpointName, Endpoint> = {
  health: {
    name: "health",
    description: "GET /api/health: no session, no database (the framework's floor)",
    method: "GET",
    path: "/api/health",
    authenticated: false,
  },
  session: {
    name: "session",
    description: "GET /api/auth/session: next-auth's session check alone, no database",
    method: "GET",
    path: "/api/auth/session",
    authenticated: true,
  },
  getProgress: {
    name: "getProgress",
    description: "GET onboarding.getProgress: session check plus one read",
    method: "GET",
    path: "/api/trpc/onboarding.getProgress",
    authenticated: true,
  },
  saveStep: {
    name: "saveStep",
    description: "POST onboarding.saveStep: session check, validation, one write",
    method: "POST",
    path: "/api/trpc/onboarding.saveStep",
    body: SAVE_BODY,
    authenticated: true,
  },
};
