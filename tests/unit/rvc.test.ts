// The RVC expansion table against the GNU assembler: for every vector the
// assembler's compressed encoding must expand to its uncompressed one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MATCH_EBREAK } from "../../wasm-core/spec/riscv.js";
import { readFileSync } from "node:fs";
import { makeTestCore } from "./core-harness.js";

const { core } = makeTestCore();
const RVC_ILLEGAL = 0xffffffff;
const vectors = readFileSync(new URL("../../../tests/unit/vectors/rvc.txt", import.meta.url), "utf8")
  .split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(" "));

test("every compressed instruction GNU as emits expands to its 32-bit form", () => {
  assert.ok(vectors.length > 5000, `only ${vectors.length} vectors`);
  const bad: string[] = [];
  for (const [c, full, ...asm] of vectors) {
    const got = core.expandRvc(parseInt(c, 16)) >>> 0;
    if (got !== parseInt(full, 16)) bad.push(`${c} (${asm.join(" ")}): got ${got.toString(16)}, want ${full}`);
  }
  assert.deepEqual(bad.slice(0, 10), []);
});

test("reserved compressed encodings are illegal", () => {
  // c.addi4spn with nzuimm = 0, including the all-zero instruction
  assert.equal(core.expandRvc(0x0000) >>> 0, RVC_ILLEGAL);
  assert.equal(core.expandRvc(0x0004) >>> 0, RVC_ILLEGAL);
  // c.addiw x0 (rd = 0 reserved): 001 0 00000 00001 01
  assert.equal(core.expandRvc(0x2005) >>> 0, RVC_ILLEGAL);
  // c.addi16sp with nzimm = 0: 011 0 00010 00000 01
  assert.equal(core.expandRvc(0x6101) >>> 0, RVC_ILLEGAL);
  // c.lui a0, 0 (nzimm = 0): 011 0 01010 00000 01
  assert.equal(core.expandRvc(0x6501) >>> 0, RVC_ILLEGAL);
  // c.lwsp x0 and c.ldsp x0: rd = 0 reserved
  assert.equal(core.expandRvc(0x4002) >>> 0, RVC_ILLEGAL);
  assert.equal(core.expandRvc(0x6002) >>> 0, RVC_ILLEGAL);
  // c.jr x0: 100 0 00000 00000 10
  assert.equal(core.expandRvc(0x8002) >>> 0, RVC_ILLEGAL);
  // quadrant 0 funct3 100 is reserved
  assert.equal(core.expandRvc(0x8000 | 0x0040) >>> 0, RVC_ILLEGAL);
  // c.subw-group reserved: 100 1 11 xxx 10 xxx 01
  assert.equal(core.expandRvc(0x9c41) >>> 0, RVC_ILLEGAL);
});

test("c.ebreak expands to ebreak and c.nop to addi x0, x0, 0", () => {
  assert.equal(core.expandRvc(0x9002) >>> 0, MATCH_EBREAK);
  assert.equal(core.expandRvc(0x0001) >>> 0, 0x00000013);
});
