import { defineConfig } from "drizzle-kit";

// Generation needs no connection. `pnpm db:migrate` uses the package's own migrator, which also
// serves the embedded database, so both drivers apply exactly the same files.
export default defineConfig({
  dialect: "postgresql",
  schema: "./packages/db/src/schema/index.ts",
  out: "./packages/db/drizzle",
  casing: "snake_case",
  strict: true,
  verbose: true,
});
