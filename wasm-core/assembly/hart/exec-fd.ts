// F and D extensions: the executors of OP-FP and the fused multiply-adds.
// Arithmetic, rounding and exception flags come from softfloat.ts, because
// WebAssembly has no flags, only round-to-nearest-even, no FMA, and keeps
// NaN payloads where RISC-V returns the canonical NaN.
// Loads and stores (FLW/FLD/FSW/FSD) live in the run loop with the others.
import { C_FCSR, C_MSTATUS } from "../../layout";
import { csr64, setCsr64, getF, setF, getX, setX, raise } from "./hart";
import { MS_FS } from "./mstatus";
import { CAUSE_ILLEGAL } from "../bus";
import {
  sfFlags,
  f32_add, f32_sub, f32_mul, f32_div, f32_sqrt, f32_mulAdd, f32_eq, f32_lt, f32_le,
  f32_min, f32_max, f32_classify, f32_to_i32, f32_to_u32, f32_to_i64, f32_to_u64,
  i32_to_f32, u32_to_f32, i64_to_f32, u64_to_f32, f32_to_f64,
  f64_add, f64_sub, f64_mul, f64_div, f64_sqrt, f64_mulAdd, f64_eq, f64_lt, f64_le,
  f64_min, f64_max, f64_classify, f64_to_i32, f64_to_u32, f64_to_i64, f64_to_u64,
  i32_to_f64, u32_to_f64, i64_to_f64, u64_to_f64, f64_to_f32,
} from "./softfloat";

const BOX: u64 = 0xffffffff00000000;
const CANONICAL_NAN_S: u32 = 0x7fc00000;
const SIGN_S: u32 = 0x80000000;
const SIGN_D: u64 = 0x8000000000000000;

// mstatus.FS = Off makes every F/D instruction illegal.
@inline export function fpEnabled(): bool { return (csr64(C_MSTATUS) & MS_FS) != 0; }

// A single-precision operand: NaN-boxed, or the canonical NaN if not.
@inline function getS(r: u32): u32 {
  const v = getF(<i32>r);
  return (v & BOX) == BOX ? <u32>v : CANONICAL_NAN_S;
}

@inline function dirty(): void {
  setCsr64(C_MSTATUS, csr64(C_MSTATUS) | MS_FS);
}
@inline export function setS(r: u32, v: u32): void { setF(<i32>r, BOX | <u64>v); dirty(); }
@inline export function setD(r: u32, v: u64): void { setF(<i32>r, v); dirty(); }

// Fold the flags the soft-float routine raised into fflags.
@inline function accrue(): void {
  const f = sfFlags;
  if (f != 0) {
    setCsr64(C_FCSR, csr64(C_FCSR) | <u64>f);
    dirty();
  }
}

// The rounding mode an instruction uses, or -1 when it is reserved
// (rm 5, 6, or DYN with frm >= 5): illegal instruction.
@inline function roundingMode(inst: u32): i32 {
  let rm = (inst >> 12) & 7;
  if (rm == 7) rm = <u32>(csr64(C_FCSR) >> 5) & 7;
  return rm >= 5 ? -1 : <i32>rm;
}

@inline function illegal(raw: u32): void { raise(CAUSE_ILLEGAL, <u64>raw); }

// FMADD / FMSUB / FNMSUB / FNMADD (major opcodes 0x43, 0x47, 0x4b, 0x4f).
// The sign flips are applied to the inputs: -(a*b) + c == (-a)*b + c.
export function execFma(inst: u32, raw: u32): void {
  const rmi = roundingMode(inst);
  const fmt = (inst >> 25) & 3;
  if (!fpEnabled() || rmi < 0 || fmt > 1) { illegal(raw); return; }
  const rm = <u32>rmi;
  const op = (inst >> 2) & 3; // 0 fmadd, 1 fmsub, 2 fnmsub, 3 fnmadd
  const negProduct = op >= 2;
  const negAddend = op == 1 || op == 3;
  const rd = (inst >> 7) & 31, rs1 = (inst >> 15) & 31, rs2 = (inst >> 20) & 31, rs3 = inst >> 27;
  sfFlags = 0;
  if (fmt == 0) {
    const a = getS(rs1) ^ (negProduct ? SIGN_S : 0);
    const c = getS(rs3) ^ (negAddend ? SIGN_S : 0);
    setS(rd, f32_mulAdd(a, getS(rs2), c, rm));
  } else {
    const a = getF(<i32>rs1) ^ (negProduct ? SIGN_D : 0);
    const c = getF(<i32>rs3) ^ (negAddend ? SIGN_D : 0);
    setD(rd, f64_mulAdd(a, getF(<i32>rs2), c, rm));
  }
  accrue();
}

// OP-FP (major opcode 0x53).
export function execOpFp(inst: u32, raw: u32): void {
  if (!fpEnabled()) { illegal(raw); return; }
  const f7 = inst >> 25;
  const f3 = (inst >> 12) & 7;
  const rd = (inst >> 7) & 31, rs1 = (inst >> 15) & 31, rs2 = (inst >> 20) & 31;
  const dbl = (f7 & 1) != 0;
  if ((f7 & 2) != 0) { illegal(raw); return; } // fmt H / Q: not implemented
  sfFlags = 0;
  switch (f7 >> 2) {
    case 0x00: case 0x01: case 0x02: case 0x03: { // FADD FSUB FMUL FDIV
      const rmi = roundingMode(inst);
      if (rmi < 0) { illegal(raw); return; }
      const rm = <u32>rmi;
      const k = f7 >> 2;
      if (dbl) {
        const a = getF(<i32>rs1), b = getF(<i32>rs2);
        setD(rd, k == 0 ? f64_add(a, b, rm) : k == 1 ? f64_sub(a, b, rm) : k == 2 ? f64_mul(a, b, rm) : f64_div(a, b, rm));
      } else {
        const a = getS(rs1), b = getS(rs2);
        setS(rd, k == 0 ? f32_add(a, b, rm) : k == 1 ? f32_sub(a, b, rm) : k == 2 ? f32_mul(a, b, rm) : f32_div(a, b, rm));
      }
      break;
    }
    case 0x0b: { // FSQRT
      const rmi = roundingMode(inst);
      if (rmi < 0 || rs2 != 0) { illegal(raw); return; }
      if (dbl) setD(rd, f64_sqrt(getF(<i32>rs1), <u32>rmi));
      else setS(rd, f32_sqrt(getS(rs1), <u32>rmi));
      break;
    }
    case 0x04: { // FSGNJ FSGNJN FSGNJX: sign injection, no flags, no canonicalisation
      if (f3 > 2) { illegal(raw); return; }
      if (dbl) {
        const a = getF(<i32>rs1), b = getF(<i32>rs2);
        const s = f3 == 0 ? b & SIGN_D : f3 == 1 ? ~b & SIGN_D : (a ^ b) & SIGN_D;
        setD(rd, (a & ~SIGN_D) | s);
      } else {
        const a = getS(rs1), b = getS(rs2);
        const s = f3 == 0 ? b & SIGN_S : f3 == 1 ? ~b & SIGN_S : (a ^ b) & SIGN_S;
        setS(rd, (a & ~SIGN_S) | s);
      }
      break;
    }
    case 0x05: { // FMIN FMAX
      if (f3 > 1) { illegal(raw); return; }
      if (dbl) {
        const a = getF(<i32>rs1), b = getF(<i32>rs2);
        setD(rd, f3 == 0 ? f64_min(a, b) : f64_max(a, b));
      } else {
        const a = getS(rs1), b = getS(rs2);
        setS(rd, f3 == 0 ? f32_min(a, b) : f32_max(a, b));
      }
      break;
    }
    case 0x08: { // FCVT.S.D (f7 0x20, rs2 1) / FCVT.D.S (f7 0x21, rs2 0)
      const rmi = roundingMode(inst);
      if (rmi < 0) { illegal(raw); return; }
      if (dbl && rs2 == 0) setD(rd, f32_to_f64(getS(rs1)));
      else if (!dbl && rs2 == 1) setS(rd, f64_to_f32(getF(<i32>rs1), <u32>rmi));
      else { illegal(raw); return; }
      break;
    }
    case 0x14: { // FLE FLT FEQ
      let r: bool;
      if (dbl) {
        const a = getF(<i32>rs1), b = getF(<i32>rs2);
        if (f3 == 0) r = f64_le(a, b); else if (f3 == 1) r = f64_lt(a, b); else if (f3 == 2) r = f64_eq(a, b);
        else { illegal(raw); return; }
      } else {
        const a = getS(rs1), b = getS(rs2);
        if (f3 == 0) r = f32_le(a, b); else if (f3 == 1) r = f32_lt(a, b); else if (f3 == 2) r = f32_eq(a, b);
        else { illegal(raw); return; }
      }
      setX(<i32>rd, r ? 1 : 0);
      break;
    }
    case 0x18: { // FCVT.{W,WU,L,LU}.{S,D}: float to integer, saturating
      const rmi = roundingMode(inst);
      if (rmi < 0 || rs2 > 3) { illegal(raw); return; }
      const rm = <u32>rmi;
      let r: u64;
      if (dbl) {
        const a = getF(<i32>rs1);
        r = rs2 == 0 ? <u64><i64>f64_to_i32(a, rm) : rs2 == 1 ? <u64><i64><i32>f64_to_u32(a, rm)
          : rs2 == 2 ? <u64>f64_to_i64(a, rm) : f64_to_u64(a, rm);
      } else {
        const a = getS(rs1);
        r = rs2 == 0 ? <u64><i64>f32_to_i32(a, rm) : rs2 == 1 ? <u64><i64><i32>f32_to_u32(a, rm)
          : rs2 == 2 ? <u64>f32_to_i64(a, rm) : f32_to_u64(a, rm);
      }
      setX(<i32>rd, r);
      break;
    }
    case 0x1a: { // FCVT.{S,D}.{W,WU,L,LU}: integer to float
      const rmi = roundingMode(inst);
      if (rmi < 0 || rs2 > 3) { illegal(raw); return; }
      const rm = <u32>rmi;
      const x = getX(<i32>rs1);
      if (dbl) {
        setD(rd, rs2 == 0 ? i32_to_f64(<i32>x, rm) : rs2 == 1 ? u32_to_f64(<u32>x, rm)
          : rs2 == 2 ? i64_to_f64(<i64>x, rm) : u64_to_f64(x, rm));
      } else {
        setS(rd, rs2 == 0 ? i32_to_f32(<i32>x, rm) : rs2 == 1 ? u32_to_f32(<u32>x, rm)
          : rs2 == 2 ? i64_to_f32(<i64>x, rm) : u64_to_f32(x, rm));
      }
      break;
    }
    case 0x1c: { // FMV.X.W / FMV.X.D (f3 0), FCLASS (f3 1)
      if (rs2 != 0) { illegal(raw); return; }
      if (f3 == 0) {
        // FMV.X.W moves the raw low 32 bits, sign-extended (no unboxing).
        setX(<i32>rd, dbl ? getF(<i32>rs1) : <u64><i64><i32>getF(<i32>rs1));
      } else if (f3 == 1) {
        setX(<i32>rd, <u64>(dbl ? f64_classify(getF(<i32>rs1)) : f32_classify(getS(rs1))));
      } else { illegal(raw); return; }
      break;
    }
    case 0x1e: { // FMV.W.X / FMV.D.X
      if (rs2 != 0 || f3 != 0) { illegal(raw); return; }
      const x = getX(<i32>rs1);
      if (dbl) setD(rd, x); else setS(rd, <u32>x);
      break;
    }
    default:
      illegal(raw);
      return;
  }
  accrue();
}

