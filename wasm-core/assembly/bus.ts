// The bus: which physical addresses are memory backed by host memory (RAM,
// the boot ROM) and which device answers the rest. The devices are found in
// the bus map the host wrote into the device block (D_BUS in layout.ts, from
// the device table src/machine/virt-board.ts): each entry has a range, a
// kind, an index, the access widths it takes and its interrupt line. Ranges
// are half-open. An address no entry covers, or an access of a width the
// device does not take, fails; the caller (hart/sv39.ts) turns a failure
// into the guest's access fault. The bus never raises anything itself.
import {
  DEVICE_BASE, D_ROM, D_LOCK, D_BUS, D_BUS_COUNT, BUS_ENTRY, BUS_BASE, BUS_SIZE, BUS_KIND,
  BUS_INDEX, BUS_WIDTHS, STATUS_OK, STATUS_TRAP,
} from "../layout";
import {
  BOOTROM_BASE, BOOTROM_SIZE, RAM_BASE, DEV_TEST, DEV_RTC, DEV_CLINT, DEV_PLIC, DEV_UART, DEV_VIRTIO,
} from "../board";
import { ACC_WRITE, ACC_FETCH } from "../spec/riscv";
import { ramEnd, RAM_HOST_BIAS } from "./hart/hart";
import { clintRead, clintWrite } from "./devices/clint";
import { uartRead, uartWrite } from "./devices/uart";
import { plicRead, plicWrite } from "./devices/plic";
import { virtioRead, virtioWrite, virtioWidthOk } from "./devices/virtio-mmio";
import { testWrite } from "./devices/test";
import { rtcRead, rtcWrite } from "./devices/rtc";
import { htifWatched, htifStore } from "./devices/htif";

// Host address of `size` bytes at physical `pa` when they lie in host-backed
// memory the access may use, else 0. Writes to ROM get 0.
export function hostAddr(pa: u64, size: u64, acc: i32): usize {
  if (pa >= <u64>RAM_BASE) {
    if (pa + size <= ramEnd) return <usize>(pa + RAM_HOST_BIAS);
    return 0;
  }
  if (acc != ACC_WRITE && pa >= <u64>BOOTROM_BASE && pa + size <= <u64>(BOOTROM_BASE + BOOTROM_SIZE)) {
    return <usize>(<u64>(DEVICE_BASE + D_ROM) + pa - <u64>BOOTROM_BASE);
  }
  return 0;
}

// May a write TLB entry cover this physical page? Not a page HTIF watches:
// every store there must reach physWrite.
export function pageWatched(pa: u64): bool { return htifWatched(pa); }

// Set by physRead when nothing answered the access; the caller raises.
export let busFault: bool = false;

// Bus map entry covering `pa` that takes `size`-byte accesses, or 0.
function findDevice(pa: u64, size: i32): usize {
  if (pa >= 0x100000000) return 0; // every device lies below 4 GiB
  const n = load<i32>(DEVICE_BASE + D_BUS_COUNT);
  for (let i = 0; i < n; i++) {
    const e = <usize>(DEVICE_BASE + D_BUS + i * BUS_ENTRY);
    if (<u32>pa - load<u32>(e + BUS_BASE) < load<u32>(e + BUS_SIZE)) {
      // Device registers take naturally aligned accesses of their widths only.
      if ((load<u32>(e + BUS_WIDTHS) & <u32>size) == 0 || (pa & <u64>(size - 1)) != 0) return 0;
      return e;
    }
  }
  return 0;
}

// Device (and slow RAM/ROM) read. Sets busFault where nothing answers.
export function physRead(pa: u64, size: i32, acc: i32): u64 {
  busFault = false;
  const ha = hostAddr(pa, <u64>size, acc);
  if (ha != 0) {
    if (size == 8) return load<u64>(ha);
    if (size == 4) return <u64>load<u32>(ha);
    if (size == 2) return <u64>load<u16>(ha);
    return <u64>load<u8>(ha);
  }
  const e = acc == ACC_FETCH ? 0 : findDevice(pa, size);
  if (e == 0) { busFault = true; return 0; }
  const off = <u32>pa - load<u32>(e + BUS_BASE);
  const kind = load<u32>(e + BUS_KIND);
  const index = load<u32>(e + BUS_INDEX);
  if (kind == DEV_VIRTIO && !virtioWidthOk(off, size, false)) { busFault = true; return 0; }
  lock();
  let v: u64 = 0;
  switch (kind) {
    case DEV_UART: v = <u64>uartRead(off); break;
    case DEV_VIRTIO:
      if (size == 8) v = <u64>virtioRead(index, off, 4) | (<u64>virtioRead(index, off + 4, 4) << 32);
      else v = <u64>virtioRead(index, off, size);
      break;
    case DEV_PLIC: v = <u64>plicRead(off); break;
    case DEV_CLINT: v = clintRead(<u64>off, size); break;
    case DEV_RTC: v = <u64>rtcRead(off); break;
    case DEV_TEST: v = 0; break;
    default: busFault = true;
  }
  unlock();
  return v;
}

// Write. Returns STATUS_OK, STATUS_TRAP (nothing answers: the caller raises
// the access fault), or what the write asks of the run loop (EXIT_HTIF,
// EXIT_POWER, EXIT_IO): the store completes, then the hart's slice ends so
// that the host can act.
export function physWrite(pa: u64, size: i32, v: u64): i32 {
  const ha = hostAddr(pa, <u64>size, ACC_WRITE);
  if (ha != 0) {
    if (size == 8) store<u64>(ha, v);
    else if (size == 4) store<u32>(ha, <u32>v);
    else if (size == 2) store<u16>(ha, <u16>v);
    else store<u8>(ha, <u8>v);
    return htifStore(pa, size);
  }
  const e = findDevice(pa, size);
  if (e == 0) return STATUS_TRAP;
  const off = <u32>pa - load<u32>(e + BUS_BASE);
  const kind = load<u32>(e + BUS_KIND);
  const index = load<u32>(e + BUS_INDEX);
  if (kind == DEV_VIRTIO && !virtioWidthOk(off, size, true)) return STATUS_TRAP;
  lock();
  let r = STATUS_OK;
  switch (kind) {
    case DEV_UART: r = uartWrite(off, <u32>v); break;
    case DEV_VIRTIO: r = virtioWrite(index, off, <u32>v); break;
    case DEV_PLIC: plicWrite(off, <u32>v); break;
    case DEV_CLINT: clintWrite(<u64>off, size, v); break;
    case DEV_RTC: rtcWrite(off, <u32>v); break;
    case DEV_TEST: r = testWrite(off, <u32>v); break;
    default: r = STATUS_TRAP;
  }
  unlock();
  return r;
}

// One agent at a time in the device state: harts in their MMIO accesses,
// the host when it feeds the UART or raises a virtio interrupt.
@inline function lock(): void {
  while (atomic.cmpxchg<i32>(DEVICE_BASE + D_LOCK, 0, 1) != 0) {}
}
@inline function unlock(): void { atomic.store<i32>(DEVICE_BASE + D_LOCK, 0); }
export function deviceLock(): void { lock(); }
export function deviceUnlock(): void { unlock(); }
