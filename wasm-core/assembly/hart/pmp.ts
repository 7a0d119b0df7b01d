// Physical memory protection (privileged spec, 3.7). 16 entries, granularity
// 4 bytes. Checked only when a TLB entry is filled: a page is cached only when
// one decision covers the whole of it.
import { C_PMPCFG, C_PMPADDR, PMP_COUNT } from "../../layout";
import { hb, PRIV_M } from "./hart";

export const PMP_R: u32 = 1;
export const PMP_W: u32 = 2;
export const PMP_X: u32 = 4;
const PMP_A_SHIFT: u32 = 3;
const PMP_L: u32 = 0x80;
const A_OFF: u32 = 0;
const A_TOR: u32 = 1;
const A_NA4: u32 = 2;
// pmpaddr holds bits 55:2 of an address.
const PMPADDR_MASK: u64 = (<u64>1 << 54) - 1;

export const PMP_DENY: i32 = 0;
export const PMP_ALLOW: i32 = 1;
export const PMP_PARTIAL: i32 = -1;

@inline function cfgOf(i: i32): u32 { return <u32>load<u8>(hb + C_PMPCFG + <usize>i); }
@inline function addrOf(i: i32): u64 { return load<u64>(hb + C_PMPADDR + (<usize>i << 3)); }

// Decide an access of `size` bytes at `pa` (size may be a whole page) for the
// permission bit `perm` at privilege `priv`. "The lowest-numbered PMP entry
// that matches any byte of an access determines whether that access
// succeeds ... if the entry matches some but not all bytes, the access fails."
// PMP_PARTIAL tells a page query that the page straddles an entry boundary.
export function pmpCheck(pa: u64, size: u64, perm: u32, priv: i32): i32 {
  const end = pa + size; // exclusive; physical addresses are < 2^56, no wrap
  for (let i = 0; i < PMP_COUNT; i++) {
    const cfg = cfgOf(i);
    const a = (cfg >> PMP_A_SHIFT) & 3;
    if (a == A_OFF) continue;
    let lo: u64, hi: u64;
    const addr = addrOf(i);
    if (a == A_TOR) {
      lo = i == 0 ? 0 : addrOf(i - 1) << 2;
      hi = addr << 2;
    } else if (a == A_NA4) {
      lo = addr << 2;
      hi = lo + 4;
    } else {
      // NAPOT: trailing ones in pmpaddr give the size 2^(ones + 3).
      const ones = <u64>ctz<u64>(~addr);
      if (ones >= 54) { lo = 0; hi = <u64>1 << 58; }
      else {
        lo = (addr & ~((<u64>1 << ones) - 1)) << 2;
        hi = lo + (<u64>1 << (ones + 3));
      }
    }
    if (end <= lo || pa >= hi) continue; // no byte matches
    if (pa < lo || end > hi) return PMP_PARTIAL;
    if (priv == PRIV_M && (cfg & PMP_L) == 0) return PMP_ALLOW;
    return (cfg & perm) != 0 ? PMP_ALLOW : PMP_DENY;
  }
  // No entry matched: M-mode succeeds; S and U fail, since entries are
  // implemented (whether or not any is active).
  return priv == PRIV_M ? PMP_ALLOW : PMP_DENY;
}

@inline export function pmpAllows(pa: u64, size: u64, perm: u32, priv: i32): bool {
  return pmpCheck(pa, size, perm, priv) == PMP_ALLOW;
}

// Is entry i locked against writes? (L bit; also pmpaddr[i] when entry i+1
// is a locked TOR entry that uses it as its bottom.)
export function pmpAddrLocked(i: i32): bool {
  if (cfgOf(i) & PMP_L) return true;
  if (i + 1 < PMP_COUNT) {
    const next = cfgOf(i + 1);
    if ((next & PMP_L) != 0 && ((next >> PMP_A_SHIFT) & 3) == A_TOR) return true;
  }
  return false;
}

export function pmpWriteAddr(i: i32, v: u64): void {
  if (pmpAddrLocked(i)) return;
  store<u64>(hb + C_PMPADDR + (<usize>i << 3), v & PMPADDR_MASK);
}

// pmpcfg0 (entries 0-7) or pmpcfg2 (entries 8-15); `first` = 0 or 8.
export function pmpWriteCfg(first: i32, v: u64): void {
  for (let k = 0; k < 8; k++) {
    const i = first + k;
    if (cfgOf(i) & PMP_L) continue;
    let b = <u32>(v >> (<u64>k << 3)) & 0xff;
    // R=0 with W=1 is reserved (WARL): clear W.
    if ((b & PMP_R) == 0) b &= ~PMP_W;
    b &= 0x9f; // bits 6:5 are reserved, read as zero
    store<u8>(hb + C_PMPCFG + <usize>i, <u8>b);
  }
}

export function pmpReadCfg(first: i32): u64 {
  return load<u64>(hb + C_PMPCFG + <usize>first);
}
