// The board as the harts see it: which physical addresses are memory backed
// by host memory (RAM, boot ROM) and which are device registers. Ranges are
// half-open. Anything else is an access fault for the guest.
import {
  DEVICE_BASE, D_ROM, D_HTIF_TOHOST, D_HTIF_VALUE,
  D_NHARTS, D_LOCK, D_POWER, D_POWER_CODE, D_RTC_OFFSET_NS, D_RTC_HIGH,
  EXIT_HTIF, EXIT_POWER, EXIT_IO, POWER_OFF, POWER_RESET, POWER_FAIL,
} from "../layout";
import * as B from "../board";
import { ramEnd, RAM_HOST_BIAS, raise } from "./hart/hart";
import { clintRead, clintWrite, mtime } from "./devices/clint";
import { uartRead, uartWrite } from "./devices/uart";
import { plicRead, plicWrite } from "./devices/plic";
import { virtioRead, virtioWrite } from "./devices/virtio-mmio";

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
// (an EXIT_ code: HTIF tohost written, power request, virtqueue notify);
// the run loop returns it after the instruction completes.
export let deviceExit: i32 = 0;
export function clearDeviceExit(): void { deviceExit = 0; }

// Host address of `size` bytes at physical `pa` when they lie in host-backed
// memory the access may use, else 0. Writes to ROM get 0.
export function hostAddr(pa: u64, size: u64, acc: i32): usize {
  if (pa >= <u64>B.RAM_BASE) {
    if (pa + size <= ramEnd) return <usize>(pa + RAM_HOST_BIAS);
    return 0;
  }
  if (acc != ACC_WRITE && pa >= <u64>B.BOOTROM_BASE && pa + size <= <u64>(B.BOOTROM_BASE + B.BOOTROM_SIZE)) {
    return <usize>(<u64>(DEVICE_BASE + D_ROM) + pa - <u64>B.BOOTROM_BASE);
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
  if (acc != ACC_FETCH && (pa & <u64>(size - 1)) == 0 && pa < 0x100000000) {
    lock();
    const v = mmioRead(<u32>pa, size);
    unlock();
    if (mmioOk) return v;
  }
  raise(accessFault(acc), va);
  return 0;
}

// Device registers: reached only by naturally aligned accesses. Sets
// mmioOk = false where no device answers.
let mmioOk: bool = true;
@inline function inRange(pa: u32, base: u32, size: u32): bool { return pa >= base && pa - base < size; }

function mmioRead(pa: u32, size: i32): u64 {
  mmioOk = true;
  if (inRange(pa, B.UART_BASE, B.UART_SIZE)) return size == 1 ? <u64>uartRead(pa - B.UART_BASE) : noDevice();
  if (inRange(pa, B.VIRTIO_BASE, B.VIRTIO_SLOTS * B.VIRTIO_STRIDE)) {
    const off = pa - B.VIRTIO_BASE;
    const slot = off / B.VIRTIO_STRIDE, r = off % B.VIRTIO_STRIDE;
    if (size == 8 && r >= 0x100) {
      return <u64>virtioRead(slot, r, 4) | (<u64>virtioRead(slot, r + 4, 4) << 32);
    }
    return size <= 4 && (size == 4 || r >= 0x100) ? <u64>virtioRead(slot, r, size) : noDevice();
  }
  if (inRange(pa, B.PLIC_BASE, B.PLIC_SIZE)) return size == 4 ? <u64>plicRead(pa - B.PLIC_BASE) : noDevice();
  if (inRange(pa, B.CLINT_BASE, B.CLINT_SIZE)) return size >= 4 ? clintRead(<u64>(pa - B.CLINT_BASE), size, nharts()) : noDevice();
  if (inRange(pa, B.RTC_BASE, B.RTC_SIZE)) return size == 4 ? <u64>rtcRead(pa - B.RTC_BASE) : noDevice();
  if (inRange(pa, B.TEST_BASE, B.TEST_SIZE)) return size == 2 || size == 4 ? 0 : noDevice();
  return noDevice();
}

function mmioWrite(pa: u32, size: i32, v: u64): void {
  mmioOk = true;
  if (inRange(pa, B.UART_BASE, B.UART_SIZE)) { if (size == 1) uartWrite(pa - B.UART_BASE, <u32>v); else noDevice(); return; }
  if (inRange(pa, B.VIRTIO_BASE, B.VIRTIO_SLOTS * B.VIRTIO_STRIDE)) {
    const off = pa - B.VIRTIO_BASE;
    if (size != 4) { noDevice(); return; }
    if (virtioWrite(off / B.VIRTIO_STRIDE, off % B.VIRTIO_STRIDE, <u32>v)) deviceExit = EXIT_IO;
    return;
  }
  if (inRange(pa, B.PLIC_BASE, B.PLIC_SIZE)) { if (size == 4) plicWrite(pa - B.PLIC_BASE, <u32>v); else noDevice(); return; }
  if (inRange(pa, B.CLINT_BASE, B.CLINT_SIZE)) { if (size >= 4) clintWrite(<u64>(pa - B.CLINT_BASE), size, v, nharts()); else noDevice(); return; }
  if (inRange(pa, B.RTC_BASE, B.RTC_SIZE)) { if (size == 4) rtcWrite(pa - B.RTC_BASE, <u32>v); else noDevice(); return; }
  // OpenSBI writes the command with a 16-bit store, Linux with 32 bits.
  if (inRange(pa, B.TEST_BASE, B.TEST_SIZE)) { if (size == 2 || size == 4) { if (pa == B.TEST_BASE) testWrite(<u32>v); } else noDevice(); return; }
  noDevice();
}

@inline function noDevice(): u64 { mmioOk = false; return 0; }

// sifive,test: 0x5555 powers off, 0x3333 | code << 16 fails, 0x7777 resets.
function testWrite(v: u32): void {
  const cmd = v & 0xffff;
  let req = 0;
  if (cmd == B.TEST_PASS) req = POWER_OFF;
  else if (cmd == B.TEST_RESET) req = POWER_RESET;
  else if (cmd == B.TEST_FAIL) { req = POWER_FAIL; store<i32>(DEVICE_BASE + D_POWER_CODE, <i32>(v >> 16)); }
  if (req != 0) {
    atomic.store<i32>(DEVICE_BASE + D_POWER, req);
    deviceExit = EXIT_POWER;
  }
}

// goldfish RTC: TIME_LOW (0x00) latches TIME_HIGH (0x04); nanoseconds since
// the epoch, from the host's wall clock at boot plus mtime. No alarms.
function rtcNow(): i64 { return load<i64>(DEVICE_BASE + D_RTC_OFFSET_NS) + <i64>mtime() * 100; }
function rtcRead(off: u32): u32 {
  if (off == 0) {
    const t = rtcNow();
    store<i32>(DEVICE_BASE + D_RTC_HIGH, <i32>(t >> 32));
    return <u32>t;
  }
  if (off == 4) return <u32>load<i32>(DEVICE_BASE + D_RTC_HIGH);
  return 0;
}
function rtcWrite(off: u32, v: u32): void {
  // TIME_LOW then TIME_HIGH set the clock (Linux writes high first).
  const t = rtcNow();
  let nt = t;
  if (off == 0) nt = (t & ~<i64>0xffffffff) | <i64>v;
  else if (off == 4) nt = (t & 0xffffffff) | (<i64>v << 32);
  else return;
  store<i64>(DEVICE_BASE + D_RTC_OFFSET_NS, load<i64>(DEVICE_BASE + D_RTC_OFFSET_NS) + (nt - t));
}

// One agent at a time in the device state: harts in their MMIO accesses,
// the host when it feeds the UART or raises a virtio interrupt.
@inline function lock(): void {
  while (atomic.cmpxchg<i32>(DEVICE_BASE + D_LOCK, 0, 1) != 0) {}
}
@inline function unlock(): void { atomic.store<i32>(DEVICE_BASE + D_LOCK, 0); }
export function deviceLock(): void { lock(); }
export function deviceUnlock(): void { unlock(); }

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
        deviceExit = EXIT_HTIF;
      }
    }
    return;
  }
  if ((pa & <u64>(size - 1)) == 0 && pa < 0x100000000) {
    lock();
    mmioWrite(<u32>pa, size, v);
    unlock();
    if (mmioOk) return;
  }
  raise(CAUSE_STORE_ACCESS, va);
}
