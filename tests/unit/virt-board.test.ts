// The device table: ranges disjoint and inside the 32-bit space devices use,
// widths and interrupt lines as the board says, the bus map written from it,
// and a DTB emitted from it that Linux and QEMU's layout expect (compared
// with dtc's view of it where dtc is installed).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as L from "../../wasm-core/layout.js";
import * as B from "../../wasm-core/board.js";
import { virtBoard, writeBusMap, virtioDevice } from "../../src/machine/virt-board.js";
import { buildVirtDtb } from "../../src/machine/dtb.js";
import { CoreView, createMemory, MiB } from "../../src/machine/core.js";

test("the virt board's devices do not overlap RAM, the ROM or each other", () => {
  const devs = virtBoard([0, 1, 2, 3, 4, 5, 6, 7]);
  const ranges = [...devs.map((d) => [d.base, d.base + d.size]), [B.BOOTROM_BASE, B.BOOTROM_BASE + B.BOOTROM_SIZE]]
    .sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) assert.ok(ranges[i][0] >= ranges[i - 1][1], `overlap at 0x${ranges[i][0].toString(16)}`);
  assert.ok(ranges.at(-1)![1] <= B.RAM_BASE);
  const irqs = devs.map((d) => d.irq).filter((i) => i !== 0);
  assert.equal(new Set(irqs).size, irqs.length, "each interrupt line has one device");
  assert.ok(irqs.every((i) => i >= 1 && i <= B.PLIC_NUM_SOURCES));
  assert.throws(() => virtioDevice(B.VIRTIO_SLOTS), RangeError);
});

test("the bus map holds the table as the core reads it", () => {
  const view = new CoreView(createMemory(4 * MiB));
  const devs = virtBoard([0, 3]);
  writeBusMap(view, devs);
  assert.equal(view.dv.getInt32(L.DEVICE_BASE + L.D_BUS_COUNT, true), devs.length);
  devs.forEach((d, i) => {
    const e = L.DEVICE_BASE + L.D_BUS + i * L.BUS_ENTRY;
    assert.deepEqual(
      [L.BUS_BASE, L.BUS_SIZE, L.BUS_KIND, L.BUS_INDEX, L.BUS_WIDTHS, L.BUS_IRQ].map((o) => view.dv.getUint32(e + o, true)),
      [d.base, d.size, d.kind, d.index, d.widths, d.irq]);
  });
  const slot3 = devs.find((d) => d.kind === B.DEV_VIRTIO && d.index === 3)!;
  assert.equal(slot3.base, B.VIRTIO_BASE + 3 * B.VIRTIO_STRIDE);
  assert.equal(slot3.irq, B.IRQ_VIRTIO_FIRST + 3);
});

function dtc(): string | undefined {
  return [process.env.DTC, "/usr/bin/dtc"].find((p): p is string => !!p && existsSync(p));
}

test("the DTB lists every device of the table with its reg and interrupt", { skip: dtc() ? false : "dtc not installed (device-tree-compiler)" }, () => {
  const devices = virtBoard([0, 1]);
  const dtb = buildVirtDtb({ harts: 2, ramBytes: 256 * MiB, bootargs: "console=ttyS0", devices });
  const dir = mkdtempSync(join(tmpdir(), "rvplay-dtb-"));
  writeFileSync(join(dir, "virt.dtb"), dtb);
  const dts = execFileSync(dtc()!, ["-I", "dtb", "-O", "dts", join(dir, "virt.dtb")], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const x = (n: number) => `0x${n.toString(16).padStart(2, "0")}`; // as dtc prints cells
  for (const d of devices) {
    const at = d.base.toString(16);
    const m = new RegExp(`@${at} \\{[^}]*?reg = <0x00 ${x(d.base)} 0x00 ${x(d.size)}>`, "s").exec(dts);
    assert.ok(m, `a node with reg 0x${at}+0x${d.size.toString(16)}\n${dts}`);
    if (d.irq && d.kind !== B.DEV_PLIC) assert.match(dts, new RegExp(`@${at} \\{[^}]*?interrupts = <${x(d.irq)}>`, "s"));
  }
  assert.match(dts, /stdout-path = "\/soc\/serial@10000000"/);
  assert.match(dts, /timebase-frequency = <0x989680>/);
  assert.match(dts, /riscv,isa = "rv64imafdc_zicsr_zifencei"/);
  assert.equal((dts.match(/virtio_mmio@/g) ?? []).length, 2);
});
