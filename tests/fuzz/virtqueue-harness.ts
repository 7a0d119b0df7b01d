// The guest side of the virtqueue fuzz target: one input is what a guest
// could put in its RAM and the transport's registers (a descriptor table,
// rings, indirect tables, buffers anywhere), then a notify. The host's
// devices (virtio-blk over a memory disk, virtio-rng, virtio-console) serve
// it exactly as they would a real guest's; anything but a served request or
// NEEDS_RESET on that device is a failure, and every request must end
// (drain() resolves).
import { readFileSync } from "node:fs";
import * as L from "../../wasm-core/layout.js";
import * as V from "../../wasm-core/spec/virtio.js";
import { CoreView, createMemory, hostImports, initMachineState, MiB, type CoreExports } from "../../src/machine/core.js";
import { VirtioMmioHost } from "../../src/devices/virtio.js";
import { VirtioBlock, MemoryDisk } from "../../src/devices/virtio-blk.js";
import { VirtioEntropy } from "../../src/devices/virtio-rng.js";
import { VirtioConsole } from "../../src/devices/virtio-console.js";

const RAM = 0x8000_0000n;
const BLOB = 0x1000; // the input lands at RAM + 0x1000: desc +0x1000, avail +0x2000, used +0x3000
const SLOTS = 3;

const module = new WebAssembly.Module(readFileSync(new URL("../../wasm/core.wasm", import.meta.url)));

export class VirtqueueHarness {
  private constructor(readonly core: CoreExports, readonly view: CoreView, readonly host: VirtioMmioHost) {}

  static create(): VirtqueueHarness {
    const memory = createMemory(16 * MiB);
    const view = new CoreView(memory);
    initMachineState(view, 16 * MiB, 1);
    const core = new WebAssembly.Instance(module, hostImports(memory)).exports as unknown as CoreExports;
    core.resetMachine();
    const host = new VirtioMmioHost(view, core);
    host.attach(0, new VirtioBlock(new MemoryDisk(new Uint8Array(MiB))));
    host.attach(1, new VirtioEntropy());
    host.attach(2, new VirtioConsole());
    return new VirtqueueHarness(core, view, host);
  }

  // Inputs of the form run() takes: a read, a write and a flush on the disk,
  // an indirect read, an entropy request, a console write.
  static corpus(): Uint8Array[] {
    const make = (slot: number, queue: number, fill: (dv: DataView, ram: (pa: number) => number) => void) => {
      const b = new Uint8Array(8 + 0x3000);
      const dv = new DataView(b.buffer);
      b[0] = slot; b[1] = queue; dv.setUint16(2, 8, true); b[4] = 1; // num 8, one notify
      const ram = (off: number) => 8 + off - BLOB; // input offset of RAM + off
      fill(dv, ram);
      return b;
    };
    const desc = (dv: DataView, ram: (o: number) => number, i: number, addr: bigint, len: number, flags: number, next: number) => {
      const o = ram(0x1000 + i * 16);
      dv.setBigUint64(o, addr, true); dv.setUint32(o + 8, len, true); dv.setUint16(o + 12, flags, true); dv.setUint16(o + 14, next, true);
    };
    const post = (dv: DataView, ram: (o: number) => number, heads: number[]) => {
      heads.forEach((h, k) => dv.setUint16(ram(0x2004 + k * 2), h, true));
      dv.setUint16(ram(0x2002), heads.length, true);
    };
    const blk = (type: number) => make(0, 0, (dv, ram) => {
      dv.setUint32(ram(0x3800), type, true); dv.setBigUint64(ram(0x3808), 1n, true);
      desc(dv, ram, 0, RAM + 0x3800n, 16, V.VIRTQ_DESC_F_NEXT, 1);
      desc(dv, ram, 1, RAM + 0x4000n, 512, V.VIRTQ_DESC_F_NEXT | (type === V.VIRTIO_BLK_T_IN ? V.VIRTQ_DESC_F_WRITE : 0), 2);
      desc(dv, ram, 2, RAM + 0x3810n, 1, V.VIRTQ_DESC_F_WRITE, 0);
      post(dv, ram, [0]);
    });
    const indirect = make(0, 0, (dv, ram) => {
      dv.setUint32(ram(0x3800), V.VIRTIO_BLK_T_IN, true);
      desc(dv, ram, 0, RAM + 0x3900n, 48, V.VIRTQ_DESC_F_INDIRECT, 0);
      const t = (i: number, addr: bigint, len: number, flags: number, next: number) => {
        const o = ram(0x3900 + i * 16);
        dv.setBigUint64(o, addr, true); dv.setUint32(o + 8, len, true); dv.setUint16(o + 12, flags, true); dv.setUint16(o + 14, next, true);
      };
      t(0, RAM + 0x3800n, 16, V.VIRTQ_DESC_F_NEXT, 1);
      t(1, RAM + 0x4000n, 512, V.VIRTQ_DESC_F_NEXT | V.VIRTQ_DESC_F_WRITE, 2);
      t(2, RAM + 0x3810n, 1, V.VIRTQ_DESC_F_WRITE, 0);
      post(dv, ram, [0]);
    });
    const rng = make(1, 0, (dv, ram) => { desc(dv, ram, 0, RAM + 0x3800n, 64, V.VIRTQ_DESC_F_WRITE, 0); post(dv, ram, [0]); });
    const cons = make(2, V.VIRTIO_CONSOLE_TRANSMITQ, (dv, ram) => {
      new Uint8Array(dv.buffer).set(new TextEncoder().encode("hello\n"), ram(0x3800));
      desc(dv, ram, 0, RAM + 0x3800n, 6, 0, 0);
      post(dv, ram, [0]);
    });
    return [blk(V.VIRTIO_BLK_T_IN), blk(V.VIRTIO_BLK_T_OUT), blk(V.VIRTIO_BLK_T_FLUSH), indirect, rng, cons];
  }

  // byte 0: slot; 1: queue; u16 at 2: queue size (a power of two up to
  // VIRTQ_MAX_SIZE, as the register takes); 4: notifies (1..4); 5: 1 = reset
  // the device first; then RAM from +0x1000 on.
  async run(input: Uint8Array): Promise<void> {
    const view = this.view, dv = view.dv;
    const slot = (input[0] ?? 0) % SLOTS;
    const queue = (input[1] ?? 0) % 2;
    let num = input.length >= 4 ? new DataView(input.buffer, input.byteOffset).getUint16(2, true) : 8;
    if (num < 1 || num > L.VIRTQ_MAX_SIZE || (num & (num - 1)) !== 0) num = 8;
    const notifies = 1 + ((input[4] ?? 0) & 3);
    if (input[5] === 1) this.core.resetMachine();
    view.bytes.fill(0, L.RAM_OFFSET + BLOB, L.RAM_OFFSET + 0x10000);
    const blob = input.subarray(8, 8 + 0xf000);
    view.bytes.set(blob, L.RAM_OFFSET + BLOB);
    const s = L.DEVICE_BASE + L.D_VIRTIO + slot * L.VIRTIO_SLOT_SIZE;
    const qs = s + L.VQ_QUEUES + queue * L.VQ_QUEUE_SIZE;
    dv.setUint32(s + L.VQ_STATUS, V.VIRTIO_STATUS_ACKNOWLEDGE | V.VIRTIO_STATUS_DRIVER | V.VIRTIO_STATUS_FEATURES_OK | V.VIRTIO_STATUS_DRIVER_OK, true);
    dv.setUint32(qs + L.Q_NUM, num, true);
    dv.setUint32(qs + L.Q_READY, 1, true);
    dv.setUint32(qs + L.Q_LAST_AVAIL, 0, true);
    dv.setBigUint64(qs + L.Q_DESC, RAM + 0x1000n, true);
    dv.setBigUint64(qs + L.Q_DRIVER, RAM + 0x2000n, true);
    dv.setBigUint64(qs + L.Q_DEVICE, RAM + 0x3000n, true);
    for (let k = 0; k < notifies; k++) {
      Atomics.or(new Int32Array(view.memory.buffer), (s + L.VQ_NOTIFIED) >> 2, 1 << queue);
      Atomics.or(new Int32Array(view.memory.buffer), (L.DEVICE_BASE + L.D_IO_PENDING) >> 2, 1 << slot);
      this.host.service();
    }
    // The console's output ring: the controller would drain it while the
    // devices finish; so do we.
    const u = L.DEVICE_BASE + L.D_UART;
    const drainRing = () => dv.setInt32(u + L.UART_TX_TAIL, dv.getInt32(u + L.UART_TX_HEAD, true), true);
    const timer = setInterval(drainRing, 1);
    try {
      await this.host.drain();
    } finally {
      clearInterval(timer);
    }
    drainRing();
    dv.setInt32(u + L.UART_TX_WAITER, 0, true);
    this.host.resume();
  }
}
