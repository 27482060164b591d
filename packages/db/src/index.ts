export * from "./client";
export * from "./errors";
export { countPendingMigrations } from "./pending-migrations";
export { DatabaseLockedError } from "./pglite-lock";
export { APP_ROLE, inTransaction, withUserScope } from "./user-scope";
