// Builds the AssemblyScript core (and the small test modules) into dist/wasm/.
// The .wasm files are build outputs, never committed.
import asc from "assemblyscript/asc";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "dist", "wasm");
mkdirSync(out, { recursive: true });

// The core runs over one shared memory imported from the host. The module's
// declared maximum is 4 GiB (65536 pages); the host picks a smaller maximum,
// which WebAssembly allows for an imported memory.
const coreFlags = [
  "--runtime", "stub", "-O3", "--noAssert",
  "--importMemory", "--sharedMemory",
  "--initialMemory", "512", "--maximumMemory", "65536",
  "--enable", "threads", "--memoryBase", "4096",
  // The JIT's code: each instance (each worker) gets its own function table
  // from the host (core.ts hostImports); compiled regions are put in it and
  // called with call_indirect (hart/run.ts).
  "--importTable",
];

const targets = [
  { entry: "assembly/index.ts", name: "core", flags: coreFlags },
  // The core with its internal helpers exported, for unit tests.
  { entry: "tests/core-entry.ts", name: "core-test", flags: coreFlags },
  // A plain (unshared) module exposing the soft-float routines to unit tests.
  { entry: "tests/softfloat-entry.ts", name: "softfloat-test",
    flags: ["--runtime", "stub", "-O3", "--noAssert"] },
];

let failed = false;
for (const t of targets) {
  const { error, stderr } = await asc.main([
    join(here, t.entry), "--outFile", join(out, `${t.name}.wasm`),
    "--textFile", join(out, `${t.name}.wat`), ...t.flags,
  ]);
  if (error) {
    console.error(`asc ${t.entry}: ${error.message}\n${stderr.toString()}`);
    failed = true;
  }
}
if (failed) process.exit(1);
