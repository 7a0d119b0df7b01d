// Traps: taking exceptions and interrupts, delegation, mret/sret
// (privileged spec 3.1.8 medeleg/mideleg, 3.1.9 mip/mie, 3.3.2 xRET).
import {
  C_MSTATUS, C_MEDELEG, C_MIDELEG, C_MIE, C_MTVEC, C_MEPC, C_MCAUSE, C_MTVAL,
  C_STVEC, C_SEPC, C_SCAUSE, C_STVAL, H_RESERVATION,
} from "../../layout";
import { hb, csr64, setCsr64, getPriv, setPriv, getMip, PRIV_M, PRIV_S, PRIV_U } from "./hart";
import {
  MS_SIE, MS_MIE, MS_SPIE, MS_MPIE, MS_SPP, MS_MPP, MS_MPP_SHIFT, MS_MPRV,
} from "./mstatus";

const INTERRUPT: u64 = <u64>1 << 63;

// Take a trap at pc: `cause` with bit 63 set for an interrupt. Returns the
// new pc; privilege and status are updated.
export function takeTrap(pc: u64, cause: u64, tval: u64): u64 {
  const priv = getPriv();
  const isIrq = (cause & INTERRUPT) != 0;
  const code = cause & 63;
  const deleg = csr64(isIrq ? C_MIDELEG : C_MEDELEG);
  // The reservation of an LR does not survive a trap.
  store<i64>(hb + H_RESERVATION, -1);
  let ms = csr64(C_MSTATUS);
  if (priv <= PRIV_S && ((deleg >> code) & 1) != 0) {
    setCsr64(C_SCAUSE, cause);
    setCsr64(C_SEPC, pc);
    setCsr64(C_STVAL, tval);
    ms = (ms & ~(MS_SPIE | MS_SPP | MS_SIE)) |
      ((ms & MS_SIE) != 0 ? MS_SPIE : 0) | (priv == PRIV_S ? MS_SPP : 0);
    setCsr64(C_MSTATUS, ms);
    setPriv(PRIV_S);
    return vector(csr64(C_STVEC), isIrq, code);
  }
  setCsr64(C_MCAUSE, cause);
  setCsr64(C_MEPC, pc);
  setCsr64(C_MTVAL, tval);
  ms = (ms & ~(MS_MPIE | MS_MPP | MS_MIE)) |
    ((ms & MS_MIE) != 0 ? MS_MPIE : 0) | (<u64>priv << MS_MPP_SHIFT);
  setCsr64(C_MSTATUS, ms);
  setPriv(PRIV_M);
  return vector(csr64(C_MTVEC), isIrq, code);
}

@inline function vector(tvec: u64, isIrq: bool, code: u64): u64 {
  const base = tvec & ~<u64>3;
  // Vectored mode: interrupts go to base + 4 * cause.
  if ((tvec & 3) == 1 && isIrq) return base + (code << 2);
  return base;
}

// Highest-priority interrupt that should be taken now, or -1.
// Priority: MEI, MSI, MTI, SEI, SSI, STI (privileged spec 3.1.9).
export function pendingInterrupt(): i32 {
  const pending = getMip() & csr64(C_MIE);
  if (pending == 0) return -1;
  const priv = getPriv();
  const ms = csr64(C_MSTATUS);
  const mideleg = csr64(C_MIDELEG);
  // M-level interrupts: taken below M always, in M when MIE.
  const m = pending & ~mideleg;
  if (m != 0 && (priv < PRIV_M || (ms & MS_MIE) != 0)) return highest(m);
  const s = pending & mideleg;
  if (s != 0 && (priv < PRIV_S || (priv == PRIV_S && (ms & MS_SIE) != 0))) return highest(s);
  return -1;
}

function highest(bits: u64): i32 {
  if (bits & (1 << 11)) return 11;
  if (bits & (1 << 3)) return 3;
  if (bits & (1 << 7)) return 7;
  if (bits & (1 << 9)) return 9;
  if (bits & (1 << 1)) return 1;
  if (bits & (1 << 5)) return 5;
  return <i32>ctz<u64>(bits);
}

export function takeInterrupt(pc: u64, code: i32): u64 {
  return takeTrap(pc, INTERRUPT | <u64>code, 0);
}

// mret: back to MPP with MIE = MPIE; MPIE = 1; MPP = U; MPRV cleared when
// leaving to a less privileged mode. Returns the new pc.
export function mret(): u64 {
  let ms = csr64(C_MSTATUS);
  const mpp = <i32>((ms & MS_MPP) >> MS_MPP_SHIFT);
  ms = (ms & ~(MS_MIE | MS_MPP)) | ((ms & MS_MPIE) != 0 ? MS_MIE : 0) | MS_MPIE;
  if (mpp != PRIV_M) ms &= ~MS_MPRV;
  setCsr64(C_MSTATUS, ms);
  setPriv(mpp);
  return csr64(C_MEPC);
}

export function sret(): u64 {
  let ms = csr64(C_MSTATUS);
  const spp = (ms & MS_SPP) != 0 ? PRIV_S : PRIV_U;
  ms = (ms & ~(MS_SIE | MS_SPP | MS_MPRV)) | ((ms & MS_SPIE) != 0 ? MS_SIE : 0) | MS_SPIE;
  setCsr64(C_MSTATUS, ms);
  setPriv(spp);
  return csr64(C_SEPC);
}
