// A scripted virtio driver for the virtio-9p tests: one split queue in the
// test core's guest RAM, buffers carved from a bump allocator, chains posted
// as the test lays them out (split like Linux's zero-copy requests, or
// through an indirect table), the transport serviced as the I/O worker does,
// and the used ring read back.
import * as L from "../../wasm-core/layout.js";
import {
  VIRTIO_STATUS_DRIVER_OK, VIRTIO_STATUS_DEVICE_NEEDS_RESET, VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE, VIRTQ_DESC_F_INDIRECT,
} from "../../wasm-core/spec/virtio.js";
import { makeTestCore } from "../unit/core-harness.js";
import { VirtioMmioHost, type VirtioDevice } from "../../src/devices/virtio.js";

const RAM = 0x8000_0000n;
const NUM = 64; // queue entries
const DESC = RAM + 0x1000n, AVAIL = RAM + 0x2000n, USED = RAM + 0x3000n, HEAP = RAM + 0x10000n;

// One buffer of a chain: bytes the device reads, or room it writes.
export type Part = { out: Uint8Array } | { in: number };

export interface Used { head: number; written: number; reply: Uint8Array }

export class GuestQueue {
  readonly slot = 0;
  private heap = HEAP;
  private nextDesc = 0;
  private inTable = new Map<number, { part: Part; addr: bigint }[]>(); // head -> its buffers
  private seen = 0; // used entries consumed
  readonly view;
  readonly host: VirtioMmioHost;
  private readonly s = L.DEVICE_BASE + L.D_VIRTIO;

  constructor(readonly device: VirtioDevice, ramBytes = 64 * 2 ** 20) {
    const { core, view } = makeTestCore(ramBytes);
    this.view = view;
    this.host = new VirtioMmioHost(view, { hostLock: core.hostLock, hostUnlock: core.hostUnlock, uartHostPoll: core.uartHostPoll, virtioInterrupt: () => {} });
    this.host.attach(this.slot, device);
    const q = this.s + L.VQ_QUEUES;
    view.dv.setUint32(this.s + L.VQ_STATUS, VIRTIO_STATUS_DRIVER_OK, true);
    view.dv.setUint32(q + L.Q_NUM, NUM, true);
    view.dv.setUint32(q + L.Q_READY, 1, true);
    view.dv.setBigUint64(q + L.Q_DESC, DESC, true);
    view.dv.setBigUint64(q + L.Q_DRIVER, AVAIL, true);
    view.dv.setBigUint64(q + L.Q_DEVICE, USED, true);
  }

  get needsReset(): boolean { return (this.view.dv.getUint32(this.s + L.VQ_STATUS, true) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) !== 0; }
  // Guest configuration space as the driver reads it.
  config(n: number): Uint8Array { return this.view.bytes.slice(this.s + L.VQ_CONFIG, this.s + L.VQ_CONFIG + n); }
  deviceFeatures(): bigint { return this.view.dv.getBigUint64(this.s + L.VQ_DEVICE_FEATURES, true); }

  private alloc(len: number): bigint {
    const size = BigInt((len + 15) & ~15) || 16n;
    // Wrap round before the end of RAM: the buffers there are done by then.
    if (this.heap + size > RAM + BigInt(this.view.ramBytes())) this.heap = HEAP + 0x100000n;
    const a = this.heap;
    this.heap += size;
    return a;
  }
  get ramEnd(): bigint { return RAM + BigInt(this.view.ramBytes()); }

  private writeDesc(table: bigint, i: number, addr: bigint, len: number, flags: number, next: number): void {
    const o = this.view.ramOffset(table + BigInt(i * 16), 16);
    this.view.dv.setBigUint64(o, addr, true);
    this.view.dv.setUint32(o + 8, len, true);
    this.view.dv.setUint16(o + 12, flags, true);
    this.view.dv.setUint16(o + 14, next, true);
  }

  // Post one chain; `addr` overrides a part's guest address (a bad one).
  post(parts: (Part & { addr?: bigint })[], opts: { indirect?: boolean } = {}): number {
    const bufs = parts.map((p) => {
      const len = "out" in p ? p.out.length : p.in;
      const addr = p.addr ?? this.alloc(len);
      if ("out" in p && p.addr === undefined) this.view.bytes.set(p.out, this.view.ramOffset(addr, p.out.length));
      return { part: p as Part, addr, len, flags: "in" in p ? VIRTQ_DESC_F_WRITE : 0 };
    });
    let head: number;
    if (opts.indirect) {
      const table = this.alloc(16 * bufs.length);
      bufs.forEach((b, i) => this.writeDesc(table, i, b.addr, b.len, b.flags | (i < bufs.length - 1 ? VIRTQ_DESC_F_NEXT : 0), i + 1));
      head = this.take(1)[0];
      this.writeDesc(DESC, head, table, 16 * bufs.length, VIRTQ_DESC_F_INDIRECT, 0);
    } else {
      const ids = this.take(bufs.length);
      bufs.forEach((b, i) => this.writeDesc(DESC, ids[i], b.addr, b.len, b.flags | (i < bufs.length - 1 ? VIRTQ_DESC_F_NEXT : 0), ids[i + 1] ?? 0));
      head = ids[0];
    }
    this.inTable.set(head, bufs.map((b) => ({ part: b.part, addr: b.addr })));
    const dv = this.view.dv;
    const idx = dv.getUint16(this.view.ramOffset(AVAIL + 2n, 2), true);
    dv.setUint16(this.view.ramOffset(AVAIL + 4n + BigInt((idx % NUM) * 2), 2), head, true);
    dv.setUint16(this.view.ramOffset(AVAIL + 2n, 2), (idx + 1) & 0xffff, true);
    return head;
  }

  // Descriptor indices are handed out round-robin; the tests keep fewer
  // than NUM requests outstanding.
  private take(n: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < n; i++) { out.push(this.nextDesc); this.nextDesc = (this.nextDesc + 1) % NUM; }
    return out;
  }

  // The driver's notify, then the I/O worker's service().
  kick(): void {
    const dv = this.view.dv;
    dv.setInt32(L.DEVICE_BASE + L.D_IO_PENDING, 1 << this.slot, true);
    dv.setInt32(this.s + L.VQ_NOTIFIED, 1, true);
    this.host.service();
  }

  usedIdx(): number { return this.view.dv.getUint16(this.view.ramOffset(USED + 2n, 2), true); }

  // Used entries not consumed yet, each with the bytes written into its chain.
  takeUsed(): Used[] {
    const out: Used[] = [];
    const dv = this.view.dv;
    while (this.seen !== this.usedIdx()) {
      const o = this.view.ramOffset(USED + 4n + BigInt((this.seen % NUM) * 8), 8);
      const head = dv.getUint32(o, true), written = dv.getUint32(o + 4, true);
      this.seen = (this.seen + 1) & 0xffff;
      const reply = new Uint8Array(written);
      let at = 0;
      for (const b of this.inTable.get(head) ?? []) {
        if (!("in" in b.part) || at >= written) continue;
        const n = Math.min(b.part.in, written - at);
        reply.set(this.view.bytes.subarray(this.view.ramOffset(b.addr, n), this.view.ramOffset(b.addr, n) + n), at);
        at += n;
      }
      out.push({ head, written, reply });
    }
    return out;
  }

  // Wait until `n` more used entries are there (the device completes later).
  async waitUsed(n: number, timeoutMs = 5000): Promise<Used[]> {
    const got: Used[] = [];
    const until = Date.now() + timeoutMs;
    while (got.length < n) {
      got.push(...this.takeUsed());
      if (got.length >= n) break;
      if (Date.now() > until) throw new Error(`only ${got.length} of ${n} requests completed`);
      await new Promise((r) => setImmediate(r));
    }
    return got;
  }

  // A driver reset of the device (Status = 0 then set up again), as the core
  // records it: the reset generation moves and the ring starts over.
  resetDevice(): void {
    const dv = this.view.dv;
    dv.setUint32(this.s + L.VQ_RESET_GEN, dv.getUint32(this.s + L.VQ_RESET_GEN, true) + 1, true);
    dv.setUint32(this.s + L.VQ_STATUS, VIRTIO_STATUS_DRIVER_OK, true);
    dv.setUint32(this.s + L.VQ_QUEUES + L.Q_LAST_AVAIL, 0, true);
    dv.setUint16(this.view.ramOffset(AVAIL + 2n, 2), 0, true);
    dv.setUint16(this.view.ramOffset(USED + 2n, 2), 0, true);
    this.seen = 0;
    this.nextDesc = 0;
    this.inTable.clear();
    this.host.service(); // the transport tells the device
  }
}
