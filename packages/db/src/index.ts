export * from "./client";
export * from "./errors";
export { DatabaseLockedError } from "./pglite-lock";
