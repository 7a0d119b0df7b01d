// IEEE-754 binary32 / binary64 arithmetic exactly as the RISC-V F and D
// extensions define it: five rounding modes, accrued exception flags,
// canonical NaNs, tininess detected after rounding, and a fused multiply-add
// with a single rounding. WebAssembly's own float ops give none of that
// (round-to-nearest-even only, no flags, NaN payloads propagate), so:
//
//  * binary64 add/sub/mul/div/sqrt/fma have an integer implementation in the
//    style of Berkeley SoftFloat (addF64, mulF64, divF64, sqrtF64,
//    mulAddF64): unpack, compute with round/sticky bits (128-bit
//    intermediates for products), then roundPackF64. Division and square
//    root take a first quotient / root from the (correctly rounded) hardware
//    op on the significands and fix it up with an exact integer remainder.
//
//  * In front of those, each binary64 op (and float -> integer conversion)
//    has a fast path that uses the hardware's round-to-nearest result plus
//    an exactly computed error term (2Sum, Dekker's TwoProduct) to decide
//    exactness and the directed-mode results. It only accepts operands and
//    results within exponent limits under which those error terms are
//    provably exact and no underflow/overflow subtlety can arise (argued at
//    each function); everything else falls through to the integer code.
//    The integer versions are exported as f64_*Soft for the unit tests.
//
//  * binary32 add/sub/mul/div/sqrt/fma are done in hardware binary64 and then
//    rounded to binary32 by roundF64ToF32 (our own rounding, any mode, with
//    flags). Why that is exact is argued at each function; in short the
//    binary64 value either is the exact result, or it lies so close to it
//    that no binary32 number or rounding boundary separates the two, or we
//    make it so with round-to-odd using the exact 2Sum error.
//
// Values are raw bit patterns (u32 / u64). Rounding modes use the RISC-V
// encoding (0 RNE, 1 RTZ, 2 RDN, 3 RUP, 4 RMM); the caller resolves the
// dynamic mode. Every operation ORs its exceptions into sfFlags, in fflags bit
// order; the caller clears and reads it. Nothing here allocates.

export let sfFlags: u32 = 0;

export const SF_NX: u32 = 1;
export const SF_UF: u32 = 2;
export const SF_OF: u32 = 4;
export const SF_DZ: u32 = 8;
export const SF_NV: u32 = 16;

export const RM_RNE: u32 = 0;
export const RM_RTZ: u32 = 1;
export const RM_RDN: u32 = 2;
export const RM_RUP: u32 = 3;
export const RM_RMM: u32 = 4;

export const F32_CANONICAL_NAN: u32 = 0x7FC00000;
export const F64_CANONICAL_NAN: u64 = 0x7FF8000000000000;

const F32_INF: u32 = 0x7F800000;
const F32_ABS: u32 = 0x7FFFFFFF;
const F64_SIGN: u64 = 0x8000000000000000;
const F64_ABS: u64 = 0x7FFFFFFFFFFFFFFF;
const F64_INF: u64 = 0x7FF0000000000000;
const F64_FRAC: u64 = 0x000FFFFFFFFFFFFF;
const F64_IMPL: u64 = 0x0010000000000000;

// Second results of small helpers (no tuples without allocation).
let mulHi: u64 = 0;
let normExp: i32 = 0;

// ---------------------------------------------------------------- helpers

@inline function isNaN32(a: u32): bool {
  return (a & F32_ABS) > F32_INF;
}
@inline function isSNaN32(a: u32): bool {
  return (a & 0x7FC00000) == 0x7F800000 && (a & 0x003FFFFF) != 0;
}
@inline function isNaN64(a: u64): bool {
  return (a & F64_ABS) > F64_INF;
}
@inline function isSNaN64(a: u64): bool {
  return (a & 0x7FF8000000000000) == 0x7FF0000000000000 && (a & 0x0007FFFFFFFFFFFF) != 0;
}

// a >> dist, with any bits shifted out ORed into bit 0 ("sticky"). dist >= 0.
@inline function shiftRightJam64(a: u64, dist: u32): u64 {
  if (dist == 0) return a;
  return dist < 63 ? (a >> dist) | <u64>((a << (64 - dist)) != 0) : <u64>(a != 0);
}

// Full 64x64 -> 128-bit product; returns the low half, high half in mulHi.
@inline function mul64To128(a: u64, b: u64): u64 {
  const aL = a & 0xFFFFFFFF, aH = a >> 32;
  const bL = b & 0xFFFFFFFF, bH = b >> 32;
  const ll = aL * bL, lh = aL * bH, hl = aH * bL, hh = aH * bH;
  const mid = (ll >> 32) + (lh & 0xFFFFFFFF) + (hl & 0xFFFFFFFF);
  mulHi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
  return (mid << 32) | (ll & 0xFFFFFFFF);
}

// Normalizes a binary64 subnormal fraction (nonzero) so that bit 52 is set;
// returns it and leaves the matching biased exponent (<= 0) in normExp.
@inline function normSubnormalF64(frac: u64): u64 {
  const sh = <i32>clz(frac) - 11;
  normExp = 1 - sh;
  return frac << sh;
}

// Whether to add one unit to a truncated magnitude: rem is the discarded
// part, half the weight of the first discarded bit, lsb the kept low bit.
@inline function roundUp(rm: u32, neg: bool, rem: u64, half: u64, lsb: u64): bool {
  if (rm == RM_RNE) return rem > half || (rem == half && lsb != 0);
  if (rm == RM_RMM) return rem >= half;
  if (rm == RM_RUP) return !neg && rem != 0;
  if (rm == RM_RDN) return neg && rem != 0;
  return false; // RTZ
}

// Rounds and packs a binary64. sig has its leading one at bit 62 (or is
// smaller for results that are already subnormal) and 10 bits below the
// 53-bit significand, bit 0 sticky. exp is the biased exponent minus one, so
// the value is sig * 2^(exp - 1084). Raises NX/UF/OF as RISC-V requires
// (tininess after rounding, underflow only when inexact).
function roundPackF64(sign: u64, exp: i32, sig: u64, rm: u32): u64 {
  let inc: u64 = 0x200;
  if (rm != RM_RNE && rm != RM_RMM) {
    inc = rm == (sign != 0 ? RM_RDN : RM_RUP) ? 0x3FF : 0;
  }
  let rbits = sig & 0x3FF;
  if (<u32>exp >= 0x7FD) {
    if (exp < 0) {
      // Tiny unless rounding at full precision (unbounded exponent) carries
      // the value up to the smallest normal.
      const tiny = exp < -1 || sig + inc < 0x8000000000000000;
      sig = shiftRightJam64(sig, <u32>(-exp));
      exp = 0;
      rbits = sig & 0x3FF;
      if (tiny && rbits != 0) sfFlags |= SF_UF;
    } else if (exp > 0x7FD || sig + inc >= 0x8000000000000000) {
      sfFlags |= SF_OF | SF_NX;
      // Infinity, or the largest finite number when rounding toward zero.
      return ((sign << 63) | F64_INF) - <u64>(inc == 0);
    }
  }
  sig = (sig + inc) >> 10;
  if (rbits != 0) sfFlags |= SF_NX;
  if (rbits == 0x200 && rm == RM_RNE) sig &= ~(<u64>1);
  if (sig == 0) exp = 0;
  return (sign << 63) + (<u64>exp << 52) + sig;
}

// Rounds a binary64 (finite or infinite, not NaN) to binary32 under rm, with
// RISC-V flags. Used by every binary32 arithmetic op and by fcvt.s.d.
@inline function roundF64ToF32(x: u64, rm: u32): u32 {
  const sign = <u32>(x >> 32) & 0x80000000;
  const e32 = (<i32>(x >> 52) & 0x7FF) - 896; // binary32 biased exponent
  if (<u32>(e32 - 1) < 254) {
    const base = sign | (<u32>e32 << 23) | (<u32>(x >> 29) & 0x7FFFFF);
    const rb = <u32>x & 0x1FFFFFFF;
    if (rb == 0) return base;
    sfFlags |= SF_NX;
    let inc: u32 = 0;
    if (rm == RM_RNE) inc = (rb + 0x0FFFFFFF + (base & 1)) >> 29;
    else if (rm == RM_RMM) inc = (rb + 0x10000000) >> 29;
    else if (rm == RM_RUP) inc = sign == 0 ? 1 : 0;
    else if (rm == RM_RDN) inc = sign >> 31;
    const r = base + inc;
    if ((r & F32_INF) == F32_INF) sfFlags |= SF_OF;
    return r;
  }
  return roundF64ToF32Slow(x, rm);
}

function roundF64ToF32Slow(x: u64, rm: u32): u32 {
  const sign = <u32>(x >> 32) & 0x80000000;
  const neg = sign != 0;
  const e = <i32>(x >> 52) & 0x7FF;
  const m = x & F64_FRAC;
  if (e == 0x7FF) return sign | F32_INF;
  const e32 = e - 896;
  if (e32 >= 255) {
    sfFlags |= SF_OF | SF_NX;
    const toInf = rm == RM_RNE || rm == RM_RMM || (rm == RM_RUP && !neg) || (rm == RM_RDN && neg);
    return sign | (toInf ? F32_INF : 0x7F7FFFFF);
  }
  if (e == 0 && m == 0) return sign;
  // |x| < 2^-126: the result is subnormal (or rounds up to the minimum normal).
  const sig = e != 0 ? (m | F64_IMPL) : m;
  const sh = <u32>(30 - ((e != 0 ? e : 1) - 896)); // >= 30
  let q: u64 = 0, rem: u64 = 1, half: u64 = 2;
  if (sh < 64) {
    q = sig >> sh;
    rem = sig & ((<u64>1 << sh) - 1);
    half = <u64>1 << (sh - 1);
  }
  if (rem == 0) return sign | <u32>q;
  sfFlags |= SF_NX;
  const inc = roundUp(rm, neg, rem, half, q & 1);
  // Tininess after rounding: not tiny only if rounding to 24 bits with an
  // unbounded exponent reaches 2^-126.
  let tiny = true;
  if (e32 == 0 && (sig >> 29) == 0xFFFFFF) {
    if (roundUp(rm, neg, sig & 0x1FFFFFFF, 0x10000000, 1)) tiny = false;
  }
  if (tiny) sfFlags |= SF_UF;
  return sign | <u32>(q + <u64>inc);
}

// Round-to-odd onto binary64: given s = RN(x) and the exact err = x - s,
// returns the bits of s if x == s or s's last bit is already 1, otherwise of
// the binary64 neighbour of s on x's side (whose last bit is 1). The result
// has a 53-bit odd significand whenever x is not a binary64, so it is not a
// binary32 value nor a binary32 rounding boundary, and no such point lies
// between it and x: rounding it to binary32 equals rounding x, in every mode,
// with the same flags. s must be finite and nonzero when err != 0.
@inline function roundToOddBits(s: f64, err: f64): u64 {
  let bits = reinterpret<u64>(s);
  if (err != 0 && (bits & 1) == 0) {
    if ((err > 0) == (s > 0)) bits += 1;
    else bits -= 1;
  }
  return bits;
}

// ------------------------------------------------------ NaN result helpers

function nanResult32x2(a: u32, b: u32): u32 {
  // A NaN came out of a + b, a * b, ...: either an input was NaN (invalid
  // only if signaling) or the operation was invalid.
  if (isSNaN32(a) || isSNaN32(b) || (!isNaN32(a) && !isNaN32(b))) sfFlags |= SF_NV;
  return F32_CANONICAL_NAN;
}

function nanResult64x2(a: u64, b: u64): u64 {
  if (isSNaN64(a) || isSNaN64(b) || (!isNaN64(a) && !isNaN64(b))) sfFlags |= SF_NV;
  return F64_CANONICAL_NAN;
}

// ================================================================ binary32

// a + b: x + y is computed in binary64 with RN and its exact error by 2Sum
// (exact: binary32 operands cannot overflow binary64), then round-to-odd
// makes the binary64 value round exactly like the true sum.
@inline function addF32(a: u32, b: u32, rm: u32): u32 {
  const x = <f64>reinterpret<f32>(a), y = <f64>reinterpret<f32>(b);
  const s = x + y;
  const bits = reinterpret<u64>(s);
  if ((bits & F64_ABS) >= F64_INF) {
    if (isNaN64(bits)) return nanResult32x2(a, b);
    return <u32>(bits >> 32) & 0x80000000 | F32_INF; // from an infinite input
  }
  if (s == 0) {
    // Exact zero: +0 unless both operands are -0; in RDN -0 unless both +0.
    if (rm == RM_RDN) return (a | b) == 0 ? 0 : 0x80000000;
    return <u32>(bits >> 32);
  }
  // Exponent fields at most 27 apart (28 in effective exponent, counting a
  // subnormal's field 0 as 1): the sum of the two 24-bit significands fits in
  // 53 bits, so s is exact and 2Sum can be skipped.
  if (<u32>(<i32>((a >> 23) & 0xFF) - <i32>((b >> 23) & 0xFF) + 27) <= 54) return roundF64ToF32(bits, rm);
  const bb = s - x;
  const err = (x - (s - bb)) + (y - bb);
  return roundF64ToF32(roundToOddBits(s, err), rm);
}

export function f32_add(a: u32, b: u32, rm: u32): u32 {
  return addF32(a, b, rm);
}

export function f32_sub(a: u32, b: u32, rm: u32): u32 {
  return addF32(a, b ^ 0x80000000, rm);
}

// a * b: the product of two 24-bit significands is exact in binary64 (and
// within its normal range), so one rounding to binary32 is all there is.
export function f32_mul(a: u32, b: u32, rm: u32): u32 {
  const p = <f64>reinterpret<f32>(a) * <f64>reinterpret<f32>(b);
  const bits = reinterpret<u64>(p);
  if (isNaN64(bits)) return nanResult32x2(a, b);
  return roundF64ToF32(bits, rm);
}

// a / b: q = RN64(a/b). If a/b is a binary64, q is exact. Otherwise q is not
// a number with <= 25 significant bits (a/b differs from any such number g by
// more than 2^-50 relative, since a - g*b is a nonzero multiple of a small
// power of two), and no such number lies strictly between q and a/b (it would
// be a binary64 nearer to a/b than q). All binary32 values, midpoints and the
// 2^-126 tininess threshold have <= 25 bits, so q rounds like a/b, flags
// included. The quotient of binary32 numbers is always a binary64 normal.
export function f32_div(a: u32, b: u32, rm: u32): u32 {
  const q = <f64>reinterpret<f32>(a) / <f64>reinterpret<f32>(b);
  const bits = reinterpret<u64>(q);
  if ((bits & F64_ABS) >= F64_INF) {
    if (isNaN64(bits)) return nanResult32x2(a, b);
    // Infinite: a was infinite (exact) or b was zero with a finite nonzero.
    if ((b & F32_ABS) == 0 && (a & F32_ABS) != F32_INF) sfFlags |= SF_DZ;
    return <u32>(bits >> 32) & 0x80000000 | F32_INF;
  }
  return roundF64ToF32(bits, rm);
}

// sqrt(a): same argument as for division (an exact square root of a
// binary32 has at most 13 significant bits, an inexact one is farther than
// 2^-53 relative from every number of <= 25 bits). Never under/overflows.
export function f32_sqrt(a: u32, rm: u32): u32 {
  const q = sqrt<f64>(<f64>reinterpret<f32>(a));
  const bits = reinterpret<u64>(q);
  if (isNaN64(bits)) {
    if (isSNaN32(a) || !isNaN32(a)) sfFlags |= SF_NV;
    return F32_CANONICAL_NAN;
  }
  return roundF64ToF32(bits, rm);
}

// a * b + c with one rounding: a*b is exact in binary64, then the sum as in
// addF32 (2Sum and round-to-odd). The product is at least 2^-298 in magnitude
// when nonzero, so a nonzero exact sum never rounds to a binary64 zero.
export function f32_mulAdd(a: u32, b: u32, c: u32, rm: u32): u32 {
  const p = <f64>reinterpret<f32>(a) * <f64>reinterpret<f32>(b);
  const z = <f64>reinterpret<f32>(c);
  const s = p + z;
  const bits = reinterpret<u64>(s);
  if ((bits & F64_ABS) >= F64_INF) {
    if (isNaN64(bits)) {
      const absA = a & F32_ABS, absB = b & F32_ABS;
      if (isNaN32(a) || isNaN32(b) || isNaN32(c)) {
        // RISC-V: inf * 0 is invalid even when the addend is a quiet NaN.
        if (isSNaN32(a) || isSNaN32(b) || isSNaN32(c) ||
            (absA == F32_INF && absB == 0) || (absA == 0 && absB == F32_INF)) sfFlags |= SF_NV;
      } else {
        sfFlags |= SF_NV; // inf * 0, or inf - inf
      }
      return F32_CANONICAL_NAN;
    }
    return <u32>(bits >> 32) & 0x80000000 | F32_INF;
  }
  const bp = s - p;
  const err = (p - (s - bp)) + (z - bp);
  if (s == 0) {
    if (rm == RM_RDN) return (reinterpret<u64>(p) == 0 && c == 0) ? 0 : 0x80000000;
    return <u32>(bits >> 32);
  }
  return roundF64ToF32(roundToOddBits(s, err), rm);
}

export function f32_eq(a: u32, b: u32): bool {
  if (isNaN32(a) || isNaN32(b)) {
    if (isSNaN32(a) || isSNaN32(b)) sfFlags |= SF_NV;
    return false;
  }
  return reinterpret<f32>(a) == reinterpret<f32>(b);
}

export function f32_lt(a: u32, b: u32): bool {
  if (isNaN32(a) || isNaN32(b)) {
    sfFlags |= SF_NV;
    return false;
  }
  return reinterpret<f32>(a) < reinterpret<f32>(b);
}

export function f32_le(a: u32, b: u32): bool {
  if (isNaN32(a) || isNaN32(b)) {
    sfFlags |= SF_NV;
    return false;
  }
  return reinterpret<f32>(a) <= reinterpret<f32>(b);
}

// minimumNumber / maximumNumber (IEEE 754-2019), -0 < +0.
export function f32_min(a: u32, b: u32): u32 {
  const an = isNaN32(a), bn = isNaN32(b);
  if (an || bn) {
    if (isSNaN32(a) || isSNaN32(b)) sfFlags |= SF_NV;
    if (an && bn) return F32_CANONICAL_NAN;
    return an ? b : a;
  }
  const x = reinterpret<f32>(a), y = reinterpret<f32>(b);
  if (x < y) return a;
  if (y < x) return b;
  return a | b; // equal: same bits, or +0 and -0 -> -0
}

export function f32_max(a: u32, b: u32): u32 {
  const an = isNaN32(a), bn = isNaN32(b);
  if (an || bn) {
    if (isSNaN32(a) || isSNaN32(b)) sfFlags |= SF_NV;
    if (an && bn) return F32_CANONICAL_NAN;
    return an ? b : a;
  }
  const x = reinterpret<f32>(a), y = reinterpret<f32>(b);
  if (x > y) return a;
  if (y > x) return b;
  return a & b; // equal: same bits, or +0 and -0 -> +0
}

export function f32_classify(a: u32): u32 {
  const neg = (a >> 31) != 0;
  const e = (a >> 23) & 0xFF;
  const m = a & 0x7FFFFF;
  if (e == 0xFF) {
    if (m == 0) return neg ? 1 : 1 << 7;
    return (m & 0x400000) != 0 ? 1 << 9 : 1 << 8;
  }
  if (e == 0) {
    if (m == 0) return neg ? 1 << 3 : 1 << 4;
    return neg ? 1 << 2 : 1 << 5;
  }
  return neg ? 1 << 1 : 1 << 6;
}

// binary32 -> binary64 is exact (hardware promotion; only NaNs need care).
@inline function f32BitsToF64Bits(a: u32): u64 {
  return reinterpret<u64>(<f64>reinterpret<f32>(a));
}

export function f32_to_f64(a: u32): u64 {
  if (isNaN32(a)) {
    if (isSNaN32(a)) sfFlags |= SF_NV;
    return F64_CANONICAL_NAN;
  }
  return f32BitsToF64Bits(a);
}

export function f64_to_f32(a: u64, rm: u32): u32 {
  if (isNaN64(a)) {
    if (isSNaN64(a)) sfFlags |= SF_NV;
    return F32_CANONICAL_NAN;
  }
  return roundF64ToF32(a, rm);
}

// ================================================================ binary64

function addSpecialF64(a: u64, b: u64): u64 {
  if (isNaN64(a) || isNaN64(b)) {
    if (isSNaN64(a) || isSNaN64(b)) sfFlags |= SF_NV;
    return F64_CANONICAL_NAN;
  }
  const aInf = (a & F64_ABS) == F64_INF;
  if (aInf && (b & F64_ABS) == F64_INF && ((a ^ b) >> 63) != 0) {
    sfFlags |= SF_NV; // inf - inf
    return F64_CANONICAL_NAN;
  }
  return aInf ? a : b;
}

function addF64(a: u64, b: u64, rm: u32): u64 {
  let absA = a & F64_ABS, absB = b & F64_ABS;
  if (absA >= F64_INF || absB >= F64_INF) return addSpecialF64(a, b);
  if (absA < absB) {
    let t = a; a = b; b = t;
    t = absA; absA = absB; absB = t;
  }
  // Now |a| >= |b|.
  if (absB == 0) {
    if (absA == 0) {
      if (a == b) return a; // same-signed zeros
      return rm == RM_RDN ? F64_SIGN : 0;
    }
    return a;
  }
  let ea = <i32>(absA >> 52), eb = <i32>(absB >> 52);
  let ma = absA & F64_FRAC, mb = absB & F64_FRAC;
  if (ea != 0) ma |= F64_IMPL; else ea = 1;
  if (eb != 0) mb |= F64_IMPL; else eb = 1;
  // value = m * 2^(e - 1075); with 9 extra bits, m << 9 has its leading one
  // at bit 61 and the value is (m << 9) * 2^(e - 1084), roundPack's scale.
  ma <<= 9;
  mb = shiftRightJam64(mb << 9, <u32>(ea - eb));
  let s: u64;
  if (((a ^ b) >> 63) == 0) {
    s = ma + mb;
  } else {
    // With exponents 2+ apart at most one bit cancels, so the sticky bit
    // stays far below the rounding position; closer ones are exact.
    s = ma - mb;
    if (s == 0) return rm == RM_RDN ? F64_SIGN : 0;
  }
  const sh = <i32>clz(s) - 1;
  return roundPackF64(a >> 63, ea - sh, s << sh, rm);
}

// Directed rounding (RTZ, RDN, RUP) from the round-to-nearest result s of an
// exact value X when X lies strictly between s and its neighbour on err's
// side (err has the sign of X - s, err != 0, s finite and nonzero): the
// result is s or that neighbour. Branch-free in the data.
@inline function directedFromNearest(s: f64, err: f64, rm: u32): u64 {
  const bits = reinterpret<u64>(s);
  const sNeg = <u32>(bits >> 63);
  const errPos = <u32>(err > 0);
  let move: u32, up: u32; // step to the neighbour? is that step upward in value?
  if (rm == RM_RUP) { move = errPos; up = 1; }
  else if (rm == RM_RDN) { move = errPos ^ 1; up = 0; }
  else { move = <u32>(errPos == sNeg); up = sNeg; } // RTZ: toward zero
  // Upward in value is +1 on the bits of a positive number, -1 on a negative.
  const r = bits + select<u64>(select<u64>(1, <u64>-1, (up ^ sNeg) != 0), 0, move != 0);
  if ((r & F64_ABS) == F64_INF) sfFlags |= SF_OF; // stepped past the largest finite
  return r;
}

// Fast path: the hardware sum is the RNE result, and 2Sum gives its exact
// error (no intermediate can overflow unless err comes out non-finite, which
// is checked), so exactness and the directed results follow. A nonzero sum
// that is tiny is always exact (all operands are multiples of 2^-1074), so no
// underflow can be missed. Zeros, infinities, NaNs, overflow and RMM with an
// inexact sum take the integer path.
@inline function addF64Fast(a: u64, b: u64, rm: u32): u64 {
  const x = reinterpret<f64>(a), y = reinterpret<f64>(b);
  const s = x + y;
  const bits = reinterpret<u64>(s);
  if ((bits & F64_ABS) - 1 < F64_INF - 1) { // finite, nonzero
    const bb = s - x;
    const err = (x - (s - bb)) + (y - bb);
    if (err == 0) return bits;
    if (err - err == 0 && rm != RM_RMM) {
      sfFlags |= SF_NX;
      if (rm == RM_RNE) return bits;
      return directedFromNearest(s, err, rm);
    }
  }
  return addF64(a, b, rm);
}

export function f64_add(a: u64, b: u64, rm: u32): u64 {
  return addF64Fast(a, b, rm);
}

export function f64_sub(a: u64, b: u64, rm: u32): u64 {
  return addF64Fast(a, b ^ F64_SIGN, rm);
}

// The integer-only versions, exported for the unit tests.
export function f64_addSoft(a: u64, b: u64, rm: u32): u64 {
  return addF64(a, b, rm);
}

export function f64_subSoft(a: u64, b: u64, rm: u32): u64 {
  return addF64(a, b ^ F64_SIGN, rm);
}

// Fast path: p = RN(x*y) from the hardware and its exact error by Dekker's
// TwoProduct (Veltkamp splitting with 2^27 + 1). That is exact when nothing
// overflows and e_x + e_y >= -970; we require biased exponents of x and y
// <= 2018 (so C*x cannot overflow) and of p within [54, 2045] (so
// e_x + e_y >= e_p - 1 >= -970, the partial products stay finite, the result
// is not tiny and a one-ulp step up cannot overflow).
export function f64_mul(a: u64, b: u64, rm: u32): u64 {
  const x = reinterpret<f64>(a), y = reinterpret<f64>(b);
  const p = x * y;
  const bits = reinterpret<u64>(p);
  const ep = <u32>(bits >> 52) & 0x7FF;
  if (ep - 54 <= 2045 - 54 && (<u32>(a >> 52) & 0x7FF) <= 2018 && (<u32>(b >> 52) & 0x7FF) <= 2018) {
    const err = twoProductErr(x, y, p);
    if (err == 0) return bits;
    if (rm != RM_RMM) {
      sfFlags |= SF_NX;
      if (rm == RM_RNE) return bits;
      return directedFromNearest(p, err, rm);
    }
  }
  return mulF64(a, b, rm);
}

export function f64_mulSoft(a: u64, b: u64, rm: u32): u64 {
  return mulF64(a, b, rm);
}

function mulF64(a: u64, b: u64, rm: u32): u64 {
  const sign = (a ^ b) >> 63;
  const absA = a & F64_ABS, absB = b & F64_ABS;
  if (absA >= F64_INF || absB >= F64_INF) {
    if (isNaN64(a) || isNaN64(b)) return nanResult64x2(a, b);
    if (absA == 0 || absB == 0) {
      sfFlags |= SF_NV; // inf * 0
      return F64_CANONICAL_NAN;
    }
    return (sign << 63) | F64_INF;
  }
  if (absA == 0 || absB == 0) return sign << 63;
  let ea = <i32>(absA >> 52), eb = <i32>(absB >> 52);
  let ma = absA & F64_FRAC, mb = absB & F64_FRAC;
  if (ea == 0) { ma = normSubnormalF64(ma); ea = normExp; } else ma |= F64_IMPL;
  if (eb == 0) { mb = normSubnormalF64(mb); eb = normExp; } else mb |= F64_IMPL;
  // (ma << 10) * (mb << 11) is in [2^125, 2^127); its high half carries the
  // significand with the leading one at bit 62 or 61.
  const lo = mul64To128(ma << 10, mb << 11);
  let sig = mulHi | <u64>(lo != 0);
  let exp = ea + eb - 1023;
  if (sig < 0x4000000000000000) {
    exp--;
    sig <<= 1;
  }
  return roundPackF64(sign, exp, sig, rm);
}

// Exact ph + pl = u * v by Dekker's TwoProduct (see f64_mul for when it is
// exact); returns pl, with ph = RN(u * v) passed in.
@inline function twoProductErr(u: f64, v: f64, ph: f64): f64 {
  let t = 134217729.0 * u; // 2^27 + 1
  const uh = t - (t - u), ul = u - uh;
  t = 134217729.0 * v;
  const vh = t - (t - v), vl = v - vh;
  return (((uh * vh - ph) + uh * vl) + ul * vh) + ul * vl;
}

// Fast path: q = RN(x/y) from the hardware. With q*y = ph + pl exact
// (TwoProduct: exponent fields of q and y <= 2018, e_q + e_y >= e_x - 1 >=
// -968), x - ph is exact (Sterbenz: ph is within a few ulps of x) and
// (x - ph) - pl has the sign of the exact remainder x - q*y, zero only when it
// is zero (no underflow at these exponents). x/y - q has that sign times y's.
// q's exponent field in [54, 2018] keeps the result away from underflow and
// overflow.
export function f64_div(a: u64, b: u64, rm: u32): u64 {
  const ex = <u32>(a >> 52) & 0x7FF, ey = <u32>(b >> 52) & 0x7FF;
  if (ex - 56 <= 2018 - 56 && ey - 1 <= 2018 - 1) {
    const x = reinterpret<f64>(a), y = reinterpret<f64>(b);
    const q = x / y;
    const bits = reinterpret<u64>(q);
    const eq = <u32>(bits >> 52) & 0x7FF;
    if (eq - 54 <= 2018 - 54) {
      const pl = twoProductErr(q, y, q * y);
      const r = (x - q * y) - pl;
      if (r == 0) return bits;
      if (rm != RM_RMM) {
        sfFlags |= SF_NX;
        if (rm == RM_RNE) return bits;
        return directedFromNearest(q, y > 0 ? r : -r, rm);
      }
    }
  }
  return divF64(a, b, rm);
}

export function f64_divSoft(a: u64, b: u64, rm: u32): u64 {
  return divF64(a, b, rm);
}

// Division: the hardware quotient of the two significands (both exact as
// f64) is RN(Q); an exact integer remainder corrects it to floor(Q) and gives
// the round and sticky bits.
function divF64(a: u64, b: u64, rm: u32): u64 {
  const sign = (a ^ b) >> 63;
  const absA = a & F64_ABS, absB = b & F64_ABS;
  if (absA >= F64_INF || absB >= F64_INF) {
    if (isNaN64(a) || isNaN64(b)) return nanResult64x2(a, b);
    if (absA == F64_INF) {
      if (absB == F64_INF) {
        sfFlags |= SF_NV; // inf / inf
        return F64_CANONICAL_NAN;
      }
      return (sign << 63) | F64_INF;
    }
    return sign << 63; // finite / inf
  }
  if (absB == 0) {
    if (absA == 0) {
      sfFlags |= SF_NV; // 0 / 0
      return F64_CANONICAL_NAN;
    }
    sfFlags |= SF_DZ;
    return (sign << 63) | F64_INF;
  }
  if (absA == 0) return sign << 63;
  let ea = <i32>(absA >> 52), eb = <i32>(absB >> 52);
  let ma = absA & F64_FRAC, mb = absB & F64_FRAC;
  if (ea == 0) { ma = normSubnormalF64(ma); ea = normExp; } else ma |= F64_IMPL;
  if (eb == 0) { mb = normSubnormalF64(mb); eb = normExp; } else mb |= F64_IMPL;
  let exp = ea - eb + 1022;
  if (ma < mb) {
    ma <<= 1; // still exact as an f64 (54 bits, last one zero)
    exp--;
  }
  // Q = ma / mb in [1, 2); qi = RN(Q * 2^52) in [2^52, 2^53].
  let qi = <u64>(<i64>((<f64><i64>ma / <f64><i64>mb) * 4503599627370496.0));
  // Remainder ma*2^52 - qi*mb: |r| <= mb/2, so wrapping 64-bit math is exact.
  let r = <i64>((ma << 52) - qi * mb);
  if (r < 0) {
    qi--;
    r += <i64>mb;
  }
  // Now Q*2^52 = qi + r/mb with 0 <= r < mb.
  let rb: u64 = 0;
  const r2 = <u64>r << 1;
  if (r2 >= mb) rb = r2 != mb ? 0x201 : 0x200;
  else if (r != 0) rb = 1;
  return roundPackF64(sign, exp, (qi << 10) | rb, rm);
}

// Fast path for positive 2^-967 <= x < 2^1023 (exponent field in [56, 2045],
// so q*q cannot overflow): q = RN(sqrt x),
// q*q = ph + pl exactly (TwoProduct), x - ph exact (Sterbenz), and
// (x - ph) - pl has the sign of x - q^2, i.e. of sqrt(x) - q.
export function f64_sqrt(a: u64, rm: u32): u64 {
  if (a - 0x0380000000000000 < 0x7FE0000000000000 - 0x0380000000000000) {
    const x = reinterpret<f64>(a);
    const q = sqrt<f64>(x);
    const ph = q * q;
    const r = (x - ph) - twoProductErr(q, q, ph);
    const bits = reinterpret<u64>(q);
    if (r == 0) return bits;
    if (rm != RM_RMM) {
      sfFlags |= SF_NX;
      if (rm == RM_RNE) return bits;
      return directedFromNearest(q, r, rm);
    }
  }
  return sqrtF64(a, rm);
}

export function f64_sqrtSoft(a: u64, rm: u32): u64 {
  return sqrtF64(a, rm);
}

// Square root: root from the hardware on the (exact) significand, fixed up
// with the exact integer remainder A - qi^2.
function sqrtF64(a: u64, rm: u32): u64 {
  if (isNaN64(a)) {
    if (isSNaN64(a)) sfFlags |= SF_NV;
    return F64_CANONICAL_NAN;
  }
  if ((a & F64_ABS) == 0) return a; // +-0
  if ((a >> 63) != 0) {
    sfFlags |= SF_NV; // negative, including -inf
    return F64_CANONICAL_NAN;
  }
  if (a == F64_INF) return a;
  let e = <i32>(a >> 52);
  let m = a & F64_FRAC;
  if (e == 0) { m = normSubnormalF64(m); e = normExp; } else m |= F64_IMPL;
  // value = m * 2^(E - 52), E = e - 1023. With A = m << (52 + (E & 1)),
  // sqrt(value) = sqrt(A) * 2^((E >> 1) - 52), and sqrt(A) is in [2^52, 2^53).
  const E = e - 1023;
  const par = <u64>(E & 1);
  let qi = <u64>(<i64>(sqrt<f64>(<f64><i64>(m << par)) * 67108864.0)); // * 2^26
  let r = <i64>((m << (52 + par)) - qi * qi); // |r| <= ~2^53: exact mod 2^64
  if (r < 0) {
    qi--;
    r += <i64>(2 * qi + 1);
  }
  // sqrt(A) in [qi, qi + 1); >= qi + 1/2 iff r > qi (never exactly equal).
  let rb: u64 = 0;
  if (<u64>r > qi) rb = 0x201;
  else if (r != 0) rb = 1;
  return roundPackF64(0, (E >> 1) + 1022, (qi << 10) | rb, rm);
}

// Fast path (all modes): X = x*y + z is carried exactly as a sum of
// doubles: ph + pl = x*y (TwoProduct; exact under the same exponent limits as
// in f64_mul), sh + sl = ph + z, u + ul = sl + pl, v + vl = sh + u (2Sum,
// exact barring overflow, which would make v non-finite), so
// X = v + (vl + ul). With e = RN(vl + ul): e == 0 iff X == v; otherwise e has
// the sign of X - v and, when |e| < thr (thr, a power of two, is half the gap
// from v to its neighbour on e's side), so does |X - v| < thr, because
// |vl + ul - e| <= ulp(e)/2. Then v = RN(X) with no tie (so RMM agrees), X is
// strictly between v and that neighbour (directed modes), and NX is set. v's
// exponent field in [56, 2045] rules out underflow (X >= 2^-967) and leaves
// overflow only to directedFromNearest's step past the largest finite.
// Anything else (zeros, infinities, NaNs, extreme exponents, X within
// rounding noise of a midpoint) goes to the integer implementation.
export function f64_mulAdd(a: u64, b: u64, c: u64, rm: u32): u64 {
  if ((<u32>(a >> 52) & 0x7FF) <= 2018 && (<u32>(b >> 52) & 0x7FF) <= 2018) {
    const x = reinterpret<f64>(a), y = reinterpret<f64>(b), z = reinterpret<f64>(c);
    const ph = x * y;
    if ((<u32>(reinterpret<u64>(ph) >> 52) & 0x7FF) - 54 <= 2045 - 54) {
      const pl = twoProductErr(x, y, ph);
      const sh = ph + z;
      let t = sh - ph;
      const sl = (ph - (sh - t)) + (z - t);
      const u = sl + pl;
      t = u - sl;
      const ul = (sl - (u - t)) + (pl - t);
      const v = sh + u;
      t = v - sh;
      const vl = (sh - (v - t)) + (u - t);
      const e = vl + ul;
      const bits = reinterpret<u64>(v);
      if ((<u32>(bits >> 52) & 0x7FF) - 56 <= 2045 - 56) {
        if (e == 0) return bits;
        // Half an ulp of v (exponent 53 below v's); a quarter when v is a
        // power of two and X is below it in magnitude (smaller gap there).
        let thr = reinterpret<f64>((bits & F64_INF) - (<u64>53 << 52));
        if ((bits & F64_FRAC) == 0 && (e < 0) != (v < 0)) thr *= 0.5;
        if (abs<f64>(e) < thr) {
          sfFlags |= SF_NX;
          if (rm == RM_RNE || rm == RM_RMM) return bits;
          return directedFromNearest(v, e, rm);
        }
      }
    }
  }
  return mulAddF64(a, b, c, rm);
}

export function f64_mulAddSoft(a: u64, b: u64, c: u64, rm: u32): u64 {
  return mulAddF64(a, b, c, rm);
}

function mulAddF64(a: u64, b: u64, c: u64, rm: u32): u64 {
  const absA = a & F64_ABS, absB = b & F64_ABS, absC = c & F64_ABS;
  const signP = (a ^ b) >> 63, signC = c >> 63;
  if (absA >= F64_INF || absB >= F64_INF || absC >= F64_INF) {
    const infTimesZero = (absA == F64_INF && absB == 0) || (absA == 0 && absB == F64_INF);
    if (isNaN64(a) || isNaN64(b) || isNaN64(c)) {
      // RISC-V: inf * 0 is invalid even when the addend is a quiet NaN.
      if (isSNaN64(a) || isSNaN64(b) || isSNaN64(c) || infTimesZero) sfFlags |= SF_NV;
      return F64_CANONICAL_NAN;
    }
    if (infTimesZero) {
      sfFlags |= SF_NV;
      return F64_CANONICAL_NAN;
    }
    if (absA == F64_INF || absB == F64_INF) {
      if (absC == F64_INF && signC != signP) {
        sfFlags |= SF_NV; // inf - inf
        return F64_CANONICAL_NAN;
      }
      return (signP << 63) | F64_INF;
    }
    return c; // finite * finite + inf
  }
  if (absA == 0 || absB == 0) {
    // Exact zero product: the result is c, or a signed zero.
    if (absC == 0) {
      if (signP == signC) return c;
      return rm == RM_RDN ? F64_SIGN : 0;
    }
    return c;
  }
  if (absC == 0) return mulF64(a, b, rm); // nonzero product + 0: just round it

  let ea = <i32>(absA >> 52), eb = <i32>(absB >> 52), ec = <i32>(absC >> 52);
  let ma = absA & F64_FRAC, mb = absB & F64_FRAC, mc = absC & F64_FRAC;
  if (ea == 0) { ma = normSubnormalF64(ma); ea = normExp; } else ma |= F64_IMPL;
  if (eb == 0) { mb = normSubnormalF64(mb); eb = normExp; } else mb |= F64_IMPL;
  if (ec == 0) { mc = normSubnormalF64(mc); ec = normExp; } else mc |= F64_IMPL;

  // Both terms as 128-bit numbers (xh:xl, yh:yl) with the leading one at bit
  // 126; L is the unbiased exponent of that leading one.
  let xl = mul64To128(ma << 10, mb << 11); // ma*mb*2^21 in [2^125, 2^127)
  let xh = mulHi;
  let L = ea + eb - 2045;
  if (xh < 0x4000000000000000) {
    xh = (xh << 1) | (xl >> 63);
    xl <<= 1;
    L--;
  }
  let yh = mc << 10, yl: u64 = 0;
  const Lc = ec - 1023;

  // Align the smaller-exponent term, jamming shifted-out bits into bit 0.
  // When the exponents are 2+ apart at most one bit cancels in a
  // subtraction, and the jammed bit stays far below the rounding position;
  // closer terms are shifted exactly.
  const d = L - Lc;
  if (d > 0) {
    yl = shiftRightJam128Lo(yh, yl, d);
    yh = srjHi;
  } else if (d < 0) {
    xl = shiftRightJam128Lo(xh, xl, -d);
    xh = srjHi;
    L = Lc;
  }
  let sign: u64, zh: u64, zl: u64;
  if (signP == signC) {
    sign = signP;
    zl = xl + yl;
    zh = xh + yh + <u64>(zl < xl);
    if ((zh >> 63) != 0) {
      zl = (zl >> 1) | (zh << 63) | (zl & 1);
      zh >>= 1;
      L++;
    }
  } else {
    if (xh > yh || (xh == yh && xl >= yl)) {
      sign = signP;
      zl = xl - yl;
      zh = xh - yh - <u64>(xl < yl);
    } else {
      sign = signC;
      zl = yl - xl;
      zh = yh - xh - <u64>(yl < xl);
    }
    if ((zh | zl) == 0) return rm == RM_RDN ? F64_SIGN : 0; // exact cancellation
    // Bring the leading one back to bit 126.
    const s = (zh != 0 ? <i32>clz(zh) : 64 + <i32>clz(zl)) - 1;
    if (s > 0) {
      if (s < 64) {
        zh = (zh << s) | (zl >> (64 - s));
        zl <<= s;
      } else {
        zh = zl << (s - 64);
        zl = 0;
      }
      L -= s;
    }
  }
  return roundPackF64(sign, L + 1022, zh | <u64>(zl != 0), rm);
}

let srjHi: u64 = 0;

// (hi:lo) >> dist for 1 <= dist, sticky-jammed; returns the low half, the high
// half in srjHi.
@inline function shiftRightJam128Lo(hi: u64, lo: u64, dist: i32): u64 {
  if (dist < 64) {
    srjHi = hi >> dist;
    return (hi << (64 - dist)) | (lo >> dist) | <u64>((lo << (64 - dist)) != 0);
  }
  srjHi = 0;
  if (dist < 128) {
    const s = dist - 64;
    const lost = s == 0 ? lo : (hi << (64 - s)) | lo;
    return (s == 0 ? hi : hi >> s) | <u64>(lost != 0);
  }
  return <u64>((hi | lo) != 0);
}

export function f64_eq(a: u64, b: u64): bool {
  if (isNaN64(a) || isNaN64(b)) {
    if (isSNaN64(a) || isSNaN64(b)) sfFlags |= SF_NV;
    return false;
  }
  return reinterpret<f64>(a) == reinterpret<f64>(b);
}

export function f64_lt(a: u64, b: u64): bool {
  if (isNaN64(a) || isNaN64(b)) {
    sfFlags |= SF_NV;
    return false;
  }
  return reinterpret<f64>(a) < reinterpret<f64>(b);
}

export function f64_le(a: u64, b: u64): bool {
  if (isNaN64(a) || isNaN64(b)) {
    sfFlags |= SF_NV;
    return false;
  }
  return reinterpret<f64>(a) <= reinterpret<f64>(b);
}

export function f64_min(a: u64, b: u64): u64 {
  const an = isNaN64(a), bn = isNaN64(b);
  if (an || bn) {
    if (isSNaN64(a) || isSNaN64(b)) sfFlags |= SF_NV;
    if (an && bn) return F64_CANONICAL_NAN;
    return an ? b : a;
  }
  const x = reinterpret<f64>(a), y = reinterpret<f64>(b);
  if (x < y) return a;
  if (y < x) return b;
  return a | b;
}

export function f64_max(a: u64, b: u64): u64 {
  const an = isNaN64(a), bn = isNaN64(b);
  if (an || bn) {
    if (isSNaN64(a) || isSNaN64(b)) sfFlags |= SF_NV;
    if (an && bn) return F64_CANONICAL_NAN;
    return an ? b : a;
  }
  const x = reinterpret<f64>(a), y = reinterpret<f64>(b);
  if (x > y) return a;
  if (y > x) return b;
  return a & b;
}

export function f64_classify(a: u64): u32 {
  const neg = (a >> 63) != 0;
  const e = <u32>(a >> 52) & 0x7FF;
  const m = a & F64_FRAC;
  if (e == 0x7FF) {
    if (m == 0) return neg ? 1 : 1 << 7;
    return (m & 0x0008000000000000) != 0 ? 1 << 9 : 1 << 8;
  }
  if (e == 0) {
    if (m == 0) return neg ? 1 << 3 : 1 << 4;
    return neg ? 1 << 2 : 1 << 5;
  }
  return neg ? 1 << 1 : 1 << 6;
}

// ------------------------------------------------------ float -> integer

const K_I32: u32 = 0;
const K_U32: u32 = 1;
const K_I64: u32 = 2;
const K_U64: u32 = 3;

@inline function intMax(kind: u32): u64 {
  return kind == K_I32 ? 0x7FFFFFFF : kind == K_U32 ? 0xFFFFFFFF
    : kind == K_I64 ? 0x7FFFFFFFFFFFFFFF : 0xFFFFFFFFFFFFFFFF;
}

@inline function intMin(kind: u32): u64 {
  return kind == K_I32 ? 0xFFFFFFFF80000000 : kind == K_I64 ? 0x8000000000000000 : 0;
}

// Converts binary64 bits to an integer of the given kind, rounding by rm,
// with RISC-V saturation: NaN -> largest positive, out of range (after
// rounding) -> the nearest end with NV only; NX for inexact in-range results.
// The result comes back as 64 bits; callers truncate for 32-bit kinds.
function f64ToInt(a: u64, rm: u32, kind: u32): u64 {
  const neg = (a >> 63) != 0;
  const e = <i32>(a >> 52) & 0x7FF;
  const m = a & F64_FRAC;
  let mag: u64;
  let inexact = false;
  if (e >= 1086) { // |a| >= 2^63, infinities, NaNs
    if (e == 0x7FF && m != 0) {
      sfFlags |= SF_NV;
      return intMax(kind);
    }
    if (kind == K_I64 && neg && e == 1086 && m == 0) return 0x8000000000000000;
    if (kind == K_U64 && !neg && e == 1086) return (m | F64_IMPL) << 11;
    sfFlags |= SF_NV;
    return neg ? intMin(kind) : intMax(kind);
  }
  if (e >= 1075) {
    mag = (m | F64_IMPL) << <u64>(e - 1075); // an integer below 2^63
  } else {
    if (e == 0 && m == 0) return 0;
    const sig = e != 0 ? (m | F64_IMPL) : m;
    const sh = <u32>(1075 - (e != 0 ? e : 1)); // 1 .. 1074
    let q: u64 = 0, rem: u64 = 1, half: u64 = 2;
    if (sh < 64) {
      q = sig >> sh;
      rem = sig & ((<u64>1 << sh) - 1);
      half = <u64>1 << (sh - 1);
    }
    inexact = rem != 0;
    mag = q + <u64>roundUp(rm, neg, rem, half, q & 1);
  }
  let lim: u64;
  if (kind == K_I32) lim = neg ? 0x80000000 : 0x7FFFFFFF;
  else if (kind == K_U32) lim = neg ? 0 : 0xFFFFFFFF;
  else if (kind == K_I64) lim = neg ? 0x8000000000000000 : 0x7FFFFFFFFFFFFFFF;
  else lim = neg ? 0 : 0xFFFFFFFFFFFFFFFF;
  if (mag > lim) {
    sfFlags |= SF_NV;
    return neg ? intMin(kind) : intMax(kind);
  }
  if (inexact) sfFlags |= SF_NX;
  return neg ? 0 - mag : mag;
}

// x rounded to an integer in mode rm with the hardware's IEEE
// roundToIntegral operations (exact, no flags). RMM: x - trunc(x) is exact,
// and trunc(x) +- 1 is exact whenever that fraction is nonzero (|x| < 2^52).
@inline function roundToIntegral(x: f64, rm: u32): f64 {
  if (rm == RM_RNE) return nearest<f64>(x);
  if (rm == RM_RTZ) return trunc<f64>(x);
  if (rm == RM_RDN) return floor<f64>(x);
  if (rm == RM_RUP) return ceil<f64>(x);
  const t = trunc<f64>(x);
  const f = x - t;
  if (f >= 0.5) return t + 1;
  if (f <= -0.5) return t - 1;
  return t;
}

// Fast path for every conversion: round to an integral value in hardware;
// if that is within the target's range (NaN never is) the conversion is
// exact and NX is just "it changed". Anything else: f64ToInt.
export function f64_to_i32(a: u64, rm: u32): i32 {
  const x = reinterpret<f64>(a);
  const r = roundToIntegral(x, rm);
  if (r >= -2147483648.0 && r <= 2147483647.0) {
    if (r != x) sfFlags |= SF_NX;
    return <i32>r;
  }
  return <i32>f64ToInt(a, rm, K_I32);
}

export function f64_to_u32(a: u64, rm: u32): u32 {
  const x = reinterpret<f64>(a);
  const r = roundToIntegral(x, rm);
  if (r >= 0.0 && r <= 4294967295.0) { // -0 included
    if (r != x) sfFlags |= SF_NX;
    return <u32>r;
  }
  return <u32>f64ToInt(a, rm, K_U32);
}

export function f64_to_i64(a: u64, rm: u32): i64 {
  const x = reinterpret<f64>(a);
  const r = roundToIntegral(x, rm);
  if (r >= -9223372036854775808.0 && r < 9223372036854775808.0) {
    if (r != x) sfFlags |= SF_NX;
    return <i64>r;
  }
  return <i64>f64ToInt(a, rm, K_I64);
}

export function f64_to_u64(a: u64, rm: u32): u64 {
  const x = reinterpret<f64>(a);
  const r = roundToIntegral(x, rm);
  if (r >= 0.0 && r < 18446744073709551616.0) {
    if (r != x) sfFlags |= SF_NX;
    return <u64>r;
  }
  return f64ToInt(a, rm, K_U64);
}

// The integer-only versions, for the unit tests.
export function f64_to_i32Soft(a: u64, rm: u32): i32 {
  return <i32>f64ToInt(a, rm, K_I32);
}

export function f64_to_u32Soft(a: u64, rm: u32): u32 {
  return <u32>f64ToInt(a, rm, K_U32);
}

export function f64_to_i64Soft(a: u64, rm: u32): i64 {
  return <i64>f64ToInt(a, rm, K_I64);
}

export function f64_to_u64Soft(a: u64, rm: u32): u64 {
  return f64ToInt(a, rm, K_U64);
}

// binary32 -> integer: the promotion to binary64 is exact (NaN stays NaN).
export function f32_to_i32(a: u32, rm: u32): i32 {
  return f64_to_i32(f32BitsToF64Bits(a), rm);
}

export function f32_to_u32(a: u32, rm: u32): u32 {
  return f64_to_u32(f32BitsToF64Bits(a), rm);
}

export function f32_to_i64(a: u32, rm: u32): i64 {
  return f64_to_i64(f32BitsToF64Bits(a), rm);
}

export function f32_to_u64(a: u32, rm: u32): u64 {
  return f64_to_u64(f32BitsToF64Bits(a), rm);
}

// ------------------------------------------------------ integer -> float

// Magnitude m (nonzero) with sign -> binary64 rounded by rm.
function magToF64(sign: u64, m: u64, rm: u32): u64 {
  if (m < 0x20000000000000) { // < 2^53: exact
    return (sign << 63) | reinterpret<u64>(<f64><i64>m);
  }
  const lz = <i32>clz(m);
  const t = m << lz; // leading one at bit 63
  return roundPackF64(sign, 1085 - lz, (t >> 1) | (t & 1), rm);
}

// Magnitude m (nonzero) with sign -> binary32: first to binary64 with
// round-to-odd (53 >= 24 + 2 bits, so a second rounding to binary32 in any
// mode is then exact, flags included).
function magToF32(sign: u64, m: u64, rm: u32): u32 {
  let bits: u64;
  if (m < 0x20000000000000) {
    bits = reinterpret<u64>(<f64><i64>m);
  } else {
    const lz = <i32>clz(m);
    const t = m << lz;
    const sig = (t >> 11) | <u64>((t & 0x7FF) != 0);
    bits = (<u64>(1085 - lz) << 52) + sig;
  }
  return roundF64ToF32((sign << 63) | bits, rm);
}

export function i32_to_f32(v: i32, rm: u32): u32 {
  return roundF64ToF32(reinterpret<u64>(<f64>v), rm);
}

export function u32_to_f32(v: u32, rm: u32): u32 {
  return roundF64ToF32(reinterpret<u64>(<f64>v), rm);
}

export function i64_to_f32(v: i64, rm: u32): u32 {
  if (v == 0) return 0;
  return v < 0 ? magToF32(1, <u64>(0 - v), rm) : magToF32(0, <u64>v, rm);
}

export function u64_to_f32(v: u64, rm: u32): u32 {
  if (v == 0) return 0;
  return magToF32(0, v, rm);
}

export function i32_to_f64(v: i32, rm: u32): u64 {
  return reinterpret<u64>(<f64>v); // always exact
}

export function u32_to_f64(v: u32, rm: u32): u64 {
  return reinterpret<u64>(<f64>v);
}

export function i64_to_f64(v: i64, rm: u32): u64 {
  if (v == 0) return 0;
  return v < 0 ? magToF64(1, <u64>(0 - v), rm) : magToF64(0, <u64>v, rm);
}

export function u64_to_f64(v: u64, rm: u32): u64 {
  if (v == 0) return 0;
  return magToF64(0, v, rm);
}
