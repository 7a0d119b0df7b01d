// The host's declaration of the core's exports (CORE_EXPORTS and the
// CoreExports interface in src/machine/core.ts) matches the compiled module.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { CORE_EXPORTS } from "../../src/machine/core.js";

test("CORE_EXPORTS lists exactly what the compiled core exports", () => {
  const module = new WebAssembly.Module(readFileSync(new URL("../../wasm/core.wasm", import.meta.url)));
  const real = WebAssembly.Module.exports(module).map((e) => e.name).sort();
  assert.deepEqual([...CORE_EXPORTS].sort(), real);
});
