// LR, SC and AMOs work on RAM alone: on the boot ROM every one of them is an
// access fault, whatever the TLB holds (a plain load from the ROM page first
// puts it in the read TLB; LR must fault all the same).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as L from "../../wasm-core/layout.js";
import { makeTestCore } from "./core-harness.js";

const CAUSE_LOAD_ACCESS = 5n, CAUSE_STORE_ACCESS = 7n;
const ld = (rd: number, rs1: number) => (rs1 << 15) | (3 << 12) | (rd << 7) | 0x03;
const amo = (f5: number, rd: number, rs1: number, rs2 = 0) => (f5 << 27) | (rs2 << 20) | (rs1 << 15) | (3 << 12) | (rd << 7) | 0x2f;
const LR = 0x02, SC = 0x03, AMOADD = 0x00;
const J_SELF = 0x0000006f;

function runAt(program: number[], primeWithLoad: boolean): { mcause: bigint; mtval: bigint } {
  const { core, view } = makeTestCore();
  const code = primeWithLoad ? [ld(5, 11), ...program] : program;
  code.forEach((w, i) => view.dv.setUint32(view.ramOffset(0x8000_0000n + BigInt(i * 4), 4), w >>> 0, true));
  view.dv.setUint32(view.ramOffset(0x8000_0100n, 4), J_SELF, true); // the trap handler
  const hb = view.hartBase(0);
  view.dv.setBigUint64(hb + L.C_MTVEC, 0x8000_0100n, true);
  view.dv.setBigUint64(hb + L.H_X + 11 * 8, 0x1000n, true); // a1 = the boot ROM
  core.run(50);
  return { mcause: view.dv.getBigUint64(hb + L.C_MCAUSE, true), mtval: view.dv.getBigUint64(hb + L.C_MTVAL, true) };
}

for (const [name, inst, cause] of [
  ["lr.d", amo(LR, 10, 11), CAUSE_LOAD_ACCESS],
  ["sc.d", amo(SC, 10, 11, 12), CAUSE_STORE_ACCESS],
  ["amoadd.d", amo(AMOADD, 10, 11, 12), CAUSE_STORE_ACCESS],
] as const) {
  test(`${name} on the boot ROM is an access fault, with or without the page in the TLB`, () => {
    for (const prime of [false, true]) {
      const r = runAt([inst, J_SELF], prime);
      assert.equal(r.mcause, cause, `${name}, TLB primed: ${prime}`);
      assert.equal(r.mtval, 0x1000n);
    }
  });
}
