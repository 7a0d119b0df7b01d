// PLIC (SiFive platform-level interrupt controller, riscv,plic0) as on QEMU
// virt: sources 1..95, contexts 2h (hart h, M-mode) and 2h+1 (S-mode).
// Register map (PLIC spec 1.0.0): priority 0x0 + 4s, pending 0x1000,
// enables 0x2000 + 0x80c, threshold 0x200000 + 0x1000c, claim/complete +4.
// Sources are level-triggered: a device sets its line; the gateway makes it
// pending; a claim takes it out of pending until completion.
import { DEVICE_BASE, D_PLIC, HART_BASE, HART_STRIDE, H_MIP, H_ATTN, D_NHARTS, MAX_HARTS } from "../../layout";
import { PLIC_NUM_SOURCES } from "../../board";
import { MIP_MEIP, MIP_SEIP } from "./clint";

const P: usize = DEVICE_BASE + D_PLIC;
const PRIORITY: usize = 0x000; // u32 x 96
const PENDING: usize = 0x200; // u32 x 4 (bit per source)
const LEVEL: usize = 0x220; // u32 x 4: device line levels
const CLAIMED: usize = 0x240; // u32 x 4: claimed, not yet completed
const ENABLE: usize = 0x300; // per context: u32 x 4
const THRESHOLD: usize = 0x500; // per context: u32
const CONTEXTS: i32 = 2 * MAX_HARTS;

@inline function bit(base: usize, s: u32): bool { return ((load<u32>(P + base + ((<usize>s >> 5) << 2)) >> (s & 31)) & 1) != 0; }
@inline function setBit(base: usize, s: u32, on: bool): void {
  const a = P + base + ((<usize>s >> 5) << 2);
  const m: u32 = 1 << (s & 31);
  store<u32>(a, on ? load<u32>(a) | m : load<u32>(a) & ~m);
}

export function plicReset(): void {
  memory.fill(P, 0, 0x600);
}

// The highest-priority pending, enabled source above the context's
// threshold (ties go to the lowest source number), or 0.
function best(ctx: i32): u32 {
  const threshold = load<u32>(P + THRESHOLD + (<usize>ctx << 2));
  let bestSrc: u32 = 0, bestPrio: u32 = 0;
  for (let w: u32 = 0; w < 3; w++) {
    let bits = load<u32>(P + PENDING + (<usize>w << 2)) & load<u32>(P + ENABLE + (<usize>ctx << 4) + (<usize>w << 2));
    while (bits != 0) {
      const s = (w << 5) + ctz(bits);
      bits &= bits - 1;
      const prio = load<u32>(P + PRIORITY + (<usize>s << 2));
      if (prio > threshold && prio > bestPrio) { bestPrio = prio; bestSrc = s; }
    }
  }
  return bestSrc;
}

// Drive every hart's MEIP/SEIP from the PLIC state.
function update(): void {
  const n = load<i32>(DEVICE_BASE + D_NHARTS);
  for (let h = 0; h < n; h++) {
    const s = <usize>(HART_BASE + h * HART_STRIDE);
    const m = best(2 * h) != 0, sv = best(2 * h + 1) != 0;
    const old = <u32>atomic.load<i32>(s + H_MIP);
    let want = old & ~(MIP_MEIP | MIP_SEIP);
    if (m) want |= MIP_MEIP;
    if (sv) want |= MIP_SEIP;
    if (want == old) continue;
    if (m) atomic.or<i32>(s + H_MIP, MIP_MEIP); else atomic.and<i32>(s + H_MIP, ~MIP_MEIP);
    if (sv) atomic.or<i32>(s + H_MIP, MIP_SEIP); else atomic.and<i32>(s + H_MIP, ~MIP_SEIP);
    if ((want & ~old) != 0) {
      atomic.store<i32>(s + H_ATTN, 1);
      atomic.notify(s + H_ATTN);
    }
  }
}

// A device drives its interrupt line.
export function plicSetLevel(src: u32, level: bool): void {
  if (src == 0 || src > <u32>PLIC_NUM_SOURCES) return;
  setBit(LEVEL, src, level);
  if (level && !bit(CLAIMED, src)) setBit(PENDING, src, true);
  if (!level) setBit(PENDING, src, false);
  update();
}

export function plicRead(off: u32): u32 {
  if (off < 0x1000) {
    const s = off >> 2;
    return s >= 1 && s <= <u32>PLIC_NUM_SOURCES ? load<u32>(P + PRIORITY + (<usize>s << 2)) : 0;
  }
  if (off < 0x1080) {
    const w = (off - 0x1000) >> 2;
    return w < 3 ? load<u32>(P + PENDING + (<usize>w << 2)) : 0;
  }
  if (off >= 0x2000 && off < 0x200000) {
    const ctx = <i32>((off - 0x2000) >> 7), w = (off >> 2) & 31;
    return ctx < CONTEXTS && w < 3 ? load<u32>(P + ENABLE + (<usize>ctx << 4) + (<usize>w << 2)) : 0;
  }
  if (off >= 0x200000) {
    const ctx = <i32>((off - 0x200000) >> 12);
    if (ctx >= CONTEXTS) return 0;
    const r = off & 0xfff;
    if (r == 0) return load<u32>(P + THRESHOLD + (<usize>ctx << 2));
    if (r == 4) { // claim
      const s = best(ctx);
      if (s != 0) {
        setBit(PENDING, s, false);
        setBit(CLAIMED, s, true);
        update();
      }
      return s;
    }
  }
  return 0;
}

export function plicWrite(off: u32, v: u32): void {
  if (off < 0x1000) {
    const s = off >> 2;
    if (s >= 1 && s <= <u32>PLIC_NUM_SOURCES) store<u32>(P + PRIORITY + (<usize>s << 2), v & 7);
  } else if (off >= 0x2000 && off < 0x200000) {
    const ctx = <i32>((off - 0x2000) >> 7), w = (off >> 2) & 31;
    if (ctx < CONTEXTS && w < 3) store<u32>(P + ENABLE + (<usize>ctx << 4) + (<usize>w << 2), w == 0 ? v & ~1 : v);
  } else if (off >= 0x200000) {
    const ctx = <i32>((off - 0x200000) >> 12);
    if (ctx >= CONTEXTS) return;
    const r = off & 0xfff;
    if (r == 0) store<u32>(P + THRESHOLD + (<usize>ctx << 2), v & 7);
    else if (r == 4 && v >= 1 && v <= <u32>PLIC_NUM_SOURCES && bit(CLAIMED, v)) { // complete
      setBit(CLAIMED, v, false);
      if (bit(LEVEL, v)) setBit(PENDING, v, true);
    }
  }
  update();
}
