// The device tree of our `virt` board, generated from the machine's
// configuration, in the shape QEMU's virt board gives Linux and OpenSBI.
import * as B from "../../wasm-core/board.js";
import { buildFdt, node, type FdtNode } from "./fdt.js";

// What the harts implement, and nothing more (see wasm-core/assembly/csr.ts).
export const ISA_STRING = "rv64imafdc_zicsr_zifencei";

export interface VirtDtbConfig {
  harts: number;
  ramBytes: number;
  bootargs: string;
  virtio: { slot: number; kind: string }[]; // kind only documents; all are virtio,mmio
  initrd?: { start: bigint; end: bigint };
}

const hi = (v: number | bigint) => Number(BigInt(v) >> 32n);
const lo = (v: number | bigint) => Number(BigInt(v) & 0xffffffffn);
const reg = (base: number | bigint, size: number | bigint) => [hi(base), lo(base), hi(size), lo(size)];

export function buildVirtDtb(c: VirtDtbConfig): Uint8Array {
  let nextPhandle = 1;
  const intcPhandle: number[] = [];
  const cpuPhandle: number[] = [];
  const cpus: FdtNode[] = [];
  for (let h = 0; h < c.harts; h++) {
    cpuPhandle.push(nextPhandle++);
    intcPhandle.push(nextPhandle++);
    cpus.push(node(`cpu@${h}`, {
      phandle: cpuPhandle[h],
      device_type: "cpu",
      reg: h,
      status: "okay",
      compatible: "riscv",
      "riscv,isa": ISA_STRING,
      "mmu-type": "riscv,sv39",
    }, [
      node("interrupt-controller", {
        "#interrupt-cells": 1,
        "interrupt-controller": true,
        compatible: "riscv,cpu-intc",
        phandle: intcPhandle[h],
      }),
    ]));
  }
  const cores = cpuPhandle.map((p, h) => node(`core${h}`, { cpu: p }));
  const plicPhandle = nextPhandle++;
  const testPhandle = nextPhandle++;

  // CLINT: per hart, machine software (3) and machine timer (7) interrupts.
  const clintIrqs = intcPhandle.flatMap((p) => [p, 3, p, 7]);
  // PLIC contexts: per hart, M-mode external (11) then S-mode external (9).
  const plicIrqs = intcPhandle.flatMap((p) => [p, 11, p, 9]);

  const hex = (n: number) => n.toString(16);
  const soc: FdtNode[] = [
    node(`test@${hex(B.TEST_BASE)}`, {
      phandle: testPhandle,
      reg: reg(B.TEST_BASE, B.TEST_SIZE),
      compatible: ["sifive,test1", "sifive,test0", "syscon"],
    }),
    node("poweroff", { value: B.TEST_PASS, offset: 0, regmap: testPhandle, compatible: "syscon-poweroff" }),
    node("reboot", { value: B.TEST_RESET, offset: 0, regmap: testPhandle, compatible: "syscon-reboot" }),
    node(`rtc@${hex(B.RTC_BASE)}`, {
      "interrupt-parent": plicPhandle,
      interrupts: B.IRQ_RTC,
      reg: reg(B.RTC_BASE, B.RTC_SIZE),
      compatible: "google,goldfish-rtc",
    }),
    node(`serial@${hex(B.UART_BASE)}`, {
      "interrupt-parent": plicPhandle,
      interrupts: B.IRQ_UART,
      "clock-frequency": 0x384000,
      reg: reg(B.UART_BASE, B.UART_SIZE),
      compatible: "ns16550a",
    }),
    node(`plic@${hex(B.PLIC_BASE)}`, {
      phandle: plicPhandle,
      "riscv,ndev": B.PLIC_NUM_SOURCES,
      reg: reg(B.PLIC_BASE, B.PLIC_SIZE),
      "interrupts-extended": plicIrqs,
      "interrupt-controller": true,
      compatible: ["sifive,plic-1.0.0", "riscv,plic0"],
      "#address-cells": 0,
      "#interrupt-cells": 1,
    }),
    node(`clint@${hex(B.CLINT_BASE)}`, {
      "interrupts-extended": clintIrqs,
      reg: reg(B.CLINT_BASE, B.CLINT_SIZE),
      compatible: ["sifive,clint0", "riscv,clint0"],
    }),
  ];
  for (const v of [...c.virtio].sort((a, b) => a.slot - b.slot)) {
    const base = B.VIRTIO_BASE + v.slot * B.VIRTIO_STRIDE;
    soc.push(node(`virtio_mmio@${hex(base)}`, {
      "interrupt-parent": plicPhandle,
      interrupts: B.IRQ_VIRTIO_FIRST + v.slot,
      reg: reg(base, B.VIRTIO_STRIDE),
      compatible: "virtio,mmio",
    }));
  }

  const chosen: Record<string, string | number[]> = {
    bootargs: c.bootargs,
    "stdout-path": `/soc/serial@${hex(B.UART_BASE)}`,
  };
  if (c.initrd) {
    chosen["linux,initrd-start"] = [hi(c.initrd.start), lo(c.initrd.start)];
    chosen["linux,initrd-end"] = [hi(c.initrd.end), lo(c.initrd.end)];
  }

  const root = node("", {
    "#address-cells": 2,
    "#size-cells": 2,
    compatible: "riscv-virtio",
    model: "riscv-virtio,qemu",
  }, [
    node("chosen", chosen),
    node(`memory@${hex(B.RAM_BASE)}`, { device_type: "memory", reg: reg(B.RAM_BASE, c.ramBytes) }),
    node("cpus", { "#address-cells": 1, "#size-cells": 0, "timebase-frequency": B.TIMEBASE_HZ },
      [...cpus, node("cpu-map", {}, [node("cluster0", {}, cores)])]),
    node("soc", { "#address-cells": 2, "#size-cells": 2, compatible: "simple-bus", ranges: true }, soc),
  ]);
  return buildFdt(root);
}
