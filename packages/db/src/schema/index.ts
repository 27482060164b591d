export * from "./api-keys";
export * from "./auth";
export * from "./legacy";
export * from "./onboarding";
export * from "./step-data";
