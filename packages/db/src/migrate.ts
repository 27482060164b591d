export { defaultMigrationsFolder, migrateDatabase } from "./client";
