/*
 * Reference test vectors for wasm-core/assembly/softfloat.ts, computed by the
 * x86-64 SSE/FMA hardware (IEEE 754 with tininess after rounding, like
 * RISC-V) -- an implementation independent of the one under test.
 *
 * Regenerate (x86-64 with FMA, gcc, libquadmath; deterministic output):
 *
 *   gcc -O1 -mfma -msse4.1 -o /tmp/gen-fp-vectors tests/tools/gen-fp-vectors.c -lquadmath -lm
 *   /tmp/gen-fp-vectors | gzip -9n > tests/unit/vectors/softfloat.txt.gz
 *
 * Output: one line per input tuple:
 *   <op> <input hex>... <result hex>:<flags hex> [x5 for rounding-mode ops]
 * Rounding-mode ops have five results, for RISC-V rm 0..4 (RNE RTZ RDN RUP
 * RMM); the others one. Flags are RISC-V fflags (NX 1, UF 2, OF 4, DZ 8,
 * NV 16). Integer results are raw two's-complement bit patterns of their
 * width, booleans 0/1.
 *
 * How the expectations are formed:
 *  - Arithmetic, float<->float and int->float conversions and comparisons
 *    run one SSE/FMA instruction each (inline asm, so nothing is folded or
 *    moved) between an LDMXCSR that sets the rounding mode and clears the
 *    flags and an STMXCSR that reads them. x86 NaN results are replaced by
 *    the RISC-V canonical NaN. feq uses UCOMIS* (quiet), flt/fle COMIS*.
 *  - x86 FMA does not raise invalid for inf*0 + qNaN; RISC-V requires it
 *    ("...set the invalid operation exception flag when the multiplicands
 *    are infinity and zero, even when the addend is a quiet NaN"), so that
 *    one case gets NV added.
 *  - u64 -> float: x86 has no unsigned convert before AVX-512; values with
 *    the top bit set use cvtsi2s?q((u >> 1) | (u & 1)) doubled, which rounds
 *    exactly like u in every mode (u and the sticky-halved value lie in the
 *    same open interval between rounding boundaries). Cross-checked against
 *    an x87 long double conversion.
 *  - RMM (round to nearest, ties to max magnitude) has no x86 mode. It equals
 *    RNE except on an exact tie. For each RMM vector we take t = the RTZ
 *    result and aw = its neighbour away from zero; the exact result is a tie
 *    iff it equals m = (t + aw) / 2, which is decided exactly in a wider
 *    format (__float128 has 113 bits: products and quotient checks m*b == a
 *    are exact there; sums use the inexact flag of the __float128 add). RMM
 *    result = tie ? aw : RNE result, and the flags are RNE's (tininess,
 *    overflow threshold and inexactness do not differ between the two).
 *  - fmin/fmax (IEEE 754-2019 minimumNumber/maximumNumber), fclass and the
 *    float -> integer conversions follow the RISC-V spec text directly:
 *    conversions round with ROUNDSD (modes 0-3) or C round() (RMM), then
 *    saturate per the spec table; in-range ones are cross-checked against
 *    CVTSD2SI.
 *
 * Inputs: hand-picked special values (zeros, subnormals, min/max normal,
 * infinities, quiet and signaling NaNs, values at rounding and integer
 * conversion boundaries, ties) and seeded pseudo-random values: raw random
 * bit patterns, structured significands (few bits, long runs of ones/zeros),
 * close exponents (cancellation), results near underflow/overflow, and
 * fma addends near -a*b.
 */
#define _GNU_SOURCE
#include <fenv.h>
#include <math.h>
#include <quadmath.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t i32;
typedef int64_t i64;
typedef __float128 f128;

enum { NX = 1, UF = 2, OF = 4, DZ = 8, NV = 16 };
enum { RNE, RTZ, RDN, RUP, RMM };

#define F32_NAN 0x7FC00000u
#define F64_NAN 0x7FF8000000000000ull

/* ------------------------------------------------------------ bit casts */
static float f32(u32 x) { float f; memcpy(&f, &x, 4); return f; }
static double f64(u64 x) { double d; memcpy(&d, &x, 8); return d; }
static u32 b32(float f) { u32 x; memcpy(&x, &f, 4); return x; }
static u64 b64(double d) { u64 x; memcpy(&x, &d, 8); return x; }
static int nan32(u32 a) { return (a & 0x7FFFFFFF) > 0x7F800000; }
static int nan64(u64 a) { return (a & 0x7FFFFFFFFFFFFFFFull) > 0x7FF0000000000000ull; }
static int snan32(u32 a) { return nan32(a) && !(a & 0x00400000); }
static int snan64(u64 a) { return nan64(a) && !(a & 0x0008000000000000ull); }

/* ------------------------------------------------------------ MXCSR */
static const u32 rc_of_rm[4] = { 0, 3, 1, 2 }; /* RNE RTZ RDN RUP -> RC */

static void hw_begin(int rm) {
  u32 m = 0x1F80 | (rc_of_rm[rm] << 13); /* all masked, flags clear */
  __asm__ volatile("ldmxcsr %0" : : "m"(m));
}
static int hw_end(void) {
  u32 m;
  __asm__ volatile("stmxcsr %0" : "=m"(m));
  int f = 0;
  if (m & 0x01) f |= NV;
  if (m & 0x04) f |= DZ;
  if (m & 0x08) f |= OF;
  if (m & 0x10) f |= UF;
  if (m & 0x20) f |= NX;
  hw_begin(RNE);
  return f;
}

/* ------------------------------------------------------------ ops */
enum {
  F32_ADD, F32_SUB, F32_MUL, F32_DIV, F32_SQRT, F32_FMA,
  F32_EQ, F32_LT, F32_LE, F32_MIN, F32_MAX, F32_CLASS,
  F32_TO_I32, F32_TO_U32, F32_TO_I64, F32_TO_U64,
  I32_TO_F32, U32_TO_F32, I64_TO_F32, U64_TO_F32, F32_TO_F64,
  F64_ADD, F64_SUB, F64_MUL, F64_DIV, F64_SQRT, F64_FMA,
  F64_EQ, F64_LT, F64_LE, F64_MIN, F64_MAX, F64_CLASS,
  F64_TO_I32, F64_TO_U32, F64_TO_I64, F64_TO_U64,
  I32_TO_F64, U32_TO_F64, I64_TO_F64, U64_TO_F64, F64_TO_F32,
  NOPS
};

typedef struct {
  const char *name;
  int nin;     /* number of inputs */
  int inw;     /* input width in bits (32/64) */
  int outw;    /* result width: 1 (bool), 32, 64 */
  int rounded; /* takes a rounding mode */
} opinfo;

static const opinfo OPS[NOPS] = {
  [F32_ADD] = { "f32_add", 2, 32, 32, 1 },   [F32_SUB] = { "f32_sub", 2, 32, 32, 1 },
  [F32_MUL] = { "f32_mul", 2, 32, 32, 1 },   [F32_DIV] = { "f32_div", 2, 32, 32, 1 },
  [F32_SQRT] = { "f32_sqrt", 1, 32, 32, 1 }, [F32_FMA] = { "f32_mulAdd", 3, 32, 32, 1 },
  [F32_EQ] = { "f32_eq", 2, 32, 1, 0 },      [F32_LT] = { "f32_lt", 2, 32, 1, 0 },
  [F32_LE] = { "f32_le", 2, 32, 1, 0 },      [F32_MIN] = { "f32_min", 2, 32, 32, 0 },
  [F32_MAX] = { "f32_max", 2, 32, 32, 0 },   [F32_CLASS] = { "f32_classify", 1, 32, 32, 0 },
  [F32_TO_I32] = { "f32_to_i32", 1, 32, 32, 1 }, [F32_TO_U32] = { "f32_to_u32", 1, 32, 32, 1 },
  [F32_TO_I64] = { "f32_to_i64", 1, 32, 64, 1 }, [F32_TO_U64] = { "f32_to_u64", 1, 32, 64, 1 },
  [I32_TO_F32] = { "i32_to_f32", 1, 32, 32, 1 }, [U32_TO_F32] = { "u32_to_f32", 1, 32, 32, 1 },
  [I64_TO_F32] = { "i64_to_f32", 1, 64, 32, 1 }, [U64_TO_F32] = { "u64_to_f32", 1, 64, 32, 1 },
  [F32_TO_F64] = { "f32_to_f64", 1, 32, 64, 0 },
  [F64_ADD] = { "f64_add", 2, 64, 64, 1 },   [F64_SUB] = { "f64_sub", 2, 64, 64, 1 },
  [F64_MUL] = { "f64_mul", 2, 64, 64, 1 },   [F64_DIV] = { "f64_div", 2, 64, 64, 1 },
  [F64_SQRT] = { "f64_sqrt", 1, 64, 64, 1 }, [F64_FMA] = { "f64_mulAdd", 3, 64, 64, 1 },
  [F64_EQ] = { "f64_eq", 2, 64, 1, 0 },      [F64_LT] = { "f64_lt", 2, 64, 1, 0 },
  [F64_LE] = { "f64_le", 2, 64, 1, 0 },      [F64_MIN] = { "f64_min", 2, 64, 64, 0 },
  [F64_MAX] = { "f64_max", 2, 64, 64, 0 },   [F64_CLASS] = { "f64_classify", 1, 64, 32, 0 },
  [F64_TO_I32] = { "f64_to_i32", 1, 64, 32, 1 }, [F64_TO_U32] = { "f64_to_u32", 1, 64, 32, 1 },
  [F64_TO_I64] = { "f64_to_i64", 1, 64, 64, 1 }, [F64_TO_U64] = { "f64_to_u64", 1, 64, 64, 1 },
  [I32_TO_F64] = { "i32_to_f64", 1, 32, 64, 1 }, [U32_TO_F64] = { "u32_to_f64", 1, 32, 64, 1 },
  [I64_TO_F64] = { "i64_to_f64", 1, 64, 64, 1 }, [U64_TO_F64] = { "u64_to_f64", 1, 64, 64, 1 },
  [F64_TO_F32] = { "f64_to_f32", 1, 64, 32, 1 },
};

typedef struct { u64 r; int f; } res;

static void die(const char *what, int op, u64 a, u64 b, u64 c) {
  fprintf(stderr, "gen-fp-vectors: %s: %s %llx %llx %llx\n", what, OPS[op].name,
          (unsigned long long)a, (unsigned long long)b, (unsigned long long)c);
  exit(1);
}

/* One float/float instruction in rounding mode rm (0..3). */
#define SSE2(insn, T, x, y) ({ T r_ = (x); __asm__ volatile(insn " %1, %0" : "+x"(r_) : "x"(y)); r_; })

static res hw_arith(int op, u64 a, u64 b, u64 c, int rm) {
  res o = { 0, 0 };
  hw_begin(rm);
  switch (op) {
  case F32_ADD: o.r = b32(SSE2("addss", float, f32(a), f32(b))); break;
  case F32_SUB: o.r = b32(SSE2("subss", float, f32(a), f32(b))); break;
  case F32_MUL: o.r = b32(SSE2("mulss", float, f32(a), f32(b))); break;
  case F32_DIV: o.r = b32(SSE2("divss", float, f32(a), f32(b))); break;
  case F32_SQRT: { float r, x = f32(a); __asm__ volatile("sqrtss %1, %0" : "=x"(r) : "x"(x)); o.r = b32(r); break; }
  case F32_FMA: {
    float r = f32(c), x = f32(a), y = f32(b);
    __asm__ volatile("vfmadd231ss %2, %1, %0" : "+x"(r) : "x"(x), "x"(y));
    o.r = b32(r);
    break;
  }
  case F64_ADD: o.r = b64(SSE2("addsd", double, f64(a), f64(b))); break;
  case F64_SUB: o.r = b64(SSE2("subsd", double, f64(a), f64(b))); break;
  case F64_MUL: o.r = b64(SSE2("mulsd", double, f64(a), f64(b))); break;
  case F64_DIV: o.r = b64(SSE2("divsd", double, f64(a), f64(b))); break;
  case F64_SQRT: { double r, x = f64(a); __asm__ volatile("sqrtsd %1, %0" : "=x"(r) : "x"(x)); o.r = b64(r); break; }
  case F64_FMA: {
    double r = f64(c), x = f64(a), y = f64(b);
    __asm__ volatile("vfmadd231sd %2, %1, %0" : "+x"(r) : "x"(x), "x"(y));
    o.r = b64(r);
    break;
  }
  case F32_TO_F64: { double r; float x = f32(a); __asm__ volatile("cvtss2sd %1, %0" : "=x"(r) : "x"(x)); o.r = b64(r); break; }
  case F64_TO_F32: { float r; double x = f64(a); __asm__ volatile("cvtsd2ss %1, %0" : "=x"(r) : "x"(x)); o.r = b32(r); break; }
  case I32_TO_F32: { float r; i32 v = (i32)a; __asm__ volatile("cvtsi2ssl %1, %0" : "=x"(r) : "r"(v)); o.r = b32(r); break; }
  case U32_TO_F32: { float r; i64 v = (i64)(u32)a; __asm__ volatile("cvtsi2ssq %1, %0" : "=x"(r) : "r"(v)); o.r = b32(r); break; }
  case I64_TO_F32: { float r; i64 v = (i64)a; __asm__ volatile("cvtsi2ssq %1, %0" : "=x"(r) : "r"(v)); o.r = b32(r); break; }
  case U64_TO_F32: {
    float r;
    i64 v = (i64)(a >> 63 ? (a >> 1) | (a & 1) : a);
    __asm__ volatile("cvtsi2ssq %1, %0" : "=x"(r) : "r"(v));
    if (a >> 63) __asm__ volatile("addss %0, %0" : "+x"(r));
    o.r = b32(r);
    break;
  }
  case I32_TO_F64: { double r; i32 v = (i32)a; __asm__ volatile("cvtsi2sdl %1, %0" : "=x"(r) : "r"(v)); o.r = b64(r); break; }
  case U32_TO_F64: { double r; i64 v = (i64)(u32)a; __asm__ volatile("cvtsi2sdq %1, %0" : "=x"(r) : "r"(v)); o.r = b64(r); break; }
  case I64_TO_F64: { double r; i64 v = (i64)a; __asm__ volatile("cvtsi2sdq %1, %0" : "=x"(r) : "r"(v)); o.r = b64(r); break; }
  case U64_TO_F64: {
    double r;
    i64 v = (i64)(a >> 63 ? (a >> 1) | (a & 1) : a);
    __asm__ volatile("cvtsi2sdq %1, %0" : "=x"(r) : "r"(v));
    if (a >> 63) __asm__ volatile("addsd %0, %0" : "+x"(r));
    o.r = b64(r);
    break;
  }
  default: die("hw_arith: bad op", op, a, b, c);
  }
  o.f = hw_end();
  /* RISC-V canonical NaNs. */
  int out32 = OPS[op].outw == 32;
  if (out32 ? nan32((u32)o.r) : nan64(o.r)) o.r = out32 ? F32_NAN : F64_NAN;
  if (op == F32_FMA && nan32((u32)c) && !nan32((u32)a) && !nan32((u32)b) &&
      ((((u32)a & 0x7FFFFFFF) == 0x7F800000 && ((u32)b & 0x7FFFFFFF) == 0) ||
       (((u32)a & 0x7FFFFFFF) == 0 && ((u32)b & 0x7FFFFFFF) == 0x7F800000)))
    o.f |= NV;
  if (op == F64_FMA && nan64(c) && !nan64(a) && !nan64(b) &&
      (((a << 1) == 0xFFE0000000000000ull && (b << 1) == 0) ||
       ((a << 1) == 0 && (b << 1) == 0xFFE0000000000000ull)))
    o.f |= NV;
  return o;
}

/* x87 long double cross-check of the u64 -> float halving trick. */
static void check_u64_conv(int op, u64 a, int rm, res got) {
  static const int fe[4] = { FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD };
  fesetround(fe[rm]);
  volatile long double l = (long double)a;
  u64 r;
  if (op == U64_TO_F64) { volatile double d = (double)l; r = b64(d); }
  else { volatile float f = (float)l; r = b32(f); }
  fesetround(FE_TONEAREST);
  hw_begin(RNE);
  if (r != got.r) die("u64 conversion cross-check", op, a, rm, got.r);
}

/* Is the exact result of op equal to the midpoint m (given in f128)? */
static int exact_equals(int op, u64 a, u64 b, u64 c, f128 m) {
  int is32 = OPS[op].inw == 32;
  f128 A = is32 ? (f128)f32((u32)a) : (f128)f64(a);
  f128 B = is32 ? (f128)f32((u32)b) : (f128)f64(b);
  f128 C = is32 ? (f128)f32((u32)c) : (f128)f64(c);
  volatile f128 s;
  int inexact;
  switch (op) {
  case F32_ADD: case F64_ADD: case F32_SUB: case F64_SUB: case F32_FMA: case F64_FMA:
    hw_begin(RNE);
    if (op == F32_ADD || op == F64_ADD) s = A + B;
    else if (op == F32_SUB || op == F64_SUB) s = A - B;
    else { volatile f128 p = A * B; s = p + C; } /* the product is exact */
    inexact = hw_end() & NX;
    return !inexact && s == m;
  case F32_MUL: case F64_MUL: s = A * B; return s == m;             /* exact */
  case F32_DIV: case F64_DIV: s = m * B; return s == A;             /* exact */
  case F32_SQRT: case F64_SQRT: s = m * m; return s == A;           /* exact */
  case F64_TO_F32: return A == m;
  case I32_TO_F32: return (f128)(i32)a == m;
  case U32_TO_F32: return (f128)(u32)a == m;
  case I64_TO_F32: case I64_TO_F64: return (f128)(i64)a == m;
  case U64_TO_F32: case U64_TO_F64: return (f128)a == m;
  case I32_TO_F64: case U32_TO_F64: return 0; /* always exact */
  }
  die("exact_equals: bad op", op, a, b, c);
  return 0;
}

static res rmm_from(int op, u64 a, u64 b, u64 c) {
  res n = hw_arith(op, a, b, c, RNE);
  if (!(n.f & NX)) return n;
  int out32 = OPS[op].outw == 32;
  u64 absn = out32 ? (n.r & 0x7FFFFFFF) : (n.r & 0x7FFFFFFFFFFFFFFFull);
  if (absn >= (out32 ? 0x7F800000ull : 0x7FF0000000000000ull)) return n; /* overflowed: RMM too */
  res t = hw_arith(op, a, b, c, RTZ);
  u64 aw = t.r + 1; /* next magnitude away from zero, same sign */
  f128 T = out32 ? (f128)f32((u32)t.r) : (f128)f64(t.r);
  f128 AW = out32 ? (f128)f32((u32)aw) : (f128)f64(aw);
  f128 m = (T + AW) / 2; /* exact in f128 */
  if (exact_equals(op, a, b, c, m)) {
    if (n.r != t.r && n.r != aw) die("RMM: RNE result not adjacent at a tie", op, a, b, c);
    n.r = aw;
  }
  return n;
}

static res arith(int op, u64 a, u64 b, u64 c, int rm) {
  res r = rm == RMM ? rmm_from(op, a, b, c) : hw_arith(op, a, b, c, rm);
  if ((op == U64_TO_F32 || op == U64_TO_F64) && rm != RMM) check_u64_conv(op, a, rm, r);
  return r;
}

/* Comparisons: flags from UCOMIS* (feq) / COMIS* (flt, fle). */
static res compare(int op, u64 a, u64 b) {
  res o = { 0, 0 };
  int is32 = op == F32_EQ || op == F32_LT || op == F32_LE;
  int quiet = op == F32_EQ || op == F64_EQ;
  hw_begin(RNE);
  if (is32) {
    float x = f32((u32)a), y = f32((u32)b);
    if (quiet) __asm__ volatile("ucomiss %1, %0" : : "x"(x), "x"(y) : "cc");
    else __asm__ volatile("comiss %1, %0" : : "x"(x), "x"(y) : "cc");
  } else {
    double x = f64(a), y = f64(b);
    if (quiet) __asm__ volatile("ucomisd %1, %0" : : "x"(x), "x"(y) : "cc");
    else __asm__ volatile("comisd %1, %0" : : "x"(x), "x"(y) : "cc");
  }
  o.f = hw_end();
  double x = is32 ? f32((u32)a) : f64(a), y = is32 ? f32((u32)b) : f64(b);
  if (isnan(x) || isnan(y)) o.r = 0;
  else if (op == F32_EQ || op == F64_EQ) o.r = x == y;
  else if (op == F32_LT || op == F64_LT) o.r = x < y;
  else o.r = x <= y;
  return o;
}

/* RISC-V fmin/fmax, straight from the spec text. */
static res minmax(int op, u64 a, u64 b) {
  res o = { 0, 0 };
  int is32 = op == F32_MIN || op == F32_MAX;
  int isMin = op == F32_MIN || op == F64_MIN;
  int an = is32 ? nan32((u32)a) : nan64(a), bn = is32 ? nan32((u32)b) : nan64(b);
  int as = is32 ? snan32((u32)a) : snan64(a), bs = is32 ? snan32((u32)b) : snan64(b);
  if (as || bs) o.f = NV;
  if (an && bn) { o.r = is32 ? F32_NAN : F64_NAN; return o; }
  if (an) { o.r = b; return o; }
  if (bn) { o.r = a; return o; }
  double x = is32 ? f32((u32)a) : f64(a), y = is32 ? f32((u32)b) : f64(b);
  if (x == y) { /* equal values; for zeros -0 < +0 */
    int xneg = signbit(x) != 0;
    o.r = (isMin ? xneg : !xneg) ? a : b;
  } else {
    o.r = (isMin ? x < y : x > y) ? a : b;
  }
  return o;
}

static res classify(int op, u64 a) {
  res o = { 0, 0 };
  int is32 = op == F32_CLASS;
  double x = is32 ? f32((u32)a) : f64(a);
  int neg = is32 ? (int)(a >> 31) & 1 : (int)(a >> 63);
  int sig = is32 ? snan32((u32)a) : snan64(a);
  int bit;
  switch (fpclassify(x)) {
  case FP_INFINITE: bit = neg ? 0 : 7; break;
  case FP_NORMAL: bit = neg ? 1 : 6; break;
  case FP_SUBNORMAL: bit = neg ? 2 : 5; break;
  case FP_ZERO: bit = neg ? 3 : 4; break;
  default: bit = sig ? 8 : 9; break; /* FP_NAN */
  }
  /* f32 subnormals promote to f64 normals: classify by the f32 fields. */
  if (is32 && ((a >> 23) & 0xFF) == 0 && (a & 0x7FFFFF) != 0) bit = neg ? 2 : 5;
  o.r = 1u << bit;
  return o;
}

/* float -> integer per the RISC-V fcvt table. */
static res to_int(int op, u64 a, int rm) {
  res o = { 0, 0 };
  int from32 = op == F32_TO_I32 || op == F32_TO_U32 || op == F32_TO_I64 || op == F32_TO_U64;
  int kind = (op == F32_TO_I32 || op == F64_TO_I32) ? 0 : (op == F32_TO_U32 || op == F64_TO_U32) ? 1
             : (op == F32_TO_I64 || op == F64_TO_I64) ? 2 : 3;
  static const u64 maxv[4] = { 0x7FFFFFFFull, 0xFFFFFFFFull, 0x7FFFFFFFFFFFFFFFull, ~0ull };
  static const u64 minv[4] = { 0x80000000ull, 0, 0x8000000000000000ull, 0 };
  static const double lo[4] = { -2147483648.0, 0.0, -9223372036854775808.0, 0.0 };
  static const double hi[4] = { 2147483647.0, 4294967295.0, 9223372036854775807.0 /* = 2^63 */, 18446744073709551615.0 /* = 2^64 */ };
  double x = from32 ? (double)f32((u32)a) : f64(a);
  if (isnan(x)) { o.r = maxv[kind]; o.f = NV; return o; }
  double r;
  if (rm == RMM) {
    r = round(x);
  } else {
    hw_begin(rm);
    __asm__ volatile("roundsd $0x0C, %1, %0" : "=x"(r) : "x"(x)); /* MXCSR mode, no PE */
    hw_end();
  }
  int in;
  if (kind >= 2) in = r >= lo[kind] && r < hi[kind]; /* hi is 2^63 / 2^64 as a double */
  else in = r >= lo[kind] && r <= hi[kind];
  if (!in) { o.r = signbit(x) && !isnan(x) ? minv[kind] : maxv[kind]; o.f = NV; return o; }
  if (kind == 3) o.r = (u64)r;
  else if (kind == 1) o.r = (u32)(u64)r;
  else if (kind == 2) o.r = (u64)(i64)r;
  else o.r = (u32)(i32)r;
  if (r != x) o.f = NX;
  /* Cross-check in-range conversions that fit i64 against CVTSD2SI. */
  if (rm != RMM && r >= -9223372036854775808.0 && r < 9223372036854775808.0) {
    i64 h;
    hw_begin(rm);
    __asm__ volatile("cvtsd2siq %1, %0" : "=r"(h) : "x"(x));
    int f = hw_end();
    if ((i64)r != h || (f & NX) != (o.f & NX)) die("cvtsd2si cross-check", op, a, rm, 0);
  }
  return o;
}

static res eval(int op, u64 a, u64 b, u64 c, int rm) {
  switch (op) {
  case F32_EQ: case F32_LT: case F32_LE: case F64_EQ: case F64_LT: case F64_LE: return compare(op, a, b);
  case F32_MIN: case F32_MAX: case F64_MIN: case F64_MAX: return minmax(op, a, b);
  case F32_CLASS: case F64_CLASS: return classify(op, a);
  case F32_TO_I32: case F32_TO_U32: case F32_TO_I64: case F32_TO_U64:
  case F64_TO_I32: case F64_TO_U32: case F64_TO_I64: case F64_TO_U64: return to_int(op, a, rm);
  default: return arith(op, a, b, c, rm);
  }
}

/* ------------------------------------------------------------ output */
static long nlines, nvectors;

static void emit(int op, u64 a, u64 b, u64 c) {
  const opinfo *oi = &OPS[op];
  u64 in[3] = { a, b, c };
  printf("%s", oi->name);
  for (int i = 0; i < oi->nin; i++) {
    if (oi->inw == 32) printf(" %08x", (u32)in[i]);
    else printf(" %016llx", (unsigned long long)in[i]);
  }
  int nrm = oi->rounded ? 5 : 1;
  for (int rm = 0; rm < nrm; rm++) {
    res r = eval(op, a, b, c, rm);
    if (oi->outw == 1) printf(" %llx:%x", (unsigned long long)r.r, r.f);
    else if (oi->outw == 32) printf(" %08x:%x", (u32)r.r, r.f);
    else printf(" %016llx:%x", (unsigned long long)r.r, r.f);
  }
  printf("\n");
  nlines++;
  nvectors += nrm;
}

/* ------------------------------------------------------------ inputs */
static u64 rng = 0x243F6A8885A308D3ull;
static u64 rnd(void) { /* splitmix64 */
  u64 z = (rng += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static u64 rndn(u64 n) { return rnd() % n; }

/* A significand of `bits` bits with structure: random, few set bits at the
 * top, long runs of ones or zeros, or a tie pattern. */
static u64 rnd_frac(int bits) {
  u64 mask = (1ull << bits) - 1, f;
  switch (rndn(7)) {
  case 0: case 1: f = rnd(); break;
  case 6: { int k = (int)rndn(bits); f = (rnd() & ~((2ull << k) - 1)) | (1ull << k); break; } /* ...x1000: a midpoint pattern */
  case 2: { int k = (int)rndn(bits + 1); f = rnd() & ~((1ull << k) - 1); if (k == 64) f = 0; break; } /* trailing zeros */
  case 3: { int k = (int)rndn(bits + 1); f = rnd() | ((1ull << k) - 1); break; }                     /* trailing ones */
  case 4: { /* runs */
    f = rndn(2) ? ~0ull : 0;
    int n = 1 + (int)rndn(4);
    for (int i = 0; i < n; i++) {
      int p = (int)rndn(bits), q = (int)rndn(bits);
      if (p > q) { int t = p; p = q; q = t; }
      f ^= ((q == 63 ? ~0ull : (2ull << q) - 1)) & ~((1ull << p) - 1);
    }
    break;
  }
  default: { int k = 1 + (int)rndn(8); f = 0; for (int i = 0; i < k; i++) f |= 1ull << rndn(bits); break; } /* few bits */
  }
  return f & mask;
}

static u64 mk64(int sign, int exp, u64 frac) {
  return ((u64)sign << 63) | ((u64)(exp & 0x7FF) << 52) | (frac & 0xFFFFFFFFFFFFFull);
}
static u32 mk32(int sign, int exp, u32 frac) {
  return ((u32)sign << 31) | ((u32)(exp & 0xFF) << 23) | (frac & 0x7FFFFF);
}

/* Special values. */
static const u64 SPECIAL64[] = {
  0x0000000000000000ull, 0x8000000000000000ull, 0x0000000000000001ull, 0x8000000000000001ull,
  0x000FFFFFFFFFFFFFull, 0x800FFFFFFFFFFFFFull, 0x0008000000000000ull, 0x0010000000000000ull,
  0x8010000000000000ull, 0x0010000000000001ull, 0x001FFFFFFFFFFFFFull, 0x3FF0000000000000ull,
  0xBFF0000000000000ull, 0x3FF0000000000001ull, 0x3FEFFFFFFFFFFFFFull, 0x4000000000000000ull,
  0xC000000000000000ull, 0x3FF8000000000000ull, 0xBFF8000000000000ull, 0x3FE0000000000000ull,
  0xBFE0000000000000ull, 0x4004000000000000ull, 0xC004000000000000ull, 0x3FD3333333333333ull,
  0xBFD3333333333333ull, 0x3FE0000000000001ull, 0x3FDFFFFFFFFFFFFFull, 0x7FEFFFFFFFFFFFFFull,
  0xFFEFFFFFFFFFFFFFull, 0x7FEFFFFFFFFFFFFEull, 0x7FE0000000000000ull, 0x7FF0000000000000ull,
  0xFFF0000000000000ull, 0x7FF8000000000000ull, 0xFFF8000000000000ull, 0x7FF8000000000001ull,
  0x7FF0000000000001ull, 0xFFF4000000000000ull, 0x7FF7FFFFFFFFFFFFull, 0x3CA0000000000000ull,
  0x3C90000000000000ull, 0x4340000000000000ull, 0x433FFFFFFFFFFFFFull, 0x4330000000000001ull,
  /* integer-conversion boundaries */
  0x41DFFFFFFFC00000ull, 0x41DFFFFFFFE00000ull, 0x41DFFFFFFFF00000ull, 0x41E0000000000000ull,
  0x41E0000000100000ull, 0xC1E0000000000000ull, 0xC1E0000000100000ull, 0xC1E0000000200000ull,
  0xC1DFFFFFFFE00000ull, 0x41EFFFFFFFE00000ull, 0x41EFFFFFFFF00000ull, 0x41F0000000000000ull,
  0x43DFFFFFFFFFFFFFull, 0x43E0000000000000ull, 0xC3E0000000000000ull, 0xC3E0000000000001ull,
  0x43EFFFFFFFFFFFFFull, 0x43F0000000000000ull, 0xBFEFFFFFFFFFFFFFull, 0xBFF0000000000001ull,
  0xBFD0000000000000ull, 0x3FF4000000000000ull, 0x400C000000000000ull,
  /* binary32 boundaries seen from binary64 */
  0x3810000000000000ull, 0x380FFFFFE0000000ull, 0x380FFFFFF0000000ull, 0x380FFFFFF0000001ull,
  0x380FFFFFEFFFFFFFull, 0x36A0000000000000ull, 0x3690000000000000ull, 0x3690000000000001ull,
  0x36A8000000000000ull, 0x47EFFFFFE0000000ull, 0x47EFFFFFF0000000ull, 0x47EFFFFFEFFFFFFFull,
  0x47F0000000000000ull, 0x3FF0000010000000ull, 0x3FF0000030000000ull, 0x3FF0000010000001ull,
  0xBFF0000010000000ull, 0x3800000000000000ull, 0x3680000000000000ull,
};
#define NSPECIAL64 (sizeof SPECIAL64 / sizeof SPECIAL64[0])

static const u32 SPECIAL32[] = {
  0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007FFFFF, 0x807FFFFF, 0x00400000, 0x00800000,
  0x80800000, 0x00800001, 0x00FFFFFF, 0x3F800000, 0xBF800000, 0x3F800001, 0x3F7FFFFF, 0x40000000,
  0xC0000000, 0x3FC00000, 0xBFC00000, 0x3F000000, 0xBF000000, 0x40200000, 0xC0200000, 0x3E99999A,
  0xBE99999A, 0x3F000001, 0x3EFFFFFF, 0x7F7FFFFF, 0xFF7FFFFF, 0x7F7FFFFE, 0x7F000000, 0x7F800000,
  0xFF800000, 0x7FC00000, 0xFFC00000, 0x7FC00001, 0x7F800001, 0xFFA00000, 0x7FBFFFFF, 0x33800000,
  0x33000000, 0x4B800000, 0x4B7FFFFF, 0x4B000001,
  0x4EFFFFFF, 0x4F000000, 0x4F000001, 0xCF000000, 0xCF000001, 0xCEFFFFFF, 0x4F7FFFFF, 0x4F800000,
  0x5EFFFFFF, 0x5F000000, 0xDF000000, 0xDF000001, 0x5F7FFFFF, 0x5F800000, 0xBF7FFFFF, 0xBF800001,
  0xBE800000, 0x3FA00000, 0x40600000, 0x4B400000, 0x4B400001, 0xCB400001,
};
#define NSPECIAL32 (sizeof SPECIAL32 / sizeof SPECIAL32[0])

/* Smaller sets for full cross products. */
static const u64 CORE64[] = {
  0x0000000000000000ull, 0x8000000000000000ull, 0x0000000000000001ull, 0x800FFFFFFFFFFFFFull,
  0x0010000000000000ull, 0x8010000000000001ull, 0x3FF0000000000000ull, 0xBFF0000000000000ull,
  0x3FF0000000000001ull, 0xBFEFFFFFFFFFFFFFull, 0x4000000000000000ull, 0x3FF8000000000000ull,
  0xC004000000000000ull, 0x3CA0000000000000ull, 0xBC90000000000000ull, 0x4340000000000000ull,
  0x3FD3333333333333ull, 0x7FEFFFFFFFFFFFFFull, 0xFFEFFFFFFFFFFFFFull, 0x7FE0000000000000ull,
  0x0020000000000000ull, 0x3C9FFFFFFFFFFFFFull, 0x7FF0000000000000ull, 0xFFF0000000000000ull,
  0x7FF8000000000000ull, 0xFFF8000000000001ull, 0x7FF0000000000001ull, 0xFFF4000000000000ull,
};
#define NCORE64 (sizeof CORE64 / sizeof CORE64[0])
static const u32 CORE32[] = {
  0x00000000, 0x80000000, 0x00000001, 0x807FFFFF, 0x00800000, 0x80800001, 0x3F800000, 0xBF800000,
  0x3F800001, 0xBF7FFFFF, 0x40000000, 0x3FC00000, 0xC0200000, 0x33800000, 0xB3000000, 0x4B800000,
  0x3E99999A, 0x7F7FFFFF, 0xFF7FFFFF, 0x7F000000, 0x01000000, 0x337FFFFF, 0x7F800000, 0xFF800000,
  0x7FC00000, 0xFFC00001, 0x7F800001, 0xFFA00000,
};
#define NCORE32 (sizeof CORE32 / sizeof CORE32[0])

/* One random float operand of the given width. */
static u64 rnd_float(int w) {
  int sign = (int)rndn(2);
  switch (rndn(8)) {
  case 0: return w == 32 ? (u32)rnd() : rnd();                                    /* raw bits */
  case 1: return w == 32 ? SPECIAL32[rndn(NSPECIAL32)] : SPECIAL64[rndn(NSPECIAL64)];
  case 2: /* tiny exponents: subnormals and just above */
    return w == 32 ? mk32(sign, (int)rndn(4), (u32)rnd_frac(23)) : mk64(sign, (int)rndn(4), rnd_frac(52));
  case 3: /* huge exponents */
    return w == 32 ? mk32(sign, 254 - (int)rndn(4), (u32)rnd_frac(23)) : mk64(sign, 2046 - (int)rndn(4), rnd_frac(52));
  default: /* near 1, structured significand */
    return w == 32 ? mk32(sign, 127 - 24 + (int)rndn(49), (u32)rnd_frac(23))
                   : mk64(sign, 1023 - 40 + (int)rndn(81), rnd_frac(52));
  }
}

static int exp_of(u64 x, int w) { return w == 32 ? (int)((x >> 23) & 0xFF) : (int)((x >> 52) & 0x7FF); }
static u64 with_exp(u64 x, int w, int e, int sign) {
  return w == 32 ? mk32(sign, e, (u32)x & 0x7FFFFF) : mk64(sign, e, x);
}
static int clampe(int e, int w) { int m = w == 32 ? 254 : 2046; return e < 0 ? 0 : e > m ? m : e; }

/* Random operand pair for a binary op, with the interesting relations. */
static void rnd_pair(int op, int w, u64 *a, u64 *b) {
  int bias = w == 32 ? 127 : 1023, emax = w == 32 ? 254 : 2046, mant = w == 32 ? 23 : 52;
  *a = rnd_float(w);
  *b = rnd_float(w);
  int ea = exp_of(*a, w);
  if (ea == emax + 1) return; /* a is inf/NaN: keep */
  int isMul = op == F32_MUL || op == F64_MUL, isDiv = op == F32_DIV || op == F64_DIV;
  switch (rndn((isMul || isDiv) ? 6 : 4)) {
  case 4: { /* odd significands whose product has p+1 bits: ties (mul) */
    int nb = 1 + (int)rndn(5);
    u64 bo = (rnd() >> (64 - nb)) | 1 | (1ull << (nb - 1));
    int na = mant + 2 - nb + (int)rndn(2); /* product has na+nb-1 or na+nb bits */
    if (na > mant + 1) na = mant + 1;
    u64 ao = (rnd() >> (64 - na)) | 1 | (1ull << (na - 1));
    *a = with_exp(ao << (mant + 1 - na), w, clampe(bias - 30 + (int)rndn(61), w), (int)rndn(2));
    *b = with_exp(bo << (mant + 1 - nb), w, clampe(bias - 30 + (int)rndn(61), w), (int)rndn(2));
    break;
  }
  case 5: { /* scale by a power of two into the subnormal range: ties there */
    int target = (int)rndn(mant + 4) - mant - 2; /* biased exponent of the result */
    int eb = isMul ? 1 + (int)rndn(bias) : bias + (int)rndn(bias);
    int ea2 = clampe(isMul ? target - eb + bias : target + eb - bias, w);
    if (ea2 == 0) ea2 = 1;
    *a = with_exp(rnd_frac(mant), w, ea2, (int)rndn(2));
    *b = with_exp(0, w, eb, (int)rndn(2));
    if (target <= 0 && rndn(2)) { /* make the bits shifted out exactly 100...0 */
      int k = -target;
      u64 f = k >= mant ? 0 : (rnd() & ~((2ull << k) - 1)) | (1ull << k);
      *a = with_exp(f, w, ea2, (int)rndn(2));
    }
    break;
  }
  case 0: break; /* independent */
  case 1: /* close exponents: cancellation, alignment */
    *b = with_exp(rnd_frac(mant), w, clampe(ea + (int)rndn(7) - 3, w), (int)rndn(2));
    break;
  case 2: /* exponents placed so mul/div land near underflow or overflow */
    if (op == F32_MUL || op == F64_MUL || op == F32_DIV || op == F64_DIV) {
      int target = rndn(2) ? (int)rndn(2 * mant + 8) - mant - 4 : emax - 3 + (int)rndn(6); /* biased result exp */
      int eb = (op == F32_MUL || op == F64_MUL) ? target - ea + bias : ea - target + bias;
      *b = with_exp(rnd_frac(mant), w, clampe(eb, w), (int)rndn(2));
    } else {
      *b = with_exp(rnd_frac(mant), w, clampe(ea - (int)rndn(mant + 8), w), (int)rndn(2));
    }
    break;
  default: /* a few significant bits in both: exact results and ties */
    *a = with_exp(rnd() << (64 - 1 - rndn(mant)) >> (64 - mant), w, ea, (int)(*a >> (w - 1)) & 1);
    *b = with_exp(rnd() << (64 - 1 - rndn(mant)) >> (64 - mant), w, clampe(ea + (int)rndn(2 * mant + 2) - mant - 1, w), (int)rndn(2));
    break;
  }
}

/* fma addend close to -(a*b) (cancellation), or tiny/huge relative to it. */
/* fma operands whose exact result is a tie: c normal, a*b = +-q * ulp(c)/2
 * with q small and odd. */
static void fma_tie(int w, u64 *a, u64 *b, u64 *c) {
  int mant = w == 32 ? 23 : 52, bias = w == 32 ? 127 : 1023;
  *c = with_exp(rnd_frac(mant), w, bias - 60 + (int)rndn(121), (int)rndn(2));
  int E = exp_of(*c, w) - bias;
  int u = E - mant - 1; /* exponent of ulp(c)/2 */
  int q = 1 + 2 * (int)rndn(16);
  int e1 = u / 2 + (int)rndn(21) - 10, e2 = u - e1;
  if (w == 32) {
    *a = b32(ldexpf((float)q, e1));
    *b = b32(ldexpf(rndn(2) ? 1.0f : -1.0f, e2));
  } else {
    *a = b64(ldexp((double)q, e1));
    *b = b64(ldexp(rndn(2) ? 1.0 : -1.0, e2));
  }
  if (rndn(2)) { u64 t = *a; *a = *b; *b = t; }
}

static u64 rnd_addend(int w, u64 a, u64 b) {
  int mant = w == 32 ? 23 : 52;
  double p = w == 32 ? (double)f32((u32)a) * f32((u32)b) : f64(a) * f64(b);
  if (!isfinite(p) || rndn(3) == 0) return rnd_float(w);
  u64 c;
  if (w == 32) { float pf = (float)-p; c = b32(pf); if (nan32((u32)c)) return rnd_float(w); }
  else { c = b64(-p); }
  switch (rndn(4)) {
  case 0: return c;                                               /* near exact cancellation */
  case 1: return c + (rndn(2) ? 1 : -1) * (u64)(1 + rndn(4));     /* a few ulps off */
  case 2: return c ^ (rnd_frac(mant) & ((1ull << rndn(mant)) - 1)); /* low bits perturbed */
  default: {
    int e = exp_of(c, w) + (int)rndn(2 * mant + 12) - mant - 6;   /* shifted scale */
    return with_exp(c, w, clampe(e, w), (int)rndn(2));
  }
  }
}

static u64 rnd_int(int w) {
  u64 v;
  switch (rndn(6)) {
  case 5: { /* p+1 significant bits ending in 1: a tie when converted to p bits */
    int p = (w == 32 || rndn(2)) ? 24 : 53;
    u64 x = (rnd() >> (64 - p)) | (1ull << (p - 1));
    v = ((x << 1) | 1) << rndn(w - p);
    if (rndn(2)) v = -v;
    break;
  }
  case 0: v = rnd(); break;
  case 1: v = rnd() >> rndn(64); break;                 /* any magnitude */
  case 2: v = rnd_frac(64); break;                      /* runs / few bits */
  case 3: v = -(rnd() >> rndn(64)); break;              /* negative */
  default: { int k = (int)rndn(w); v = (1ull << k) + (rndn(2) ? 1 : -1) * (u64)rndn(4); break; } /* near powers of 2 */
  }
  return w == 32 ? (u32)v : v;
}

/* Float near an integer-conversion limit or a half-integer. */
static u64 rnd_conv_input(int w) {
  static const double lims[] = { 0.0, 1.0, 2147483648.0, 4294967296.0, 9223372036854775808.0, 18446744073709551616.0 };
  double L = lims[rndn(6)];
  if (rndn(2)) L = -L;
  double off = (double)((i64)rndn(9) - 4) * (rndn(2) ? 0.5 : 0.25);
  if (w == 32) {
    float f = (float)(L + off);
    u32 x = b32(f);
    if (rndn(2)) x += (u32)((i32)rndn(5) - 2);
    return x;
  }
  u64 x = b64(L + off);
  if (rndn(2)) x += (u64)((i64)rndn(5) - 2);
  return x;
}

/* ------------------------------------------------------------ main */
int main(int argc, char **argv) {
  int scale = argc > 1 ? atoi(argv[1]) : 1;
  hw_begin(RNE);
  /* The tie test for sums relies on __float128 arithmetic raising inexact in
   * MXCSR (libgcc soft-fp does); make sure it does here. */
  if (exact_equals(F64_ADD, 0x3FF0000000000000ull, 0x0370000000000000ull, 0, (f128)1.0) ||
      !exact_equals(F64_ADD, 0x3FF0000000000000ull, 0x3FF0000000000000ull, 0, (f128)2.0))
    die("__float128 inexact detection does not work", F64_ADD, 0, 0, 0);
  for (int op = 0; op < NOPS; op++) {
    const opinfo *oi = &OPS[op];
    int w = oi->inw;
    int isint = op == I32_TO_F32 || op == U32_TO_F32 || op == I64_TO_F32 || op == U64_TO_F32 ||
                op == I32_TO_F64 || op == U32_TO_F64 || op == I64_TO_F64 || op == U64_TO_F64;
    int isconv = (op >= F32_TO_I32 && op <= F32_TO_U64) || (op >= F64_TO_I32 && op <= F64_TO_U64);
    long nrand;
    if (oi->nin == 1) {
      if (isint) {
        static const u64 ints[] = { 0, 1, 2, 3, 0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFF, 0x00FFFFFF,
          0x01000001, 0x01000003, 0x7FFFFFFFFFFFFFFFull, 0x8000000000000000ull, 0x8000000000000001ull,
          0xFFFFFFFFFFFFFFFFull, 0x0020000000000001ull, 0x0020000000000003ull, 0x001FFFFFFFFFFFFFull,
          0xFFFFFFFFFFFFF800ull, 0xFFFFFFFFFFFFFC00ull, 0xFFFFFF8000000000ull, 0x7FFFFFC000000000ull };
        for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) emit(op, w == 32 ? (u32)ints[i] : ints[i], 0, 0);
        nrand = 1500;
        for (long i = 0; i < nrand * scale; i++) emit(op, rnd_int(w), 0, 0);
      } else {
        if (w == 32) for (size_t i = 0; i < NSPECIAL32; i++) emit(op, SPECIAL32[i], 0, 0);
        else for (size_t i = 0; i < NSPECIAL64; i++) emit(op, SPECIAL64[i], 0, 0);
        if (op == F64_TO_F32 || op == F32_TO_F64) {
          /* binary32 boundaries as binary64: subnormal range and overflow */
          for (long i = 0; i < 1000 * scale; i++) {
            u64 x;
            if (op == F32_TO_F64) x = rnd_float(32);
            else if (rndn(3) == 0) { /* 25 significant bits, or a tie at subnormal precision */
              int k = 28 + (int)rndn(25);
              x = mk64((int)rndn(2), rndn(2) ? 1023 - 126 - (k - 28) : 1023 - 60 + (int)rndn(121),
                       (rnd() & ~((2ull << k) - 1)) | (1ull << k));
            }
            else if (rndn(2)) x = mk64((int)rndn(2), 1023 - 126 - (int)rndn(30), rnd_frac(52));
            else if (rndn(2)) x = mk64((int)rndn(2), 1023 + 126 + (int)rndn(3), rnd_frac(52));
            else x = rnd_float(64);
            emit(op, x, 0, 0);
          }
        }
        nrand = oi->rounded ? 1500 : 800;
        for (long i = 0; i < nrand * scale; i++) {
          u64 x = isconv && rndn(2) ? rnd_conv_input(w) : rnd_float(w);
          if ((op == F32_SQRT || op == F64_SQRT) && rndn(4)) x &= w == 32 ? 0x7FFFFFFF : 0x7FFFFFFFFFFFFFFFull;
          emit(op, x, 0, 0);
        }
      }
    } else if (oi->nin == 2) {
      for (size_t i = 0; i < (w == 32 ? NCORE32 : NCORE64); i++)
        for (size_t j = 0; j < (w == 32 ? NCORE32 : NCORE64); j++)
          emit(op, w == 32 ? CORE32[i] : CORE64[i], w == 32 ? CORE32[j] : CORE64[j], 0);
      nrand = oi->rounded ? 2000 : 800;
      for (long i = 0; i < nrand * scale; i++) {
        u64 a, b;
        rnd_pair(op, w, &a, &b);
        if (!oi->rounded && rndn(4) == 0) b = a ^ (rndn(2) ? 0 : (w == 32 ? 0x80000000u : 0x8000000000000000ull));
        if (rndn(2)) { u64 t = a; a = b; b = t; }
        emit(op, a, b, 0);
      }
    } else {
      static const int pick[] = { 0, 1, 2, 3, 4, 6, 8, 13, 17, 22, 24, 26 };
      int np = sizeof pick / sizeof pick[0];
      for (int i = 0; i < np; i++)
        for (int j = 0; j < np; j++)
          for (int k = 0; k < np; k++)
            emit(op, w == 32 ? CORE32[pick[i]] : CORE64[pick[i]], w == 32 ? CORE32[pick[j]] : CORE64[pick[j]],
                 w == 32 ? CORE32[pick[k]] : CORE64[pick[k]]);
      for (long i = 0; i < 3000L * scale; i++) {
        u64 a, b;
        u64 c;
        if (rndn(8) == 0) {
          fma_tie(w, &a, &b, &c);
        } else {
          rnd_pair(w == 32 ? F32_MUL : F64_MUL, w, &a, &b);
          c = rnd_addend(w, a, b);
        }
        emit(op, a, b, c);
      }
    }
  }
  fprintf(stderr, "gen-fp-vectors: %ld lines, %ld vectors\n", nlines, nvectors);
  return 0;
}
