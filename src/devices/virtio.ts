// The host side of the virtio-mmio transport. The registers are in the core
// (wasm-core/assembly/devices/virtio-mmio.ts) over shared state; a
// QueueNotify there marks the queue in VQ_NOTIFIED and the slot in
// D_IO_PENDING. This side runs the devices' back ends: service() hands each
// notified queue to its device, which takes requests with queue(q).pop()
// and completes them, now or later and in any order, with complete(); the
// transport pushes them to the used ring and raises the interrupt (once per
// turn of the event loop, not per request). A device the driver reset
// (VQ_RESET_GEN moved) is told so; a malformed queue sets NEEDS_RESET on
// that device alone.
import * as L from "../../wasm-core/layout.js";
import {
  VIRTIO_F_VERSION_1, VIRTIO_STATUS_DEVICE_NEEDS_RESET, VIRTIO_MMIO_INT_VRING, VIRTIO_MMIO_INT_CONFIG,
} from "../../wasm-core/spec/virtio.js";
import type { CoreExports, CoreView } from "../machine/core.js";
import { GuestMemory, GuestMemoryError } from "./guest-memory.js";
import { VirtQueue, slotBase, type Chain } from "./virtqueue.js";

export { GuestMemory, GuestMemoryError, gather, scatter, totalLen, type Buffer } from "./guest-memory.js";
export type { Chain } from "./virtqueue.js";

// A feature bit (given by number in spec/virtio.ts) as a feature mask.
export const feature = (bit: number): bigint => 1n << BigInt(bit);

// What a device back end gets from the transport.
export type DeviceCore = Pick<CoreExports, "hostLock" | "hostUnlock" | "virtioInterrupt" | "uartHostPoll">;

export interface DeviceContext {
  readonly mem: GuestMemory;
  readonly slot: number;
  // The core's entry points for device state shared with the harts (the
  // device lock; the UART, whose rings the console shares).
  readonly core: DeviceCore;
  queue(q: number): VirtQueue;
  // A request taken from queue q is done: `written` bytes were written into
  // its writable buffers.
  complete(q: number, chain: Chain, written: number): void;
  // Several requests of queue q done at once: the driver sees them together.
  completeAll(q: number, chains: Chain[], written: number[]): void;
  // The driver broke the protocol: NEEDS_RESET and a configuration interrupt.
  fail(reason: string): void;
  // The device's configuration space changed (rewritten from config()).
  configChanged(): void;
  // Something the page or the CLI should know (a warning, statistics).
  event(e: unknown): void;
  // The feature bits the driver accepted (meaningful once it set FEATURES_OK).
  driverFeatures(): bigint;
}

export interface VirtioDevice {
  readonly deviceId: number; // VIRTIO_ID_* (spec/virtio.ts)
  readonly features: bigint; // device-specific; VERSION_1 is added by the transport
  readonly numQueues: number;
  config(): Uint8Array; // device configuration space
  bind(ctx: DeviceContext): void; // once, before the guest runs
  notify(q: number): void; // the driver made buffers available on queue q
  reset?(): void; // the driver reset the device: forget requests in flight
  // Resolve once no request is in flight; until resume(), take no new ones
  // and touch neither guest memory nor the queues (a pause, a snapshot).
  drain?(): Promise<void>;
  resume?(): void;
  close?(): void | Promise<void>;
  // A command from the page or the CLI (e.g. a NIC's cable pulled); devices
  // ignore what they do not know.
  command?(c: unknown): void;
  // For a snapshot, once drained: the device's host-side state, or
  // undefined when it keeps none a snapshot needs.
  save?(owner: string): Promise<unknown> | undefined;
}

// A device whose every request is served at once: notify() pops and
// handles until the queue is empty.
export abstract class SyncDevice implements VirtioDevice {
  abstract readonly deviceId: number;
  abstract readonly features: bigint;
  abstract readonly numQueues: number;
  protected ctx!: DeviceContext;
  abstract config(): Uint8Array;
  // Serve one request; returns the bytes written into it.
  protected abstract handle(q: number, chain: Chain, mem: GuestMemory): number;
  bind(ctx: DeviceContext): void { this.ctx = ctx; }
  notify(q: number): void {
    const queue = this.ctx.queue(q);
    for (let chain = queue.pop(); chain; chain = queue.pop()) {
      this.ctx.complete(q, chain, this.handle(q, chain, this.ctx.mem));
    }
  }
}

export class VirtioMmioHost {
  private readonly devices = new Map<number, VirtioDevice>();
  private readonly gens = new Map<number, number>();
  private readonly queues = new Map<string, VirtQueue>();
  private readonly i32: Int32Array;
  private readonly toInterrupt = new Map<number, number>(); // slot -> interrupt bits
  private flushScheduled = false;
  readonly mem: GuestMemory;
  onEvent: (slot: number, e: unknown) => void = () => {};

  constructor(private readonly view: CoreView, private readonly core: DeviceCore) {
    this.mem = new GuestMemory(view);
    this.i32 = new Int32Array(view.memory.buffer);
  }

  // Put a device in a slot: its id, features, queue count and configuration
  // become visible to the guest through the core's registers.
  attach(slot: number, dev: VirtioDevice): void {
    const s = slotBase(slot);
    const dv = this.view.dv;
    dv.setUint32(s + L.VQ_DEVICE_ID, dev.deviceId, true);
    dv.setBigUint64(s + L.VQ_DEVICE_FEATURES, dev.features | feature(VIRTIO_F_VERSION_1), true);
    dv.setUint32(s + L.VQ_NUM_QUEUES, dev.numQueues, true);
    this.writeConfig(slot, dev);
    this.devices.set(slot, dev);
    this.gens.set(slot, dv.getUint32(s + L.VQ_RESET_GEN, true));
    dev.bind(this.context(slot, dev));
  }

  slots(): number[] { return [...this.devices.keys()]; }
  device(slot: number): VirtioDevice | undefined { return this.devices.get(slot); }

  private writeConfig(slot: number, dev: VirtioDevice): void {
    const cfg = dev.config();
    if (cfg.length > L.VQ_CONFIG_SIZE) throw new RangeError(`configuration space of ${cfg.length} bytes (at most ${L.VQ_CONFIG_SIZE})`);
    this.view.bytes.set(cfg, slotBase(slot) + L.VQ_CONFIG);
  }

  private queue(slot: number, q: number): VirtQueue {
    const dev = this.devices.get(slot);
    if (!dev || !Number.isInteger(q) || q < 0 || q >= dev.numQueues) throw new RangeError(`slot ${slot} has no queue ${q}`);
    const key = `${slot}:${q}`;
    let vq = this.queues.get(key);
    if (!vq) this.queues.set(key, vq = new VirtQueue(this.core, this.mem, slot, q));
    return vq;
  }

  private context(slot: number, dev: VirtioDevice): DeviceContext {
    return {
      mem: this.mem,
      slot,
      core: this.core,
      queue: (q) => this.queue(slot, q),
      complete: (q, chain, written) => {
        const vq = this.queue(slot, q);
        if (vq.push(chain, written) && vq.wantsInterrupt()) this.interrupt(slot, VIRTIO_MMIO_INT_VRING);
      },
      completeAll: (q, chains, written) => {
        const vq = this.queue(slot, q);
        if (vq.pushAll(chains, written) && vq.wantsInterrupt()) this.interrupt(slot, VIRTIO_MMIO_INT_VRING);
      },
      fail: () => this.needsReset(slot),
      configChanged: () => {
        this.writeConfig(slot, dev);
        this.view.dv.setUint32(slotBase(slot) + L.VQ_CONFIG_GENERATION,
          this.view.dv.getUint32(slotBase(slot) + L.VQ_CONFIG_GENERATION, true) + 1, true);
        this.interrupt(slot, VIRTIO_MMIO_INT_CONFIG);
      },
      event: (e) => this.onEvent(slot, e),
      driverFeatures: () => this.view.dv.getBigUint64(slotBase(slot) + L.VQ_DRIVER_FEATURES, true),
    };
  }

  // Interrupts are raised once per turn, after every completion of it.
  private interrupt(slot: number, bits: number): void {
    this.toInterrupt.set(slot, (this.toInterrupt.get(slot) ?? 0) | bits);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => this.flushInterrupts());
  }

  flushInterrupts(): void {
    this.flushScheduled = false;
    for (const [slot, bits] of this.toInterrupt) this.core.virtioInterrupt(slot, bits);
    this.toInterrupt.clear();
  }

  private needsReset(slot: number): void {
    const s = slotBase(slot);
    this.core.hostLock();
    this.view.dv.setUint32(s + L.VQ_STATUS, this.view.dv.getUint32(s + L.VQ_STATUS, true) | VIRTIO_STATUS_DEVICE_NEEDS_RESET, true);
    this.core.hostUnlock();
    this.interrupt(slot, VIRTIO_MMIO_INT_CONFIG);
  }

  // Serve every notified queue (and tell devices the driver reset them).
  service(): void {
    const pending = Atomics.exchange(this.i32, (L.DEVICE_BASE + L.D_IO_PENDING) >> 2, 0);
    for (const [slot, dev] of this.devices) {
      const gen = this.view.dv.getUint32(slotBase(slot) + L.VQ_RESET_GEN, true);
      if (gen !== this.gens.get(slot)) {
        this.gens.set(slot, gen);
        dev.reset?.();
      }
      if ((pending & (1 << slot)) === 0) continue;
      const notified = Atomics.exchange(this.i32, (slotBase(slot) + L.VQ_NOTIFIED) >> 2, 0);
      for (let q = 0; q < dev.numQueues; q++) {
        if ((notified & (1 << q)) === 0) continue;
        try {
          dev.notify(q);
        } catch (e) {
          // A malformed queue is the driver's bug: flag the device, never the host.
          if (!(e instanceof GuestMemoryError)) throw e;
          this.needsReset(slot);
        }
      }
    }
    this.flushInterrupts();
  }

  // Wait until no device has a request in flight; devices then stay still
  // until resume().
  async drain(): Promise<void> {
    await Promise.all([...this.devices.values()].map((d) => d.drain?.()));
    this.flushInterrupts();
  }

  resume(): void {
    for (const d of this.devices.values()) d.resume?.();
  }

  // Each device's save() (after drain()), by slot.
  async save(owner: string): Promise<{ slot: number; state: unknown }[]> {
    const out: { slot: number; state: unknown }[] = [];
    for (const [slot, d] of this.devices) {
      const state = await d.save?.(owner);
      if (state !== undefined) out.push({ slot, state });
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all([...this.devices.values()].map((d) => d.close?.()));
  }
}
