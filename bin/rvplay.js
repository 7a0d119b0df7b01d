#!/usr/bin/env node
// Entry point of the rvplay CLI; the code lives in src/cli (built to dist/).
import { main } from "../dist/src/cli/rvplay.js";

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`rvplay: ${err?.message ?? err}\n`); process.exitCode = 1; },
);
