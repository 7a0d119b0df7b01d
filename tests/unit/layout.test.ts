// The shared memory's records are disjoint, in address order and inside the
// memory of the smallest and the largest machine; every offset layout.ts
// declares inside a block lies inside its record; the limits fit the layout.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as L from "../../wasm-core/layout.js";
import * as B from "../../wasm-core/board.js";
import { MAX_HARTS, MIN_RAM_MIB, MAX_RAM_MIB } from "../../wasm-core/limits.js";
import { memoryRecords } from "../../wasm-core/records.js";
import { memoryPages, MiB } from "../../src/machine/core.js";

for (const [harts, ramMiB] of [[1, MIN_RAM_MIB], [MAX_HARTS, MAX_RAM_MIB]]) {
  test(`records of a ${harts}-hart, ${ramMiB} MiB machine are disjoint, ordered and inside the memory`, () => {
    const records = memoryRecords(harts, ramMiB * MiB);
    const memBytes = memoryPages(ramMiB * MiB) * L.WASM_PAGE;
    const names = new Set<string>();
    let end = 0;
    for (const r of records) {
      assert.ok(!names.has(r.name), `${r.name} named twice`);
      names.add(r.name);
      assert.ok(r.base >= end, `${r.name} at 0x${r.base.toString(16)} overlaps what ends at 0x${end.toString(16)}`);
      assert.ok(r.size > 0 && r.version >= 1, r.name);
      end = r.base + r.size;
    }
    assert.ok(end + L.RAM_GUARD <= memBytes, `records end at 0x${end.toString(16)}, the memory at 0x${memBytes.toString(16)}`);
    assert.equal(records.at(-1)!.name, "ram");
  });
}

test("the limits fit the layout: hart slots, the device block, virtio slots, RAM offset", () => {
  assert.ok(MAX_HARTS <= L.HART_SLOTS);
  assert.ok(L.HART_BASE + L.HART_SLOTS * L.HART_STRIDE <= L.DEVICE_BASE);
  assert.ok(L.DEVICE_BASE + L.DEVICE_SIZE <= L.RVC_TABLE);
  assert.ok(L.RVC_TABLE + L.RVC_TABLE_SIZE <= L.RAM_OFFSET);
  assert.equal(L.RVC_TABLE_SIZE, 65536 * 4);
  assert.ok(L.AS_DATA_BASE + L.AS_DATA_SIZE <= L.HART_BASE);
  assert.ok(L.D_VIRTIO + B.VIRTIO_SLOTS * L.VIRTIO_SLOT_SIZE <= L.D_UART_TX);
  assert.equal(L.D_ROM_SIZE, B.BOOTROM_SIZE);
});

test("every hart offset lies inside its record, every CSR word inside the architectural state", () => {
  const arch = ["H_X", "H_F", "H_PC", "H_PRIV", "H_MIP", "H_RESERVATION", "H_RESERVED_VALUE", "H_INSTRET", "H_CYCLE_DELTA", "H_HARTID"];
  const csr = Object.keys(L).filter((k) => k.startsWith("C_"));
  const ctrl = ["H_ATTN", "H_PARKED", "H_EXIT", "H_FENCE", "H_EXC_CAUSE", "H_SLICE_RETIRED", "H_SLICE_TRAPS", "H_EXC_TVAL", "H_EXECUTED", "H_BEAT"];
  const off = (k: string) => (L as unknown as Record<string, number>)[k];
  for (const k of [...arch, ...csr]) assert.ok(off(k) + 8 <= L.HART_ARCH_SIZE, k);
  assert.ok(L.C_PMPADDR + L.PMP_COUNT * 8 <= L.HART_ARCH_SIZE);
  for (const k of ctrl) assert.ok(off(k) >= L.H_CTRL && off(k) + 8 <= L.H_CTRL + L.HART_CTRL_SIZE, k);
  assert.ok(L.H_TLB + L.TLB_SIZE <= L.HART_STRIDE);
  // Nothing declared twice at one offset among the 8-byte words.
  const words = [...arch, ...csr, ...ctrl].map(off);
  assert.equal(new Set(words).size, words.length);
});

test("device-block offsets lie inside their records", () => {
  const inRecord = (name: string, off: number, size: number) => {
    const r = memoryRecords().find((x) => x.name === name)!;
    assert.ok(L.DEVICE_BASE + off >= r.base && L.DEVICE_BASE + off + size <= r.base + r.size, `${name} +0x${off.toString(16)}`);
  };
  for (const off of [L.D_RAM_SIZE, L.D_RTC_OFFSET_NS]) inRecord("machine", off, 8);
  for (const off of [L.D_NHARTS, L.D_RTC_HIGH]) inRecord("machine", off, 4);
  for (const off of [L.D_MTIME_BASE, L.D_MTIME_FROZEN, L.D_SPEED, L.D_HTIF_TOHOST, L.D_HTIF_VALUE]) inRecord("control", off, 8);
  for (const off of [L.D_LOCK, L.D_POWER, L.D_POWER_CODE, L.D_IO_PENDING, L.D_RUNSTATE]) inRecord("control", off, 4);
  inRecord("bus", L.D_BUS, L.BUS_MAX * L.BUS_ENTRY);
  inRecord("clint", L.D_CLINT_MTIMECMP, L.HART_SLOTS * 8);
  for (const off of [L.UART_TX_HEAD, L.UART_TX_TAIL, L.UART_RX_HEAD, L.UART_RX_TAIL]) inRecord("uart", L.D_UART + off, 4);
  assert.ok(L.VQ_QUEUES + L.VQ_MAX_QUEUES * L.VQ_QUEUE_SIZE <= L.VQ_CONFIG);
  assert.ok(L.VQ_CONFIG + L.VQ_CONFIG_SIZE <= L.VIRTIO_SLOT_SIZE);
  assert.ok(L.Q_LAST_AVAIL + 4 <= L.VQ_QUEUE_SIZE);
});
