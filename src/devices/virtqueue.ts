// One split virtqueue (virtio 1.1 spec, 2.6 "Split Virtqueues") as the
// device side sees it: pop() takes the next request the driver made
// available (a descriptor chain walked straight from guest RAM), push()
// returns it through the used ring. Requests may complete in any order and
// at any later time (QEMU's virtqueue_pop / virtqueue_push, TinyEMU's
// read_async with a completion).
//
// Both run under the device lock the harts take for MMIO, so a driver that
// resets the device (Status = 0) in between cannot interleave with them:
// pop() and push() see the reset generation (VQ_RESET_GEN) and a request
// taken before a reset is never returned into the new queue.
import * as L from "../../wasm-core/layout.js";
import {
  VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE, VIRTQ_DESC_F_INDIRECT, VIRTQ_DESC_SIZE, VIRTIO_STATUS_DRIVER_OK,
} from "../../wasm-core/spec/virtio.js";
import type { CoreExports } from "../machine/core.js";
import { GuestMemoryError, type Buffer, type GuestMemory } from "./guest-memory.js";

// Bounds on a chain walk: an indirect table holds at most this many
// descriptors, and a whole chain (direct plus indirect) takes at most
// MAX_CHAIN_STEPS steps; a longer one can only be a loop.
const MAX_INDIRECT = 1024;
const MAX_CHAIN_STEPS = L.VIRTQ_MAX_SIZE + MAX_INDIRECT + 1;
// virtq_avail.flags (2.6.6): the driver asks not to be interrupted.
const VIRTQ_AVAIL_F_NO_INTERRUPT = 1;

// One request: the chain's buffers, readable ones first then writable ones,
// and the reset generation of the device it was taken from.
export interface Chain { head: number; readable: Buffer[]; writable: Buffer[]; gen: number }

export type QueueLock = Pick<CoreExports, "hostLock" | "hostUnlock">;

export function slotBase(slot: number): number { return L.DEVICE_BASE + L.D_VIRTIO + slot * L.VIRTIO_SLOT_SIZE; }

export class VirtQueue {
  private readonly dv: DataView;
  private readonly s: number;
  private readonly qs: number;

  constructor(private readonly lock: QueueLock, private readonly mem: GuestMemory, readonly slot: number, readonly index: number) {
    this.dv = mem.view.dv;
    this.s = slotBase(slot);
    this.qs = this.s + L.VQ_QUEUES + index * L.VQ_QUEUE_SIZE;
  }

  get resetGen(): number { return this.dv.getUint32(this.s + L.VQ_RESET_GEN, true); }

  // The queue's size (QueueNum) as the driver set it.
  get size(): number { return this.dv.getUint32(this.qs + L.Q_NUM, true); }

  // The driver has the device running and this queue ready.
  get live(): boolean {
    return (this.dv.getUint32(this.s + L.VQ_STATUS, true) & VIRTIO_STATUS_DRIVER_OK) !== 0 &&
      this.dv.getUint32(this.qs + L.Q_READY, true) !== 0;
  }

  // The next available request, or undefined. A malformed queue throws
  // GuestMemoryError (the transport then sets NEEDS_RESET).
  pop(): Chain | undefined {
    this.lock.hostLock();
    try {
      if (!this.live) return undefined;
      const mem = this.mem;
      const num = this.dv.getUint32(this.qs + L.Q_NUM, true);
      const desc = this.dv.getBigUint64(this.qs + L.Q_DESC, true);
      const avail = this.dv.getBigUint64(this.qs + L.Q_DRIVER, true);
      const last = this.dv.getUint32(this.qs + L.Q_LAST_AVAIL, true) & 0xffff;
      const availIdx = mem.u16(avail + 2n);
      if (availIdx === last) return undefined;
      if (((availIdx - last) & 0xffff) > num) throw new GuestMemoryError("avail index ran ahead of the queue size");
      const head = mem.u16(avail + 4n + BigInt((last % num) * 2));
      const chain = this.readChain(desc, num, head);
      this.dv.setUint32(this.qs + L.Q_LAST_AVAIL, (last + 1) & 0xffff, true);
      return chain;
    } finally {
      this.lock.hostUnlock();
    }
  }

  // Give back the last `n` requests pop() took, unused (QEMU's
  // virtqueue_unpop): a receive queue takes buffers for a packet, finds
  // too few, and leaves them for later. False (nothing changed) if the
  // device was reset since `gen`.
  unpop(n: number, gen: number): boolean {
    this.lock.hostLock();
    try {
      if (gen !== this.resetGen || !this.live) return false;
      const last = this.dv.getUint32(this.qs + L.Q_LAST_AVAIL, true);
      this.dv.setUint32(this.qs + L.Q_LAST_AVAIL, (last - n) & 0xffff, true);
      return true;
    } finally {
      this.lock.hostUnlock();
    }
  }

  // Return a request with `written` bytes written into its writable
  // buffers. False (and nothing written) if the device was reset since the
  // request was taken, or the queue is no longer live.
  push(chain: Chain, written: number): boolean {
    return this.pushAll([chain], [written]);
  }

  // Return several requests at once: the driver sees all of them or none
  // (QEMU's virtqueue_fill ... virtqueue_flush). A packet spread over
  // several receive buffers (virtio-net's MRG_RXBUF) needs this: a driver
  // that saw only its first buffer would find the rest missing.
  pushAll(chains: Chain[], written: number[]): boolean {
    this.lock.hostLock();
    try {
      if (chains.some((c) => c.gen !== this.resetGen) || !this.live) return false;
      const mem = this.mem;
      const num = this.dv.getUint32(this.qs + L.Q_NUM, true);
      const used = this.dv.getBigUint64(this.qs + L.Q_DEVICE, true);
      const usedIdx = mem.u16(used + 2n);
      for (let i = 0; i < chains.length; i++) {
        const elem = used + 4n + BigInt(((usedIdx + i) % num) * 8);
        mem.setU32(elem, chains[i].head);
        mem.setU32(elem + 4n, written[i]);
      }
      // The elements must be visible before the index that publishes them:
      // a sequentially consistent store orders them.
      mem.publishU16(used + 2n, (usedIdx + chains.length) & 0xffff);
      return true;
    } finally {
      this.lock.hostUnlock();
    }
  }

  // Does the driver want an interrupt for used buffers (2.6.7)?
  wantsInterrupt(): boolean {
    try {
      const avail = this.dv.getBigUint64(this.qs + L.Q_DRIVER, true);
      return (this.mem.u16(avail) & VIRTQ_AVAIL_F_NO_INTERRUPT) === 0;
    } catch {
      return true;
    }
  }

  // Walk one descriptor chain (2.6.5 and 2.6.5.3). Every step counts toward
  // a bound, indirect ones included, so no table the guest writes (a cycle,
  // an indirect table that is the descriptor table itself) can keep the
  // host walking.
  private readChain(desc: bigint, num: number, head: number): Chain {
    const mem = this.mem;
    const chain: Chain = { head, readable: [], writable: [], gen: this.resetGen };
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
