// A small WebAssembly binary writer for the JIT (WebAssembly core spec 2.0,
// chapter 5 "Binary Format", plus the tail-call and threads proposals):
// LEB128 numbers, the opcodes the translator emits, and a module assembler.
// Nothing here knows RISC-V; translate.ts drives it.

// Opcodes (spec 5.4). Names follow the text format.
export const Op = {
  unreachable: 0x00, block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b,
  br: 0x0c, br_if: 0x0d, br_table: 0x0e, return: 0x0f, call: 0x10, return_call: 0x12,
  return_call_indirect: 0x13,
  drop: 0x1a, select: 0x1b,
  local_get: 0x20, local_set: 0x21, local_tee: 0x22,
  i32_load: 0x28, i64_load: 0x29,
  i64_load8_s: 0x30, i64_load8_u: 0x31, i64_load16_s: 0x32, i64_load16_u: 0x33,
  i64_load32_s: 0x34, i64_load32_u: 0x35,
  i32_load16_u: 0x2f,
  i32_store: 0x36, i64_store: 0x37, i64_store8: 0x3c, i64_store16: 0x3d, i64_store32: 0x3e,
  i32_const: 0x41, i64_const: 0x42,
  i32_eqz: 0x45, i32_eq: 0x46, i32_ne: 0x47, i32_lt_s: 0x48, i32_lt_u: 0x49, i32_ge_s: 0x4e, i32_ge_u: 0x4f,
  i64_eqz: 0x50, i64_eq: 0x51, i64_ne: 0x52, i64_lt_s: 0x53, i64_lt_u: 0x54, i64_ge_s: 0x59, i64_ge_u: 0x5a,
  i32_add: 0x6a, i32_sub: 0x6b, i32_mul: 0x6c, i32_div_s: 0x6d, i32_div_u: 0x6e, i32_rem_s: 0x6f,
  i32_rem_u: 0x70, i32_and: 0x71, i32_or: 0x72, i32_xor: 0x73, i32_shl: 0x74, i32_shr_s: 0x75, i32_shr_u: 0x76,
  i64_add: 0x7c, i64_sub: 0x7d, i64_mul: 0x7e, i64_div_s: 0x7f, i64_div_u: 0x80, i64_rem_s: 0x81,
  i64_rem_u: 0x82, i64_and: 0x83, i64_or: 0x84, i64_xor: 0x85, i64_shl: 0x86, i64_shr_s: 0x87, i64_shr_u: 0x88,
  i32_wrap_i64: 0xa7, i64_extend_i32_s: 0xac, i64_extend_i32_u: 0xad,
  i64_extend8_s: 0xc2, i64_extend16_s: 0xc3, i64_extend32_s: 0xc4,
} as const;

// The threads proposal's atomics (prefix 0xfe).
export const AtomicOp = { i32_load: 0x10, i32_rmw_add: 0x1e } as const;

export const I32 = 0x7f;
export const I64 = 0x7e;
export const VOID = 0x40; // empty block type

export class JitBuildError extends Error {}

// A growable byte buffer with the encodings of spec 5.2.
export class Bytes {
  buf: Uint8Array;
  len = 0;
  constructor(initial = 256) { this.buf = new Uint8Array(initial); }

  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }
  u8(b: number): this {
    if (this.len === this.buf.length) this.grow(1);
    this.buf[this.len++] = b;
    return this;
  }
  // Unsigned LEB128 of a non-negative integer below 2^32.
  u32(v: number): this {
    this.grow(5);
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      this.buf[this.len++] = b;
    } while (v !== 0);
    return this;
  }
  // Signed LEB128 of a 32-bit integer.
  s32(v: number): this {
    this.grow(5);
    v |= 0;
    while (true) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) { this.buf[this.len++] = b; return this; }
      this.buf[this.len++] = b | 0x80;
    }
  }
  // Signed LEB128 of an integer in JavaScript's safe range.
  sNum(v: number): this {
    if (v === (v | 0)) return this.s32(v);
    this.grow(10);
    while (true) {
      const b = ((v % 128) + 128) % 128;
      v = (v - b) / 128;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) { this.buf[this.len++] = b; return this; }
      this.buf[this.len++] = b | 0x80;
    }
  }
  // Signed LEB128 of a 64-bit integer.
  s64(v: bigint): this {
    v = BigInt.asIntN(64, v);
    if (v >= -0x80000000n && v <= 0x7fffffffn) return this.s32(Number(v));
    this.grow(10);
    while (true) {
      const b = Number(v & 0x7fn);
      v >>= 7n;
      if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) { this.buf[this.len++] = b; return this; }
      this.buf[this.len++] = b | 0x80;
    }
  }
  bytes(b: Uint8Array): this {
    this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }
  name(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.u32(b.length).bytes(b);
  }
  view(): Uint8Array { return this.buf.subarray(0, this.len); }
}

// The code section under construction: functions are written one after the
// other into one buffer (no allocation per function). begin() declares the
// locals (i64s, then i32s, after the parameters) and leaves room for the
// body's size, which end() fills in as a padded 5-byte LEB128 (allowed by
// the binary format), so nothing is copied.
export class CodeWriter extends Bytes {
  private sizeAt = -1;
  count = 0; // functions written

  constructor() { super(1 << 16); }

  begin(i64Locals: number, i32Locals: number): this {
    this.sizeAt = this.len;
    this.u32pad(0);
    const runs = (i64Locals > 0 ? 1 : 0) + (i32Locals > 0 ? 1 : 0);
    this.u32(runs);
    if (i64Locals > 0) this.u32(i64Locals).u8(I64);
    if (i32Locals > 0) this.u32(i32Locals).u8(I32);
    return this;
  }
  end(): void {
    this.u8(Op.end);
    const size = this.len - this.sizeAt - 5;
    const save = this.len;
    this.len = this.sizeAt;
    this.u32pad(size);
    this.len = save;
    this.count++;
  }
  private u32pad(v: number): void {
    this.u8((v & 0x7f) | 0x80).u8(((v >>> 7) & 0x7f) | 0x80).u8(((v >>> 14) & 0x7f) | 0x80)
      .u8(((v >>> 21) & 0x7f) | 0x80).u8((v >>> 28) & 0x0f);
  }

  op(o: number): this { return this.u8(o); }
  get(l: number): this { return this.u8(Op.local_get).u32(l); }
  set(l: number): this { return this.u8(Op.local_set).u32(l); }
  tee(l: number): this { return this.u8(Op.local_tee).u32(l); }
  i32(v: number): this { return this.u8(Op.i32_const).s32(v); }
  i64(v: bigint): this { return this.u8(Op.i64_const).s64(v); }
  // An i64 constant given as a safe JavaScript integer.
  i64n(v: number): this { return this.u8(Op.i64_const).sNum(v); }
  // A memory access: opcode, alignment (log2 bytes), constant offset.
  mem(o: number, alignLog2: number, offset: number): this { return this.u8(o).u32(alignLog2).u32(offset); }
  atomic(o: number, alignLog2: number, offset: number): this { return this.u8(0xfe).u32(o).u32(alignLog2).u32(offset); }
}

export interface FuncType { params: number[]; results: number[] }
export interface ImportFunc { module: string; name: string; type: number }

// Assemble a module: types, function imports, the memory import (shared,
// limits given), the functions (their types, and the code section's
// contents from a CodeWriter), and function exports.
export function assembleModule(m: {
  types: FuncType[];
  imports: ImportFunc[];
  memory: { module: string; name: string; min: number; max: number; shared: boolean };
  table?: { module: string; name: string; min: number };
  funcTypes: number[];
  code: CodeWriter;
  exports: { name: string; func: number }[];
}): Uint8Array {
  const out = new Bytes(m.code.len + 1024);
  out.bytes(Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00));
  const section = (id: number, fill: (b: Bytes) => void) => {
    const b = new Bytes();
    fill(b);
    out.u8(id).u32(b.len).bytes(b.view());
  };
  section(1, (b) => {
    b.u32(m.types.length);
    for (const t of m.types) {
      b.u8(0x60).u32(t.params.length);
      for (const p of t.params) b.u8(p);
      b.u32(t.results.length);
      for (const r of t.results) b.u8(r);
    }
  });
  section(2, (b) => {
    b.u32(m.imports.length + 1 + (m.table ? 1 : 0));
    for (const i of m.imports) b.name(i.module).name(i.name).u8(0x00).u32(i.type);
    b.name(m.memory.module).name(m.memory.name).u8(0x02).u8(m.memory.shared ? 0x03 : 0x01).u32(m.memory.min).u32(m.memory.max);
    if (m.table) b.name(m.table.module).name(m.table.name).u8(0x01).u8(0x70).u8(0x00).u32(m.table.min);
  });
  section(3, (b) => {
    b.u32(m.funcTypes.length);
    for (const t of m.funcTypes) b.u32(t);
  });
  section(7, (b) => {
    b.u32(m.exports.length);
    for (const e of m.exports) b.name(e.name).u8(0x00).u32(e.func);
  });
  if (m.code.count !== m.funcTypes.length) throw new JitBuildError(`${m.code.count} bodies for ${m.funcTypes.length} functions`);
  const countLen = new Bytes(8).u32(m.code.count);
  out.u8(10).u32(countLen.len + m.code.len).bytes(countLen.view()).bytes(m.code.view());
  return out.view().slice();
}
