// Soft-float library (wasm-core/assembly/softfloat.ts) against reference
// vectors computed by x86-64 SSE/FMA hardware (tests/tools/gen-fp-vectors.c,
// which says how to regenerate tests/unit/vectors/softfloat.txt.gz): every
// result bit pattern and every fflags value, in all five rounding modes. Also:
// the integer-only f64_*Soft paths against the same vectors, the hardware-
// assisted fast paths against those integer paths on operands aimed at the
// fast paths' exponent limits, and seeded random round-to-nearest results
// against JavaScript's own IEEE arithmetic.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

function firstExisting(what: string, candidates: string[]): string {
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`${what} not found; looked at:\n  ${candidates.join("\n  ")}`);
}

// Compiled to dist/tests/unit/: the module is in dist/wasm/, the vectors in
// the source tree. Fall back to paths from the repository root (cwd).
const wasmPath = firstExisting("softfloat-test.wasm (run the core build first)", [
  fileURLToPath(new URL("../../wasm/softfloat-test.wasm", import.meta.url)),
  resolve("dist/wasm/softfloat-test.wasm"),
]);
const vectorPath = firstExisting("soft-float vectors", [
  fileURLToPath(new URL("../../../tests/unit/vectors/softfloat.txt.gz", import.meta.url)),
  resolve("tests/unit/vectors/softfloat.txt.gz"),
]);

type Arg = number | bigint;
type WasmFn = (...args: Arg[]) => Arg;

const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), {
  env: {
    abort(_msg: number, _file: number, line: number, col: number): never {
      throw new Error(`softfloat wasm abort at ${line}:${col}`);
    },
  },
});
const exportsObj = instance.exports as unknown as Record<string, WasmFn>;
const getFlags = exportsObj.getFlags as () => number;
const clearFlags = exportsObj.clearFlags as () => void;

function fn(name: string): WasmFn {
  const f = exportsObj[name];
  assert.equal(typeof f, "function", `export ${name} missing`);
  return f;
}

// Operation table: must match the generator's.
interface OpInfo {
  nin: number; // inputs
  inw: 32 | 64; // input width
  outw: 1 | 32 | 64; // result width (1 = bool)
  rounded: boolean; // takes a rounding mode argument
}
const OPS: Record<string, OpInfo> = {};
function def(names: string[], nin: number, inw: 32 | 64, outw: 1 | 32 | 64, rounded: boolean): void {
  for (const n of names) OPS[n] = { nin, inw, outw, rounded };
}
for (const p of ["f32", "f64"] as const) {
  const w = p === "f32" ? 32 : 64;
  def([`${p}_add`, `${p}_sub`, `${p}_mul`, `${p}_div`], 2, w, w, true);
  def([`${p}_sqrt`], 1, w, w, true);
  def([`${p}_mulAdd`], 3, w, w, true);
  def([`${p}_eq`, `${p}_lt`, `${p}_le`], 2, w, 1, false);
  def([`${p}_min`, `${p}_max`], 2, w, w, false);
  def([`${p}_classify`], 1, w, 32, false);
  def([`${p}_to_i32`, `${p}_to_u32`], 1, w, 32, true);
  def([`${p}_to_i64`, `${p}_to_u64`], 1, w, 64, true);
  def([`i32_to_${p}`, `u32_to_${p}`], 1, 32, w, true);
  def([`i64_to_${p}`, `u64_to_${p}`], 1, 64, w, true);
}
def(["f32_to_f64"], 1, 32, 64, false);
def(["f64_to_f32"], 1, 64, 32, true);

const RM_NAMES = ["RNE", "RTZ", "RDN", "RUP", "RMM"];

function hex(v: Arg, width: number): string {
  if (width === 1) return String(v);
  const digits = width === 32 ? 8 : 16;
  const s = typeof v === "bigint" ? BigInt.asUintN(64, v).toString(16) : (Number(v) >>> 0).toString(16);
  return s.padStart(digits, "0");
}

function normalize(v: Arg, outw: 1 | 32 | 64): Arg {
  if (outw === 64) return BigInt.asUintN(64, v as bigint);
  if (outw === 32) return (v as number) >>> 0;
  return v ? 1 : 0;
}

function flagNames(f: number): string {
  const n = ["NX", "UF", "OF", "DZ", "NV"].filter((_, i) => (f >> i) & 1);
  return n.length ? n.join("|") : "-";
}

// ------------------------------------------------------------- vectors

interface Vec {
  inputs: Arg[];
  results: { r: Arg; f: number }[];
  line: number;
}
const byOp = new Map<string, Vec[]>();
{
  const text = gunzipSync(readFileSync(vectorPath)).toString("utf8");
  let lineNo = 0;
  for (const line of text.split("\n")) {
    lineNo++;
    if (line === "") continue;
    const parts = line.split(" ");
    const op = OPS[parts[0]];
    if (!op) throw new Error(`vector line ${lineNo}: unknown op ${parts[0]}`);
    const inputs = parts.slice(1, 1 + op.nin).map((h) => (op.inw === 64 ? BigInt("0x" + h) : parseInt(h, 16)));
    const results = parts.slice(1 + op.nin).map((rf) => {
      const [r, f] = rf.split(":");
      return { r: op.outw === 64 ? BigInt("0x" + r) : parseInt(r, 16), f: parseInt(f, 16) };
    });
    if (results.length !== (op.rounded ? 5 : 1)) throw new Error(`vector line ${lineNo}: wrong result count`);
    let list = byOp.get(parts[0]);
    if (!list) byOp.set(parts[0], (list = []));
    list.push({ inputs, results, line: lineNo });
  }
}

test("vector file covers every operation", () => {
  let total = 0;
  for (const name of Object.keys(OPS)) {
    const list = byOp.get(name) ?? [];
    const n = list.reduce((s, v) => s + v.results.length, 0);
    assert.ok(n >= 800, `${name}: only ${n} vectors`);
    total += n;
  }
  assert.ok(total >= 300000, `only ${total} vectors in total`);
});

// f64 add/sub/mul/div/sqrt/mulAdd and the f64 -> integer conversions have a
// hardware-assisted fast path in front of the integer implementation; the
// latter is exported as <name>Soft and must pass the same vectors.
const SOFT_VARIANTS = ["f64_add", "f64_sub", "f64_mul", "f64_div", "f64_sqrt", "f64_mulAdd"];
const SOFT_CONVERSIONS = ["f64_to_i32", "f64_to_u32", "f64_to_i64", "f64_to_u64"];
const vectorTests: [string, string][] = Object.keys(OPS).map((n) => [n, n]);
for (const n of [...SOFT_VARIANTS, ...SOFT_CONVERSIONS]) vectorTests.push([`${n}Soft`, n]);

for (const [fname, name] of vectorTests) {
  const op = OPS[name];
  test(`vectors: ${fname}`, () => {
    const f = fn(fname);
    const list = byOp.get(name) ?? [];
    assert.ok(list.length > 0, `no vectors for ${name}`);
    const bad: string[] = [];
    let count = 0;
    for (const v of list) {
      for (let rm = 0; rm < v.results.length; rm++) {
        count++;
        const args: Arg[] = op.rounded ? [...v.inputs, rm] : v.inputs;
        clearFlags();
        const got = normalize(f(...args), op.outw);
        const flags = getFlags();
        const exp = v.results[rm];
        if (got !== exp.r || flags !== exp.f) {
          if (bad.length < 12) {
            bad.push(
              `${fname}(${v.inputs.map((x) => hex(x, op.inw)).join(", ")})` +
                (op.rounded ? ` rm=${RM_NAMES[rm]}` : "") +
                `: expected ${hex(exp.r, op.outw)} flags ${flagNames(exp.f)},` +
                ` got ${hex(got, op.outw)} flags ${flagNames(flags)} (vector line ${v.line})`,
            );
          } else if (bad.length === 12) bad.push("...");
        }
      }
    }
    assert.equal(bad.length, 0, `${fname}: mismatches among ${count} vectors:\n  ${bad.join("\n  ")}`);
  });
}

// ------------------------------------------------------------- flags global

test("flags accumulate across operations until cleared", () => {
  const f64_div = fn("f64_div");
  const f64_add = fn("f64_add");
  clearFlags();
  f64_div(0x3ff0000000000000n, 0n, 0); // 1/0: DZ
  f64_add(0x3ff0000000000000n, 0x3ca0000000000000n, 0); // 1 + 2^-53: NX
  assert.equal(getFlags(), 8 | 1);
  f64_add(0x7ff0000000000001n, 0n, 0); // sNaN: NV
  assert.equal(getFlags(), 16 | 8 | 1);
  clearFlags();
  assert.equal(getFlags(), 0);
  f64_add(0x3ff0000000000000n, 0x3ff0000000000000n, 0); // exact
  assert.equal(getFlags(), 0);
});

// ------------------------------------------------------------- RNE vs JS

// Seeded xorshift128+ over two 32-bit halves (deterministic across runs).
let s0 = 0x9e3779b9 | 0, s1 = 0x243f6a88 | 0, s2 = 0xb7e15162 | 0, s3 = 0x7f4a7c15 | 0;
function rand32(): number {
  const t = s0 ^ (s0 << 11);
  s0 = s1; s1 = s2; s2 = s3;
  s3 = (s3 ^ (s3 >>> 19) ^ (t ^ (t >>> 8))) | 0;
  return s3 >>> 0;
}

const buf = new DataView(new ArrayBuffer(8));
function bitsToF64(b: bigint): number { buf.setBigUint64(0, b); return buf.getFloat64(0); }
function f64ToBits(x: number): bigint { buf.setFloat64(0, x); return buf.getBigUint64(0); }
function bitsToF32(b: number): number { buf.setUint32(0, b); return buf.getFloat32(0); }
function f32ToBits(x: number): number { buf.setFloat32(0, x); return buf.getUint32(0); }

// Random binary64: raw bits, or a structured value with an exponent near 1.
function randF64(): bigint {
  const hi = rand32(), lo = rand32();
  switch (rand32() % 4) {
    case 0: return (BigInt(hi) << 32n) | BigInt(lo);
    case 1: { // few significant bits
      const keep = rand32() % 53;
      const frac = ((BigInt(hi & 0xfffff) << 32n) | BigInt(lo)) & ~((1n << BigInt(52 - keep)) - 1n);
      return (BigInt(rand32() & 1) << 63n) | (BigInt(1023 - 60 + (rand32() % 121)) << 52n) | frac;
    }
    default:
      return (BigInt(rand32() & 1) << 63n) | (BigInt(1023 - 60 + (rand32() % 121)) << 52n) |
        ((BigInt(hi & 0xfffff) << 32n) | BigInt(lo));
  }
}
function randF32(): number {
  const r = rand32();
  switch (rand32() % 4) {
    case 0: return r;
    case 1: return ((rand32() & 1) << 31 | (127 - 30 + (rand32() % 61)) << 23 | (r & 0x7fffff & ~((1 << (rand32() % 24)) - 1))) >>> 0;
    default: return ((rand32() & 1) << 31 | (127 - 30 + (rand32() % 61)) << 23 | (r & 0x7fffff)) >>> 0;
  }
}

const CANON64 = 0x7ff8000000000000n;
const CANON32 = 0x7fc00000;
const N_RANDOM = 100000;

const jsOps64: [string, (x: number, y: number) => number][] = [
  ["f64_add", (x, y) => x + y],
  ["f64_sub", (x, y) => x - y],
  ["f64_mul", (x, y) => x * y],
  ["f64_div", (x, y) => x / y],
  ["f64_sqrt", (x) => Math.sqrt(x)],
];
for (const [name, jsOp] of jsOps64) {
  test(`random RNE ${name} matches JavaScript arithmetic`, () => {
    const f = fn(name);
    const unary = name.endsWith("sqrt");
    const bad: string[] = [];
    for (let i = 0; i < N_RANDOM; i++) {
      const a = randF64();
      const b = randF64();
      const x = bitsToF64(a), y = bitsToF64(b);
      let want = f64ToBits(jsOp(x, y));
      if (Number.isNaN(bitsToF64(want))) want = CANON64;
      const got = BigInt.asUintN(64, (unary ? f(a, 0) : f(a, b, 0)) as bigint);
      if (got !== want && bad.length < 10) {
        bad.push(`${name}(${hex(a, 64)}${unary ? "" : ", " + hex(b, 64)}): expected ${hex(want, 64)}, got ${hex(got, 64)}`);
      }
    }
    assert.equal(bad.length, 0, bad.join("\n"));
  });
}

// binary32: the binary64 result of +, -, *, / or sqrt on binary32 operands
// rounded once more to binary32 (Math.fround) is correctly rounded.
const jsOps32: [string, (x: number, y: number) => number][] = [
  ["f32_add", (x, y) => x + y],
  ["f32_sub", (x, y) => x - y],
  ["f32_mul", (x, y) => x * y],
  ["f32_div", (x, y) => x / y],
  ["f32_sqrt", (x) => Math.sqrt(x)],
];
for (const [name, jsOp] of jsOps32) {
  test(`random RNE ${name} matches JavaScript arithmetic`, () => {
    const f = fn(name);
    const unary = name.endsWith("sqrt");
    const bad: string[] = [];
    for (let i = 0; i < N_RANDOM; i++) {
      const a = randF32();
      const b = randF32();
      let want = f32ToBits(Math.fround(jsOp(bitsToF32(a), bitsToF32(b))));
      if (Number.isNaN(bitsToF32(want))) want = CANON32;
      const got = ((unary ? f(a, 0) : f(a, b, 0)) as number) >>> 0;
      if (got !== want && bad.length < 10) {
        bad.push(`${name}(${hex(a, 32)}${unary ? "" : ", " + hex(b, 32)}): expected ${hex(want, 32)}, got ${hex(got, 32)}`);
      }
    }
    assert.equal(bad.length, 0, bad.join("\n"));
  });
}

// ------------------------------------------------------------- fast vs soft

// Operands biased toward the exponent limits of the fast paths (fields 1, 54,
// 56, 2018, 2045, ...) and toward related exponents, in every rounding mode:
// the fast path must agree with the integer path bit for bit, flags included.
const EDGE_EXPS = [0, 1, 2, 53, 54, 55, 56, 57, 500, 969, 970, 1023, 1500, 2017, 2018, 2019, 2044, 2045, 2046, 2047];
function randExpField(): number {
  const r = rand32() % 4;
  if (r === 0) return rand32() % 2048;
  if (r === 1) return EDGE_EXPS[rand32() % EDGE_EXPS.length];
  return 1023 - 8 + (rand32() % 17);
}
function randFrac(): bigint {
  const f = (BigInt(rand32() & 0xfffff) << 32n) | BigInt(rand32());
  switch (rand32() % 4) {
    case 0: return f & ~((1n << BigInt(rand32() % 53)) - 1n); // few bits
    case 1: return f | ((1n << BigInt(rand32() % 53)) - 1n); // trailing ones
    case 2: return rand32() % 2 ? 0n : 0xfffffffffffffn;
    default: return f;
  }
}
function mk(sign: number, e: number, frac: bigint): bigint {
  return (BigInt(sign & 1) << 63n) | (BigInt(e & 0x7ff) << 52n) | frac;
}
function expField(x: bigint): number { return Number((x >> 52n) & 0x7ffn); }

const N_FAST = 30000;
for (const name of SOFT_VARIANTS) {
  test(`fast path agrees with integer path: ${name}`, () => {
    const fast = fn(name), soft = fn(`${name}Soft`);
    const unary = name === "f64_sqrt";
    const ternary = name === "f64_mulAdd";
    const bad: string[] = [];
    for (let i = 0; i < N_FAST; i++) {
      const a = mk(unary ? (rand32() % 8 === 0 ? 1 : 0) : rand32(), randExpField(), randFrac());
      let b = mk(rand32(), randExpField(), randFrac());
      const rel = rand32() % 3;
      if (rel === 1) { // product / quotient lands near an exponent limit
        const target = EDGE_EXPS[rand32() % EDGE_EXPS.length] + (rand32() % 5) - 2;
        const eb = name === "f64_div" ? expField(a) - target + 1023 : target - expField(a) + 1023;
        if (eb >= 0 && eb <= 2047) b = mk(rand32(), eb, randFrac());
      } else if (rel === 2) { // close exponents for sums
        const eb = expField(a) + (rand32() % 7) - 3;
        if (eb >= 0 && eb <= 2047) b = mk(rand32(), eb, randFrac());
      }
      let c = 0n;
      if (ternary) {
        // Addend near -(a*b) (cancellation), or at a random related scale.
        const p = bitsToF64(a) * bitsToF64(b);
        const k = rand32() % 4;
        if (k === 0 || !Number.isFinite(p)) c = mk(rand32(), randExpField(), randFrac());
        else if (k === 1) c = f64ToBits(-p) ^ BigInt(rand32() % 16);
        else if (k === 2) c = f64ToBits(-p) + BigInt((rand32() % 9) - 4);
        else {
          const ec = expField(f64ToBits(p)) + (rand32() % 121) - 60;
          c = mk(rand32(), Math.max(0, Math.min(2047, ec)), randFrac());
        }
        c = BigInt.asUintN(64, c);
      }
      const args: Arg[] = unary ? [a] : ternary ? [a, b, c] : [a, b];
      for (let rm = 0; rm < 5; rm++) {
        clearFlags();
        const r1 = BigInt.asUintN(64, fast(...args, rm) as bigint);
        const f1 = getFlags();
        clearFlags();
        const r2 = BigInt.asUintN(64, soft(...args, rm) as bigint);
        const f2 = getFlags();
        if ((r1 !== r2 || f1 !== f2) && bad.length < 10) {
          bad.push(`${name}(${args.map((x) => hex(x, 64)).join(", ")}) rm=${RM_NAMES[rm]}: ` +
            `fast ${hex(r1, 64)} ${flagNames(f1)}, soft ${hex(r2, 64)} ${flagNames(f2)}`);
        }
      }
    }
    assert.equal(bad.length, 0, bad.join("\n"));
  });
}

// Conversions: values around every integer boundary and half-integer.
for (const name of SOFT_CONVERSIONS) {
  test(`fast path agrees with integer path: ${name}`, () => {
    const fast = fn(name), soft = fn(`${name}Soft`);
    const outw = name.endsWith("64") ? 64 : 32;
    const bases = [0, 0.5, 1, 2 ** 31, 2 ** 32, 2 ** 52, 2 ** 53, 2 ** 63, 2 ** 64];
    const bad: string[] = [];
    for (let i = 0; i < N_FAST; i++) {
      let a: bigint;
      if (rand32() % 3 === 0) {
        a = mk(rand32(), randExpField(), randFrac());
      } else {
        const base = bases[rand32() % bases.length] * (rand32() % 2 ? -1 : 1);
        const x = base + ((rand32() % 17) - 8) * (rand32() % 2 ? 0.25 : 0.5);
        a = BigInt.asUintN(64, f64ToBits(x) + BigInt((rand32() % 5) - 2));
      }
      for (let rm = 0; rm < 5; rm++) {
        clearFlags();
        const r1 = normalize(fast(a, rm), outw);
        const f1 = getFlags();
        clearFlags();
        const r2 = normalize(soft(a, rm), outw);
        const f2 = getFlags();
        if ((r1 !== r2 || f1 !== f2) && bad.length < 10) {
          bad.push(`${name}(${hex(a, 64)}) rm=${RM_NAMES[rm]}: fast ${hex(r1, outw)} ${flagNames(f1)}, ` +
            `soft ${hex(r2, outw)} ${flagNames(f2)}`);
        }
      }
    }
    assert.equal(bad.length, 0, bad.join("\n"));
  });
}
