// The Wisp back end: the guest's TCP and UDP go as streams over one WebSocket
// to a Wisp relay (server/wisp/ or any Wisp v1/v2 server). Works with the
// browser's WebSocket; Node tests pass `ws`.
//
// Names: Wisp has no DNS, but CONNECT takes a host name, so lookups answer
// with a stand-in address from 198.18.0.0/15 (reserved for benchmarking,
// never routed) and a connection to a stand-in address CONNECTs by name: the
// relay resolves it (and checks what it resolves to).
//
// Flow control: our DATA follows the relay's CONTINUE credit (spec); when the
// relay lists EXT_CLIENT_CREDIT we grant it credit the same way, so a paused
// stream (the guest is slow) stops the remote server. A relay without it
// cannot be held back: up to `maxUnpausableBytes` per paused stream are kept,
// then the stream is closed (0x81).
//
// Wisp has no half-close: the guest's FIN is held (the relay keeps both ways
// open) until the remote closes, or `halfCloseLingerMs` passes.
import {
  NetError, type NetBackend, type NetErrorCode, type TcpStream, type TcpStreamEvents, type UdpFlow, type UdpFlowEvents,
} from "./backend.js";
import { ipv4ToString, parseIpv4 } from "./addresses.js";
import { setTimer } from "./link.js";
import {
  CLOSE_BLOCKED, CLOSE_CLIENT_ERROR, CLOSE_CONNECT_TIMEOUT, CLOSE_DATA_TIMEOUT, CLOSE_REFUSED, CLOSE_THROTTLED,
  CLOSE_UNREACHABLE, CLOSE_VOLUNTARY, CLOSE_REASON_NAMES, encodeClose, encodeConnect, encodeContinue, encodeData,
  encodeInfo, EXT_CLIENT_CREDIT, EXT_STREAM_CONFIRM, EXT_UDP, parseWispPacket, STREAM_TCP, STREAM_UDP, u32le,
  WISP_CLOSE, WISP_CONTINUE, WISP_DATA, WISP_INFO, WispProtocolError, type WispPacket,
} from "./wisp-protocol.js";

/** What we use of a WebSocket (the browser's, or `ws` in Node). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface WispClientOptions {
  /** Makes the WebSocket; default the global WebSocket. The protocol list asks the relay for Wisp v2. */
  createWebSocket?: (url: string, protocols: string[]) => WebSocketLike;
  maxPacketBytes?: number;      // our DATA payloads, default 16 KiB
  creditPackets?: number;       // what we grant the relay per stream (EXT_CLIENT_CREDIT), default 64
  sendHighWater?: number;       // WebSocket backlog above which we hold DATA, default 1 MiB
  maxUnpausableBytes?: number;  // see above, default 8 MiB
  halfCloseLingerMs?: number;   // default 30 s
  handshakeTimeoutMs?: number;  // default 10 s
  maxFakeNames?: number;        // stand-in addresses kept, default 4096
}

export interface WispClientStats {
  streamsOpened: number;
  streamsOpen: number;
  bytesIn: number;
  bytesOut: number;
  malformed: number;            // unreadable packets from the relay
  closeReasons: Record<string, number>;
}

interface ClientStream {
  id: number;
  kind: "tcp" | "udp";
  tcp?: TcpStreamEvents;
  udp?: UdpFlowEvents;
  queue: Uint8Array[];          // DATA payloads waiting for credit
  queuedBytes: number;
  opened: boolean;
  paused: boolean;
  held: Uint8Array[];           // received while paused
  heldBytes: number;
  granted: number;              // packets the relay may still send us (EXT_CLIENT_CREDIT)
  endRequested: boolean;
  lingerTimer?: ReturnType<typeof setTimeout>;
  closed: boolean;
}

const FAKE_BASE = 0xc6120000;   // 198.18.0.0
const FAKE_SIZE = 1 << 17;      // /15

export class WispClient implements NetBackend {
  readonly ready: Promise<void>;
  readonly stats: WispClientStats = { streamsOpened: 0, streamsOpen: 0, bytesIn: 0, bytesOut: 0, malformed: 0, closeReasons: {} };
  version = 0;                  // 1 or 2 once the handshake is done
  serverExtensions: number[] = [];

  private readonly ws: WebSocketLike;
  private readonly streams = new Map<number, ClientStream>();
  private nextId = 1;
  private credit = 0;           // the relay's initial per-stream credit
  private readonly creditOf = new Map<number, number>();
  private isReady = false;
  private closed = false;
  private infoSent = false;
  private extUdp = true;
  private extConfirm = false;
  private extCredit = false;
  private preReady: Uint8Array[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly o: Required<Omit<WispClientOptions, "createWebSocket">>;
  private readonly fakeByName = new Map<string, number>();
  private readonly nameByFake = new Map<number, string>();
  private nextFake = 1;
  private settle!: { resolve: () => void; reject: (e: Error) => void };

  constructor(readonly url: string, opts: WispClientOptions = {}) {
    this.o = {
      maxPacketBytes: opts.maxPacketBytes ?? 16 * 1024,
      creditPackets: opts.creditPackets ?? 64,
      sendHighWater: opts.sendHighWater ?? 1 << 20,
      maxUnpausableBytes: opts.maxUnpausableBytes ?? 8 << 20,
      halfCloseLingerMs: opts.halfCloseLingerMs ?? 30000,
      handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 10000,
      maxFakeNames: opts.maxFakeNames ?? 4096,
    };
    this.ready = new Promise((resolve, reject) => { this.settle = { resolve, reject }; });
    this.ready.catch(() => {}); // observed through connect failures too
    const make = opts.createWebSocket ?? ((u: string, p: string[]) => {
      const WS = (globalThis as { WebSocket?: new (u: string, p: string[]) => WebSocketLike }).WebSocket;
      if (!WS) throw new NetError("closed", "no WebSocket in this environment");
      return new WS(u, p);
    });
    // Any protocol value asks a v2 relay for v2 (spec, "Establishing a Websocket Connection").
    this.ws = make(url, ["wisp-v2"]);
    this.ws.binaryType = "arraybuffer";
    const timer = setTimer(this.o.handshakeTimeoutMs, () => this.fail(new NetError("timeout", "Wisp handshake timed out")));
    this.ready.then(() => clearTimeout(timer), () => clearTimeout(timer));
    this.ws.onmessage = (ev) => this.onMessage(ev.data);
    this.ws.onclose = () => this.fail(new NetError("closed", "the Wisp relay closed the connection"));
    this.ws.onerror = () => this.fail(new NetError("unreachable", "the Wisp relay's WebSocket failed"));
  }

  // ---- NetBackend ----

  connectTcp(host: string, port: number, events: TcpStreamEvents): TcpStream {
    const s = this.newStream("tcp", events);
    const target = this.unfake(host);
    if (target === undefined || this.closed) {
      queueMicrotask(() => this.finish(s, new NetError(this.closed ? "closed" : "unreachable", `no name for ${host}`)));
    } else {
      this.sendPacket(encodeConnect(s.id, STREAM_TCP, port, target));
      // Without stream-open confirmations a stream counts as open at once (the
      // relay may still CLOSE it with "refused" or "unreachable").
      this.ready.then(() => { if (!this.extConfirm) this.opened(s); }, () => {});
    }
    const self = this;
    return {
      write: (d) => self.write(s, d),
      get bufferedAmount() { return s.queuedBytes; },
      end: () => self.end(s),
      reset: () => { if (!s.closed) { self.sendPacket(encodeClose(s.id, CLOSE_VOLUNTARY)); self.finish(s); } },
      pause: () => { s.paused = true; },
      resume: () => self.resume(s),
    };
  }

  openUdp(host: string, port: number, events: UdpFlowEvents): UdpFlow {
    const s = this.newStream("udp", undefined, events);
    const target = this.unfake(host);
    if (target === undefined || this.closed) {
      queueMicrotask(() => this.finish(s, new NetError("unreachable", `no name for ${host}`)));
    } else {
      this.ready.then(() => {
        if (s.closed) return;
        if (!this.extUdp) { this.finish(s, new NetError("blocked", "the relay does not carry UDP")); return; }
        this.opened(s);
      }, () => {});
      this.sendPacket(encodeConnect(s.id, STREAM_UDP, port, target));
    }
    return {
      send: (d) => { if (!s.closed) this.sendPacket(encodeData(s.id, d)); },
      close: () => { if (!s.closed) { this.sendPacket(encodeClose(s.id, CLOSE_VOLUNTARY)); this.finish(s); } },
    };
  }

  /** A stand-in address for `name` (see the top of this file). */
  async resolve(name: string): Promise<string[]> {
    const n = name.toLowerCase().replace(/\.$/, "");
    if (parseIpv4(n) !== undefined) return [n];
    if (!/^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$/.test(n) || n.length > 253) {
      throw new NetError("unreachable", `"${name}" is not a host name`);
    }
    let ip = this.fakeByName.get(n);
    if (ip === undefined) {
      if (this.fakeByName.size >= this.o.maxFakeNames) { // forget the oldest
        const [oldName, oldIp] = this.fakeByName.entries().next().value!;
        this.fakeByName.delete(oldName);
        this.nameByFake.delete(oldIp);
      }
      ip = (FAKE_BASE + this.nextFake) >>> 0;
      this.nextFake = this.nextFake % (FAKE_SIZE - 2) + 1;
      const stale = this.nameByFake.get(ip);
      if (stale !== undefined) this.fakeByName.delete(stale);
    } else {
      this.fakeByName.delete(n); // re-insert: most recently used last
    }
    this.fakeByName.set(n, ip);
    this.nameByFake.set(ip, n);
    return [ipv4ToString(ip)];
  }

  /** The WebSocket failed or was closed: nothing more goes through this client. */
  get isClosed(): boolean { return this.closed; }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.streams.values()]) this.finish(s, new NetError("closed", "Wisp client closed"));
    try { this.ws.close(1000); } catch { /* already closed */ }
    this.settle.reject(new NetError("closed", "Wisp client closed"));
  }

  // ---- streams ----

  private newStream(kind: "tcp" | "udp", tcp?: TcpStreamEvents, udp?: UdpFlowEvents): ClientStream {
    while (this.streams.has(this.nextId) || this.nextId === 0) this.nextId = (this.nextId + 1) >>> 0;
    const s: ClientStream = {
      id: this.nextId, kind, tcp, udp, queue: [], queuedBytes: 0, opened: false, paused: false, held: [], heldBytes: 0,
      granted: this.o.creditPackets, endRequested: false, closed: false,
    };
    this.nextId = (this.nextId + 1) >>> 0;
    this.streams.set(s.id, s);
    this.stats.streamsOpened++;
    this.stats.streamsOpen = this.streams.size;
    return s;
  }

  private unfake(host: string): string | undefined {
    const ip = parseIpv4(host);
    if (ip === undefined || (ip & 0xfffe0000) >>> 0 !== FAKE_BASE) return host;
    return this.nameByFake.get(ip);
  }

  private opened(s: ClientStream): void {
    if (s.opened || s.closed) return;
    s.opened = true;
    s.tcp?.onOpen();
    this.flush(s);
  }

  private write(s: ClientStream, d: Uint8Array): void {
    if (s.closed) return;
    for (let off = 0; off < d.length; off += this.o.maxPacketBytes) {
      const part = d.slice(off, Math.min(d.length, off + this.o.maxPacketBytes));
      s.queue.push(part);
      s.queuedBytes += part.length;
    }
    this.flush(s);
  }

  private end(s: ClientStream): void {
    if (s.closed || s.endRequested) return;
    s.endRequested = true;
    s.lingerTimer = setTimer(this.o.halfCloseLingerMs, () => {
      if (!s.closed) { this.sendPacket(encodeClose(s.id, CLOSE_VOLUNTARY)); this.finish(s); }
    });
  }

  private resume(s: ClientStream): void {
    if (s.closed || !s.paused) return;
    s.paused = false;
    while (s.held.length && !s.paused && !s.closed) {
      const d = s.held.shift()!;
      s.heldBytes -= d.length;
      s.tcp?.onData(d);
    }
    if (!s.paused) this.grant(s);
  }

  /** Sends what the relay's credit and the WebSocket's backlog allow. */
  private flush(s: ClientStream): void {
    if (!this.isReady || s.closed || (s.kind === "tcp" && !s.opened && this.extConfirm)) return;
    const before = s.queuedBytes;
    let credit = this.creditOf.get(s.id) ?? this.credit;
    while (s.queue.length && credit > 0) {
      if (this.ws.bufferedAmount > this.o.sendHighWater) { this.scheduleFlush(); break; }
      const d = s.queue.shift()!;
      s.queuedBytes -= d.length;
      credit--;
      this.sendNow(encodeData(s.id, d));
    }
    this.creditOf.set(s.id, credit);
    if (s.queuedBytes < before && s.queuedBytes === 0) s.tcp?.onDrain();
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    // Browsers' WebSocket has no drain event: look again shortly.
    this.flushTimer = setTimer(5, () => {
      this.flushTimer = undefined;
      for (const s of this.streams.values()) this.flush(s);
    });
  }

  /** Tops the relay's credit back up (EXT_CLIENT_CREDIT) once half is used. */
  private grant(s: ClientStream): void {
    if (!this.extCredit || s.kind !== "tcp" || s.closed || s.paused) return;
    if (s.granted <= this.o.creditPackets / 2) {
      s.granted = this.o.creditPackets;
      this.sendPacket(encodeContinue(s.id, this.o.creditPackets));
    }
  }

  private finish(s: ClientStream, error?: NetError): void {
    if (s.closed) return;
    s.closed = true;
    if (s.lingerTimer) clearTimeout(s.lingerTimer);
    this.streams.delete(s.id);
    this.creditOf.delete(s.id);
    this.stats.streamsOpen = this.streams.size;
    s.queue = []; s.held = [];
    if (s.tcp) s.tcp.onClose(error);
    else s.udp?.onClose(error);
  }

  // ---- the WebSocket ----

  private sendPacket(p: Uint8Array): void {
    if (this.closed) return;
    if (!this.isReady) { this.preReady.push(p); return; }
    this.sendNow(p);
  }

  private sendNow(p: Uint8Array): void {
    this.stats.bytesOut += p.length;
    try { this.ws.send(p); } catch { this.fail(new NetError("closed", "the Wisp WebSocket is closed")); }
  }

  private fail(e: NetError): void {
    if (this.closed) return;
    this.closed = true;
    this.settle.reject(e);
    for (const s of [...this.streams.values()]) this.finish(s, e);
    try { this.ws.close(); } catch { /* closed */ }
  }

  private onMessage(data: unknown): void {
    let b: Uint8Array;
    if (data instanceof ArrayBuffer) b = new Uint8Array(data);
    else if (ArrayBuffer.isView(data)) b = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    else { this.stats.malformed++; return; }
    this.stats.bytesIn += b.length;
    let p: WispPacket;
    try {
      p = parseWispPacket(b);
    } catch (e) {
      if (!(e instanceof WispProtocolError)) throw e;
      this.stats.malformed++;
      return;
    }
    this.onPacket(p);
  }

  private onPacket(p: WispPacket): void {
    if (p.type === WISP_INFO) {
      if (p.stream !== 0 || this.infoSent) return;
      this.version = p.major >= 2 ? 2 : 1;
      this.serverExtensions = p.extensions.map((e) => e.id);
      const has = (id: number) => this.serverExtensions.includes(id);
      this.extUdp = has(EXT_UDP);
      this.extConfirm = has(EXT_STREAM_CONFIRM);
      this.extCredit = has(EXT_CLIENT_CREDIT);
      const ours = [{ id: EXT_UDP, data: new Uint8Array(0) }, { id: EXT_STREAM_CONFIRM, data: new Uint8Array(0) },
        { id: EXT_CLIENT_CREDIT, data: u32le(this.o.creditPackets) }];
      this.infoSent = true;
      this.sendNow(encodeInfo(2, 0, ours));
      return;
    }
    if (p.type === WISP_CONTINUE && p.stream === 0) {
      if (this.isReady) return;
      if (!this.infoSent) this.version = 1; // CONTINUE first: a v1 relay (spec v2, handshake)
      this.credit = p.remaining;
      this.isReady = true;
      for (const q of this.preReady.splice(0)) this.sendNow(q);
      this.settle.resolve();
      return;
    }
    if (p.type === WISP_CLOSE && p.stream === 0) {
      this.fail(new NetError(p.reason === CLOSE_THROTTLED ? "limit" : "closed", `the relay closed the connection (${CLOSE_REASON_NAMES[p.reason] ?? p.reason})`));
      return;
    }
    const s = this.streams.get(p.stream);
    if (!s) return; // late packets for a stream we closed
    switch (p.type) {
      case WISP_CONTINUE:
        this.creditOf.set(s.id, p.remaining);
        if (!s.opened && this.extConfirm) this.opened(s);
        else this.flush(s);
        return;
      case WISP_DATA: {
        if (s.kind === "udp") { s.udp!.onMessage(p.data.slice()); return; }
        if (!s.opened) this.opened(s); // data implies the socket is open
        s.granted--;
        const d = p.data.slice();
        if (s.paused) {
          s.held.push(d);
          s.heldBytes += d.length;
          if (!this.extCredit && s.heldBytes > this.o.maxUnpausableBytes) {
            this.sendPacket(encodeClose(s.id, CLOSE_CLIENT_ERROR));
            this.finish(s, new NetError("limit", "the relay cannot be paused and the guest is not reading"));
          }
          return;
        }
        s.tcp!.onData(d);
        this.grant(s);
        return;
      }
      case WISP_CLOSE: {
        this.stats.closeReasons[CLOSE_REASON_NAMES[p.reason] ?? `0x${p.reason.toString(16)}`] =
          (this.stats.closeReasons[CLOSE_REASON_NAMES[p.reason] ?? `0x${p.reason.toString(16)}`] ?? 0) + 1;
        if (p.reason === CLOSE_VOLUNTARY && s.opened) {
          // The remote closed: the guest gets its data, then FIN.
          if (s.held.length) { this.closeAfterHeld(s); return; }
          s.tcp?.onEnd();
          this.finish(s);
        } else {
          this.finish(s, new NetError(closeCode(p.reason, s.opened), `relay: ${CLOSE_REASON_NAMES[p.reason] ?? p.reason}`));
        }
        return;
      }
      default:
    }
  }

  /** A CLOSE that arrived while the guest was not reading: deliver the held data first. */
  private closeAfterHeld(s: ClientStream): void {
    const tcp = s.tcp!;
    const wrapped: TcpStreamEvents = {
      ...tcp,
      onData: (d) => {
        tcp.onData(d);
        if (!s.held.length) { tcp.onEnd(); this.finish(s); }
      },
    };
    s.tcp = wrapped;
  }
}

function closeCode(reason: number, opened: boolean): NetErrorCode {
  switch (reason) {
    case CLOSE_REFUSED: return "refused";
    case CLOSE_UNREACHABLE: return "unreachable";
    case CLOSE_CONNECT_TIMEOUT: case CLOSE_DATA_TIMEOUT: return "timeout";
    case CLOSE_BLOCKED: return "blocked";
    case CLOSE_THROTTLED: return "limit";
    default: return opened ? "reset" : "unreachable";
  }
}
