// CLINT (SiFive core-local interruptor, as on QEMU virt): msip per hart at
// +0, mtimecmp per hart at +0x4000, mtime at +0xbff8. mtime runs at 10 MHz
// from the host's monotonic clock and stands still while the VM is paused.
import {
  HART_BASE, HART_STRIDE, HART_SLOTS, H_MIP, H_ATTN, DEVICE_BASE, D_NHARTS,
  D_CLINT, D_CLINT_MTIMECMP, D_MTIME_BASE, D_MTIME_FROZEN, D_CLOCK_MODE, CLOCK_INSTRUCTIONS,
  D_ICOUNT_BASE, D_MTIME_WARP, H_SLICE_RETIRED, INSNS_PER_TICK,
} from "../../layout";
import { TIMEBASE_HZ } from "../../limits";
import { MIP_MSIP, MIP_MTIP } from "../../spec/riscv";

// Register offsets (SiFive CLINT, as QEMU's hw/intc/riscv_aclint.c).
const MTIMECMP_OFF: u64 = 0x4000;
const MTIME_OFF: u64 = 0xbff8;
export const TICKS_PER_MS: f64 = <f64>TIMEBASE_HZ / 1000;

// Host monotonic clock in milliseconds (performance.now()).
@external("env", "hostClockMs")
export declare function hostClockMs(): f64;

// Deterministic mode (QEMU's -icount): mtime counts hart 0's retired
// instructions (the run loop and compiled code store the slice's count
// before any access that can reach a device), plus the idle time the host
// skipped at WFI. The same instructions give the same time on every run.
@inline export function icountMode(): bool { return load<i32>(DEVICE_BASE + D_CLOCK_MODE) == CLOCK_INSTRUCTIONS; }
function icountMtime(): u64 {
  const insns = load<u64>(DEVICE_BASE + D_ICOUNT_BASE) + <u64>load<i32>(HART_BASE + H_SLICE_RETIRED);
  return insns / <u64>INSNS_PER_TICK + load<u64>(DEVICE_BASE + D_MTIME_WARP);
}

// Deterministic mode: how many more instructions hart 0 retires before
// mtime reaches its mtimecmp (at least 1), or i32.MAX_VALUE when the
// deadline has passed (MTIP is up already) or lies beyond any slice.
export function icountUntilDeadline(): i32 {
  const cmp = mtimecmp(0);
  const now = icountMtime();
  if (now >= cmp) return i32.MAX_VALUE;
  const d = cmp - now; // ticks to go: mtime = insns / INSNS_PER_TICK + warp
  if (d >= <u64>(i32.MAX_VALUE / INSNS_PER_TICK)) return i32.MAX_VALUE;
  const insns = load<u64>(DEVICE_BASE + D_ICOUNT_BASE) + <u64>load<i32>(HART_BASE + H_SLICE_RETIRED);
  return <i32>(d * <u64>INSNS_PER_TICK - insns % <u64>INSNS_PER_TICK);
}

export function mtime(): u64 {
  if (icountMode()) return icountMtime();
  const frozen = load<i64>(DEVICE_BASE + D_MTIME_FROZEN);
  if (frozen >= 0) return <u64>frozen;
  const t = (hostClockMs() - load<f64>(DEVICE_BASE + D_MTIME_BASE)) * TICKS_PER_MS;
  return t <= 0 ? 0 : <u64>t;
}

function setMtime(v: u64): void {
  if (icountMode()) { store<u64>(DEVICE_BASE + D_MTIME_WARP, load<u64>(DEVICE_BASE + D_MTIME_WARP) + v - icountMtime()); return; }
  const frozen = load<i64>(DEVICE_BASE + D_MTIME_FROZEN);
  if (frozen >= 0) { store<i64>(DEVICE_BASE + D_MTIME_FROZEN, <i64>v); return; }
  store<f64>(DEVICE_BASE + D_MTIME_BASE, hostClockMs() - <f64>v / TICKS_PER_MS);
}

@inline function hartState(h: i32): usize { return <usize>(HART_BASE + h * HART_STRIDE); }

export function mtimecmp(h: i32): u64 {
  return atomic.load<u64>(<usize>(DEVICE_BASE + D_CLINT_MTIMECMP) + (<usize>h << 3));
}

// Bring hart h's MTIP in line with mtime >= mtimecmp.
export function updateTimer(h: i32, now: u64): void {
  const s = hartState(h);
  if (now >= mtimecmp(h)) {
    if ((atomic.load<i32>(s + H_MIP) & MIP_MTIP) == 0) {
      atomic.or<i32>(s + H_MIP, MIP_MTIP);
      atomic.store<i32>(s + H_ATTN, 1);
      atomic.notify(s + H_ATTN);
    }
  } else {
    atomic.and<i32>(s + H_MIP, ~MIP_MTIP);
  }
}

function setMsip(h: i32, v: u32): void {
  const s = hartState(h);
  atomic.store<i32>(<usize>(DEVICE_BASE + D_CLINT) + (<usize>h << 2), v & 1);
  if (v & 1) {
    atomic.or<i32>(s + H_MIP, MIP_MSIP);
    atomic.store<i32>(s + H_ATTN, 1);
    atomic.notify(s + H_ATTN);
  } else {
    atomic.and<i32>(s + H_MIP, ~MIP_MSIP);
  }
}

export function clintReset(): void {
  for (let h = 0; h < HART_SLOTS; h++) {
    atomic.store<i32>(<usize>(DEVICE_BASE + D_CLINT) + (<usize>h << 2), 0);
    atomic.store<u64>(<usize>(DEVICE_BASE + D_CLINT_MTIMECMP) + (<usize>h << 3), <u64>-1);
  }
}

// Registers are 32 or 64 bits wide; 4-byte accesses to either half work.
export function clintRead(off: u64, size: i32): u64 {
  const nharts = load<i32>(DEVICE_BASE + D_NHARTS);
  if (off < MTIMECMP_OFF) {
    const h = <i32>(off >> 2);
    if (h >= nharts || size != 4) return 0;
    return <u64>atomic.load<i32>(<usize>(DEVICE_BASE + D_CLINT) + (<usize>h << 2));
  }
  if (off >= MTIME_OFF) return half(mtime(), off - MTIME_OFF, size);
  const h = <i32>((off - MTIMECMP_OFF) >> 3);
  if (h >= nharts) return 0;
  return half(mtimecmp(h), (off - MTIMECMP_OFF) & 7, size);
}

export function clintWrite(off: u64, size: i32, v: u64): void {
  const nharts = load<i32>(DEVICE_BASE + D_NHARTS);
  if (off < MTIMECMP_OFF) {
    const h = <i32>(off >> 2);
    if (h < nharts) setMsip(h, <u32>v);
    return;
  }
  if (off >= MTIME_OFF) {
    setMtime(merge(mtime(), off - MTIME_OFF, size, v));
    for (let h = 0; h < nharts; h++) updateTimer(h, mtime());
    return;
  }
  const h = <i32>((off - MTIMECMP_OFF) >> 3);
  if (h >= nharts) return;
  const cmp = merge(mtimecmp(h), (off - MTIMECMP_OFF) & 7, size, v);
  atomic.store<u64>(<usize>(DEVICE_BASE + D_CLINT_MTIMECMP) + (<usize>h << 3), cmp);
  updateTimer(h, mtime());
  // A parked hart sleeps until the deadline it saw: make it look again.
  const st = hartState(h);
  atomic.store<i32>(st + H_ATTN, 1);
  atomic.notify(st + H_ATTN);
}

@inline function half(reg: u64, byteOff: u64, size: i32): u64 {
  if (size == 8) return reg;
  return (reg >> (byteOff << 3)) & 0xffffffff;
}

@inline function merge(reg: u64, byteOff: u64, size: i32, v: u64): u64 {
  if (size == 8) return v;
  const sh = byteOff << 3;
  return (reg & ~(<u64>0xffffffff << sh)) | ((v & 0xffffffff) << sh);
}
