// A extension (unprivileged spec, "A" chapter): LR/SC and AMOs on guest RAM
// with WebAssembly atomics, so harts in other workers see them atomically.
// All are sequentially consistent, which satisfies any aq/rl combination.
import { H_RESERVATION, H_RESERVED_VALUE } from "../../layout";
import { hb, getX, setX, raise, excPending } from "./hart";
import {
  ACC_READ, ACC_WRITE, CAUSE_ILLEGAL, AMO_ADD, AMO_SWAP, AMO_LR, AMO_SC, AMO_XOR, AMO_OR, AMO_AND,
  AMO_MIN, AMO_MAX, AMO_MINU, AMO_MAXU,
} from "../../spec/riscv";
import { atomicAddr } from "./sv39";
import { jitStoredHost } from "./jit";


// Sign-extend a 32-bit value loaded atomically. Written as xor/subtract on
// purpose: binaryen (-O3) folds `i32.atomic.load` + `i64.extend_i32_s` into
// `i64.atomic.load32_u`, dropping the sign (WebAssembly has no signed atomic
// load), which made LR.W return 0xffffffff for -1.
@inline function sext32(w: i32): u64 {
  return ((<u64><u32>w) ^ 0x80000000) - 0x80000000;
}

export function execAmo(inst: u32, raw: u32): void {
  const f3 = (inst >> 12) & 7;
  const f5 = inst >> 27;
  const known = f5 <= <u32>AMO_XOR || f5 == AMO_OR || f5 == AMO_AND || f5 == AMO_MIN || f5 == AMO_MAX ||
    f5 == AMO_MINU || f5 == AMO_MAXU;
  if ((f3 != 2 && f3 != 3) || !known) { raise(CAUSE_ILLEGAL, <u64>raw); return; }
  const wide = f3 == 3;
  const size = wide ? 8 : 4;
  const rd = <i32>((inst >> 7) & 31);
  const va = getX(<i32>((inst >> 15) & 31));
  const src = getX(<i32>((inst >> 20) & 31));

  if (f5 == AMO_LR) {
    if (((inst >> 20) & 31) != 0) { raise(CAUSE_ILLEGAL, <u64>raw); return; }
    const ha = atomicAddr(va, size, ACC_READ);
    if (excPending()) return;
    const v = wide ? atomic.load<u64>(ha) : sext32(atomic.load<i32>(ha));
    store<i64>(hb + H_RESERVATION, <i64>ha);
    store<u64>(hb + H_RESERVED_VALUE, v);
    setX(rd, v);
    return;
  }
  if (f5 == AMO_SC) {
    const ha = atomicAddr(va, size, ACC_WRITE);
    if (excPending()) return;
    const resv = load<i64>(hb + H_RESERVATION);
    store<i64>(hb + H_RESERVATION, -1);
    let ok = false;
    if (resv == <i64>ha) {
      // Succeeds if the word still holds what LR read: a store by another
      // hart in between that changed it makes the SC fail.
      const expect = load<u64>(hb + H_RESERVED_VALUE);
      ok = wide
        ? atomic.cmpxchg<u64>(ha, expect, src) == expect
        : atomic.cmpxchg<i32>(ha, <i32>expect, <i32>src) == <i32>expect;
    }
    if (ok) jitStoredHost(ha);
    setX(rd, ok ? 0 : 1);
    return;
  }
  const ha = atomicAddr(va, size, ACC_WRITE);
  if (excPending()) return;
  let old: u64;
  if (wide) {
    switch (f5) {
      case AMO_SWAP: old = atomic.xchg<u64>(ha, src); break;
      case AMO_ADD: old = atomic.add<u64>(ha, src); break;
      case AMO_XOR: old = atomic.xor<u64>(ha, src); break;
      case AMO_AND: old = atomic.and<u64>(ha, src); break;
      case AMO_OR: old = atomic.or<u64>(ha, src); break;
      case AMO_MIN: case AMO_MAX: case AMO_MINU: case AMO_MAXU: {
        do {
          old = atomic.load<u64>(ha);
          let take: bool;
          if (f5 == AMO_MIN) take = <i64>src < <i64>old;
          else if (f5 == AMO_MAX) take = <i64>src > <i64>old;
          else if (f5 == AMO_MINU) take = src < old;
          else take = src > old;
          if (!take) break;
        } while (atomic.cmpxchg<u64>(ha, old, src) != old);
        break;
      }
      default: raise(CAUSE_ILLEGAL, <u64>raw); return;
    }
  } else {
    const s = <i32>src;
    let o: i32;
    switch (f5) {
      case AMO_SWAP: o = atomic.xchg<i32>(ha, s); break;
      case AMO_ADD: o = atomic.add<i32>(ha, s); break;
      case AMO_XOR: o = atomic.xor<i32>(ha, s); break;
      case AMO_AND: o = atomic.and<i32>(ha, s); break;
      case AMO_OR: o = atomic.or<i32>(ha, s); break;
      case AMO_MIN: case AMO_MAX: case AMO_MINU: case AMO_MAXU: {
        do {
          o = atomic.load<i32>(ha);
          let take: bool;
          if (f5 == AMO_MIN) take = s < o;
          else if (f5 == AMO_MAX) take = s > o;
          else if (f5 == AMO_MINU) take = <u32>s < <u32>o;
          else take = <u32>s > <u32>o;
          if (!take) break;
        } while (atomic.cmpxchg<i32>(ha, o, s) != o);
        break;
      }
      default: raise(CAUSE_ILLEGAL, <u64>raw); return;
    }
    old = sext32(o);
  }
  jitStoredHost(ha);
  setX(rd, old);
}
