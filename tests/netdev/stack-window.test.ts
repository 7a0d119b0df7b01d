// A regression found by the benchmark through the Wisp relay: a back end
// that hands over held data inside resume() (WispClient does) made the
// stack send with the window of the previous ACK against the new sndUna,
// past what the guest allowed; Linux dropped the excess (TCPZeroWindowDrop)
// and the download waited for the 500 ms retransmission, again and again.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { NetBackend, TcpStream, TcpStreamEvents, UdpFlow } from "../../src/net/backend.js";
import { UserNetwork } from "../../src/net/nat.js";
import { F, GuestTcp, ScriptedGuest, until } from "../net/guest.js";

// A back end whose stream, like WispClient's, keeps what arrives while
// paused and delivers it from inside resume().
class HoldingBackend implements NetBackend {
  ev: TcpStreamEvents | undefined;
  paused = false;
  held: Uint8Array[] = [];
  connectTcp(_h: string, _p: number, ev: TcpStreamEvents): TcpStream {
    this.ev = ev;
    queueMicrotask(() => ev.onOpen());
    const self = this;
    return {
      write() {}, get bufferedAmount() { return 0; }, end() {}, reset() {},
      pause() { self.paused = true; },
      resume() {
        self.paused = false;
        while (self.held.length && !self.paused) self.ev!.onData(self.held.shift()!);
      },
    };
  }
  push(d: Uint8Array): void { if (this.paused) this.held.push(d); else this.ev!.onData(d); }
  openUdp(): UdpFlow { return { send() {}, close() {} }; }
  async resolve(): Promise<string[]> { return []; }
  close(): void {}
}

test("an ACK that closes the window while a paused back end resumes: nothing goes past the guest's window", async () => {
  const backend = new HoldingBackend();
  const net = new UserNetwork(backend, { tcpBufferBytes: 64 * 1024 });
  const g = new ScriptedGuest(net);
  const c = new GuestTcp(g, 40000, [93, 184, 216, 34], 80);
  c.autoAck = false;
  c.window = 730; // with wscale 6: 46720 bytes, 32 segments of 1460
  await c.connect();
  await until(() => backend.ev !== undefined);
  backend.push(new Uint8Array(64 * 1024).fill(1)); // the stack's buffer is full: it pauses the stream
  assert.equal(backend.paused, true);
  backend.push(new Uint8Array(64 * 1024).fill(2)); // held by the back end
  await until(() => c.receivedBytes === 46720);
  // The guest takes them but its application reads nothing: window 0.
  const edge = c.rcvNxt;
  c.window = 0;
  c.seg(F.ACK);
  await new Promise((r) => setTimeout(r, 100)); // well before a zero-window probe (500 ms)
  assert.equal(backend.held.length, 0, "the ACK let the stream go on: the held data was delivered");
  const past = c.log.filter((p) => p.tcp!.data.length > 0 && ((p.tcp!.seq - edge) | 0) >= 0);
  assert.deepEqual(past.map((p) => [p.tcp!.seq - edge, p.tcp!.data.length]), [], "no data past a zero window");
  // The window opens again: the rest comes.
  c.window = 1024;
  c.autoAck = true;
  c.seg(F.ACK);
  await until(() => c.receivedBytes === 128 * 1024);
  net.close();
});
