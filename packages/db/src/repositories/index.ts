export * from "./account";
export * from "./events";
export * from "./legacy-import";
export * from "./onboarding";
export * from "./progress";
export * from "./step-data";
export * from "./users";
export * from "./wizard-rules";
