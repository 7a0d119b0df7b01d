// A small virtio-net "driver" for unit tests: it sets up the receive and
// transmit queues of one virtio-mmio slot in the test core's RAM, accepts
// features, posts receive buffers, transmits packets and reads what the
// device returned, writing guest memory as Linux would.
import * as L from "../../wasm-core/layout.js";
import * as V from "../../wasm-core/spec/virtio.js";
import { makeTestCore } from "../unit/core-harness.js";
import { VirtioMmioHost, type VirtioDevice } from "../../src/devices/virtio.js";
import type { CoreView } from "../../src/machine/core.js";

export const RAM = 0x8000_0000n;
const QUEUE_AREA = RAM + 0x10_0000n;  // per queue: descriptors, avail, used (0x10000 each)
const BUF_AREA = RAM + 0x20_0000n;    // buffers, allocated upward

export interface Used { head: number; len: number }

export class TestNetDriver {
  readonly host: VirtioMmioHost;
  readonly view: CoreView;
  readonly interrupts: number[] = [];   // interrupt bits raised
  private nextBuf = BUF_AREA;
  private readonly freeDesc: number[][] = [[], []];
  private readonly usedSeen = [0, 0];
  readonly slot = 0;

  constructor(readonly device: VirtioDevice, readonly num = 256, ramMiB = 32) {
    const { core, view } = makeTestCore(ramMiB * 1024 * 1024);
    this.view = view;
    this.host = new VirtioMmioHost(view, {
      hostLock: core.hostLock, hostUnlock: core.hostUnlock, uartHostPoll: core.uartHostPoll,
      virtioInterrupt: (_slot, bits) => { this.interrupts.push(bits); },
    });
    this.host.attach(this.slot, device);
    for (let q = 0; q < 2; q++) for (let i = num - 1; i >= 0; i--) this.freeDesc[q].push(i);
  }

  private get s(): number { return L.DEVICE_BASE + L.D_VIRTIO + this.slot * L.VIRTIO_SLOT_SIZE; }
  private qs(q: number): number { return this.s + L.VQ_QUEUES + q * L.VQ_QUEUE_SIZE; }
  private base(q: number): bigint { return QUEUE_AREA + BigInt(q) * 0x3_0000n; }
  private dv(): DataView { return this.view.dv; }
  private ro(pa: bigint, len: number): number { return this.view.ramOffset(pa, len); }

  get offered(): bigint { return this.dv().getBigUint64(this.s + L.VQ_DEVICE_FEATURES, true); }
  get status(): number { return this.dv().getUint32(this.s + L.VQ_STATUS, true); }
  get configGeneration(): number { return this.dv().getUint32(this.s + L.VQ_CONFIG_GENERATION, true); }
  config(off: number, len: number): Uint8Array { return this.view.bytes.slice(this.s + L.VQ_CONFIG + off, this.s + L.VQ_CONFIG + off + len); }

  // Accept `features` (masked by what is offered) and bring both queues up.
  start(features: bigint = this.offered): void {
    const dv = this.dv();
    dv.setBigUint64(this.s + L.VQ_DRIVER_FEATURES, features & this.offered, true);
    for (let q = 0; q < 2; q++) {
      const b = this.base(q);
      dv.setUint32(this.qs(q) + L.Q_NUM, this.num, true);
      dv.setBigUint64(this.qs(q) + L.Q_DESC, b, true);
      dv.setBigUint64(this.qs(q) + L.Q_DRIVER, b + 0x1_0000n, true);
      dv.setBigUint64(this.qs(q) + L.Q_DEVICE, b + 0x2_0000n, true);
      dv.setUint32(this.qs(q) + L.Q_READY, 1, true);
    }
    dv.setUint32(this.s + L.VQ_STATUS, V.VIRTIO_STATUS_ACKNOWLEDGE | V.VIRTIO_STATUS_DRIVER |
      V.VIRTIO_STATUS_FEATURES_OK | V.VIRTIO_STATUS_DRIVER_OK, true);
  }

  // The driver resets the device (Status = 0), as the core does it.
  resetDevice(): void {
    const dv = this.dv();
    dv.setUint32(this.s + L.VQ_STATUS, 0, true);
    dv.setUint32(this.s + L.VQ_RESET_GEN, dv.getUint32(this.s + L.VQ_RESET_GEN, true) + 1, true);
    this.host.service();
  }

  alloc(len: number): bigint {
    const a = this.nextBuf;
    this.nextBuf += BigInt((len + 15) & ~15);
    return a;
  }

  // Make a chain of descriptors available; returns its head.
  post(q: number, bufs: { addr: bigint; len: number; write: boolean }[]): number {
    const ids = bufs.map(() => {
      const id = this.freeDesc[q].pop();
      if (id === undefined) throw new Error("test driver: out of descriptors");
      return id;
    });
    const b = this.base(q), dv = this.dv();
    bufs.forEach((buf, i) => {
      const o = this.ro(b + BigInt(ids[i] * 16), 16);
      dv.setBigUint64(o, buf.addr, true);
      dv.setUint32(o + 8, buf.len, true);
      dv.setUint16(o + 12, (buf.write ? V.VIRTQ_DESC_F_WRITE : 0) | (i < bufs.length - 1 ? V.VIRTQ_DESC_F_NEXT : 0), true);
      dv.setUint16(o + 14, i < bufs.length - 1 ? ids[i + 1] : 0, true);
    });
    const availIdx = this.ro(b + 0x1_0002n, 2);
    const idx = dv.getUint16(availIdx, true);
    dv.setUint16(this.ro(b + 0x1_0004n + BigInt((idx % this.num) * 2), 2), ids[0], true);
    dv.setUint16(availIdx, (idx + 1) & 0xffff, true);
    this.chains.set(`${q}:${ids[0]}`, ids);
    return ids[0];
  }
  private readonly chains = new Map<string, number[]>();

  // QueueNotify, then the I/O side serves it.
  notify(q: number): void {
    const dv = this.dv();
    dv.setUint32(this.s + L.VQ_NOTIFIED, dv.getUint32(this.s + L.VQ_NOTIFIED, true) | (1 << q), true);
    dv.setInt32(L.DEVICE_BASE + L.D_IO_PENDING, dv.getInt32(L.DEVICE_BASE + L.D_IO_PENDING, true) | (1 << this.slot), true);
    this.host.service();
  }

  usedIdx(q: number): number { return this.dv().getUint16(this.ro(this.base(q) + 0x2_0002n, 2), true); }

  // What the device returned since the last call (descriptors freed).
  takeUsed(q: number): Used[] {
    const out: Used[] = [];
    const end = this.usedIdx(q);
    while (this.usedSeen[q] !== end) {
      const o = this.ro(this.base(q) + 0x2_0004n + BigInt((this.usedSeen[q] % this.num) * 8), 8);
      const head = this.dv().getUint32(o, true), len = this.dv().getUint32(o + 4, true);
      out.push({ head, len });
      const ids = this.chains.get(`${q}:${head}`);
      if (ids) { this.freeDesc[q].push(...ids); this.chains.delete(`${q}:${head}`); }
      this.usedSeen[q] = (this.usedSeen[q] + 1) & 0xffff;
    }
    return out;
  }

  read(addr: bigint, len: number): Uint8Array { return this.view.bytes.slice(this.ro(addr, len), this.ro(addr, len) + len); }
  write(addr: bigint, data: Uint8Array): void { this.view.bytes.set(data, this.ro(addr, data.length)); }

  // Transmit header + frame in two descriptors (as Linux does without ANY_LAYOUT tricks).
  transmit(header: Uint8Array, frame: Uint8Array, notify = true): number {
    const h = this.alloc(header.length), f = this.alloc(frame.length);
    this.write(h, header);
    this.write(f, frame);
    const head = this.post(V.VIRTIO_NET_TXQ, [{ addr: h, len: header.length, write: false }, { addr: f, len: frame.length, write: false }]);
    if (notify) this.notify(V.VIRTIO_NET_TXQ);
    return head;
  }

  // Post n receive buffers of `size` bytes each (one descriptor each).
  postRx(n: number, size: number, notify = true): { head: number; addr: bigint }[] {
    const out = [];
    for (let i = 0; i < n; i++) {
      const addr = this.alloc(size);
      out.push({ head: this.post(V.VIRTIO_NET_RXQ, [{ addr, len: size, write: true }]), addr });
    }
    if (notify) this.notify(V.VIRTIO_NET_RXQ);
    return out;
  }
}

export function netHeader(fields: Partial<{ flags: number; gsoType: number; hdrLen: number; gsoSize: number; csumStart: number; csumOffset: number; numBuffers: number }> = {}): Uint8Array {
  const h = new Uint8Array(V.VIRTIO_NET_HDR_SIZE);
  const dv = new DataView(h.buffer);
  h[0] = fields.flags ?? 0;
  h[1] = fields.gsoType ?? 0;
  dv.setUint16(2, fields.hdrLen ?? 0, true);
  dv.setUint16(4, fields.gsoSize ?? 0, true);
  dv.setUint16(6, fields.csumStart ?? 0, true);
  dv.setUint16(8, fields.csumOffset ?? 0, true);
  dv.setUint16(10, fields.numBuffers ?? 0, true);
  return h;
}
