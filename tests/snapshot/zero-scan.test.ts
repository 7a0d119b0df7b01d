// The SIMD page scan: its bytes are the assembly of the text in its
// comment, and it finds exactly the pages that are not all zero (as does
// the plain loop used where WebAssembly SIMD is missing).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import binaryen from "binaryen";
import { jsScanner, ZeroScanner, ZERO_SCAN_WASM } from "../../src/snapshot/zero-scan.js";
import { PAGE_SIZE } from "../../src/snapshot/manifest.js";

test("the embedded module is the assembly of the text it documents", () => {
  const src = readFileSync(new URL("../../../src/snapshot/zero-scan.ts", import.meta.url), "utf8");
  const wat = src.split("\n").filter((l) => l.startsWith("//   ")).map((l) => l.slice(5)).join("\n");
  const mod = binaryen.parseText(wat);
  mod.setFeatures(binaryen.Features.SIMD128 | binaryen.Features.Atomics);
  assert.ok(mod.validate());
  assert.deepEqual([...mod.emitBinary()], [...ZERO_SCAN_WASM]);
});

test("non-zero pages are found, and only those", () => {
  const pages = 512;
  const base = 16 * PAGE_SIZE;
  const memory = new WebAssembly.Memory({ initial: (base + pages * PAGE_SIZE) / 65536 + 1, maximum: 64, shared: true });
  const bytes = new Uint8Array(memory.buffer);
  const want = [0, 1, 7, 100, 255, 256, 511];
  const offsets = [0, 4095, 17, 2048, 4032, 63, 4094];
  want.forEach((p, i) => { bytes[base + p * PAGE_SIZE + offsets[i]] = 1 + i; });
  bytes[base - 1] = 9; // outside the range: not reported
  bytes[base + pages * PAGE_SIZE] = 9;
  const s = new ZeroScanner(memory);
  assert.equal(s.simd, true, "Node has WebAssembly SIMD");
  assert.deepEqual([...s.nonZeroPages(base, pages * PAGE_SIZE)], want);
  const js = jsScanner(memory);
  const found: number[] = [];
  for (let p = js(base, base + pages * PAGE_SIZE); p < base + pages * PAGE_SIZE; p = js(p + PAGE_SIZE, base + pages * PAGE_SIZE)) found.push((p - base) / PAGE_SIZE);
  assert.deepEqual(found, want);
});
