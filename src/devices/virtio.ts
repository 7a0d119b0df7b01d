// The device side of virtio (virtio 1.1 spec, 2.6 "Split Virtqueues"):
// walks the driver's descriptor chains straight from guest RAM and returns
// them through the used ring. The transport registers are in the core
// (wasm-core/assembly/virtio-mmio.ts); all queue state is in shared memory.
// Nothing the guest writes can make this touch memory outside guest RAM:
// every guest address goes through CoreView.ramOffset, which throws.
import * as L from "../../wasm-core/layout.js";
import {
  VIRTIO_F_VERSION_1, VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE, VIRTQ_DESC_F_INDIRECT, VIRTQ_DESC_SIZE,
  VIRTIO_STATUS_DRIVER_OK, VIRTIO_STATUS_DEVICE_NEEDS_RESET,
} from "../../wasm-core/spec/virtio.js";
import type { CoreView } from "../machine/core.js";

// A feature bit (given by number in spec/virtio.ts) as a feature mask.
export const feature = (bit: number): bigint => 1n << BigInt(bit);
// Bounds on a chain walk: an indirect table holds at most this many
// descriptors, and a whole chain (direct plus indirect) takes at most
// MAX_CHAIN_STEPS steps; a longer one can only be a loop.
const MAX_INDIRECT = 1024;
const MAX_CHAIN_STEPS = L.VIRTQ_MAX_SIZE + MAX_INDIRECT + 1;

export interface Buffer { addr: bigint; len: number; writable: boolean }

// One request: the chain's buffers, readable ones first then writable ones.
export interface Chain { head: number; readable: Buffer[]; writable: Buffer[] }

export class GuestMemoryError extends Error {}

export interface VirtioDevice {
  readonly deviceId: number; // 2 block, 4 entropy, ...
  readonly features: bigint;
  readonly numQueues: number;
  config(): Uint8Array; // device configuration space
  // Serve one chain; returns the number of bytes written into it.
  handle(queue: number, chain: Chain, mem: GuestMemory): number;
}

// Bounds-checked access to guest physical RAM for device back ends.
export class GuestMemory {
  constructor(readonly view: CoreView) {}
  private offset(addr: bigint, len: number): number {
    try {
      return this.view.ramOffset(addr, len);
    } catch (e) {
      throw new GuestMemoryError((e as Error).message);
    }
  }
  read(addr: bigint, len: number): Uint8Array {
    const o = this.offset(addr, len);
    return this.view.bytes.slice(o, o + len);
  }
  write(addr: bigint, data: Uint8Array): void {
    const o = this.offset(addr, data.length);
    this.view.bytes.set(data, o);
    this.view.ramWritten(o, data.length); // translated code there is retired
  }
  u16(addr: bigint): number { return this.view.dv.getUint16(this.offset(addr, 2), true); }
  u32(addr: bigint): number { return this.view.dv.getUint32(this.offset(addr, 4), true); }
  u64(addr: bigint): bigint { return this.view.dv.getBigUint64(this.offset(addr, 8), true); }
  setU16(addr: bigint, v: number): void { this.view.dv.setUint16(this.offset(addr, 2), v, true); }
  setU32(addr: bigint, v: number): void { this.view.dv.setUint32(this.offset(addr, 4), v, true); }
  publishU16(addr: bigint, v: number): void {
    const o = this.offset(addr, 2);
    if (o & 1) { this.view.dv.setUint16(o, v, true); return; }
    Atomics.store(new Uint16Array(this.view.memory.buffer), o >> 1, v);
  }
}

// Gather `len` bytes from a list of buffers starting at byte `skip`.
export function gather(mem: GuestMemory, bufs: Buffer[], skip: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  let pos = 0;
  for (const b of bufs) {
    if (pos >= len) break;
    if (skip >= b.len) { skip -= b.len; continue; }
    const n = Math.min(b.len - skip, len - pos);
    out.set(mem.read(b.addr + BigInt(skip), n), pos);
    pos += n;
    skip = 0;
  }
  if (pos < len) throw new GuestMemoryError(`request shorter than ${len} bytes`);
  return out;
}

// Scatter data into writable buffers; returns bytes written.
export function scatter(mem: GuestMemory, bufs: Buffer[], data: Uint8Array): number {
  let pos = 0;
  for (const b of bufs) {
    if (pos >= data.length) break;
    const n = Math.min(b.len, data.length - pos);
    mem.write(b.addr, data.subarray(pos, pos + n));
    pos += n;
  }
  return pos;
}

export function totalLen(bufs: Buffer[]): number {
  return bufs.reduce((n, b) => n + b.len, 0);
}

export class VirtioMmioHost {
  private readonly devices = new Map<number, VirtioDevice>();
  readonly mem: GuestMemory;

  constructor(private readonly view: CoreView, private readonly raise: (slot: number) => void) {
    this.mem = new GuestMemory(view);
  }

  private slotBase(slot: number): number { return L.DEVICE_BASE + L.D_VIRTIO + slot * L.VIRTIO_SLOT_SIZE; }

  // Put a device in a slot: its id, features and config become visible to
  // the guest through the core's registers.
  attach(slot: number, dev: VirtioDevice): void {
    const s = this.slotBase(slot);
    const dv = this.view.dv;
    dv.setUint32(s + L.VQ_DEVICE_ID, dev.deviceId, true);
    dv.setBigUint64(s + L.VQ_DEVICE_FEATURES, dev.features | feature(VIRTIO_F_VERSION_1), true);
    dv.setUint32(s + L.VQ_NUM_QUEUES, dev.numQueues, true);
    const cfg = dev.config();
    this.view.bytes.set(cfg.subarray(0, L.VQ_CONFIG_SIZE), s + L.VQ_CONFIG);
    this.devices.set(slot, dev);
  }

  slots(): number[] { return [...this.devices.keys()]; }

  // Serve every notified queue.
  service(): void {
    const pending = Atomics.exchange(new Int32Array(this.view.memory.buffer), (L.DEVICE_BASE + L.D_IO_PENDING) >> 2, 0);
    if (pending === 0) return;
    for (const [slot, dev] of this.devices) {
      if ((pending & (1 << slot)) === 0) continue;
      const s = this.slotBase(slot);
      const i32 = new Int32Array(this.view.memory.buffer);
      const notified = Atomics.exchange(i32, (s + L.VQ_NOTIFIED) >> 2, 0);
      for (let q = 0; q < dev.numQueues; q++) {
        if (notified & (1 << q)) this.serviceQueue(slot, dev, q);
      }
    }
  }

  private serviceQueue(slot: number, dev: VirtioDevice, q: number): void {
    const dv = this.view.dv;
    const s = this.slotBase(slot);
    if ((dv.getUint32(s + L.VQ_STATUS, true) & VIRTIO_STATUS_DRIVER_OK) === 0) return;
    const qs = s + L.VQ_QUEUES + q * L.VQ_QUEUE_SIZE;
    if (dv.getUint32(qs + L.Q_READY, true) === 0) return;
    const num = dv.getUint32(qs + L.Q_NUM, true);
    const desc = dv.getBigUint64(qs + L.Q_DESC, true);
    const avail = dv.getBigUint64(qs + L.Q_DRIVER, true);
    const used = dv.getBigUint64(qs + L.Q_DEVICE, true);
    const mem = this.mem;
    let served = 0;
    try {
      let last = dv.getUint32(qs + L.Q_LAST_AVAIL, true) & 0xffff;
      const availIdx = mem.u16(avail + 2n);
      if (((availIdx - last) & 0xffff) > num) throw new GuestMemoryError("avail index ran ahead of the queue size");
      while (last !== availIdx) {
        const head = mem.u16(avail + 4n + BigInt((last % num) * 2));
        const chain = this.readChain(desc, num, head);
        const written = dev.handle(q, chain, mem);
        const usedIdx = mem.u16(used + 2n);
        const elem = used + 4n + BigInt((usedIdx % num) * 8);
        mem.setU32(elem, head);
        mem.setU32(elem + 4n, written);
        // The element must be visible before the index that publishes it:
        // a sequentially consistent store orders them.
        mem.publishU16(used + 2n, (usedIdx + 1) & 0xffff);
        last = (last + 1) & 0xffff;
        dv.setUint32(qs + L.Q_LAST_AVAIL, last, true);
        served++;
      }
    } catch (e) {
      if (!(e instanceof GuestMemoryError)) throw e;
      // A malformed queue is the driver's bug: flag the device, never the host.
      dv.setUint32(s + L.VQ_STATUS, dv.getUint32(s + L.VQ_STATUS, true) | VIRTIO_STATUS_DEVICE_NEEDS_RESET, true);
      this.raise(slot);
      return;
    }
    if (served > 0) this.raise(slot);
  }

  // Walk one descriptor chain (virtio 1.1, 2.6.5 and 2.6.5.3). Every step
  // counts toward a bound, indirect ones included, so no table the guest
  // writes (a cycle, an indirect table that is the descriptor table itself)
  // can keep the host walking.
  private readChain(desc: bigint, num: number, head: number): Chain {
    const mem = this.mem;
    const chain: Chain = { head, readable: [], writable: [] };
    let table = desc, size = num, i = head, steps = 0, indirect = false;
    while (true) {
      if (++steps > MAX_CHAIN_STEPS) throw new GuestMemoryError("descriptor chain loops");
      if (i >= size) throw new GuestMemoryError(`descriptor index ${i} out of range`);
      const d = table + BigInt(i * VIRTQ_DESC_SIZE);
      const addr = mem.u64(d), len = mem.u32(d + 8n), flags = mem.u16(d + 12n), next = mem.u16(d + 14n);
      if (flags & VIRTQ_DESC_F_INDIRECT) {
        // 2.6.5.3.1: the driver MUST NOT set INDIRECT inside an indirect
        // table, nor together with NEXT.
        if (indirect || (flags & VIRTQ_DESC_F_NEXT) || len % VIRTQ_DESC_SIZE !== 0 || len === 0 || len / VIRTQ_DESC_SIZE > MAX_INDIRECT) {
          throw new GuestMemoryError("bad indirect descriptor");
        }
        table = addr; size = len / VIRTQ_DESC_SIZE; i = 0; indirect = true;
        continue;
      }
      const buf = { addr, len, writable: (flags & VIRTQ_DESC_F_WRITE) !== 0 };
      if (buf.writable) chain.writable.push(buf);
      else if (chain.writable.length > 0) throw new GuestMemoryError("readable descriptor after a writable one");
      else chain.readable.push(buf);
      if (!(flags & VIRTQ_DESC_F_NEXT)) break;
      i = next;
    }
    return chain;
  }
}
