// virtio-console (virtio 1.1 spec 5.3), port 0 only: the guest's hvc0. It
// shares the console's rings in shared memory with the UART (layout.ts
// D_UART_TX / D_UART_RX): what the guest transmits goes into the output
// ring the controller drains, and input the controller queued there is
// delivered into the receive buffers the guest posts. One virtqueue buffer
// carries a whole write (up to a page), where the 16550A takes a byte per
// register access and an interrupt per 16 bytes: this is the fast console.
// The UART stays for the firmware and early boot. Input goes to the UART
// while the guest has its receiver interrupt on (ttyS0 is open: the shell
// runs there), else to hvc0.
import * as L from "../../wasm-core/layout.js";
import * as V from "../../wasm-core/spec/virtio.js";
import { totalLen, type Chain, type DeviceContext, type VirtioDevice } from "./virtio.js";

const U = L.DEVICE_BASE + L.D_UART;
// The UART's interrupt enable register (its copy in the uart record), and
// the "received data available" bit a driver sets while the port is open.
const UART_IER = 1;
const IER_RDI = 1;

export class VirtioConsole implements VirtioDevice {
  readonly deviceId = V.VIRTIO_ID_CONSOLE;
  readonly numQueues = 2;
  readonly features = 0n;
  private ctx!: DeviceContext;
  private i32!: Int32Array;
  private bytes!: Uint8Array;
  // A transmit request not yet all in the output ring, and how much of it is.
  private sending: { chain: Chain; done: number } | undefined;
  private held = false;

  config(): Uint8Array { return new Uint8Array(0); }

  bind(ctx: DeviceContext): void {
    this.ctx = ctx;
    this.i32 = new Int32Array(ctx.mem.view.memory.buffer);
    this.bytes = ctx.mem.view.bytes;
  }

  notify(q: number): void {
    if (this.held) return;
    if (q === V.VIRTIO_CONSOLE_TRANSMITQ) this.transmit();
    else this.receive();
  }

  reset(): void {
    this.sending = undefined;
    Atomics.store(this.i32, (U + L.UART_TX_HELD) >> 2, 0);
  }

  // Transmit requests wait only for the controller to drain the output
  // ring, which it does while paused too: drain() completes them.
  async drain(): Promise<void> {
    while (this.sending) {
      await new Promise((r) => setTimeout(r, 1));
      this.transmit();
    }
    this.held = true;
  }

  resume(): void {
    this.held = false;
    this.transmit();
    this.receive();
  }

  // Guest -> output ring, as much as fits; the rest when the host kicks us.
  private transmit(): void {
    const q = this.ctx.queue(V.VIRTIO_CONSOLE_TRANSMITQ);
    for (;;) {
      if (!this.sending) {
        const chain = q.pop();
        if (!chain) return;
        this.sending = { chain, done: 0 };
        Atomics.store(this.i32, (U + L.UART_TX_HELD) >> 2, 1);
      }
      const { chain } = this.sending;
      const total = totalLen(chain.readable);
      this.sending.done += this.toRing(chain, this.sending.done, total);
      if (this.sending.done < total) {
        Atomics.store(this.i32, (U + L.UART_TX_WAITER) >> 2, this.ctx.slot + 1);
        return;
      }
      this.sending = undefined;
      Atomics.store(this.i32, (U + L.UART_TX_HELD) >> 2, 0);
      this.ctx.complete(V.VIRTIO_CONSOLE_TRANSMITQ, chain, 0);
    }
  }

  // Copy bytes [from, total) of the chain's readable buffers into the output
  // ring, under the device lock (the UART writes the same ring); returns how
  // many fit. Ring indices are free-running int32s (see serial.ts).
  private toRing(chain: Chain, from: number, total: number): number {
    this.ctx.core.hostLock();
    let n = 0;
    try {
      const head = Atomics.load(this.i32, (U + L.UART_TX_HEAD) >> 2);
      const tail = Atomics.load(this.i32, (U + L.UART_TX_TAIL) >> 2);
      const room = L.UART_TX_SIZE - ((head - tail) | 0);
      n = Math.min(room, total - from);
      let skip = from, put = 0;
      for (const b of chain.readable) {
        if (put >= n) break;
        if (skip >= b.len) { skip -= b.len; continue; }
        const k = Math.min(b.len - skip, n - put);
        const src = this.ctx.mem.peek(b.addr + BigInt(skip), k);
        for (let i = 0; i < k; i++) this.bytes[L.DEVICE_BASE + L.D_UART_TX + ((head + put + i) & (L.UART_TX_SIZE - 1))] = src[i];
        put += k;
        skip = 0;
      }
      Atomics.store(this.i32, (U + L.UART_TX_HEAD) >> 2, (head + n) | 0);
      if (n > 0 && head === tail) Atomics.notify(this.i32, (U + L.UART_TX_HEAD) >> 2);
    } finally {
      this.ctx.core.hostUnlock();
    }
    return n;
  }

  // Input ring -> the guest's receive buffers.
  private receive(): void {
    if (this.bytes[U + UART_IER] & IER_RDI) return; // the guest reads ttyS0
    const q = this.ctx.queue(V.VIRTIO_CONSOLE_RECEIVEQ);
    for (;;) {
      const waiting = (Atomics.load(this.i32, (U + L.UART_RX_HEAD) >> 2) - Atomics.load(this.i32, (U + L.UART_RX_TAIL) >> 2)) | 0;
      if (waiting <= 0) return;
      const chain = q.pop();
      if (!chain) return; // more when the guest posts buffers (a notify)
      this.ctx.complete(V.VIRTIO_CONSOLE_RECEIVEQ, chain, this.fromRing(chain));
    }
  }

  private fromRing(chain: Chain): number {
    this.ctx.core.hostLock();
    let written = 0;
    try {
      const head = Atomics.load(this.i32, (U + L.UART_RX_HEAD) >> 2);
      let tail = Atomics.load(this.i32, (U + L.UART_RX_TAIL) >> 2);
      for (const b of chain.writable) {
        const k = Math.min(b.len, (head - tail) | 0);
        if (k <= 0) break;
        const chunk = new Uint8Array(k);
        for (let i = 0; i < k; i++) chunk[i] = this.bytes[L.DEVICE_BASE + L.D_UART_RX + ((tail + i) & (L.UART_RX_SIZE - 1))];
        this.ctx.mem.write(b.addr, chunk);
        tail = (tail + k) | 0;
        written += k;
      }
      Atomics.store(this.i32, (U + L.UART_RX_TAIL) >> 2, tail);
      // The controller waits on the tail for room to queue more input.
      Atomics.notify(this.i32, (U + L.UART_RX_TAIL) >> 2);
    } finally {
      this.ctx.core.hostUnlock();
    }
    this.ctx.core.uartHostPoll(); // the UART's "data ready" follows the ring
    return written;
  }
}
