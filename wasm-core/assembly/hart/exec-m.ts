// M extension helpers (unprivileged spec, "M" chapter). WebAssembly has no
// 64x64 -> 128 multiply, and its division traps on zero and on MIN / -1,
// where RISC-V defines results (table "Semantics for division by zero and
// division overflow").

// High 64 bits of the unsigned 128-bit product, from four 32x32 products.
export function mulhu(a: u64, b: u64): u64 {
  const a0 = a & 0xffffffff, a1 = a >> 32;
  const b0 = b & 0xffffffff, b1 = b >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
  return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

// Signed x signed: subtract the other operand for each negative one.
export function mulh(a: u64, b: u64): u64 {
  let h = mulhu(a, b);
  if (<i64>a < 0) h -= b;
  if (<i64>b < 0) h -= a;
  return h;
}

// Signed rs1 x unsigned rs2.
export function mulhsu(a: u64, b: u64): u64 {
  let h = mulhu(a, b);
  if (<i64>a < 0) h -= b;
  return h;
}

@inline export function div(a: u64, b: u64): u64 {
  if (b == 0) return <u64>-1;
  if (a == 0x8000000000000000 && b == <u64>-1) return a;
  return <u64>(<i64>a / <i64>b);
}
@inline export function divu(a: u64, b: u64): u64 {
  return b == 0 ? <u64>-1 : a / b;
}
@inline export function rem(a: u64, b: u64): u64 {
  if (b == 0) return a;
  if (a == 0x8000000000000000 && b == <u64>-1) return 0;
  return <u64>(<i64>a % <i64>b);
}
@inline export function remu(a: u64, b: u64): u64 {
  return b == 0 ? a : a % b;
}

// The W forms work on the low 32 bits and sign-extend the 32-bit result.
@inline function sx(v: i32): u64 { return <u64><i64>v; }
@inline export function divw(a: u64, b: u64): u64 {
  const x = <i32>a, y = <i32>b;
  if (y == 0) return <u64>-1;
  if (x == i32.MIN_VALUE && y == -1) return sx(x);
  return sx(x / y);
}
@inline export function divuw(a: u64, b: u64): u64 {
  const x = <u32>a, y = <u32>b;
  return y == 0 ? <u64>-1 : sx(<i32>(x / y));
}
@inline export function remw(a: u64, b: u64): u64 {
  const x = <i32>a, y = <i32>b;
  if (y == 0) return sx(x);
  if (x == i32.MIN_VALUE && y == -1) return 0;
  return sx(x % y);
}
@inline export function remuw(a: u64, b: u64): u64 {
  const x = <u32>a, y = <u32>b;
  return y == 0 ? sx(<i32>x) : sx(<i32>(x % y));
}
