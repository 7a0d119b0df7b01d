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
  H_PC, H_ATTN, H_INSTRET, H_FENCE, H_EXECUTED, RVC_TABLE, C_MSTATUS, C_MIE,
  EXIT_BUDGET, EXIT_WFI, EXIT_ATTN, DEVICE_BASE, D_RUNSTATE, RUN_GO,
} from "../../layout";
import {
  hb, hartId, excCause, excTval, getPriv, getMip, csr64, raise, PRIV_M, PRIV_S, PRIV_U,
} from "./hart";
import { takeTrap, pendingInterrupt, takeInterrupt, mret, sret } from "./trap";
import {
  tlbRead, tlbWrite, tlbLookup, refreshTlbSets, loadSlow, storeSlow, fetchSlow,
  fetchPage, fetchHost, fetchLimit, tlbFlush,
} from "./sv39";
import { deviceExit, clearDeviceExit, CAUSE_ILLEGAL, CAUSE_BREAKPOINT, CAUSE_ECALL_U } from "../bus";
import { csrInstr, sliceRetired, csrStateChanged } from "./csr";
import { mulh, mulhsu, mulhu, div, divu, rem, remu, divw, divuw, remw, remuw } from "./exec-m";
import { execAmo } from "./exec-a";
import { execFma, execOpFp, fpEnabled, setS, setD } from "./exec-fd";
import { mtime, updateTimer } from "../devices/clint";
import { MS_TSR, MS_TVM, MS_TW } from "./mstatus";

const EXIT_CONTINUE: i32 = -1;
const BOX: u64 = 0xffffffff00000000;

// Instructions retired in the current slice.
let retired: i32 = 0;
// Instructions that trapped in the current slice. They do not retire, but
// they count toward the slice's budget: a hart whose every fetch faults
// (mtvec unset, say) must still end its slice.
let traps: i32 = 0;

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

// Leave the inner loop with pc as the next instruction and n retired.
function leave(pc: u64, n: i32): i32 {
  store<u64>(hb, 0);
  store<u64>(hb + H_PC, pc);
  retired = n;
  return EXIT_CONTINUE;
}

// The instruction at pc raised excCause: it does not retire; take the trap.
function trapped(pc: u64, n: i32): i32 {
  store<u64>(hb, 0);
  const cause = excCause;
  excCause = -1;
  store<u64>(hb + H_PC, takeTrap(pc, <u64>cause, excTval));
  retired = n - 1;
  traps++;
  return EXIT_CONTINUE;
}

function illegal(pc: u64, n: i32, raw: u32): i32 {
  raise(CAUSE_ILLEGAL, <u64>raw);
  return trapped(pc, n);
}

function inner(budget: i32): i32 {
  refreshTlbSets();
  const h = hb;
  const tR = tlbRead;
  const tW = tlbWrite;
  let pc = load<u64>(h + H_PC);
  let n = retired;
  // Fetch window: pc - fpage < flimit means the 4 bytes at pc are at fhost + that.
  let fpage: u64 = 0;
  let fhost: usize = 0;
  let flimit: u64 = 0;
  while (true) {
    let inst: u32;
    const off = pc - fpage;
    if (off < flimit) {
      inst = load<u32>(fhost + <usize>off);
    } else {
      inst = fetchSlow(pc);
      if (excCause >= 0) return trapped(pc, n + 1);
      fpage = fetchPage; fhost = fetchHost; flimit = fetchLimit;
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
      case 0x00: { // LOAD
        const va = load<u64>(h + rs1Off(inst)) + immI(inst);
        let v: u64;
        let slow = false; // only the slow path can raise
        switch ((inst >> 12) & 7) {
          case 0: { const a = tlbLookup(tR, va, 0); if (a) v = <u64><i64>load<i8>(a); else { v = <u64><i64><i8>loadSlow(va, 1); slow = true; } break; }
          case 1: { const a = tlbLookup(tR, va, 1); if (a) v = <u64><i64>load<i16>(a); else { v = <u64><i64><i16>loadSlow(va, 2); slow = true; } break; }
          case 2: { const a = tlbLookup(tR, va, 3); if (a) v = <u64><i64>load<i32>(a); else { v = sx32(loadSlow(va, 4)); slow = true; } break; }
          case 3: { const a = tlbLookup(tR, va, 7); if (a) v = load<u64>(a); else { v = loadSlow(va, 8); slow = true; } break; }
          case 4: { const a = tlbLookup(tR, va, 0); if (a) v = <u64>load<u8>(a); else { v = loadSlow(va, 1); slow = true; } break; }
          case 5: { const a = tlbLookup(tR, va, 1); if (a) v = <u64>load<u16>(a); else { v = loadSlow(va, 2); slow = true; } break; }
          case 6: { const a = tlbLookup(tR, va, 3); if (a) v = <u64>load<u32>(a); else { v = loadSlow(va, 4); slow = true; } break; }
          default: return illegal(pc, n, raw);
        }
        if (slow && excCause >= 0) return trapped(pc, n);
        store<u64>(h + rdOff(inst), v);
        pc += len;
        break;
      }
      case 0x08: { // STORE
        const va = load<u64>(h + rs1Off(inst)) + immS(inst);
        const v = load<u64>(h + rs2Off(inst));
        let slow = false; // only the slow path can raise or reach a device
        switch ((inst >> 12) & 7) {
          case 0: { const a = tlbLookup(tW, va, 0); if (a) store<u8>(a, <u8>v); else { storeSlow(va, 1, v); slow = true; } break; }
          case 1: { const a = tlbLookup(tW, va, 1); if (a) store<u16>(a, <u16>v); else { storeSlow(va, 2, v); slow = true; } break; }
          case 2: { const a = tlbLookup(tW, va, 3); if (a) store<u32>(a, <u32>v); else { storeSlow(va, 4, v); slow = true; } break; }
          case 3: { const a = tlbLookup(tW, va, 7); if (a) store<u64>(a, v); else { storeSlow(va, 8, v); slow = true; } break; }
          default: return illegal(pc, n, raw);
        }
        if (slow) {
          if (excCause >= 0) return trapped(pc, n);
          if (deviceExit) { const r = deviceExit; clearDeviceExit(); leave(pc + len, n); return r; }
        }
        pc += len;
        break;
      }
      case 0x04: { // OP-IMM
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
      case 0x06: { // OP-IMM-32
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
      case 0x0c: { // OP (RV64I and M)
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
      case 0x0e: { // OP-32
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
      case 0x0d: // LUI
        store<u64>(h + rdOff(inst), <u64><i64><i32>(inst & 0xfffff000));
        pc += len;
        break;
      case 0x05: // AUIPC
        store<u64>(h + rdOff(inst), pc + <u64><i64><i32>(inst & 0xfffff000));
        pc += len;
        break;
      case 0x18: { // BRANCH
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
        } else pc += len;
        break;
      }
      case 0x1b: { // JAL
        store<u64>(h + rdOff(inst), pc + len);
        pc += immJ(inst);
        if (n >= budget || atomic.load<i32>(h + H_ATTN) != 0) return leave(pc, n);
        break;
      }
      case 0x19: { // JALR
        if (((inst >> 12) & 7) != 0) return illegal(pc, n, raw);
        const t = (load<u64>(h + rs1Off(inst)) + immI(inst)) & ~<u64>1;
        store<u64>(h + rdOff(inst), pc + len);
        pc = t;
        if (n >= budget || atomic.load<i32>(h + H_ATTN) != 0) return leave(pc, n);
        break;
      }
      case 0x03: { // MISC-MEM
        const f3 = (inst >> 12) & 7;
        if (f3 == 0) atomic.add<i32>(h + H_FENCE, 0); // FENCE
        else if (f3 != 1) return illegal(pc, n, raw);
        // FENCE.I: nothing is cached from instruction memory but the
        // translation of the page, which stays valid.
        pc += len;
        break;
      }
      case 0x0b: { // AMO
        execAmo(inst, raw);
        if (excCause >= 0) return trapped(pc, n);
        pc += len;
        break;
      }
      case 0x01: { // LOAD-FP
        const f3 = (inst >> 12) & 7;
        if (!fpEnabled() || (f3 != 2 && f3 != 3)) return illegal(pc, n, raw);
        const va = load<u64>(h + rs1Off(inst)) + immI(inst);
        const rd = (inst >> 7) & 31;
        if (f3 == 3) {
          const a = tlbLookup(tR, va, 7);
          const v = a ? load<u64>(a) : loadSlow(va, 8);
          if (excCause >= 0) return trapped(pc, n);
          setD(rd, v);
        } else {
          const a = tlbLookup(tR, va, 3);
          const v = a ? load<u32>(a) : <u32>loadSlow(va, 4);
          if (excCause >= 0) return trapped(pc, n);
          setS(rd, v);
        }
        pc += len;
        break;
      }
      case 0x09: { // STORE-FP
        const f3 = (inst >> 12) & 7;
        if (!fpEnabled() || (f3 != 2 && f3 != 3)) return illegal(pc, n, raw);
        const va = load<u64>(h + rs1Off(inst)) + immS(inst);
        const v = load<u64>(h + 256 + rs2Off(inst));
        if (f3 == 3) {
          const a = tlbLookup(tW, va, 7);
          if (a) store<u64>(a, v); else storeSlow(va, 8, v);
        } else {
          const a = tlbLookup(tW, va, 3);
          if (a) store<u32>(a, <u32>v); else storeSlow(va, 4, v);
        }
        if (excCause >= 0) return trapped(pc, n);
        pc += len;
        if (deviceExit) { const r = deviceExit; clearDeviceExit(); leave(pc, n); return r; }
        break;
      }
      case 0x10: case 0x11: case 0x12: case 0x13: { // FMADD FMSUB FNMSUB FNMADD
        execFma(inst, raw);
        if (excCause >= 0) return trapped(pc, n);
        pc += len;
        break;
      }
      case 0x14: { // OP-FP
        execOpFp(inst, raw);
        if (excCause >= 0) return trapped(pc, n);
        pc += len;
        break;
      }
      case 0x1c: { // SYSTEM
        const f3 = (inst >> 12) & 7;
        if (f3 == 0) return system(inst, raw, pc, n);
        if (f3 == 4) return illegal(pc, n, raw);
        // Zicsr
        const rs1 = (inst >> 15) & 31;
        const operand = f3 >= 5 ? <u64>rs1 : load<u64>(h + rs1Off(inst));
        const write = (f3 & 3) == 1 || rs1 != 0;
        sliceRetired = <u64>n;
        csrStateChanged = false;
        const old = csrInstr(inst >> 20, f3 & 3, operand, write, raw);
        if (excCause >= 0) return trapped(pc, n);
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
  if (inst == 0x00000073) { raise(CAUSE_ECALL_U + priv, 0); return trapped(pc, n); }
  if (inst == 0x00100073) { raise(CAUSE_BREAKPOINT, pc); return trapped(pc, n); }
  if (inst == 0x30200073) { // MRET
    if (priv != PRIV_M) return illegal(pc, n, raw);
    return leave(mret(), n);
  }
  if (inst == 0x10200073) { // SRET
    if (priv < PRIV_S || (priv == PRIV_S && (csr64(C_MSTATUS) & MS_TSR) != 0)) return illegal(pc, n, raw);
    return leave(sret(), n);
  }
  if (inst == 0x10500073) { // WFI
    // In U-mode always illegal (no time limit is offered); in S-mode when TW.
    if (priv == PRIV_U || (priv == PRIV_S && (csr64(C_MSTATUS) & MS_TW) != 0)) return illegal(pc, n, raw);
    leave(pc + 4, n);
    // Resume at once if an interrupt is pending and enabled in mie, even
    // when the global enables keep it from being taken.
    if ((getMip() & csr64(C_MIE)) != 0) return EXIT_CONTINUE;
    return EXIT_WFI;
  }
  if ((inst >> 25) == 0x09 && ((inst >> 7) & 0x1f) == 0) { // SFENCE.VMA
    if (priv == PRIV_U || (priv == PRIV_S && (csr64(C_MSTATUS) & MS_TVM) != 0)) return illegal(pc, n, raw);
    tlbFlush();
    return leave(pc + 4, n);
  }
  return illegal(pc, n, raw);
}

// Run up to about `budget` instructions (the slice ends at the first taken
// branch past it). Returns why it stopped: EXIT_BUDGET, EXIT_HTIF, EXIT_WFI.
export function run(budget: i32): i32 {
  retired = 0;
  traps = 0;
  updateTimer(hartId, mtime());
  let reason = EXIT_BUDGET;
  while (true) {
    atomic.store<i32>(hb + H_ATTN, 0);
    if (atomic.load<i32>(DEVICE_BASE + D_RUNSTATE) != RUN_GO) { reason = EXIT_ATTN; break; }
    const irq = pendingInterrupt();
    if (irq >= 0) {
      store<u64>(hb + H_PC, takeInterrupt(load<u64>(hb + H_PC), irq));
    }
    if (retired + traps >= budget) break;
    const r = inner(budget - traps);
    if (r != EXIT_CONTINUE) { reason = r; break; }
  }
  store<u64>(hb + H_INSTRET, load<u64>(hb + H_INSTRET) + <u64>retired);
  atomic.store<u64>(hb + H_EXECUTED, atomic.load<u64>(hb + H_EXECUTED) + <u64>retired);
  return reason;
}

// Instructions retired by the last run().
export function lastRetired(): i32 { return retired; }
// Instructions that trapped in the last run() (not retired).
export function lastTraps(): i32 { return traps; }

