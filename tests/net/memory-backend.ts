// An in-memory back end for the stack tests: every connection is an object
// the test drives by hand (remote data, FIN, reset, a slow reader).
import { NetError, type NetBackend, type TcpStream, type TcpStreamEvents, type UdpFlow, type UdpFlowEvents } from "../../src/net/backend.js";

export class MemoryConn {
  written: Uint8Array[] = [];
  ended = false;
  wasReset = false;
  paused = false;
  held = 0;                 // bytes the "remote" has not read: bufferedAmount
  holding = false;          // a remote that reads nothing: every write stays in `held`
  private backlog: Uint8Array[] = [];
  readonly stream: TcpStream;

  constructor(readonly host: string, readonly port: number, readonly ev: TcpStreamEvents) {
    const self = this;
    this.stream = {
      write(d) { self.written.push(d.slice()); if (self.holding) self.held += d.length; },
      get bufferedAmount() { return self.held; },
      end() { self.ended = true; },
      reset() { self.wasReset = true; },
      pause() { self.paused = true; },
      resume() { self.paused = false; self.flush(); },
    };
  }
  writtenBytes(): Uint8Array { return Buffer.concat(this.written); }
  /** The remote sends data; held back while the stack has paused us. */
  send(d: Uint8Array): void { this.backlog.push(d); this.flush(); }
  private flush(): void { while (!this.paused && this.backlog.length) this.ev.onData(this.backlog.shift()!); }
  get backlogBytes(): number { return this.backlog.reduce((a, b) => a + b.length, 0); }
}

export class MemoryBackend implements NetBackend {
  conns: MemoryConn[] = [];
  refuse = false;
  names = new Map<string, string[]>();
  udpSent: { host: string; port: number; data: Uint8Array }[] = [];
  udpFlows: { host: string; port: number; ev: UdpFlowEvents }[] = [];
  closed = false;

  connectTcp(host: string, port: number, ev: TcpStreamEvents): TcpStream {
    const c = new MemoryConn(host, port, ev);
    this.conns.push(c);
    queueMicrotask(() => this.refuse ? ev.onClose(new NetError("refused", "refused")) : ev.onOpen());
    return c.stream;
  }
  openUdp(host: string, port: number, ev: UdpFlowEvents): UdpFlow {
    this.udpFlows.push({ host, port, ev });
    return { send: (data) => this.udpSent.push({ host, port, data }), close: () => {} };
  }
  async resolve(name: string): Promise<string[]> {
    const a = this.names.get(name);
    if (!a) throw new NetError("unreachable", `${name} not found`);
    return a;
  }
  close(): void { this.closed = true; }
}
