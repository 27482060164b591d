// Profiles the server's main thread for the benchmark. Node rejects --cpu-prof in NODE_OPTIONS,
// so the bench preloads this file there (--require) instead. The profiler starts with the
// process; SIGUSR2 stops it and writes CPU.<pid>.cpuprofile into BENCH_CPU_PROFILE_DIR.
"use strict";
const { renameSync, writeFileSync } = require("node:fs");
const { Session } = require("node:inspector");
const { join } = require("node:path");

// biome-ignore lint/suspicious/noUndeclaredEnvVars: only the bench sets it, outside turbo.
const dir = process.env.BENCH_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable", () => {
    // Microseconds between samples, the same as --cpu-prof's default.
    session.post("Profiler.setSamplingInterval", { interval: 1000 }, () => {
      session.post("Profiler.start");
    });
  });

  process.on("SIGUSR2", () => {
    session.post("Profiler.stop", (error, result) => {
      if (error) {
        console.error(`cpu profile of process ${process.pid}: stopping failed: ${error.message}`);
        return;
      }
      const file = join(dir, `CPU.${process.pid}.cpuprofile`);
      // Written under another name first, so the bench never reads half a file.
      writeFileSync(`${file}.partial`, JSON.stringify(result.profile));
      renameSync(`${file}.partial`, file);
    });
  });
}
