// The host's virtqueue walker against malformed queues a guest can write:
// every step is bounded, a bad queue sets NEEDS_RESET on its own device only,
// and a good queue beside it goes on working.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as L from "../../wasm-core/layout.js";
import { makeTestCore } from "./core-harness.js";
import { VirtioMmioHost, SyncDevice, scatter, type Chain, type GuestMemory, type DeviceContext, type VirtioDevice } from "../../src/devices/virtio.js";

import {
  VIRTIO_STATUS_DRIVER_OK as STATUS_DRIVER_OK, VIRTIO_STATUS_DEVICE_NEEDS_RESET as STATUS_NEEDS_RESET,
  VIRTQ_DESC_F_NEXT as F_NEXT, VIRTQ_DESC_F_WRITE as F_WRITE, VIRTQ_DESC_F_INDIRECT as F_INDIRECT, VIRTIO_ID_RNG,
} from "../../wasm-core/spec/virtio.js";
const RAM = 0x8000_0000n;

class Echo extends SyncDevice {
  readonly deviceId = VIRTIO_ID_RNG;
  readonly features = 0n;
  readonly numQueues = 1;
  served: Chain[] = [];
  config(): Uint8Array { return new Uint8Array(0); }
  protected handle(_q: number, chain: Chain, mem: GuestMemory): number {
    this.served.push(chain);
    return scatter(mem, chain.writable, new Uint8Array([1, 2, 3]));
  }
}

// One queue of `num` entries: descriptors at +0x1000, avail at +0x2000, used at +0x3000.
function setup(slots: number[]) {
  const { core, view } = makeTestCore();
  const raised: number[] = [];
  const host = new VirtioMmioHost(view, { hostLock: core.hostLock, hostUnlock: core.hostUnlock, uartHostPoll: core.uartHostPoll, virtioInterrupt: (slot) => { raised.push(slot); } });
  const devs = slots.map((slot) => { const d = new Echo(); host.attach(slot, d); return d; });
  const num = 8;
  const queue = (slot: number) => {
    const base = RAM + BigInt(slot) * 0x10000n;
    const s = L.DEVICE_BASE + L.D_VIRTIO + slot * L.VIRTIO_SLOT_SIZE;
    const q = s + L.VQ_QUEUES;
    view.dv.setUint32(s + L.VQ_STATUS, STATUS_DRIVER_OK, true);
    view.dv.setUint32(q + L.Q_NUM, num, true);
    view.dv.setUint32(q + L.Q_READY, 1, true);
    view.dv.setBigUint64(q + L.Q_DESC, base + 0x1000n, true);
    view.dv.setBigUint64(q + L.Q_DRIVER, base + 0x2000n, true);
    view.dv.setBigUint64(q + L.Q_DEVICE, base + 0x3000n, true);
    const desc = (table: bigint, i: number, addr: bigint, len: number, flags: number, next: number) => {
      const o = view.ramOffset(table + BigInt(i * 16), 16);
      view.dv.setBigUint64(o, addr, true);
      view.dv.setUint32(o + 8, len, true);
      view.dv.setUint16(o + 12, flags, true);
      view.dv.setUint16(o + 14, next, true);
    };
    const post = (head: number) => {
      const idx = view.dv.getUint16(view.ramOffset(base + 0x2002n, 2), true);
      view.dv.setUint16(view.ramOffset(base + 0x2004n + BigInt((idx % num) * 2), 2), head, true);
      view.dv.setUint16(view.ramOffset(base + 0x2002n, 2), idx + 1, true);
    };
    const notify = () => {
      view.dv.setInt32(L.DEVICE_BASE + L.D_IO_PENDING, view.dv.getInt32(L.DEVICE_BASE + L.D_IO_PENDING, true) | (1 << slot), true);
      view.dv.setInt32(s + L.VQ_NOTIFIED, 1, true);
    };
    const status = () => view.dv.getUint32(s + L.VQ_STATUS, true);
    const usedElem = (i: number) => {
      const o = view.ramOffset(base + 0x3004n + BigInt(i * 8), 8);
      return [view.dv.getUint32(o, true), view.dv.getUint32(o + 4, true)];
    };
    const usedIdx = () => view.dv.getUint16(view.ramOffset(base + 0x3002n, 2), true);
    return { base, desc, post, notify, status, usedIdx, usedElem, table: base + 0x1000n };
  };
  return { core, view, host, devs, raised, queue };
}

test("an indirect descriptor whose table is the descriptor table itself ends in NEEDS_RESET, not a loop", () => {
  const { host, devs, raised, queue } = setup([0]);
  const q = queue(0);
  // Descriptor 0 is indirect and points at the descriptor table: following it
  // finds descriptor 0 again, and again.
  q.desc(q.table, 0, q.table, 16 * 8, F_INDIRECT, 0);
  q.post(0);
  q.notify();
  host.service();
  assert.ok(q.status() & STATUS_NEEDS_RESET);
  assert.equal(devs[0].served.length, 0);
  assert.deepEqual(raised, [0]);
});

test("a chain that loops through NEXT, and an over-long indirect table, are refused", () => {
  for (const make of [
    (q: ReturnType<ReturnType<typeof setup>["queue"]>) => { q.desc(q.table, 0, q.base, 8, F_NEXT, 1); q.desc(q.table, 1, q.base, 8, F_NEXT, 0); },
    (q: ReturnType<ReturnType<typeof setup>["queue"]>) => { q.desc(q.table, 0, q.base + 0x4000n, 16 * 5000, F_INDIRECT, 0); },
    (q: ReturnType<ReturnType<typeof setup>["queue"]>) => { q.desc(q.table, 0, q.base + 0x4000n, 16, F_INDIRECT | F_NEXT, 1); },
  ]) {
    const { host, devs, queue } = setup([0]);
    const q = queue(0);
    make(q);
    q.post(0);
    q.notify();
    host.service();
    assert.ok(q.status() & STATUS_NEEDS_RESET);
    assert.equal(devs[0].served.length, 0);
  }
});

test("a nested indirect table is refused; a good indirect chain on another device is served", () => {
  const { host, devs, queue } = setup([0, 1]);
  const bad = queue(0), good = queue(1);
  const ind = bad.base + 0x4000n;
  bad.desc(bad.table, 0, ind, 32, F_INDIRECT, 0);
  bad.desc(ind, 0, bad.base + 0x5000n, 16, F_INDIRECT, 0);
  bad.post(0);
  const gind = good.base + 0x4000n;
  good.desc(good.table, 0, gind, 32, F_INDIRECT, 0);
  good.desc(gind, 0, good.base + 0x5000n, 4, F_NEXT, 1);
  good.desc(gind, 1, good.base + 0x6000n, 3, F_WRITE, 0);
  good.post(0);
  bad.notify(); good.notify();
  host.service();
  assert.ok(bad.status() & STATUS_NEEDS_RESET);
  assert.equal(devs[0].served.length, 0);
  assert.equal(good.status() & STATUS_NEEDS_RESET, 0);
  assert.equal(devs[1].served.length, 1);
  assert.equal(devs[1].served[0].readable.length, 1);
  assert.equal(devs[1].served[0].writable.length, 1);
  assert.equal(good.usedIdx(), 1);
});

// A device that completes later, in the order the test chooses.
class Deferred implements VirtioDevice {
  reset?: () => void;
  readonly deviceId = VIRTIO_ID_RNG;
  readonly features = 0n;
  readonly numQueues = 1;
  ctx!: DeviceContext;
  taken: Chain[] = [];
  config(): Uint8Array { return new Uint8Array(0); }
  bind(ctx: DeviceContext): void { this.ctx = ctx; }
  notify(q: number): void { for (let c = this.ctx.queue(q).pop(); c; c = this.ctx.queue(q).pop()) this.taken.push(c); }
}

test("requests complete later and out of order; each lands in the used ring with its own head", async () => {
  const { host, view, raised, queue } = setup([]);
  const dev = new Deferred();
  host.attach(2, dev);
  const q = queue(2);
  for (let i = 0; i < 3; i++) q.desc(q.table, i, q.base + 0x5000n + BigInt(i * 16), 4, F_WRITE, 0);
  q.post(0); q.post(1); q.post(2);
  q.notify();
  host.service();
  assert.equal(dev.taken.length, 3);
  assert.equal(q.usedIdx(), 0, "nothing is used until the device completes");
  dev.ctx.complete(0, dev.taken[2], 4);
  dev.ctx.complete(0, dev.taken[0], 1);
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(q.usedIdx(), 2);
  assert.deepEqual([q.usedElem(0), q.usedElem(1)], [[2, 4], [0, 1]]);
  assert.deepEqual(raised, [2], "one interrupt for the turn's completions");
  void view;
});

test("a request taken before the driver reset the device is dropped, not pushed into the new queue", async () => {
  const { core, host, queue, view } = setup([]);
  const dev = new Deferred();
  let resets = 0;
  dev.reset = () => { resets++; };
  host.attach(1, dev);
  const q = queue(1);
  q.desc(q.table, 0, q.base + 0x5000n, 4, F_WRITE, 0);
  q.post(0);
  q.notify();
  host.service();
  assert.equal(dev.taken.length, 1);
  // The driver resets the device (Status = 0), then sets the queue up again.
  core.resetMachine();
  queue(1);
  host.service();
  assert.equal(resets, 1, "the device is told");
  dev.ctx.complete(0, dev.taken[0], 4);
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(q.usedIdx(), 0);
  void view;
});
