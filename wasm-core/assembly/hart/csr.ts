// Zicsr and the control and status registers (privileged spec chapter 2 for
// the address map and access rules, chapters 3-4 for each register).
import {
  H_INSTRET, H_CYCLE_DELTA, H_MIP, C_MSTATUS, C_MISA, C_MEDELEG, C_MIDELEG, C_MIE, C_MTVEC,
  C_MSCRATCH, C_MEPC, C_MCAUSE, C_MTVAL, C_MCOUNTEREN, C_MENVCFG, C_STVEC, C_SSCRATCH,
  C_SEPC, C_SCAUSE, C_STVAL, C_SATP, C_SCOUNTEREN, C_SENVCFG, C_FCSR,
  C_PMPADDR,
} from "../../layout";
import { hb, hartId, csr64, setCsr64, getPriv, getMip, raise, PRIV_M, PRIV_S, PRIV_U } from "./hart";
import {
  MSTATUS_WRITABLE, SSTATUS_VISIBLE, SSTATUS_WRITABLE, MS_FS, MS_SD, MS_XLEN64, MS_MPP,
  MS_MPP_SHIFT, MS_TVM, MS_MXR,
} from "./mstatus";
import { satpWrite, tlbFlush } from "./sv39";
import { pmpReadCfg, pmpWriteCfg, pmpWriteAddr } from "./pmp";
import { mtime } from "../devices/clint";
import { CAUSE_ILLEGAL } from "../bus";

// misa: MXL = 2 (64-bit), extensions A C D F I M S U.
export const MISA_VALUE: u64 = (<u64>2 << 62) | (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) |
  (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20);

const MIP_WRITABLE: u64 = (1 << 1) | (1 << 5) | (1 << 9); // SSIP, STIP, SEIP
const MIE_WRITABLE: u64 = 0xaaa; // SSIE MSIE STIE MTIE SEIE MEIE
const MIDELEG_WRITABLE: u64 = (1 << 1) | (1 << 5) | (1 << 9);
// Every exception but ecall from M (11) and the reserved causes 10 and 14.
const MEDELEG_WRITABLE: u64 = 0xb3ff;

// Instructions of the current slice not yet added to minstret (the run
// loop sets this before a CSR instruction; it counts that instruction).
export let sliceRetired: u64 = 0;

// Set by a CSR write that changes how the hart translates or takes
// interrupts: the run loop must leave its inner loop.
export let csrStateChanged: bool = false;

function instret(): u64 { return load<u64>(hb + H_INSTRET) + sliceRetired - 1; }
function cycle(): u64 { return instret() + load<u64>(hb + H_CYCLE_DELTA); }

// Counter access from S/U is gated by mcounteren (and scounteren for U).
function counterAllowed(idx: u32): bool {
  const priv = getPriv();
  if (priv == PRIV_M) return true;
  if (((csr64(C_MCOUNTEREN) >> idx) & 1) == 0) return false;
  if (priv == PRIV_U && ((csr64(C_SCOUNTEREN) >> idx) & 1) == 0) return false;
  return true;
}

@inline function fsOn(): bool { return (csr64(C_MSTATUS) & MS_FS) != 0; }

export function readMstatus(): u64 {
  const ms = csr64(C_MSTATUS);
  const sd = (ms & MS_FS) == MS_FS ? MS_SD : 0;
  return (ms & MSTATUS_WRITABLE) | MS_XLEN64 | sd;
}

let csrOk: bool = true;

// Value of CSR `csr`; sets csrOk = false when the CSR does not exist or may
// not be read at the current privilege.
function readCsr(csr: u32): u64 {
  csrOk = true;
  switch (csr) {
    case 0x001: if (!fsOn()) break; return csr64(C_FCSR) & 0x1f;
    case 0x002: if (!fsOn()) break; return (csr64(C_FCSR) >> 5) & 7;
    case 0x003: if (!fsOn()) break; return csr64(C_FCSR) & 0xff;
    case 0xc00: if (!counterAllowed(0)) break; return cycle();
    case 0xc01: if (!counterAllowed(1)) break; return mtime();
    case 0xc02: if (!counterAllowed(2)) break; return instret();
    case 0x100: return readMstatus() & SSTATUS_VISIBLE;
    case 0x104: return csr64(C_MIE) & csr64(C_MIDELEG);
    case 0x105: return csr64(C_STVEC);
    case 0x106: return csr64(C_SCOUNTEREN);
    case 0x10a: return csr64(C_SENVCFG);
    case 0x140: return csr64(C_SSCRATCH);
    case 0x141: return csr64(C_SEPC);
    case 0x142: return csr64(C_SCAUSE);
    case 0x143: return csr64(C_STVAL);
    case 0x144: return getMip() & csr64(C_MIDELEG);
    case 0x180:
      if (getPriv() == PRIV_S && (csr64(C_MSTATUS) & MS_TVM) != 0) break;
      return csr64(C_SATP);
    case 0xf11: case 0xf12: case 0xf13: case 0xf15: return 0;
    case 0xf14: return <u64>hartId;
    case 0x300: return readMstatus();
    case 0x301: return MISA_VALUE;
    case 0x302: return csr64(C_MEDELEG);
    case 0x303: return csr64(C_MIDELEG);
    case 0x304: return csr64(C_MIE);
    case 0x305: return csr64(C_MTVEC);
    case 0x306: return csr64(C_MCOUNTEREN);
    case 0x30a: return csr64(C_MENVCFG);
    // mcountinhibit: every bit WARL hard-wired to 0 (counters always count).
    case 0x320: return 0;
    case 0x340: return csr64(C_MSCRATCH);
    case 0x341: return csr64(C_MEPC);
    case 0x342: return csr64(C_MCAUSE);
    case 0x343: return csr64(C_MTVAL);
    case 0x344: return getMip();
    case 0x3a0: return pmpReadCfg(0);
    case 0x3a2: return pmpReadCfg(8);
    case 0xb00: return cycle();
    case 0xb02: return instret();
    // Debug triggers: none (tselect reads 0, tdata1 type 0).
    case 0x7a0: case 0x7a1: case 0x7a2: case 0x7a3: return 0;
    default:
      if (csr >= 0x3b0 && csr < 0x3c0) return load<u64>(hb + C_PMPADDR + (<usize>(csr - 0x3b0) << 3));
      // pmpaddr16-63 and pmpcfg4-14 (even): entries not implemented, read 0.
      if (csr >= 0x3c0 && csr < 0x3f0) return 0;
      if (csr >= 0x3a4 && csr < 0x3b0 && (csr & 1) == 0) return 0;
      // hpmcounter3-31 / mhpmcounter3-31 / mhpmevent3-31: no events, read 0.
      if (csr >= 0xc03 && csr < 0xc20) { if (!counterAllowed(csr - 0xc00)) break; return 0; }
      if (csr >= 0xb03 && csr < 0xb20) return 0;
      if (csr >= 0x323 && csr < 0x340) return 0;
      break;
  }
  csrOk = false;
  return 0;
}

// Write v to csr (already known to exist and be writable at this privilege).
function writeCsr(csr: u32, v: u64): void {
  switch (csr) {
    case 0x001: setFcsr((csr64(C_FCSR) & ~<u64>0x1f) | (v & 0x1f)); return;
    case 0x002: setFcsr((csr64(C_FCSR) & 0x1f) | ((v & 7) << 5)); return;
    case 0x003: setFcsr(v & 0xff); return;
    case 0x100: writeMstatus((csr64(C_MSTATUS) & ~SSTATUS_WRITABLE) | (v & SSTATUS_WRITABLE)); return;
    case 0x104: {
      const d = csr64(C_MIDELEG);
      setCsr64(C_MIE, (csr64(C_MIE) & ~d) | (v & d & MIE_WRITABLE));
      csrStateChanged = true;
      return;
    }
    case 0x105: setCsr64(C_STVEC, tvec(v)); return;
    case 0x106: setCsr64(C_SCOUNTEREN, v & 0xffffffff); return;
    case 0x10a: return; // senvcfg: no fields implemented (FIOM, CBZE... read 0)
    case 0x140: setCsr64(C_SSCRATCH, v); return;
    case 0x141: setCsr64(C_SEPC, v & ~<u64>1); return;
    case 0x142: setCsr64(C_SCAUSE, v); return;
    case 0x143: setCsr64(C_STVAL, v); return;
    case 0x144: {
      // Only SSIP is writable through sip, and only when delegated.
      const m: u32 = <u32>(csr64(C_MIDELEG) & (1 << 1));
      if (v & (1 << 1)) atomic.or<i32>(hb + H_MIP, m); else atomic.and<i32>(hb + H_MIP, ~m);
      csrStateChanged = true;
      return;
    }
    case 0x180: if (satpWrite(v)) csrStateChanged = true; return;
    case 0x300: writeMstatus(v); return;
    case 0x301: return; // misa is read-only here (WARL)
    case 0x302: setCsr64(C_MEDELEG, v & MEDELEG_WRITABLE); return;
    case 0x303: setCsr64(C_MIDELEG, v & MIDELEG_WRITABLE); csrStateChanged = true; return;
    case 0x304: setCsr64(C_MIE, v & MIE_WRITABLE); csrStateChanged = true; return;
    case 0x305: setCsr64(C_MTVEC, tvec(v)); return;
    case 0x306: setCsr64(C_MCOUNTEREN, v & 0xffffffff); return;
    case 0x30a: return; // menvcfg: no fields implemented (no Sstc, no Svpbmt)
    case 0x340: setCsr64(C_MSCRATCH, v); return;
    case 0x341: setCsr64(C_MEPC, v & ~<u64>1); return;
    case 0x342: setCsr64(C_MCAUSE, v); return;
    case 0x343: setCsr64(C_MTVAL, v); return;
    case 0x344: {
      const set = <u32>(v & MIP_WRITABLE);
      const clr = <u32>(~v & MIP_WRITABLE);
      atomic.or<i32>(hb + H_MIP, set);
      atomic.and<i32>(hb + H_MIP, ~clr);
      csrStateChanged = true;
      return;
    }
    case 0x3a0: pmpWriteCfg(0, v); pmpChanged(); return;
    case 0x3a2: pmpWriteCfg(8, v); pmpChanged(); return;
    case 0xb00: store<u64>(hb + H_CYCLE_DELTA, v - instret() - 1); return;
    case 0xb02: {
      // The written value is what the next instruction reads.
      const cyc = cycle();
      store<u64>(hb + H_INSTRET, v - sliceRetired);
      store<u64>(hb + H_CYCLE_DELTA, cyc + 1 - v);
      return;
    }
    default:
      if (csr >= 0x3b0 && csr < 0x3c0) { pmpWriteAddr(<i32>(csr - 0x3b0), v); pmpChanged(); }
      // Everything else that exists is read-only zero or ignores writes
      // (tselect/tdata*, hpm counters and events, unimplemented PMP entries).
      return;
  }
}

function pmpChanged(): void {
  tlbFlush();
  csrStateChanged = true;
}

@inline function tvec(v: u64): u64 {
  // Modes 0 (direct) and 1 (vectored); reserved modes >= 2 are not kept.
  return (v & 2) != 0 ? v & ~<u64>3 : v;
}

export function setFcsr(v: u64): void {
  setCsr64(C_FCSR, v);
  setCsr64(C_MSTATUS, csr64(C_MSTATUS) | MS_FS);
}

function writeMstatus(v: u64): void {
  const old = csr64(C_MSTATUS);
  let nv = (old & ~MSTATUS_WRITABLE) | (v & MSTATUS_WRITABLE);
  // MPP is WARL over {U, S, M}: the reserved value 2 keeps the old field.
  if (((nv & MS_MPP) >> MS_MPP_SHIFT) == 2) nv = (nv & ~MS_MPP) | (old & MS_MPP);
  setCsr64(C_MSTATUS, nv);
  // The TLB sets are keyed by privilege and SUM; MXR changes what a cached
  // read entry may allow, so it flushes.
  if (((old ^ nv) & MS_MXR) != 0) tlbFlush();
  csrStateChanged = true;
}

// Execute a CSR instruction: read-modify-write of `csr`, `op` 1 = RW,
// 2 = RS, 3 = RC. The write happens only when `write` (RW always writes;
// RS/RC write when rs1/uimm is not zero). Raises illegal instruction
// (tval = raw) on a missing CSR, insufficient privilege or a write to a
// read-only CSR. Returns the old value.
export function csrInstr(csr: u32, op: u32, operand: u64, write: bool, raw: u32): u64 {
  const priv = <u32>getPriv();
  // Bits 9:8 give the lowest privilege that may access; 11:10 == 3 is read-only.
  if (((csr >> 8) & 3) > priv || (write && (csr >> 10) == 3)) {
    raise(CAUSE_ILLEGAL, <u64>raw);
    return 0;
  }
  const old = readCsr(csr);
  if (!csrOk) { raise(CAUSE_ILLEGAL, <u64>raw); return 0; }
  if (write) {
    const v = op == 1 ? operand : op == 2 ? old | operand : old & ~operand;
    writeCsr(csr, v);
  }
  return old;
}

export function resetCsrs(): void {
  setCsr64(C_MSTATUS, 0);
  setCsr64(C_MISA, MISA_VALUE);
  setCsr64(C_MEDELEG, 0);
  setCsr64(C_MIDELEG, 0);
  setCsr64(C_MIE, 0);
  setCsr64(C_MTVEC, 0);
  setCsr64(C_MCOUNTEREN, 0);
  setCsr64(C_SCOUNTEREN, 0);
  setCsr64(C_SATP, 0);
  setCsr64(C_FCSR, 0);
  setCsr64(C_MENVCFG, 0);
  setCsr64(C_SENVCFG, 0);
}

