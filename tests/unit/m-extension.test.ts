// M extension helpers against a BigInt model of the unprivileged spec
// ("M" chapter, table of division by zero and overflow results).
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeTestCore, u64, s64, U64 } from "./core-harness.js";

const { core } = makeTestCore();
const MIN = 1n << 63n;

const edge = [0n, 1n, 2n, 3n, U64, U64 - 1n, MIN, MIN - 1n, MIN + 1n, 0xffffffffn, 0x80000000n, 0x7fffffffn,
  0xffffffff80000000n, 0x123456789abcdef0n, 0xfedcba9876543210n];
function* operands(): Generator<[bigint, bigint]> {
  for (const a of edge) for (const b of edge) yield [a, b];
  let seed = 0x9e3779b97f4a7c15n;
  const next = () => { seed = u64(seed * 6364136223846793005n + 1442695040888963407n); return seed; };
  for (let i = 0; i < 2000; i++) yield [next(), next() >> BigInt(i % 64)];
}

test("mulh, mulhsu, mulhu give the high 64 bits of the 128-bit product", () => {
  for (const [a, b] of operands()) {
    assert.equal(u64(core.mulhu(a, b)), (a * b) >> 64n, `mulhu ${a} ${b}`);
    assert.equal(u64(core.mulh(a, b)), u64((s64(a) * s64(b)) >> 64n), `mulh ${a} ${b}`);
    assert.equal(u64(core.mulhsu(a, b)), u64((s64(a) * b) >> 64n), `mulhsu ${a} ${b}`);
  }
});

// Truncating division as RISC-V defines it, including x/0 and MIN/-1.
function refDiv(a: bigint, b: bigint, bits: number, signed: boolean): [bigint, bigint] {
  const cast = (v: bigint) => (signed ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v));
  const x = cast(a), y = cast(b);
  if (y === 0n) return [-1n, x];
  if (signed && x === -(1n << BigInt(bits - 1)) && y === -1n) return [x, 0n];
  return [x / y, x % y]; // BigInt division truncates toward zero, like RISC-V
}
const sext32 = (v: bigint) => u64(BigInt.asIntN(32, v));

test("div, divu, rem, remu follow the spec including divide by zero and overflow", () => {
  for (const [a, b] of operands()) {
    const [q, r] = refDiv(a, b, 64, true);
    const [qu, ru] = refDiv(a, b, 64, false);
    assert.equal(u64(core.div(a, b)), u64(q), `div ${a} ${b}`);
    assert.equal(u64(core.rem(a, b)), u64(r), `rem ${a} ${b}`);
    assert.equal(u64(core.divu(a, b)), u64(qu), `divu ${a} ${b}`);
    assert.equal(u64(core.remu(a, b)), u64(ru), `remu ${a} ${b}`);
  }
  assert.equal(u64(core.div(MIN, U64)), MIN);
  assert.equal(u64(core.rem(MIN, U64)), 0n);
  assert.equal(u64(core.divu(5n, 0n)), U64);
  assert.equal(u64(core.remu(5n, 0n)), 5n);
});

test("the W forms divide the low 32 bits and sign-extend the result", () => {
  for (const [a, b] of operands()) {
    const [q, r] = refDiv(a, b, 32, true);
    const [qu, ru] = refDiv(a, b, 32, false);
    assert.equal(u64(core.divw(a, b)), sext32(q), `divw ${a} ${b}`);
    assert.equal(u64(core.remw(a, b)), sext32(r), `remw ${a} ${b}`);
    assert.equal(u64(core.divuw(a, b)), sext32(qu), `divuw ${a} ${b}`);
    assert.equal(u64(core.remuw(a, b)), sext32(ru), `remuw ${a} ${b}`);
  }
  assert.equal(u64(core.divw(0x80000000n, U64)), 0xffffffff80000000n);
  assert.equal(u64(core.divuw(7n, 0n)), U64);
});
