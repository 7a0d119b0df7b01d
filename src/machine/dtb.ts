// The device tree of our `virt` board, generated from the machine's
// configuration and its device table (virt-board.ts), in the shape QEMU's
// virt board gives Linux and OpenSBI.
import * as B from "../../wasm-core/board.js";
import { TIMEBASE_HZ } from "../../wasm-core/limits.js";
import { buildFdt, node, type FdtNode } from "./fdt.js";
import { reg, type BoardDevice, type DtContext } from "./virt-board.js";

// What the harts implement, and nothing more (see wasm-core/assembly/hart/csr.ts).
export const ISA_STRING = "rv64imafdc_zicsr_zifencei";

export interface VirtDtbConfig {
  harts: number;
  ramBytes: number;
  bootargs: string;
  devices: readonly BoardDevice[];
  initrd?: { start: bigint; end: bigint };
}

const hi = (v: number | bigint) => Number(BigInt(v) >> 32n);
const lo = (v: number | bigint) => Number(BigInt(v) & 0xffffffffn);

export function buildVirtDtb(c: VirtDtbConfig): Uint8Array {
  let nextPhandle = 1;
  const intc: number[] = [];
  const cpuPhandle: number[] = [];
  const cpus: FdtNode[] = [];
  for (let h = 0; h < c.harts; h++) {
    cpuPhandle.push(nextPhandle++);
    intc.push(nextPhandle++);
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
        phandle: intc[h],
      }),
    ]));
  }
  const cores = cpuPhandle.map((p, h) => node(`core${h}`, { cpu: p }));
  const ctx: DtContext = { intc, plic: nextPhandle++, test: nextPhandle++ };
  const uart = c.devices.find((d) => d.kind === B.DEV_UART);

  const chosen: Record<string, string | number[]> = { bootargs: c.bootargs };
  if (uart) chosen["stdout-path"] = `/soc/serial@${uart.base.toString(16)}`;
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
    node(`memory@${B.RAM_BASE.toString(16)}`, { device_type: "memory", reg: reg(B.RAM_BASE, c.ramBytes) }),
    node("cpus", { "#address-cells": 1, "#size-cells": 0, "timebase-frequency": TIMEBASE_HZ },
      [...cpus, node("cpu-map", {}, [node("cluster0", {}, cores)])]),
    node("soc", { "#address-cells": 2, "#size-cells": 2, compatible: "simple-bus", ranges: true },
      c.devices.flatMap((d) => d.nodes(ctx))),
  ]);
  return buildFdt(root);
}
