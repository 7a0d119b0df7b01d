#!/usr/bin/env node
// Entry point of the rvplay CLI; the code lives in src/cli (built to dist/).
import { main } from "../dist/src/cli/rvplay.js";

// Output piped into a reader that goes away (`| head`) ends us quietly.
process.stdout.on("error", (err) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`rvplay: ${err?.message ?? err}\n`); process.exitCode = 1; },
);
