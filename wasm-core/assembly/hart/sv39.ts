// Address translation (privileged spec 4.3 "Sv32", 4.4 "Sv39") and the
// software TLB that keeps the fast path off the page-table walk.
//
// TLB sets are chosen by the privilege the access is checked at, so that a
// change of privilege (a trap, mret, sret) or of SUM needs no flush:
//   set 0: U   set 1: S with SUM = 0   set 2: S with SUM = 1   set 3: M (bare)
// Each set has a read, a write and a fetch array; an entry caches one 4 KiB
// page as (tag = virtual page, addend = host address - virtual address).
// An entry exists only when the whole page may be accessed that way: RAM or
// ROM, allowed by the PTE and by one PMP decision, D already set for writes.
import {
  H_TLB, TLB_SET, TLB_ARRAY, TLB_SIZE, TLB_ENTRIES, C_SATP, RAM_OFFSET, STATUS_OK, STATUS_TRAP,
} from "../../layout";
import {
  ACC_READ, ACC_WRITE, ACC_FETCH, PRIV_M, PRIV_S, PRIV_U,
  CAUSE_FETCH_ACCESS, CAUSE_LOAD_ACCESS, CAUSE_STORE_ACCESS, CAUSE_FETCH_PAGE, CAUSE_LOAD_PAGE,
  CAUSE_STORE_PAGE, CAUSE_MISALIGNED_LOAD, CAUSE_MISALIGNED_STORE,
  PTE_V, PTE_R, PTE_W, PTE_X, PTE_U, PTE_A, PTE_D, PTE_PPN_SHIFT, SATP_MODE_SHIFT, SATP_MODE_BARE,
  SATP_MODE_SV39, SATP_PPN_BITS, PMP_R, PMP_W, PMP_X, MS_MPRV, MS_MPP, MS_MPP_SHIFT, MS_SUM, MS_MXR,
} from "../../spec/riscv";
import { hb, raise, getPriv, mstatus, csr64, excPending } from "./hart";
import { hostAddr, pageWatched, physRead, physWrite, busFault } from "../bus";
import { pmpCheck, pmpAllows, PMP_ALLOW } from "./pmp";
import { jitStored, jitWatched } from "./jit";

const PPN_MASK: u64 = (<u64>1 << SATP_PPN_BITS) - 1;
const PAGE_MASK: u64 = 0xfff;

@inline export function accessFault(acc: i32): i32 {
  return acc == ACC_FETCH ? CAUSE_FETCH_ACCESS : acc == ACC_WRITE ? CAUSE_STORE_ACCESS : CAUSE_LOAD_ACCESS;
}

// Current TLB arrays, refreshed whenever privilege or mstatus changes.
export let tlbRead: usize = 0;
export let tlbWrite: usize = 0;
export let tlbFetch: usize = 0;
// Privilege that data accesses are checked at (MPRV aware).
export let dataPriv: i32 = PRIV_M;

export function refreshTlbSets(): void {
  const priv = getPriv();
  const ms = mstatus();
  let dp = priv;
  if (priv == PRIV_M && (ms & MS_MPRV) != 0) dp = <i32>((ms & MS_MPP) >> MS_MPP_SHIFT);
  dataPriv = dp;
  const dset = dp == PRIV_U ? 0 : dp == PRIV_S ? ((ms & MS_SUM) != 0 ? 2 : 1) : 3;
  const fset = priv == PRIV_U ? 0 : priv == PRIV_S ? 1 : 3;
  tlbRead = hb + H_TLB + <usize>(dset * TLB_SET);
  tlbWrite = tlbRead + TLB_ARRAY;
  tlbFetch = hb + H_TLB + <usize>(fset * TLB_SET) + 2 * TLB_ARRAY;
}

export function tlbFlush(): void {
  memory.fill(hb + H_TLB, 0xff, TLB_SIZE);
}

// Host address for an aligned access of size (mask + 1) at va, or 0 on a miss.
// A misaligned va never matches: the tag has its low 12 bits clear.
@inline export function tlbLookup(arr: usize, va: u64, mask: u64): usize {
  const e = arr + ((<usize>(va >> 12) & (TLB_ENTRIES - 1)) << 4);
  if (load<u64>(e) == (va & (~PAGE_MASK | mask))) return <usize>(va + load<u64>(e, 8));
  return 0;
}

// Host address of any access that stays inside a cached page, else 0.
@inline function tlbLookupPage(arr: usize, va: u64, size: u64): usize {
  if ((va & PAGE_MASK) + size > 4096) return 0;
  const e = arr + ((<usize>(va >> 12) & (TLB_ENTRIES - 1)) << 4);
  if (load<u64>(e) == (va & ~PAGE_MASK)) return <usize>(va + load<u64>(e, 8));
  return 0;
}

@inline function pageFault(acc: i32): i32 {
  return acc == ACC_FETCH ? CAUSE_FETCH_PAGE : acc == ACC_WRITE ? CAUSE_STORE_PAGE : CAUSE_LOAD_PAGE;
}

// Translate va for an access of kind acc. Returns the physical address, or
// raises a page or access fault (tval = va) and returns 0.
export function translate(va: u64, acc: i32): u64 {
  const priv = acc == ACC_FETCH ? getPriv() : dataPriv;
  const satp = csr64(C_SATP);
  if (priv == PRIV_M || (satp >> SATP_MODE_SHIFT) == SATP_MODE_BARE) {
    // Bare: physical addresses are 56 bits wide.
    if ((va >> 56) != 0) { raise(accessFault(acc), va); return 0; }
    return va;
  }
  // Sv39: bits 63:39 must all equal bit 38.
  const top = <i64>va >> 38;
  if (top != 0 && top != -1) { raise(pageFault(acc), va); return 0; }
  const ms = mstatus();
  while (true) {
    let a = (satp & PPN_MASK) << 12;
    let level = 2;
    let pte: u64 = 0;
    let ptePa: u64 = 0;
    while (true) {
      ptePa = a + (((va >> (12 + 9 * <u64>level)) & 511) << 3);
      // Implicit accesses to the page table are checked by PMP as S-mode.
      if (!pmpAllows(ptePa, 8, PMP_R, PRIV_S)) { raise(accessFault(acc), va); return 0; }
      const ha = hostAddr(ptePa, 8, ACC_READ);
      if (ha == 0) { raise(accessFault(acc), va); return 0; }
      pte = atomic.load<u64>(ha);
      // Invalid, W without R (reserved), or reserved high bits (no Svpbmt,
      // no Svnapot): page fault.
      if ((pte & PTE_V) == 0 || (pte & (PTE_R | PTE_W)) == PTE_W || (pte >> 54) != 0) {
        raise(pageFault(acc), va); return 0;
      }
      if ((pte & (PTE_R | PTE_X)) != 0) break; // leaf
      // Non-leaf: A, D and U are reserved and must be zero.
      if ((pte & (PTE_A | PTE_D | PTE_U)) != 0) { raise(pageFault(acc), va); return 0; }
      level--;
      if (level < 0) { raise(pageFault(acc), va); return 0; }
      a = ((pte >> PTE_PPN_SHIFT) & PPN_MASK) << 12;
    }
    const ppn = (pte >> PTE_PPN_SHIFT) & PPN_MASK;
    // A superpage's PPN must be aligned to its size.
    if (level > 0 && (ppn & ((<u64>1 << (9 * <u64>level)) - 1)) != 0) {
      raise(pageFault(acc), va); return 0;
    }
    if (priv == PRIV_U) {
      if ((pte & PTE_U) == 0) { raise(pageFault(acc), va); return 0; }
    } else if ((pte & PTE_U) != 0) {
      // S-mode never executes user pages and reads/writes them only with SUM.
      if (acc == ACC_FETCH || (ms & MS_SUM) == 0) { raise(pageFault(acc), va); return 0; }
    }
    let ok: bool;
    if (acc == ACC_FETCH) ok = (pte & PTE_X) != 0;
    else if (acc == ACC_WRITE) ok = (pte & PTE_W) != 0;
    else ok = (pte & PTE_R) != 0 || ((ms & MS_MXR) != 0 && (pte & PTE_X) != 0);
    if (!ok) { raise(pageFault(acc), va); return 0; }
    // Hardware A/D update, atomic against other harts and the PTE changing.
    const need = PTE_A | (acc == ACC_WRITE ? PTE_D : 0);
    if ((pte & need) != need) {
      if (!pmpAllows(ptePa, 8, PMP_W, PRIV_S)) { raise(accessFault(acc), va); return 0; }
      const ha = hostAddr(ptePa, 8, ACC_WRITE);
      if (ha == 0) { raise(accessFault(acc), va); return 0; }
      if (atomic.cmpxchg<u64>(ha, pte, pte | need) != pte) continue; // walk again
      jitStored(ptePa, true); // a page table on a page of code is code that changed
    }
    const offMask = (<u64>1 << (12 + 9 * <u64>level)) - 1;
    return ((ppn << 12) & ~offMask) | (va & offMask);
  }
  return 0;
}

@inline function permOf(acc: i32): u32 {
  return acc == ACC_FETCH ? PMP_X : acc == ACC_WRITE ? PMP_W : PMP_R;
}

// Cache the page of (va -> pa) for acc if the whole page is plain memory
// that the same decision allows.
function tlbFill(va: u64, pa: u64, acc: i32, priv: i32): void {
  const pagePa = pa & ~PAGE_MASK;
  const ha = hostAddr(pagePa, 4096, acc);
  if (ha == 0) return;
  if (acc == ACC_WRITE && (pageWatched(pagePa) || jitWatched(pagePa))) return;
  if (pmpCheck(pagePa, 4096, permOf(acc), priv) != PMP_ALLOW) return;
  const arr = acc == ACC_FETCH ? tlbFetch : acc == ACC_WRITE ? tlbWrite : tlbRead;
  const e = arr + ((<usize>(va >> 12) & (TLB_ENTRIES - 1)) << 4);
  const vpage = va & ~PAGE_MASK;
  if (acc != ACC_WRITE) {
    store<u64>(e, vpage);
    store<u64>(e, <u64>ha - vpage, 8);
    return;
  }
  // A write entry: another hart may start translating code from this page
  // meanwhile (jit.ts jitWatchPage sets the watch bit, then clears every
  // write entry of the page): publish the entry, then look at the bit again.
  store<u64>(e, <u64>ha - vpage, 8);
  atomic.store<u64>(e, vpage);
  if (jitWatched(pagePa)) atomic.store<u64>(e, <u64>-1);
}

// Translate and PMP-check one access that does not cross a page; returns
// the physical address or raises and returns 0. Fills the TLB on the way.
function resolve(va: u64, size: i32, acc: i32): u64 {
  const pa = translate(va, acc);
  if (excPending()) return 0;
  const priv = acc == ACC_FETCH ? getPriv() : dataPriv;
  if (!pmpAllows(pa, <u64>size, permOf(acc), priv)) { raise(accessFault(acc), va); return 0; }
  tlbFill(va, pa, acc, priv);
  return pa;
}

// ---- slow paths of the run loop ----

export function loadSlow(va: u64, size: i32): u64 {
  const ha = tlbLookupPage(tlbRead, va, <u64>size);
  if (ha != 0) return loadHost(ha, size);
  if ((va & PAGE_MASK) + <u64>size > 4096) {
    // Misaligned across a page boundary: byte by byte, low to high.
    let v: u64 = 0;
    for (let i = 0; i < size; i++) {
      const b = loadSlow(va + <u64>i, 1);
      if (excPending()) return 0;
      v |= b << (<u64>i << 3);
    }
    return v;
  }
  const pa = resolve(va, size, ACC_READ);
  if (excPending()) return 0;
  const v = physRead(pa, size, ACC_READ);
  if (busFault) raise(CAUSE_LOAD_ACCESS, va);
  return v;
}

@inline function loadHost(ha: usize, size: i32): u64 {
  if (size == 8) return load<u64>(ha);
  if (size == 4) return <u64>load<u32>(ha);
  if (size == 2) return <u64>load<u16>(ha);
  return <u64>load<u8>(ha);
}

// Returns STATUS_OK, STATUS_TRAP (an exception is pending), or what a device
// write asks of the run loop (EXIT_*: the store is done, the slice ends).
export function storeSlow(va: u64, size: i32, v: u64): i32 {
  const ha = tlbLookupPage(tlbWrite, va, <u64>size);
  if (ha != 0) {
    if (size == 8) store<u64>(ha, v);
    else if (size == 4) store<u32>(ha, <u32>v);
    else if (size == 2) store<u16>(ha, <u16>v);
    else store<u8>(ha, <u8>v);
    return STATUS_OK;
  }
  if ((va & PAGE_MASK) + <u64>size > 4096) {
    // Across a page boundary: both pages must be writable before any byte
    // is written, so that a fault leaves memory untouched.
    const second = (va + <u64>size) & ~PAGE_MASK;
    resolve(va, 1, ACC_WRITE);
    if (excPending()) return STATUS_TRAP;
    resolve(second, 1, ACC_WRITE);
    if (excPending()) return STATUS_TRAP;
    let request = STATUS_OK;
    for (let i = 0; i < size; i++) {
      const a = va + <u64>i;
      const pa = resolve(a, 1, ACC_WRITE);
      if (excPending()) return STATUS_TRAP;
      const r = physWrite(pa, 1, v >> (<u64>i << 3));
      if (r == STATUS_TRAP) { raise(CAUSE_STORE_ACCESS, a); return STATUS_TRAP; }
      jitStored(pa, false);
      if (r != STATUS_OK) request = r;
    }
    return request;
  }
  const pa = resolve(va, size, ACC_WRITE);
  if (excPending()) return STATUS_TRAP;
  const r = physWrite(pa, size, v);
  if (r == STATUS_TRAP) raise(CAUSE_STORE_ACCESS, va);
  else jitStored(pa, false);
  return r;
}

// Host address for an atomic access (LR/SC/AMO) of size 4 or 8, or 0 with an
// exception raised. Misaligned atomics raise address-misaligned; atomics
// work only on RAM (an access fault elsewhere). LR checks read permission,
// SC and AMOs write permission.
export function atomicAddr(va: u64, size: i32, acc: i32): usize {
  if ((va & <u64>(size - 1)) != 0) { raise(acc == ACC_READ ? CAUSE_MISALIGNED_LOAD : CAUSE_MISALIGNED_STORE, va); return 0; }
  // Atomics and reservations are supported by RAM alone (privileged spec
  // 3.6.3.2, the AMO and reservability PMAs of this board): the boot ROM is
  // readable through the read TLB, but LR there faults like AMOs and SC do,
  // whatever the TLB holds.
  const ha = tlbLookup(acc == ACC_WRITE ? tlbWrite : tlbRead, va, <u64>(size - 1));
  if (ha >= <usize>RAM_OFFSET) return ha;
  if (ha != 0) { raise(accessFault(acc), va); return 0; }
  const pa = resolve(va, size, acc);
  if (excPending()) return 0;
  const h = hostAddr(pa, <u64>size, ACC_WRITE);
  if (h == 0) { raise(accessFault(acc), va); return 0; }
  return h;
}

// ---- instruction fetch ----
// The run loop fetches straight from host memory while pc stays inside the
// page in (fetchPage, fetchHost); fetchSlow refills them (fetchLimit = 0 when
// the page cannot be cached, e.g. it is not host memory).
export let fetchPage: u64 = 0;
export let fetchHost: usize = 0;
export let fetchLimit: u64 = 0;

function fetch16(va: u64): u32 {
  let ha = tlbLookupPage(tlbFetch, va, 2);
  if (ha == 0) {
    const pa = resolve(va, 2, ACC_FETCH);
    if (excPending()) return 0;
    ha = tlbLookupPage(tlbFetch, va, 2);
    if (ha == 0) {
      const v = <u32>physRead(pa, 2, ACC_FETCH);
      if (busFault) raise(CAUSE_FETCH_ACCESS, va);
      return v;
    }
  }
  return <u32>load<u16>(ha);
}

export function fetchSlow(pc: u64): u32 {
  fetchLimit = 0;
  const lo = fetch16(pc);
  if (excPending()) return 0;
  const page = pc & ~PAGE_MASK;
  const ha = tlbLookupPage(tlbFetch, page, 2);
  if (ha != 0) {
    fetchPage = page;
    fetchHost = ha;
    fetchLimit = 4093; // a 4-byte read at offset <= 4092 stays in the page
  }
  if ((lo & 3) != 3) return lo;
  const hi = fetch16(pc + 2);
  if (excPending()) return 0;
  return lo | (hi << 16);
}

export function satpWrite(v: u64): bool {
  const mode = v >> SATP_MODE_SHIFT;
  // WARL: a mode we do not implement leaves satp unchanged. ASID bits are
  // hard-wired to zero (ASIDLEN = 0).
  if (mode != SATP_MODE_BARE && mode != SATP_MODE_SV39) return false;
  store<u64>(hb + C_SATP, (v & (<u64>0xf << SATP_MODE_SHIFT)) | (v & PPN_MASK));
  tlbFlush();
  return true;
}
