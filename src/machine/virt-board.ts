// The device table of our `virt` board (TinyEMU's cpu_register_device,
// QEMU's virt_memmap): for each device its range, the access widths it takes,
// its interrupt line and its device-tree node. The host writes the table
// into the bus map in shared memory (the core's bus dispatches from it) and
// the DTB builder emits the nodes from it, so a second disk or a network
// card is one more entry plus the device's own back end.
import * as L from "../../wasm-core/layout.js";
import * as B from "../../wasm-core/board.js";
import { node, type FdtNode } from "./fdt.js";
import type { CoreView } from "./core.js";

// Phandles and the like that nodes refer to, allocated before any is built.
export interface DtContext {
  intc: number[]; // per hart: its interrupt controller's phandle
  plic: number;
  test: number;
}

export interface BoardDevice {
  kind: number; // DEV_* in board.ts: the bus's dispatch key
  base: number;
  size: number;
  widths: number; // WIDTH_* mask
  irq: number; // PLIC source, 0 = none
  index: number; // which one of its kind (a virtio slot)
  nodes(ctx: DtContext): FdtNode[];
}

const hex = (n: number) => n.toString(16);
const hi = (v: number | bigint) => Number(BigInt(v) >> 32n);
const lo = (v: number | bigint) => Number(BigInt(v) & 0xffffffffn);
export const reg = (base: number | bigint, size: number | bigint) => [hi(base), lo(base), hi(size), lo(size)];

const device = (d: Omit<BoardDevice, "index"> & { index?: number }): BoardDevice => ({ index: 0, ...d });

export const testDevice = device({
  kind: B.DEV_TEST, base: B.TEST_BASE, size: B.TEST_SIZE, widths: B.TEST_WIDTHS, irq: 0,
  nodes: (ctx) => [
    node(`test@${hex(B.TEST_BASE)}`, {
      phandle: ctx.test,
      reg: reg(B.TEST_BASE, B.TEST_SIZE),
      compatible: ["sifive,test1", "sifive,test0", "syscon"],
    }),
    node("poweroff", { value: B.TEST_PASS, offset: 0, regmap: ctx.test, compatible: "syscon-poweroff" }),
    node("reboot", { value: B.TEST_RESET, offset: 0, regmap: ctx.test, compatible: "syscon-reboot" }),
  ],
});

export const rtcDevice = device({
  kind: B.DEV_RTC, base: B.RTC_BASE, size: B.RTC_SIZE, widths: B.RTC_WIDTHS, irq: B.IRQ_RTC,
  nodes: (ctx) => [node(`rtc@${hex(B.RTC_BASE)}`, {
    "interrupt-parent": ctx.plic,
    interrupts: B.IRQ_RTC,
    reg: reg(B.RTC_BASE, B.RTC_SIZE),
    compatible: "google,goldfish-rtc",
  })],
});

export const uartDevice = device({
  kind: B.DEV_UART, base: B.UART_BASE, size: B.UART_SIZE, widths: B.UART_WIDTHS, irq: B.IRQ_UART,
  nodes: (ctx) => [node(`serial@${hex(B.UART_BASE)}`, {
    "interrupt-parent": ctx.plic,
    interrupts: B.IRQ_UART,
    "clock-frequency": 0x384000,
    reg: reg(B.UART_BASE, B.UART_SIZE),
    compatible: "ns16550a",
  })],
});

export const plicDevice = device({
  kind: B.DEV_PLIC, base: B.PLIC_BASE, size: B.PLIC_SIZE, widths: B.PLIC_WIDTHS, irq: 0,
  nodes: (ctx) => [node(`plic@${hex(B.PLIC_BASE)}`, {
    phandle: ctx.plic,
    "riscv,ndev": B.PLIC_NUM_SOURCES,
    reg: reg(B.PLIC_BASE, B.PLIC_SIZE),
    // Contexts per hart: M-mode external (11), then S-mode external (9).
    "interrupts-extended": ctx.intc.flatMap((p) => [p, 11, p, 9]),
    "interrupt-controller": true,
    compatible: ["sifive,plic-1.0.0", "riscv,plic0"],
    "#address-cells": 0,
    "#interrupt-cells": 1,
  })],
});

export const clintDevice = device({
  kind: B.DEV_CLINT, base: B.CLINT_BASE, size: B.CLINT_SIZE, widths: B.CLINT_WIDTHS, irq: 0,
  nodes: (ctx) => [node(`clint@${hex(B.CLINT_BASE)}`, {
    // Per hart: machine software (3) and machine timer (7) interrupts.
    "interrupts-extended": ctx.intc.flatMap((p) => [p, 3, p, 7]),
    reg: reg(B.CLINT_BASE, B.CLINT_SIZE),
    compatible: ["sifive,clint0", "riscv,clint0"],
  })],
});

export function virtioDevice(slot: number): BoardDevice {
  if (!Number.isInteger(slot) || slot < 0 || slot >= B.VIRTIO_SLOTS) throw new RangeError(`no virtio-mmio slot ${slot}`);
  const base = B.VIRTIO_BASE + slot * B.VIRTIO_STRIDE;
  return device({
    kind: B.DEV_VIRTIO, base, size: B.VIRTIO_STRIDE, widths: B.VIRTIO_WIDTHS, irq: B.IRQ_VIRTIO_FIRST + slot, index: slot,
    nodes: (ctx) => [node(`virtio_mmio@${hex(base)}`, {
      "interrupt-parent": ctx.plic,
      interrupts: B.IRQ_VIRTIO_FIRST + slot,
      reg: reg(base, B.VIRTIO_STRIDE),
      compatible: "virtio,mmio",
    })],
  });
}

// The virt board with virtio devices in the given slots, in the order its
// DTB lists them (QEMU's order).
export function virtBoard(virtioSlots: number[]): BoardDevice[] {
  return [testDevice, rtcDevice, uartDevice, plicDevice, clintDevice,
    ...[...virtioSlots].sort((a, b) => a - b).map(virtioDevice)];
}

// Write the table into the bus map the core dispatches from. Ranges must not
// overlap (a unit test checks the virt board's).
export function writeBusMap(view: CoreView, devices: readonly BoardDevice[]): void {
  if (devices.length > L.BUS_MAX) throw new RangeError(`the bus map holds ${L.BUS_MAX} devices, not ${devices.length}`);
  const dv = view.dv;
  devices.forEach((d, i) => {
    const e = L.DEVICE_BASE + L.D_BUS + i * L.BUS_ENTRY;
    dv.setUint32(e + L.BUS_BASE, d.base, true);
    dv.setUint32(e + L.BUS_SIZE, d.size, true);
    dv.setUint32(e + L.BUS_KIND, d.kind, true);
    dv.setUint32(e + L.BUS_INDEX, d.index, true);
    dv.setUint32(e + L.BUS_WIDTHS, d.widths, true);
    dv.setUint32(e + L.BUS_IRQ, d.irq, true);
  });
  dv.setInt32(L.DEVICE_BASE + L.D_BUS_COUNT, devices.length, true);
}
