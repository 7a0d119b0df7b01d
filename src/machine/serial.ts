// The console's two rings in shared memory (the UART in the core, and the
// virtio-console in the I/O worker, write the output ring and read the input
// ring; the controller does the other side), with
// a queue in front of the input ring so that input of any size arrives
// whole, fed as the guest reads. Ring indices are free-running int32 byte
// counts: differences are taken modulo 2^32 (`| 0`), so they stay right
// when the counts wrap.
import * as L from "../../wasm-core/layout.js";
import { VIRTIO_CONSOLE_RECEIVEQ, VIRTIO_CONSOLE_TRANSMITQ } from "../../wasm-core/spec/virtio.js";
import type { CoreExports, CoreView } from "./core.js";

const U = L.DEVICE_BASE + L.D_UART;

export class SerialRings {
  private readonly i32: Int32Array;
  private input: Uint8Array[] = [];

  // consoleSlot: the virtio slot of a virtio-console, if the machine has one.
  // held (deterministic mode): input waits in the queue until deliver().
  constructor(private readonly view: CoreView, private readonly core: CoreExports, private readonly consoleSlot?: number,
    private readonly held = false) {
    this.i32 = new Int32Array(view.memory.buffer);
  }

  // Make the I/O worker look at a queue of the virtio-console, as a
  // notify from the guest would.
  private kick(q: number): void {
    if (this.consoleSlot === undefined) return;
    const s = L.DEVICE_BASE + L.D_VIRTIO + this.consoleSlot * L.VIRTIO_SLOT_SIZE;
    Atomics.or(this.i32, (s + L.VQ_NOTIFIED) >> 2, 1 << q);
    Atomics.or(this.i32, (L.DEVICE_BASE + L.D_IO_PENDING) >> 2, 1 << this.consoleSlot);
    Atomics.notify(this.i32, (L.DEVICE_BASE + L.D_IO_PENDING) >> 2);
  }

  // Queue input for the guest; feeds what fits now.
  send(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.input.push(bytes.slice());
    if (!this.held) this.feed();
  }

  // Deterministic mode, when the guest waits for input: the next line (up to
  // and including its newline: CR, LF or CR LF) into the receive ring, as
  // much as has room. A line not yet whole waits for the rest unless the
  // input has ended or `wholeLines` is false (a person typing). "wait":
  // nothing to deliver yet; "ended": nothing, and nothing will come;
  // "full": the ring has no room.
  deliver(ended: boolean, wholeLines: boolean): "delivered" | "wait" | "ended" | "full" {
    const all = this.input.length === 1 ? this.input[0] : concat(this.input);
    if (all.length === 0) return ended ? "ended" : "wait";
    let end = all.findIndex((b) => b === 0x0a || b === 0x0d);
    if (end < 0) {
      if (wholeLines && !ended) return "wait";
      end = all.length;
    } else {
      // A CR last in the queue may be half a CR LF: wait for what follows.
      if (all[end] === 0x0d && end + 1 === all.length && wholeLines && !ended) return "wait";
      end += all[end] === 0x0d && all[end + 1] === 0x0a ? 2 : 1;
    }
    const head = Atomics.load(this.i32, (U + L.UART_RX_HEAD) >> 2);
    const tail = Atomics.load(this.i32, (U + L.UART_RX_TAIL) >> 2);
    const n = Math.min(end, L.UART_RX_SIZE - ((head - tail) | 0));
    if (n <= 0) return "full";
    this.input = [all.subarray(0, n)];
    this.feed(); // it all fits
    this.input = n < all.length ? [all.subarray(n)] : [];
    return "delivered";
  }

  // Bytes queued that the guest has not yet taken into the ring.
  get pending(): number { return this.input.reduce((n, b) => n + b.length, 0); }

  // Move queued input into the receive ring as far as it has room.
  feed(): void {
    if (this.input.length === 0) return;
    let head = Atomics.load(this.i32, (U + L.UART_RX_HEAD) >> 2);
    const tail = Atomics.load(this.i32, (U + L.UART_RX_TAIL) >> 2);
    let room = L.UART_RX_SIZE - ((head - tail) | 0);
    const ring = this.view.bytes;
    const at = L.DEVICE_BASE + L.D_UART_RX;
    while (room > 0 && this.input.length > 0) {
      const first = this.input[0];
      const n = Math.min(room, first.length);
      for (let i = 0; i < n; i++) ring[at + ((head + i) & (L.UART_RX_SIZE - 1))] = first[i];
      head = (head + n) | 0;
      room -= n;
      if (n === first.length) this.input.shift();
      else this.input[0] = first.subarray(n);
    }
    Atomics.store(this.i32, (U + L.UART_RX_HEAD) >> 2, head);
    this.core.uartHostPoll();
    this.kick(VIRTIO_CONSOLE_RECEIVEQ);
  }

  // Take what the guest wrote since the last drain (undefined: nothing).
  drain(): Uint8Array | undefined {
    const head = Atomics.load(this.i32, (U + L.UART_TX_HEAD) >> 2);
    const tail = Atomics.load(this.i32, (U + L.UART_TX_TAIL) >> 2);
    const n = (head - tail) | 0;
    if (n <= 0) return undefined;
    const at = L.DEVICE_BASE + L.D_UART_TX;
    const start = tail & (L.UART_TX_SIZE - 1);
    const first = Math.min(n, L.UART_TX_SIZE - start);
    const out = new Uint8Array(n);
    out.set(this.view.bytes.subarray(at + start, at + start + first));
    out.set(this.view.bytes.subarray(at, at + n - first), first);
    Atomics.store(this.i32, (U + L.UART_TX_TAIL) >> 2, (tail + n) | 0);
    Atomics.notify(this.i32, (U + L.UART_TX_TAIL) >> 2); // a deterministic hart waits for room
    this.core.uartHostPoll();
    // A virtio-console transmit that did not fit goes on now.
    if (Atomics.exchange(this.i32, (U + L.UART_TX_WAITER) >> 2, 0) !== 0) this.kick(VIRTIO_CONSOLE_TRANSMITQ);
    return out;
  }

  // The words (index into an Int32Array, value seen) whose change means
  // there is work for the host: output written; and, while input waits for
  // room, the guest reading (the UART notifies its RX tail).
  watchWords(): [number, number][] {
    const tx = (U + L.UART_TX_HEAD) >> 2;
    const words: [number, number][] = [[tx, Atomics.load(this.i32, (U + L.UART_TX_TAIL) >> 2)]];
    if (this.input.length > 0 && !this.held) {
      const rx = (U + L.UART_RX_TAIL) >> 2;
      words.push([rx, Atomics.load(this.i32, rx)]);
    }
    return words;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
