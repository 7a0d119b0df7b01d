// Every block of the shared memory as a named record: where it is, how big,
// its version, and whether a snapshot saves it. Built from layout.ts's
// constants (this file is the host's; the core reads layout.ts directly).
// In address order; tests/unit/layout.test.ts proves the records are
// disjoint and inside the memory.
//
// kind:
//   "state"  machine state: a snapshot saves it (by name and version)
//   "config" written by the host from the machine's configuration; rebuilt,
//            never saved (the bus map)
//   "cache"  derived from state, rebuilt on demand (TLB, RVC table)
//   "host"   how the host runs the machine (run state, locks, signals,
//            statistics, the core's own static data)
// Versions start at 1 and go up when a record's meaning changes; a snapshot
// reader refuses or migrates a version it does not know.
import * as L from "./layout.js";
import { VIRTIO_SLOTS } from "./board.js";
import { MAX_HARTS } from "./limits.js";

export type RecordKind = "state" | "config" | "cache" | "host";

export interface MemoryRecord {
  name: string;
  base: number; // byte offset in the shared memory
  size: number;
  version: number;
  kind: RecordKind;
}

const D = L.DEVICE_BASE;

function hartRecords(h: number): MemoryRecord[] {
  const hb = L.HART_BASE + h * L.HART_STRIDE;
  return [
    { name: `hart${h}`, base: hb, size: L.HART_ARCH_SIZE, version: 1, kind: "state" },
    { name: `hart${h}.control`, base: hb + L.H_CTRL, size: L.HART_CTRL_SIZE, version: 1, kind: "host" },
    { name: `hart${h}.tlb`, base: hb + L.H_TLB, size: L.TLB_SIZE, version: 1, kind: "cache" },
    { name: `hart${h}.jit`, base: hb + L.H_JIT, size: L.H_JIT_SIZE, version: 1, kind: "cache" },
  ];
}

// The records of a machine with `harts` harts and `ramBytes` of RAM (hart
// blocks beyond its harts are unused memory).
export function memoryRecords(harts = MAX_HARTS, ramBytes = 0): MemoryRecord[] {
  return [
    { name: "core.static", base: L.AS_DATA_BASE, size: L.AS_DATA_SIZE, version: 1, kind: "host" },
    ...Array.from({ length: harts }, (_, h) => hartRecords(h)).flat(),
    { name: "machine", base: D, size: L.D_MACHINE_SIZE, version: 1, kind: "state" },
    { name: "control", base: D + L.D_CONTROL, size: L.D_CONTROL_SIZE, version: 1, kind: "host" },
    { name: "icount", base: D + L.D_ICOUNT, size: L.D_ICOUNT_SIZE, version: 1, kind: "host" },
    { name: "bus", base: D + L.D_BUS_COUNT, size: 4 + L.BUS_MAX * L.BUS_ENTRY, version: 1, kind: "config" },
    { name: "clint", base: D + L.D_CLINT, size: L.D_CLINT_SIZE, version: 1, kind: "state" },
    { name: "uart", base: D + L.D_UART, size: L.D_UART_SIZE, version: 1, kind: "state" },
    { name: "plic", base: D + L.D_PLIC, size: L.D_PLIC_SIZE, version: 1, kind: "state" },
    { name: "rom", base: D + L.D_ROM, size: L.D_ROM_SIZE, version: 1, kind: "state" },
    { name: "virtio", base: D + L.D_VIRTIO, size: VIRTIO_SLOTS * L.VIRTIO_SLOT_SIZE, version: 1, kind: "state" },
    { name: "uart.tx", base: D + L.D_UART_TX, size: L.UART_TX_SIZE, version: 1, kind: "state" },
    { name: "uart.rx", base: D + L.D_UART_RX, size: L.UART_RX_SIZE, version: 1, kind: "state" },
    { name: "rvc", base: L.RVC_TABLE, size: L.RVC_TABLE_SIZE, version: 1, kind: "cache" },
    { name: "jit.gen", base: L.JIT_GEN, size: L.JIT_GEN_SIZE, version: 1, kind: "cache" },
    ...Array.from({ length: harts }, (_, h): MemoryRecord =>
      ({ name: `jit.pagemap${h}`, base: L.JIT_PAGEMAP + h * L.JIT_PAGEMAP_STRIDE, size: L.JIT_PAGEMAP_STRIDE, version: 1, kind: "cache" })),
    { name: "ram", base: L.RAM_OFFSET, size: ramBytes, version: 1, kind: "state" },
  ];
}
