// The core's exports. Every worker instantiates this module over the same
// shared memory; `selectHart` binds an instance to one hart's state.
import {
  H_RESERVATION, H_INSTRET, H_EXECUTED, H_CYCLE_DELTA, H_PC, H_MIP, H_ATTN, H_X, H_HARTID, C_PMPCFG, PMP_COUNT,
} from "../layout";
import { hb, selectHart, refreshRam, setPriv, PRIV_M } from "./hart/hart";
import { resetCsrs } from "./hart/csr";
import { tlbFlush } from "./hart/sv39";
import { clintReset } from "./devices/clint";
import { plicReset } from "./devices/plic";
import { uartReset } from "./devices/uart";
import { virtioReset } from "./devices/virtio-mmio";
import { VIRTIO_SLOTS } from "../board";
export { run, lastRetired, lastTraps } from "./hart/run";
export { buildRvcTable, expandRvc } from "./hart/rvc";
export { mtime } from "./devices/clint";
import { uartHostPoll as uartPoll } from "./devices/uart";
import { virtioInterrupt as virtioIrq } from "./devices/virtio-mmio";
import { deviceLock, deviceUnlock } from "./bus";

// Host entry points into device state take the device lock, as harts do.
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

export { refreshRam };
