// The interpreter loop. One decode per instruction: a jump table on the
// major opcode (bits 6:2), compressed instructions expanded through the RVC
// table first. Fast paths (TLB hits on fetch, load and store) stay in this
// function; everything else is a call into the module that owns it.
//
// run() executes one bounded slice. Its inner loop leaves (returning to the
// slice loop) only for what may change how the hart runs: a trap, a CSR
// write, xRET, sfence.vma, WFI, a device the host must see, or, at a taken
// branch, the budget or a raised attention flag. Interrupts are checked
// there, between blocks, never per instruction.
import {
  H_PC, H_ATTN, H_INSTRET, H_FENCE, H_EXECUTED, H_EXIT, H_SLICE_RETIRED, H_SLICE_TRAPS, H_F, RVC_TABLE,
  C_MSTATUS, C_MIE, EXIT_BUDGET, EXIT_WFI, EXIT_ATTN, DEVICE_BASE, D_RUNSTATE, RUN_GO, STATUS_OK,
  STATUS_TRAP, TLB_ENTRIES, JIT_PAGE_CODE, JIT_PAGE_PARKED, JIT_LEAVE, JIT_FALL, JIT_TRAP, JIT_NO_ENTRY,
  JIT_CONTINUE,
  HJ_SLOT_GEN, HJ_SLOT_USE, HJ_EPOCH, HJ_TLB_READ, HJ_TLB_WRITE, HJ_TLB_FETCH, HJ_TABLE_BASE, HJ_RETIRED, HJ_CALLS,
  D_ICOUNT_BASE,
} from "../../layout";
import {
  PRIV_M, PRIV_S, PRIV_U, CAUSE_ILLEGAL, CAUSE_BREAKPOINT, CAUSE_ECALL_U, MS_TSR, MS_TVM, MS_TW,
  MATCH_ECALL, MATCH_EBREAK, MATCH_MRET, MATCH_SRET, MATCH_WFI, MATCH_SFENCE_VMA, MASK_SFENCE_VMA,
  OP_LOAD, OP_LOAD_FP, OP_MISC_MEM, OP_OP_IMM, OP_AUIPC, OP_OP_IMM_32, OP_STORE, OP_STORE_FP, OP_AMO,
  OP_OP, OP_LUI, OP_OP_32, OP_MADD, OP_MSUB, OP_NMSUB, OP_NMADD, OP_OP_FP, OP_BRANCH, OP_JALR, OP_JAL,
  OP_SYSTEM,
} from "../../spec/riscv";
import { hb, hartId, excPending, excCause, excTval, clearExc, getPriv, getMip, csr64, raise } from "./hart";
import { takeTrap, pendingInterrupt, takeInterrupt, mret, sret } from "./trap";
import {
  tlbRead, tlbWrite, tlbFetch, tlbLookup, refreshTlbSets, loadSlow, storeSlow, fetchSlow,
  fetchPage, fetchHost, fetchLimit, tlbFlush,
} from "./sv39";
import { jitOn, jitMap, jitMapOfHost, jitCount, jitSeen, genWord } from "./jit";
import { csrInstr } from "./csr";
import { mulh, mulhsu, mulhu, div, divu, rem, remu, divw, divuw, remw, remuw } from "./exec-m";
import { execAmo } from "./exec-a";
import { execFma, execOpFp, fpEnabled, setS, setD } from "./exec-fd";
import { mtime, updateTimer, icountMode, icountUntilDeadline } from "../devices/clint";

// inner() returns this to the slice loop to go on; any other value ends the
// slice with that EXIT_ reason. (Compiled code's JIT_LEAVE is the same.)
const EXIT_CONTINUE: i32 = JIT_LEAVE;
// The dispatcher's answer when the interpreter is to run from pc.
const INTERPRET: i32 = -100;

// The slice's counts live in the hart's block (H_SLICE_RETIRED: retired;
// H_SLICE_TRAPS: instructions that trapped, which do not retire but count
// toward the budget, so that a hart whose every fetch faults still ends its
// slice).
@inline function sliceRetired(): i32 { return load<i32>(hb + H_SLICE_RETIRED); }
@inline function sliceTraps(): i32 { return load<i32>(hb + H_SLICE_TRAPS); }

@inline function sx32(v: u64): u64 { return <u64><i64><i32>v; }
@inline function immI(inst: u32): u64 { return <u64><i64>(<i32>inst >> 20); }
@inline function immS(inst: u32): u64 {
  return <u64><i64>(((<i32>inst >> 20) & ~31) | <i32>((inst >> 7) & 31));
}
@inline function immB(inst: u32): u64 {
  return <u64><i64>((<i32>(inst & 0x80000000) >> 19) | <i32>((inst & 0x80) << 4) |
    <i32>((inst >> 20) & 0x7e0) | <i32>((inst >> 7) & 0x1e));
}
@inline function immJ(inst: u32): u64 {
  return <u64><i64>((<i32>(inst & 0x80000000) >> 11) | <i32>(inst & 0xff000) |
    <i32>((inst >> 9) & 0x800) | <i32>((inst >> 20) & 0x7fe));
}
// Register file addressing: x[r] lives at hb + 8 * r.
@inline function rs1Off(inst: u32): usize { return <usize>((inst >> 12) & 0xf8); }
@inline function rs2Off(inst: u32): usize { return <usize>((inst >> 17) & 0xf8); }
@inline function rdOff(inst: u32): usize { return <usize>((inst >> 4) & 0xf8); }

// A load that missed the TLB: the slice's count is stored first, so that a
// device the load reaches (the CLINT's mtime in deterministic mode) sees the
// exact instruction count, in the interpreter and in compiled code alike.
@inline function loadMiss(va: u64, size: i32, n: i32): u64 {
  store<i32>(hb + H_SLICE_RETIRED, n);
  return loadSlow(va, size);
}
@inline function storeMiss(va: u64, size: i32, v: u64, n: i32): i32 {
  store<i32>(hb + H_SLICE_RETIRED, n);
  return storeSlow(va, size, v);
}

// At a taken branch to pc outside the fetch window's page: true when pc's page
// has code to run (the dispatcher takes over); else counts the entry.
function jitCross(pc: u64, skip: u64): bool {
  const e = tlbFetch + ((<usize>(pc >> 12) & (TLB_ENTRIES - 1)) << 4);
  if (load<u64>(e) != (pc & ~<u64>0xfff)) return false; // the fetch will fill the TLB
  const m = jitMapOfHost(<usize>(pc + load<u64>(e, 8)));
  if (m == 0) return false;
  const w = <u32>load<u16>(m);
  if (w >= <u32>JIT_PAGE_CODE) return pc != skip;
  if (w != <u32>JIT_PAGE_PARKED) {
    jitSeen(m, <u32>(pc & 0xfff));
    jitCount(m, w, <u32>(pc & 0xfff));
  }
  return false;
}

// Leave the inner loop with pc as the next instruction and n retired.
function leave(pc: u64, n: i32): i32 {
  store<u64>(hb, 0);
  store<u64>(hb + H_PC, pc);
  store<i32>(hb + H_SLICE_RETIRED, n);
  return EXIT_CONTINUE;
}

// The instruction at pc raised excCause: it does not retire; take the trap.
function trapped(pc: u64, n: i32): i32 {
  store<u64>(hb, 0);
  const cause = excCause();
  clearExc();
  store<u64>(hb + H_PC, takeTrap(pc, <u64>cause, excTval()));
  store<i32>(hb + H_SLICE_RETIRED, n - 1);
  store<i32>(hb + H_SLICE_TRAPS, sliceTraps() + 1);
  return EXIT_CONTINUE;
}

function illegal(pc: u64, n: i32, raw: u32): i32 {
  raise(CAUSE_ILLEGAL, <u64>raw);
  return trapped(pc, n);
}

// At a taken branch to pc (n started, budget not spent, no attention asked):
// should the interpreter hand pc to the dispatcher? Yes when pc's page has
// compiled code (unless pc is `skip`, which that code just declined: it
// starts no block there yet); meanwhile it counts entries into pages that
// have none yet.
@inline function jitTakes(pc: u64, fpage: u64, fmap: usize, skip: u64): bool {
  if (pc - fpage < 4096 && fmap != 0) {
    const w = <u32>load<u16>(fmap);
    if (w >= <u32>JIT_PAGE_CODE) return pc != skip;
    if (w > 2 && w < <u32>JIT_PAGE_PARKED) store<u16>(fmap, <u16>(w - 1));
    else jitCount(fmap, w, <u32>(pc - fpage));
    return false;
  }
  return jitCross(pc, skip);
}

// The two kinds of inner loop (the type argument chooses, at compile time):
// FAST leaves only at a taken branch once the budget is spent, so a slice
// may run a little past it; EXACT (deterministic mode, QEMU's -icount) also
// stops at the budget itself, between any two instructions, so that a
// timer deadline expressed in instructions is met exactly. Two copies keep
// the check out of the fast loop.
type FAST = f64;
type EXACT = i32;

function inner<MODE>(budget: i32, skip: u64): i32 {
  refreshTlbSets();
  const h = hb;
  const tR = tlbRead;
  const tW = tlbWrite;
  const jit = jitOn();
  let pc = load<u64>(h + H_PC);
  let n = sliceRetired();
  // Fetch window: pc - fpage < flimit means the 4 bytes at pc are at fhost + that.
  let fpage: u64 = 0;
  let fhost: usize = 0;
  let flimit: u64 = 0;
  // The window page's word in the JIT's page map (0: not RAM, or no JIT).
  let fmap: usize = 0;
  while (true) {
    if (isInteger<MODE>()) {
      if (n >= budget) return leave(pc, n);
    }
    let inst: u32;
    const off = pc - fpage;
    if (off < flimit) {
      inst = load<u32>(fhost + <usize>off);
    } else {
      inst = fetchSlow(pc);
      if (excPending()) return trapped(pc, n + 1);
      fpage = fetchPage; fhost = fetchHost; flimit = fetchLimit;
      fmap = jit && flimit != 0 ? jitMapOfHost(fhost) : 0;
    }
    n++;
    store<u64>(h, 0); // x0 reads as zero whatever the last instruction wrote
    let raw = inst;
    let len: u64 = 4;
    if ((inst & 3) != 3) {
      raw = inst & 0xffff;
      inst = load<u32>(<usize>RVC_TABLE + (<usize>raw << 2));
      len = 2;
    }
    switch ((inst >> 2) & 31) {
      case OP_LOAD: {
        const va = load<u64>(h + rs1Off(inst)) + immI(inst);
        let v: u64;
        let slow = false; // only the slow path can raise
        switch ((inst >> 12) & 7) {
          case 0: { const a = tlbLookup(tR, va, 0); if (a) v = <u64><i64>load<i8>(a); else { v = <u64><i64><i8>loadMiss(va, 1, n); slow = true; } break; }
          case 1: { const a = tlbLookup(tR, va, 1); if (a) v = <u64><i64>load<i16>(a); else { v = <u64><i64><i16>loadMiss(va, 2, n); slow = true; } break; }
          case 2: { const a = tlbLookup(tR, va, 3); if (a) v = <u64><i64>load<i32>(a); else { v = sx32(loadMiss(va, 4, n)); slow = true; } break; }
          case 3: { const a = tlbLookup(tR, va, 7); if (a) v = load<u64>(a); else { v = loadMiss(va, 8, n); slow = true; } break; }
          case 4: { const a = tlbLookup(tR, va, 0); if (a) v = <u64>load<u8>(a); else { v = loadMiss(va, 1, n); slow = true; } break; }
          case 5: { const a = tlbLookup(tR, va, 1); if (a) v = <u64>load<u16>(a); else { v = loadMiss(va, 2, n); slow = true; } break; }
          case 6: { const a = tlbLookup(tR, va, 3); if (a) v = <u64>load<u32>(a); else { v = loadMiss(va, 4, n); slow = true; } break; }
          default: return illegal(pc, n, raw);
        }
        if (slow && excPending()) return trapped(pc, n);
        store<u64>(h + rdOff(inst), v);
        pc += len;
        break;
      }
      case OP_STORE: {
        const va = load<u64>(h + rs1Off(inst)) + immS(inst);
        const v = load<u64>(h + rs2Off(inst));
        let st = STATUS_OK; // only the slow path can raise or reach a device
        switch ((inst >> 12) & 7) {
          case 0: { const a = tlbLookup(tW, va, 0); if (a) store<u8>(a, <u8>v); else st = storeMiss(va, 1, v, n); break; }
          case 1: { const a = tlbLookup(tW, va, 1); if (a) store<u16>(a, <u16>v); else st = storeMiss(va, 2, v, n); break; }
          case 2: { const a = tlbLookup(tW, va, 3); if (a) store<u32>(a, <u32>v); else st = storeMiss(va, 4, v, n); break; }
          case 3: { const a = tlbLookup(tW, va, 7); if (a) store<u64>(a, v); else st = storeMiss(va, 8, v, n); break; }
          default: return illegal(pc, n, raw);
        }
        if (st != STATUS_OK) {
          if (st == STATUS_TRAP) return trapped(pc, n);
          leave(pc + len, n); // a device asked for the host: the store is done
          return st;
        }
        pc += len;
        break;
      }
      case OP_OP_IMM: {
        const a = load<u64>(h + rs1Off(inst));
        const imm = immI(inst);
        let r: u64;
        switch ((inst >> 12) & 7) {
          case 0: r = a + imm; break;
          case 1: if ((inst >> 26) != 0) return illegal(pc, n, raw); r = a << (imm & 63); break;
          case 2: r = <i64>a < <i64>imm ? 1 : 0; break;
          case 3: r = a < imm ? 1 : 0; break;
          case 4: r = a ^ imm; break;
          case 5: {
            const f6 = inst >> 26;
            if (f6 == 0) r = a >> (imm & 63);
            else if (f6 == 0x10) r = <u64>(<i64>a >> <i64>(imm & 63));
            else return illegal(pc, n, raw);
            break;
          }
          case 6: r = a | imm; break;
          default: r = a & imm; break;
        }
        store<u64>(h + rdOff(inst), r);
        pc += len;
        break;
      }
      case OP_OP_IMM_32: {
        const a = <u32>load<u64>(h + rs1Off(inst));
        const sh = (inst >> 20) & 31;
        let r: u32;
        switch ((inst >> 12) & 7) {
          case 0: r = a + <u32>(<i32>inst >> 20); break;
          case 1: if ((inst >> 25) != 0) return illegal(pc, n, raw); r = a << sh; break;
          case 5: {
            const f7 = inst >> 25;
            if (f7 == 0) r = a >> sh;
            else if (f7 == 0x20) r = <u32>(<i32>a >> sh);
            else return illegal(pc, n, raw);
            break;
          }
          default: return illegal(pc, n, raw);
        }
        store<u64>(h + rdOff(inst), sx32(<u64>r));
        pc += len;
        break;
      }
      case OP_OP: { // RV64I and M
        const a = load<u64>(h + rs1Off(inst));
        const b = load<u64>(h + rs2Off(inst));
        const f7 = inst >> 25;
        const f3 = (inst >> 12) & 7;
        let r: u64;
        if (f7 == 0) {
          switch (f3) {
            case 0: r = a + b; break;
            case 1: r = a << (b & 63); break;
            case 2: r = <i64>a < <i64>b ? 1 : 0; break;
            case 3: r = a < b ? 1 : 0; break;
            case 4: r = a ^ b; break;
            case 5: r = a >> (b & 63); break;
            case 6: r = a | b; break;
            default: r = a & b; break;
          }
        } else if (f7 == 1) {
          switch (f3) {
            case 0: r = a * b; break;
            case 1: r = mulh(a, b); break;
            case 2: r = mulhsu(a, b); break;
            case 3: r = mulhu(a, b); break;
            case 4: r = div(a, b); break;
            case 5: r = divu(a, b); break;
            case 6: r = rem(a, b); break;
            default: r = remu(a, b); break;
          }
        } else if (f7 == 0x20 && f3 == 0) r = a - b;
        else if (f7 == 0x20 && f3 == 5) r = <u64>(<i64>a >> <i64>(b & 63));
        else return illegal(pc, n, raw);
        store<u64>(h + rdOff(inst), r);
        pc += len;
        break;
      }
      case OP_OP_32: {
        const a = load<u64>(h + rs1Off(inst));
        const b = load<u64>(h + rs2Off(inst));
        const f7 = inst >> 25;
        const f3 = (inst >> 12) & 7;
        let r: u64;
        if (f7 == 0) {
          if (f3 == 0) r = sx32(a + b);
          else if (f3 == 1) r = sx32(<u64>(<u32>a << (<u32>b & 31)));
          else if (f3 == 5) r = sx32(<u64>(<u32>a >> (<u32>b & 31)));
          else return illegal(pc, n, raw);
        } else if (f7 == 0x20) {
          if (f3 == 0) r = sx32(a - b);
          else if (f3 == 5) r = <u64><i64>(<i32>a >> (<i32>b & 31));
          else return illegal(pc, n, raw);
        } else if (f7 == 1) {
          switch (f3) {
            case 0: r = sx32(a * b); break;
            case 4: r = divw(a, b); break;
            case 5: r = divuw(a, b); break;
            case 6: r = remw(a, b); break;
            case 7: r = remuw(a, b); break;
            default: return illegal(pc, n, raw);
          }
        } else return illegal(pc, n, raw);
        store<u64>(h + rdOff(inst), r);
        pc += len;
        break;
      }
      case OP_LUI:
        store<u64>(h + rdOff(inst), <u64><i64><i32>(inst & 0xfffff000));
        pc += len;
        break;
      case OP_AUIPC:
        store<u64>(h + rdOff(inst), pc + <u64><i64><i32>(inst & 0xfffff000));
        pc += len;
        break;
      case OP_BRANCH: {
        const a = load<u64>(h + rs1Off(inst));
        const b = load<u64>(h + rs2Off(inst));
        let t: bool;
        switch ((inst >> 12) & 7) {
          case 0: t = a == b; break;
          case 1: t = a != b; break;
          case 4: t = <i64>a < <i64>b; break;
          case 5: t = <i64>a >= <i64>b; break;
          case 6: t = a < b; break;
          case 7: t = a >= b; break;
          default: return illegal(pc, n, raw);
        }
        if (t) {
          pc += immB(inst);
          if (n >= budget || atomic.load<i32>(h + H_ATTN) != 0) return leave(pc, n);
          if (jit && jitTakes(pc, fpage, fmap, skip)) return leave(pc, n);
        } else pc += len;
        break;
      }
      case OP_JAL: {
        store<u64>(h + rdOff(inst), pc + len);
        pc += immJ(inst);
        if (n >= budget || atomic.load<i32>(h + H_ATTN) != 0) return leave(pc, n);
        if (jit && jitTakes(pc, fpage, fmap, skip)) return leave(pc, n);
        break;
      }
      case OP_JALR: {
        if (((inst >> 12) & 7) != 0) return illegal(pc, n, raw);
        const t = (load<u64>(h + rs1Off(inst)) + immI(inst)) & ~<u64>1;
        store<u64>(h + rdOff(inst), pc + len);
        pc = t;
        if (n >= budget || atomic.load<i32>(h + H_ATTN) != 0) return leave(pc, n);
        if (jit && jitTakes(pc, fpage, fmap, skip)) return leave(pc, n);
        break;
      }
      case OP_MISC_MEM: {
        const f3 = (inst >> 12) & 7;
        if (f3 == 0) atomic.add<i32>(h + H_FENCE, 0); // FENCE
        else if (f3 != 1) return illegal(pc, n, raw);
        // FENCE.I: nothing is cached from instruction memory but the
        // translation of the page, which stays valid, and compiled code,
        // which is retired at its next call once its page was written
        // (hart/jit.ts): nothing to flush.
        pc += len;
        break;
      }
      case OP_AMO: {
        execAmo(inst, raw);
        if (excPending()) return trapped(pc, n);
        pc += len;
        break;
      }
      case OP_LOAD_FP: {
        const f3 = (inst >> 12) & 7;
        if (!fpEnabled() || (f3 != 2 && f3 != 3)) return illegal(pc, n, raw);
        const va = load<u64>(h + rs1Off(inst)) + immI(inst);
        const rd = (inst >> 7) & 31;
        if (f3 == 3) {
          const a = tlbLookup(tR, va, 7);
          const v = a ? load<u64>(a) : loadMiss(va, 8, n);
          if (excPending()) return trapped(pc, n);
          setD(rd, v);
        } else {
          const a = tlbLookup(tR, va, 3);
          const v = a ? load<u32>(a) : <u32>loadMiss(va, 4, n);
          if (excPending()) return trapped(pc, n);
          setS(rd, v);
        }
        pc += len;
        break;
      }
      case OP_STORE_FP: {
        const f3 = (inst >> 12) & 7;
        if (!fpEnabled() || (f3 != 2 && f3 != 3)) return illegal(pc, n, raw);
        const va = load<u64>(h + rs1Off(inst)) + immS(inst);
        const v = load<u64>(h + H_F + rs2Off(inst));
        let st = STATUS_OK;
        if (f3 == 3) {
          const a = tlbLookup(tW, va, 7);
          if (a) store<u64>(a, v); else st = storeMiss(va, 8, v, n);
        } else {
          const a = tlbLookup(tW, va, 3);
          if (a) store<u32>(a, <u32>v); else st = storeMiss(va, 4, v, n);
        }
        if (st == STATUS_TRAP) return trapped(pc, n);
        pc += len;
        if (st != STATUS_OK) { leave(pc, n); return st; }
        break;
      }
      case OP_MADD: case OP_MSUB: case OP_NMSUB: case OP_NMADD: {
        execFma(inst, raw);
        if (excPending()) return trapped(pc, n);
        pc += len;
        break;
      }
      case OP_OP_FP: {
        execOpFp(inst, raw);
        if (excPending()) return trapped(pc, n);
        pc += len;
        break;
      }
      case OP_SYSTEM: {
        const f3 = (inst >> 12) & 7;
        if (f3 == 0) return system(inst, raw, pc, n);
        if (f3 == 4) return illegal(pc, n, raw);
        // Zicsr
        const rs1 = (inst >> 15) & 31;
        const operand = f3 >= 5 ? <u64>rs1 : load<u64>(h + rs1Off(inst));
        const write = (f3 & 3) == 1 || rs1 != 0;
        store<i32>(h + H_SLICE_RETIRED, n); // minstret as this instruction reads it
        const old = csrInstr(inst >> 20, f3 & 3, operand, write, raw);
        if (excPending()) return trapped(pc, n);
        store<u64>(h + rdOff(inst), old);
        pc += len;
        if (write) return leave(pc, n);
        break;
      }
      default:
        return illegal(pc, n, raw);
    }
  }
  return EXIT_CONTINUE;
}

// ECALL, EBREAK, xRET, WFI, SFENCE.VMA.
function system(inst: u32, raw: u32, pc: u64, n: i32): i32 {
  const priv = getPriv();
  if (inst == MATCH_ECALL) { raise(CAUSE_ECALL_U + priv, 0); return trapped(pc, n); }
  if (inst == MATCH_EBREAK) { raise(CAUSE_BREAKPOINT, pc); return trapped(pc, n); }
  if (inst == MATCH_MRET) {
    if (priv != PRIV_M) return illegal(pc, n, raw);
    return leave(mret(), n);
  }
  if (inst == MATCH_SRET) {
    if (priv < PRIV_S || (priv == PRIV_S && (csr64(C_MSTATUS) & MS_TSR) != 0)) return illegal(pc, n, raw);
    return leave(sret(), n);
  }
  if (inst == MATCH_WFI) {
    // In U-mode always illegal (no time limit is offered); in S-mode when TW.
    if (priv == PRIV_U || (priv == PRIV_S && (csr64(C_MSTATUS) & MS_TW) != 0)) return illegal(pc, n, raw);
    leave(pc + 4, n);
    // Resume at once if an interrupt is pending and enabled in mie, even
    // when the global enables keep it from being taken.
    if ((getMip() & csr64(C_MIE)) != 0) return EXIT_CONTINUE;
    return EXIT_WFI;
  }
  if ((inst & MASK_SFENCE_VMA) == MATCH_SFENCE_VMA) {
    if (priv == PRIV_U || (priv == PRIV_S && (csr64(C_MSTATUS) & MS_TVM) != 0)) return illegal(pc, n, raw);
    tlbFlush();
    return leave(pc + 4, n);
  }
  return illegal(pc, n, raw);
}

// The pc that compiled code last declined to run (not a block start): the
// interpreter does not hand it straight back to the dispatcher.
let jitSkip: u64 = 1;

// Run compiled code for pc if its page has some (the JIT, hart/jit.ts).
// Returns EXIT_CONTINUE when it ran (or the trap it raised was taken), an
// EXIT_ request, or INTERPRET: the interpreter goes on from pc. Regions
// that go on into another page come back here (JIT_CONTINUE) and the next
// region is called at once, with no slice-loop check (none is due).
function dispatch(budget: i32): i32 {
  const h = hb;
  jitSkip = 1; // odd: never a pc
  store<i32>(h + HJ_TLB_READ, <i32>tlbRead);
  store<i32>(h + HJ_TLB_WRITE, <i32>tlbWrite);
  store<i32>(h + HJ_TLB_FETCH, <i32>tlbFetch);
  const n0 = sliceRetired();
  let calls: u64 = 0;
  let r = INTERPRET;
  while (true) {
    const pc = load<u64>(h + H_PC);
    const e = tlbFetch + ((<usize>(pc >> 12) & (TLB_ENTRIES - 1)) << 4);
    if (load<u64>(e) != (pc & ~<u64>0xfff)) break; // the interpreter's fetch fills the TLB
    const m = jitMapOfHost(<usize>(pc + load<u64>(e, 8)));
    if (m == 0) break;
    const w = <u32>load<u16>(m);
    const off = <u32>(pc & 0xfff);
    if (w < <u32>JIT_PAGE_CODE) {
      if (w != <u32>JIT_PAGE_PARKED) { jitSeen(m, off); jitCount(m, w, off); }
      break;
    }
    const slot = <usize>(w & 0x7fff);
    // Code translated from an older generation of the page is never run.
    if ((atomic.load<i32>(genWord((m - jitMap) >> 1)) & ~1) != load<i32>(h + HJ_SLOT_GEN + (slot << 2))) {
      store<u16>(m, 0);
      break;
    }
    store<i32>(h + HJ_SLOT_USE + (slot << 2), load<i32>(h + HJ_EPOCH));
    calls++;
    // A region's entry: (slice count, budget, pc).
    r = call_indirect<i32>(<u32>(load<i32>(h + HJ_TABLE_BASE) + <i32>slot), sliceRetired(), budget, pc);
    if (r == JIT_CONTINUE) { r = INTERPRET; continue; }
    if (r == JIT_NO_ENTRY) {
      // pc moved on inside its page (a jump through the region's dispatch).
      const at = load<u64>(h + H_PC);
      jitSeen(m, <u32>(at & 0xfff));
      jitSkip = at;
      r = INTERPRET;
    }
    break;
  }
  if (calls != 0) {
    store<u64>(h + HJ_CALLS, load<u64>(h + HJ_CALLS) + calls);
    store<u64>(h + HJ_RETIRED, load<u64>(h + HJ_RETIRED) + <u64>(sliceRetired() - n0));
  }
  if (r == JIT_LEAVE) return EXIT_CONTINUE;
  if (r == JIT_FALL) return INTERPRET;
  if (r == JIT_TRAP) return trapped(load<u64>(h + H_PC), sliceRetired());
  return r; // INTERPRET, or a device's request (the store done)
}

// Run up to about `budget` instructions (the slice ends at the first taken
// branch past it). Returns why it stopped: EXIT_BUDGET, EXIT_HTIF, EXIT_WFI.
// With the JIT on, the slice loop is also the dispatcher: compiled code and
// the interpreter both come back to it at taken branches (only when the
// budget or attention says so, or to change page), so a slice ends at the
// same instruction either way.
export function run(budget: i32): i32 {
  store<i32>(hb + H_SLICE_RETIRED, 0);
  store<i32>(hb + H_SLICE_TRAPS, 0);
  // The deterministic clock counts hart 0's instructions (devices/clint.ts).
  if (hartId == 0) store<u64>(DEVICE_BASE + D_ICOUNT_BASE, atomic.load<u64>(hb + H_EXECUTED));
  clearExc();
  updateTimer(hartId, mtime());
  const jit = jitOn();
  if (jit) store<i32>(hb + HJ_EPOCH, load<i32>(hb + HJ_EPOCH) + 1);
  // Deterministic mode: mtime counts instructions, so the timer's deadline
  // is an instruction count; the slice stops exactly there (the inner loop
  // and compiled code stop at their budget), and the next turn of this loop
  // raises MTIP and takes the interrupt: at the same instret every run.
  const icount = icountMode();
  let reason = EXIT_BUDGET;
  while (true) {
    atomic.store<i32>(hb + H_ATTN, 0);
    if (atomic.load<i32>(DEVICE_BASE + D_RUNSTATE) != RUN_GO) { reason = EXIT_ATTN; break; }
    if (icount) updateTimer(hartId, mtime());
    const irq = pendingInterrupt();
    if (irq >= 0) {
      store<u64>(hb + H_PC, takeInterrupt(load<u64>(hb + H_PC), irq));
    }
    const traps = sliceTraps();
    if (sliceRetired() + traps >= budget) break;
    let limit = budget - traps;
    if (icount) {
      const until = icountUntilDeadline();
      if (until < limit - sliceRetired()) limit = sliceRetired() + until;
    }
    let r = INTERPRET;
    if (jit) {
      refreshTlbSets();
      r = dispatch(limit);
    }
    if (r == INTERPRET) r = icount ? inner<EXACT>(limit, jitSkip) : inner<FAST>(limit, jitSkip);
    if (r != EXIT_CONTINUE) { reason = r; break; }
  }
  const retired = <u64>sliceRetired();
  store<u64>(hb + H_INSTRET, load<u64>(hb + H_INSTRET) + retired);
  atomic.store<u64>(hb + H_EXECUTED, atomic.load<u64>(hb + H_EXECUTED) + retired);
  store<i32>(hb + H_EXIT, reason);
  return reason;
}
