// The board as the harts see it: which physical addresses are memory backed
// by host memory (RAM, boot ROM) and which are device registers. Ranges are
// half-open. Anything else is an access fault for the guest.
import {
  DEVICE_BASE, D_ROM, ROM_PHYS_BASE, ROM_SIZE, D_HTIF_TOHOST, D_HTIF_VALUE,
  D_NHARTS, RAM_PHYS_BASE,
} from "../layout";
import { ramEnd, RAM_HOST_BIAS, raise } from "./hart";
import { CLINT_BASE, CLINT_SIZE, clintRead, clintWrite } from "./clint";

export const ACC_READ: i32 = 0;
export const ACC_WRITE: i32 = 1;
export const ACC_FETCH: i32 = 2;

// Exception causes (privileged spec, table 3.6).
export const CAUSE_MISALIGNED_FETCH: i32 = 0;
export const CAUSE_FETCH_ACCESS: i32 = 1;
export const CAUSE_ILLEGAL: i32 = 2;
export const CAUSE_BREAKPOINT: i32 = 3;
export const CAUSE_MISALIGNED_LOAD: i32 = 4;
export const CAUSE_LOAD_ACCESS: i32 = 5;
export const CAUSE_MISALIGNED_STORE: i32 = 6;
export const CAUSE_STORE_ACCESS: i32 = 7;
export const CAUSE_ECALL_U: i32 = 8;
export const CAUSE_ECALL_S: i32 = 9;
export const CAUSE_ECALL_M: i32 = 11;
export const CAUSE_FETCH_PAGE: i32 = 12;
export const CAUSE_LOAD_PAGE: i32 = 13;
export const CAUSE_STORE_PAGE: i32 = 15;

@inline export function accessFault(acc: i32): i32 {
  return acc == ACC_FETCH ? CAUSE_FETCH_ACCESS : acc == ACC_WRITE ? CAUSE_STORE_ACCESS : CAUSE_LOAD_ACCESS;
}

// Set by a device access that the host must see before the hart goes on
// (e.g. the guest wrote HTIF tohost); the run loop returns after the instruction.
export let deviceExit: i32 = 0;
export function clearDeviceExit(): void { deviceExit = 0; }

// Host address of `size` bytes at physical `pa` when they lie in host-backed
// memory the access may use, else 0. Writes to ROM get 0.
export function hostAddr(pa: u64, size: u64, acc: i32): usize {
  if (pa >= <u64>RAM_PHYS_BASE) {
    if (pa + size <= ramEnd) return <usize>(pa + RAM_HOST_BIAS);
    return 0;
  }
  if (acc != ACC_WRITE && pa >= <u64>ROM_PHYS_BASE && pa + size <= <u64>(ROM_PHYS_BASE + ROM_SIZE)) {
    return <usize>(<u64>(DEVICE_BASE + D_ROM) + pa - <u64>ROM_PHYS_BASE);
  }
  return 0;
}

// May a write TLB entry cover this physical page? Not the page of HTIF's
// tohost: every store there must reach physWrite.
export function pageWatched(pa: u64): bool {
  const t = load<u64>(DEVICE_BASE + D_HTIF_TOHOST);
  return t != 0 && (t >> 12) == (pa >> 12);
}

@inline function nharts(): i32 { return load<i32>(DEVICE_BASE + D_NHARTS); }

// Device (and slow RAM) read. Raises an access fault (tval = the virtual
// address `va`) where nothing answers.
export function physRead(pa: u64, size: i32, acc: i32, va: u64): u64 {
  const ha = hostAddr(pa, <u64>size, acc);
  if (ha != 0) {
    if (size == 8) return load<u64>(ha);
    if (size == 4) return <u64>load<u32>(ha);
    if (size == 2) return <u64>load<u16>(ha);
    return <u64>load<u8>(ha);
  }
  if (acc != ACC_FETCH && (pa & <u64>(size - 1)) == 0) {
    if (pa >= CLINT_BASE && pa < CLINT_BASE + CLINT_SIZE && size >= 4) {
      return clintRead(pa - CLINT_BASE, size, nharts());
    }
  }
  raise(accessFault(acc), va);
  return 0;
}

export function physWrite(pa: u64, size: i32, v: u64, va: u64): void {
  const ha = hostAddr(pa, <u64>size, ACC_WRITE);
  if (ha != 0) {
    if (size == 8) store<u64>(ha, v);
    else if (size == 4) store<u32>(ha, <u32>v);
    else if (size == 2) store<u16>(ha, <u16>v);
    else store<u8>(ha, <u8>v);
    const t = load<u64>(DEVICE_BASE + D_HTIF_TOHOST);
    if (t != 0 && pa <= t + 7 && pa + <u64>size > t) {
      const val = load<u64>(<usize>(t + RAM_HOST_BIAS));
      if (val != 0) {
        store<u64>(DEVICE_BASE + D_HTIF_VALUE, val);
        deviceExit = 1;
      }
    }
    return;
  }
  if ((pa & <u64>(size - 1)) == 0) {
    if (pa >= CLINT_BASE && pa < CLINT_BASE + CLINT_SIZE && size >= 4) {
      clintWrite(pa - CLINT_BASE, size, v, nharts());
      return;
    }
  }
  raise(CAUSE_STORE_ACCESS, va);
}
