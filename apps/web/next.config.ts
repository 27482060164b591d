import type { NextConfig } from "next";

const config: NextConfig = {
  // The workspace packages ship TypeScript source; Next compiles them with the app.
  transpilePackages: ["@onboarding/api", "@onboarding/db"],
  // Native addons, WebAssembly and worker-thread loggers must be loaded by Node, not bundled.
  serverExternalPackages: ["@electric-sql/pglite", "@node-rs/argon2", "pino", "postgres"],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default config;
