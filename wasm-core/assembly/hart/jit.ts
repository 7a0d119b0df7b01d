// The core's side of the JIT (the translator is host code: src/machine/jit/).
// Hot guest code is found here, per physical page of RAM: the interpreter
// counts taken branches into a page and the dispatcher (run.ts) counts its
// entries; a page whose count runs out is queued for the hart worker, which
// translates the hot blocks of the page into one WebAssembly module (a
// "region") and puts its entry function in this instance's function table.
// The page map (JIT_PAGEMAP, one u16 per page for this hart) then names the
// code slot, and the dispatcher calls it with call_indirect.
//
// Code that changes: while a hart holds code translated from a page, the
// page is "watched" (bit 0 of its JIT_GEN word, shared by all harts): no hart
// keeps a write TLB entry for it, so every store reaches a slow path that
// advances the page's generation. Code is called only while its slot's
// generation matches the page's, on every hart, so a store by any hart (or
// by the host's DMA, src/machine/jit/code-watch.ts) retires the code before
// its next use, and compiled code that itself stores to its page stops
// after the store. fence.i has nothing left to flush (run.ts).
import {
  HART_BASE, HART_STRIDE, H_TLB, TLB_SET, TLB_ARRAY, TLB_ENTRIES, TLB_SETS, TLB_ENTRY, DEVICE_BASE,
  D_NHARTS, RAM_OFFSET, JIT_GEN, JIT_PAGEMAP, JIT_PAGEMAP_STRIDE, JIT_PAGE_CODE, JIT_PAGE_PARKED,
  HJ_FLAGS, HJ_THRESHOLD, HJ_QUEUE_COUNT, HJ_QUEUE, JIT_QUEUE_MAX, HJ_SEEN_COUNT, HJ_SEEN, JIT_SEEN_MAX,
  RAM_PHYS_BASE,
} from "../../layout";
import { hb, hartId, ramEnd } from "./hart";

// The hart worker's JIT, called when a page is queued: it translates at once
// (within a time budget), in the middle of the slice, so that when code is
// translated never changes where a slice ends.
@external("env", "jitService")
declare function jitService(): void;

// This hart's page map.
export let jitMap: usize = JIT_PAGEMAP;

export function jitSelect(): void {
  jitMap = <usize>(JIT_PAGEMAP + hartId * JIT_PAGEMAP_STRIDE);
}

@inline export function jitOn(): bool { return (load<i32>(hb + HJ_FLAGS) & 1) != 0; }

// Address of the page-map word of the RAM page at host address `host`, or 0
// for memory that is not RAM (the boot ROM: never translated).
@inline export function jitMapOfHost(host: usize): usize {
  if (host < <usize>RAM_OFFSET) return 0;
  return jitMap + (((host - <usize>RAM_OFFSET) >> 12) << 1);
}

@inline export function genWord(page: usize): usize { return <usize>JIT_GEN + (page << 2); }

// One more entry into the page whose map word is at m (value w, not code):
// count down; when the count runs out, queue (page, page offset) for the
// worker and park the page until it answers. A full queue leaves the count
// where it is, so the next entry tries again.
export function jitCount(m: usize, w: u32, off: u32): void {
  if (w == <u32>JIT_PAGE_PARKED) return;
  if (w == 0) {
    // First entry: start the count-down.
    const t = load<i32>(hb + HJ_THRESHOLD);
    w = <u32>(t < 2 ? 2 : t > JIT_PAGE_PARKED - 1 ? JIT_PAGE_PARKED - 1 : t + 1);
  }
  if (w > 2) { store<u16>(m, <u16>(w - 1)); return; }
  const q = load<i32>(hb + HJ_QUEUE_COUNT);
  if (q >= JIT_QUEUE_MAX) { store<u16>(m, 2); return; }
  const page = <i32>((m - jitMap) >> 1);
  store<i32>(hb + HJ_QUEUE + (<usize>q << 3), page);
  store<i32>(hb + HJ_QUEUE + (<usize>q << 3) + 4, <i32>off);
  store<i32>(hb + HJ_QUEUE_COUNT, q + 1);
  store<u16>(m, <u16>JIT_PAGE_PARKED);
  jitService();
}

// Log an entry into the page whose map word is at m, at page offset off,
// from outside the page (the worker learns where blocks start). A full log
// drops entries until the worker reads it.
export function jitSeen(m: usize, off: u32): void {
  const k = load<i32>(hb + HJ_SEEN_COUNT);
  if (k >= JIT_SEEN_MAX) return;
  store<i32>(hb + HJ_SEEN + (<usize>k << 3), <i32>((m - jitMap) >> 1));
  store<i32>(hb + HJ_SEEN + (<usize>k << 3) + 4, <i32>off);
  store<i32>(hb + HJ_SEEN_COUNT, k + 1);
}

// ---- code that changes ----

// After a store to RAM at physical pa (already done): if the page is
// watched, advance its generation and stop watching it. `fenced` says the
// caller's store was itself an atomic read-modify-write (a full barrier);
// a plain store needs one between it and the read of the word, or a hart
// that starts translating the page in between could miss it.
export function jitStored(pa: u64, fenced: bool): void {
  if (pa < <u64>RAM_PHYS_BASE || pa >= ramEnd) return;
  const a = genWord(<usize>((pa - <u64>RAM_PHYS_BASE) >> 12));
  let w = fenced ? atomic.load<i32>(a) : atomic.add<i32>(a, 0);
  while ((w & 1) != 0) {
    // w + 1: generation + 1, watch bit cleared.
    const seen = atomic.cmpxchg<i32>(a, w, w + 1);
    if (seen == w) break;
    w = seen;
  }
}

// The same after an atomic read-modify-write (a full barrier) at host
// address ha in RAM (LR/SC and AMOs work on RAM only).
export function jitStoredHost(ha: usize): void {
  const a = genWord((ha - <usize>RAM_OFFSET) >> 12);
  let w = atomic.load<i32>(a);
  while ((w & 1) != 0) {
    const seen = atomic.cmpxchg<i32>(a, w, w + 1);
    if (seen == w) break;
    w = seen;
  }
}

// Is the RAM page holding physical pa watched (no write TLB entry allowed)?
@inline export function jitWatched(pa: u64): bool {
  if (pa < <u64>RAM_PHYS_BASE || pa >= ramEnd) return false;
  return (atomic.load<i32>(genWord(<usize>((pa - <u64>RAM_PHYS_BASE) >> 12))) & 1) != 0;
}

// The host is about to translate RAM page `page`: watch it, and take away
// every hart's write TLB entries for it, so that from now on each store to it
// advances its generation. Returns the generation the code is valid for.
// A hart that fills a write entry for the page at the same moment checks the
// watch bit again after writing the entry (sv39.ts tlbFill): one of the two
// sees the other.
export function jitWatchPage(page: i32): i32 {
  const gen = atomic.or<i32>(genWord(<usize>page), 1) & ~1;
  const host = <u64>RAM_OFFSET + (<u64>page << 12);
  const harts = load<i32>(DEVICE_BASE + D_NHARTS);
  for (let h = 0; h < harts; h++) {
    for (let s = 0; s < TLB_SETS; s++) {
      const arr = <usize>(HART_BASE + h * HART_STRIDE + H_TLB + s * TLB_SET + TLB_ARRAY);
      for (let i = 0; i < TLB_ENTRIES; i++) {
        const e = arr + <usize>(i * TLB_ENTRY);
        const tag = atomic.load<u64>(e);
        if (tag == <u64>-1) continue;
        if (((tag + load<u64>(e, 8)) & ~<u64>0xfff) == host) atomic.store<u64>(e, <u64>-1);
      }
    }
  }
  return gen;
}
