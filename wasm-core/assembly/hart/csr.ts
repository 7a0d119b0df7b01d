// Zicsr and the control and status registers (privileged spec chapter 2 for
// the address map and access rules, chapters 3-4 for each register).
import {
  H_INSTRET, H_CYCLE_DELTA, H_MIP, H_SLICE_RETIRED, C_MSTATUS, C_MEDELEG, C_MIDELEG, C_MIE, C_MTVEC,
  C_MSCRATCH, C_MEPC, C_MCAUSE, C_MTVAL, C_MCOUNTEREN, C_MENVCFG, C_STVEC, C_SSCRATCH,
  C_SEPC, C_SCAUSE, C_STVAL, C_SATP, C_SCOUNTEREN, C_SENVCFG, C_FCSR, C_PMPADDR, PMP_COUNT,
} from "../../layout";
import * as R from "../../spec/riscv";
import {
  CSR_CYCLE, CSR_HPMCOUNTER3, CSR_HPMCOUNTER31, CSR_MHPMCOUNTER3, CSR_MHPMCOUNTER31, CSR_MHPMEVENT3,
  CSR_MHPMEVENT31, CSR_PMPADDR0, CSR_PMPADDR16, CSR_PMPADDR63, CSR_PMPCFG4, CSR_PMPCFG15,
  PRIV_M, PRIV_S, PRIV_U, CAUSE_ILLEGAL, MS_SIE, MS_MIE, MS_SPIE, MS_UBE, MS_MPIE, MS_SPP, MS_MPP,
  MS_MPP_SHIFT, MS_FS, MS_XS, MS_MPRV, MS_SUM, MS_MXR, MS_TVM, MS_TW, MS_TSR, MS_UXL_SHIFT,
  MS_SXL_SHIFT, MS_SD_BIT, XL_64, MIP_SSIP, MIP_STIP, MIP_SEIP, MIP_MSIP, MIP_MTIP, MIP_MEIP,
  MISA_MXL_SHIFT, MISA_A, MISA_C, MISA_D, MISA_F, MISA_I, MISA_M, MISA_S, MISA_U,
} from "../../spec/riscv";
import { hb, hartId, csr64, setCsr64, getPriv, getMip, raise } from "./hart";
import { satpWrite, tlbFlush } from "./sv39";
import { pmpReadCfg, pmpWriteCfg, pmpWriteAddr } from "./pmp";
import { mtime } from "../devices/clint";

// misa: MXL = 64-bit, extensions A C D F I M S U (read-only).
export const MISA_VALUE: u64 = (<u64>XL_64 << MISA_MXL_SHIFT) | MISA_A | MISA_C | MISA_D | MISA_F |
  MISA_I | MISA_M | MISA_S | MISA_U;

// mstatus as this hart implements it (3.1.6): which fields are writable,
// which sstatus shows; UXL = SXL = 64-bit and SD are read-only.
const MS_SD: u64 = <u64>1 << MS_SD_BIT;
const MS_UXL: u64 = <u64>3 << MS_UXL_SHIFT;
const MS_XLEN64: u64 = (<u64>XL_64 << MS_UXL_SHIFT) | (<u64>XL_64 << MS_SXL_SHIFT);
const MSTATUS_WRITABLE: u64 = MS_SIE | MS_MIE | MS_SPIE | MS_MPIE | MS_SPP | MS_MPP |
  MS_FS | MS_MPRV | MS_SUM | MS_MXR | MS_TVM | MS_TW | MS_TSR;
const SSTATUS_VISIBLE: u64 = MS_SIE | MS_SPIE | MS_UBE | MS_SPP | MS_FS | MS_XS |
  MS_SUM | MS_MXR | MS_UXL | MS_SD;
const SSTATUS_WRITABLE: u64 = MS_SIE | MS_SPIE | MS_SPP | MS_FS | MS_SUM | MS_MXR;

const MIP_WRITABLE: u64 = MIP_SSIP | MIP_STIP | MIP_SEIP;
const MIE_WRITABLE: u64 = MIP_SSIP | MIP_MSIP | MIP_STIP | MIP_MTIP | MIP_SEIP | MIP_MEIP;
const MIDELEG_WRITABLE: u64 = MIP_SSIP | MIP_STIP | MIP_SEIP;
// Every exception but ecall from M (11) and the reserved causes 10 and 14.
const MEDELEG_WRITABLE: u64 = 0xb3ff;
const PRIV_RESERVED: u64 = 2; // the privilege encoding between S and M

// minstret as the current instruction sees it: the count at the slice's
// start plus the instructions the slice has retired so far (the run loop
// stores them in H_SLICE_RETIRED before a CSR instruction, counting it).
@inline function sliceRetired(): u64 { return <u64>load<i32>(hb + H_SLICE_RETIRED); }
function instret(): u64 { return load<u64>(hb + H_INSTRET) + sliceRetired() - 1; }
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
    case R.CSR_FFLAGS: if (!fsOn()) break; return csr64(C_FCSR) & 0x1f;
    case R.CSR_FRM: if (!fsOn()) break; return (csr64(C_FCSR) >> 5) & 7;
    case R.CSR_FCSR: if (!fsOn()) break; return csr64(C_FCSR) & 0xff;
    case R.CSR_CYCLE: if (!counterAllowed(0)) break; return cycle();
    case R.CSR_TIME: if (!counterAllowed(1)) break; return mtime();
    case R.CSR_INSTRET: if (!counterAllowed(2)) break; return instret();
    case R.CSR_SSTATUS: return readMstatus() & SSTATUS_VISIBLE;
    case R.CSR_SIE: return csr64(C_MIE) & csr64(C_MIDELEG);
    case R.CSR_STVEC: return csr64(C_STVEC);
    case R.CSR_SCOUNTEREN: return csr64(C_SCOUNTEREN);
    case R.CSR_SENVCFG: return csr64(C_SENVCFG);
    case R.CSR_SSCRATCH: return csr64(C_SSCRATCH);
    case R.CSR_SEPC: return csr64(C_SEPC);
    case R.CSR_SCAUSE: return csr64(C_SCAUSE);
    case R.CSR_STVAL: return csr64(C_STVAL);
    case R.CSR_SIP: return getMip() & csr64(C_MIDELEG);
    case R.CSR_SATP:
      if (getPriv() == PRIV_S && (csr64(C_MSTATUS) & MS_TVM) != 0) break;
      return csr64(C_SATP);
    case R.CSR_MVENDORID: case R.CSR_MARCHID: case R.CSR_MIMPID: case R.CSR_MCONFIGPTR: return 0;
    case R.CSR_MHARTID: return <u64>hartId;
    case R.CSR_MSTATUS: return readMstatus();
    case R.CSR_MISA: return MISA_VALUE;
    case R.CSR_MEDELEG: return csr64(C_MEDELEG);
    case R.CSR_MIDELEG: return csr64(C_MIDELEG);
    case R.CSR_MIE: return csr64(C_MIE);
    case R.CSR_MTVEC: return csr64(C_MTVEC);
    case R.CSR_MCOUNTEREN: return csr64(C_MCOUNTEREN);
    case R.CSR_MENVCFG: return csr64(C_MENVCFG);
    // mcountinhibit: every bit WARL hard-wired to 0 (counters always count).
    case R.CSR_MCOUNTINHIBIT: return 0;
    case R.CSR_MSCRATCH: return csr64(C_MSCRATCH);
    case R.CSR_MEPC: return csr64(C_MEPC);
    case R.CSR_MCAUSE: return csr64(C_MCAUSE);
    case R.CSR_MTVAL: return csr64(C_MTVAL);
    case R.CSR_MIP: return getMip();
    case R.CSR_PMPCFG0: return pmpReadCfg(0);
    case R.CSR_PMPCFG2: return pmpReadCfg(8);
    case R.CSR_MCYCLE: return cycle();
    case R.CSR_MINSTRET: return instret();
    // Debug triggers: none (tselect reads 0, tdata1 type 0).
    case R.CSR_TSELECT: case R.CSR_TDATA1: case R.CSR_TDATA2: case R.CSR_TDATA3: return 0;
    default:
      if (csr >= <u32>CSR_PMPADDR0 && csr < <u32>(CSR_PMPADDR0 + PMP_COUNT)) return load<u64>(hb + C_PMPADDR + (<usize>(csr - CSR_PMPADDR0) << 3));
      // pmpaddr16-63 and pmpcfg4-14 (even): entries not implemented, read 0.
      if (csr >= <u32>CSR_PMPADDR16 && csr <= <u32>CSR_PMPADDR63) return 0;
      if (csr >= <u32>CSR_PMPCFG4 && csr <= <u32>CSR_PMPCFG15 && (csr & 1) == 0) return 0;
      // hpmcounter3-31 / mhpmcounter3-31 / mhpmevent3-31: no events, read 0.
      if (csr >= <u32>CSR_HPMCOUNTER3 && csr <= <u32>CSR_HPMCOUNTER31) { if (!counterAllowed(csr - CSR_CYCLE)) break; return 0; }
      if (csr >= <u32>CSR_MHPMCOUNTER3 && csr <= <u32>CSR_MHPMCOUNTER31) return 0;
      if (csr >= <u32>CSR_MHPMEVENT3 && csr <= <u32>CSR_MHPMEVENT31) return 0;
      break;
  }
  csrOk = false;
  return 0;
}

// Write v to csr (already known to exist and be writable at this privilege).
function writeCsr(csr: u32, v: u64): void {
  switch (csr) {
    case R.CSR_FFLAGS: setFcsr((csr64(C_FCSR) & ~<u64>0x1f) | (v & 0x1f)); return;
    case R.CSR_FRM: setFcsr((csr64(C_FCSR) & 0x1f) | ((v & 7) << 5)); return;
    case R.CSR_FCSR: setFcsr(v & 0xff); return;
    case R.CSR_SSTATUS: writeMstatus((csr64(C_MSTATUS) & ~SSTATUS_WRITABLE) | (v & SSTATUS_WRITABLE)); return;
    case R.CSR_SIE: {
      const d = csr64(C_MIDELEG);
      setCsr64(C_MIE, (csr64(C_MIE) & ~d) | (v & d & MIE_WRITABLE));
      return;
    }
    case R.CSR_STVEC: setCsr64(C_STVEC, tvec(v)); return;
    case R.CSR_SCOUNTEREN: setCsr64(C_SCOUNTEREN, v & 0xffffffff); return;
    case R.CSR_SENVCFG: return; // senvcfg: no fields implemented (FIOM, CBZE... read 0)
    case R.CSR_SSCRATCH: setCsr64(C_SSCRATCH, v); return;
    case R.CSR_SEPC: setCsr64(C_SEPC, v & ~<u64>1); return;
    case R.CSR_SCAUSE: setCsr64(C_SCAUSE, v); return;
    case R.CSR_STVAL: setCsr64(C_STVAL, v); return;
    case R.CSR_SIP: {
      // Only SSIP is writable through sip, and only when delegated.
      const m: u32 = <u32>(csr64(C_MIDELEG) & MIP_SSIP);
      if (v & MIP_SSIP) atomic.or<i32>(hb + H_MIP, m); else atomic.and<i32>(hb + H_MIP, ~m);
      return;
    }
    case R.CSR_SATP: satpWrite(v); return;
    case R.CSR_MSTATUS: writeMstatus(v); return;
    case R.CSR_MISA: return; // misa is read-only here (WARL)
    case R.CSR_MEDELEG: setCsr64(C_MEDELEG, v & MEDELEG_WRITABLE); return;
    case R.CSR_MIDELEG: setCsr64(C_MIDELEG, v & MIDELEG_WRITABLE); return;
    case R.CSR_MIE: setCsr64(C_MIE, v & MIE_WRITABLE); return;
    case R.CSR_MTVEC: setCsr64(C_MTVEC, tvec(v)); return;
    case R.CSR_MCOUNTEREN: setCsr64(C_MCOUNTEREN, v & 0xffffffff); return;
    case R.CSR_MENVCFG: return; // menvcfg: no fields implemented (no Sstc, no Svpbmt)
    case R.CSR_MSCRATCH: setCsr64(C_MSCRATCH, v); return;
    case R.CSR_MEPC: setCsr64(C_MEPC, v & ~<u64>1); return;
    case R.CSR_MCAUSE: setCsr64(C_MCAUSE, v); return;
    case R.CSR_MTVAL: setCsr64(C_MTVAL, v); return;
    case R.CSR_MIP: {
      const set = <u32>(v & MIP_WRITABLE);
      const clr = <u32>(~v & MIP_WRITABLE);
      atomic.or<i32>(hb + H_MIP, set);
      atomic.and<i32>(hb + H_MIP, ~clr);
      return;
    }
    case R.CSR_PMPCFG0: pmpWriteCfg(0, v); pmpChanged(); return;
    case R.CSR_PMPCFG2: pmpWriteCfg(8, v); pmpChanged(); return;
    case R.CSR_MCYCLE: store<u64>(hb + H_CYCLE_DELTA, v - instret() - 1); return;
    case R.CSR_MINSTRET: {
      // The written value is what the next instruction reads.
      const cyc = cycle();
      store<u64>(hb + H_INSTRET, v - sliceRetired());
      store<u64>(hb + H_CYCLE_DELTA, cyc + 1 - v);
      return;
    }
    default:
      if (csr >= <u32>CSR_PMPADDR0 && csr < <u32>(CSR_PMPADDR0 + PMP_COUNT)) { pmpWriteAddr(<i32>(csr - CSR_PMPADDR0), v); pmpChanged(); }
      // Everything else that exists is read-only zero or ignores writes
      // (tselect/tdata*, hpm counters and events, unimplemented PMP entries).
      return;
  }
}

function pmpChanged(): void {
  tlbFlush();
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
  if (((nv & MS_MPP) >> MS_MPP_SHIFT) == PRIV_RESERVED) nv = (nv & ~MS_MPP) | (old & MS_MPP);
  setCsr64(C_MSTATUS, nv);
  // The TLB sets are keyed by privilege and SUM; MXR changes what a cached
  // read entry may allow, so it flushes.
  if (((old ^ nv) & MS_MXR) != 0) tlbFlush();
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

