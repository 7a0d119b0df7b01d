// The core's exports (src/machine/core.ts declares them for the host; a unit
// test checks the two lists agree). Every worker instantiates this module
// over the same shared memory; `initHart` binds an instance to one hart.
import {
  H_RESERVATION, H_INSTRET, H_EXECUTED, H_CYCLE_DELTA, H_PC, H_MIP, H_ATTN, H_X, H_HARTID, H_EXC_CAUSE,
  C_PMPCFG, PMP_COUNT,
} from "../layout";
import { VIRTIO_SLOTS } from "../board";
import { PRIV_M } from "../spec/riscv";
import { hb, selectHart, refreshRam, setPriv } from "./hart/hart";
import { resetCsrs } from "./hart/csr";
import { tlbFlush } from "./hart/sv39";
import { clintReset } from "./devices/clint";
import { plicReset } from "./devices/plic";
import { uartReset, uartHostPoll as uartPoll } from "./devices/uart";
import { virtioReset, virtioInterrupt as virtioIrq } from "./devices/virtio-mmio";
import { deviceLock, deviceUnlock } from "./bus";
export { run } from "./hart/run";
export { buildRvcTable, expandRvc } from "./hart/rvc";
export { mtime } from "./devices/clint";
// Slow paths for code outside this module (a JIT): a load returns its value
// with any exception pending in the hart's H_EXC_CAUSE; a store returns a
// status (STATUS_OK, STATUS_TRAP, or an EXIT_ request).
export { loadSlow, storeSlow } from "./hart/sv39";

// Host entry points into device state take the device lock, as harts do.
// The host may also hold it around its own reads and writes of device state
// in shared memory (the virtqueues' rings): hostLock / hostUnlock, never
// around a call to another of these.
export function hostLock(): void { deviceLock(); }
export function hostUnlock(): void { deviceUnlock(); }
export function uartHostPoll(): void { deviceLock(); uartPoll(); deviceUnlock(); }
export function virtioInterrupt(slot: u32, bits: u32): void { deviceLock(); virtioIrq(slot, bits); deviceUnlock(); }

export function initHart(id: i32): void {
  selectHart(id);
}

// Reset this hart: M-mode at pc with a0 = hartid, a1 = arg (the DTB).
export function resetHart(pc: u64, a1: u64): void {
  memory.fill(hb + H_X, 0, 512);
  store<u64>(hb + H_X + 10 * 8, <u64>load<i32>(hb + H_HARTID));
  store<u64>(hb + H_X + 11 * 8, a1);
  store<u64>(hb + H_PC, pc);
  setPriv(PRIV_M);
  store<i64>(hb + H_RESERVATION, -1);
  store<u64>(hb + H_INSTRET, 0);
  store<u64>(hb + H_EXECUTED, 0);
  store<u64>(hb + H_CYCLE_DELTA, 0);
  store<i32>(hb + H_EXC_CAUSE, -1);
  atomic.store<i32>(hb + H_MIP, 0);
  atomic.store<i32>(hb + H_ATTN, 0);
  resetCsrs();
  memory.fill(hb + C_PMPCFG, 0, 16 + PMP_COUNT * 8); // pmpcfg0/2 and pmpaddr0-15
  tlbFlush();
}

// Called once per machine, before any hart runs.
// Devices keep what the host configured (virtio device ids, features,
// config space); their driver-visible state starts over.
export function resetMachine(): void {
  refreshRam();
  clintReset();
  plicReset();
  uartReset();
  for (let s: u32 = 0; s < <u32>VIRTIO_SLOTS; s++) virtioReset(s);
}

