// A Wisp relay (wisp-protocol v2 draft 6, v1 for clients that do not ask for
// v2) on `ws`, attachable to any http.Server. Our own code: the Wisp servers
// on npm are AGPL.
//
// Each WebSocket is one client. Its streams become TCP sockets or connected
// UDP sockets to destinations the address policy allows: names are resolved
// here, every address they resolve to is checked, and the socket connects to
// the checked address (so a second lookup cannot swap in another one).
//
// Flow control: client -> relay per the spec (a CONTINUE credit of
// `bufferPackets` per stream; a client that sends past it is closed with
// "throttled"); relay -> client by our EXT_CLIENT_CREDIT extension when the
// client lists it (a socket is paused while its credit is used up), and in any
// case by the WebSocket's own backlog (every socket of a client is paused
// while more than `wsHighWater` bytes wait to go out on its WebSocket).
//
// Bad input never throws out of a handler: a packet without a readable header
// or a text message closes that client (CLOSE on stream 0, then the socket);
// anything wrong with one stream closes that stream with a reason.
import * as dgram from "node:dgram";
import * as dns from "node:dns";
import type * as http from "node:http";
import * as net from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket, type RawData } from "ws";
import {
  CLOSE_BLOCKED, CLOSE_CONNECT_TIMEOUT, CLOSE_INVALID, CLOSE_NETWORK_ERROR, CLOSE_REFUSED, CLOSE_THROTTLED,
  CLOSE_UNKNOWN, CLOSE_UNREACHABLE, CLOSE_VOLUNTARY, encodeClose, encodeContinue, encodeData, encodeInfo,
  EXT_CLIENT_CREDIT, EXT_STREAM_CONFIRM, EXT_UDP, parseWispPacket, readU32le, STREAM_TCP, STREAM_UDP, WISP_CLOSE,
  WISP_CONNECT, WISP_CONTINUE, WISP_DATA, WISP_INFO, WispProtocolError, type WispPacket,
} from "../../src/net/wisp-protocol.js";
import { AddressPolicy, type AddressPolicyOptions } from "./address-policy.js";

export interface WispRelayOptions extends AddressPolicyOptions {
  /** URL path prefix served (Wisp URLs end in "/"); default "/wisp/". */
  path?: string;
  maxClients?: number;             // WebSockets at once, default 256
  maxStreamsPerClient?: number;    // default 64
  maxBytesPerClient?: number;      // both directions over the WebSocket's life, default unlimited
  bufferPackets?: number;          // CONTINUE credit per stream, default 128
  maxPacketBytes?: number;         // largest DATA payload accepted, default 64 KiB
  connectTimeoutMs?: number;       // default 10 s
  handshakeTimeoutMs?: number;     // wait for a v2 client's INFO, default 5 s (spec)
  wsHighWater?: number;            // default 1 MiB
  udp?: boolean;                   // UDP streams, default true
  /** Name lookup (tests inject one); default dns.lookup, all addresses. */
  lookup?: (host: string) => Promise<string[]>;
  log?: (message: string) => void;
}

export interface WispRelayStats {
  clients: number;
  streams: number;
  streamsOpened: number;
  refused: number;        // blocked by the policy
  failed: number;         // unreachable, refused, timed out
  malformed: number;      // unreadable packets
  bytesIn: number;        // from clients
  bytesOut: number;       // to clients
}

export interface WispRelay {
  readonly stats: WispRelayStats;
  /** Handles an upgrade if its path is ours; returns false (and leaves the socket alone) otherwise. */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(): void;
}

type Resolved = Required<Omit<WispRelayOptions, keyof AddressPolicyOptions | "log" | "lookup">>;

/** Serves Wisp on `server`'s upgrade requests under opts.path; other upgrades are left to other listeners. */
export function attachWispRelay(server: http.Server, opts: WispRelayOptions = {}): WispRelay {
  const relay = createWispRelay(opts);
  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => { relay.handleUpgrade(req, socket, head); };
  server.on("upgrade", onUpgrade);
  server.on("close", () => relay.close());
  return {
    stats: relay.stats,
    handleUpgrade: relay.handleUpgrade,
    close: () => { server.off("upgrade", onUpgrade); relay.close(); },
  };
}

export function createWispRelay(opts: WispRelayOptions = {}): WispRelay {
  const o: Resolved = {
    path: opts.path ?? "/wisp/",
    maxClients: opts.maxClients ?? 256,
    maxStreamsPerClient: opts.maxStreamsPerClient ?? 64,
    maxBytesPerClient: opts.maxBytesPerClient ?? Infinity,
    bufferPackets: opts.bufferPackets ?? 128,
    maxPacketBytes: opts.maxPacketBytes ?? 64 * 1024,
    connectTimeoutMs: opts.connectTimeoutMs ?? 10000,
    handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 5000,
    wsHighWater: opts.wsHighWater ?? 1 << 20,
    udp: opts.udp ?? true,
  };
  const policy = new AddressPolicy(opts);
  const lookup = opts.lookup ?? (async (host: string) => (await dns.promises.lookup(host, { all: true })).map((a) => a.address));
  const log = opts.log ?? (() => {});
  const stats: WispRelayStats = { clients: 0, streams: 0, streamsOpened: 0, refused: 0, failed: 0, malformed: 0, bytesIn: 0, bytesOut: 0 };
  // ws closes a client whose message exceeds maxPayload (code 1009); keep that
  // well above maxPacketBytes so an oversized DATA gets a Wisp CLOSE instead.
  const wss = new WebSocketServer({ noServer: true, maxPayload: Math.max(1 << 20, 4 * o.maxPacketBytes), perMessageDeflate: false });
  const clients = new Set<RelayClient>();

  const handleUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const path = (req.url ?? "/").split("?")[0];
    if (!path.startsWith(o.path)) return false;
    if (clients.size >= o.maxClients) {
      socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return true;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      // Spec, "Establishing a Websocket Connection": v2 only when the client sent Sec-WebSocket-Protocol.
      const v2 = req.headers["sec-websocket-protocol"] !== undefined;
      const c = new RelayClient(ws, v2, o, policy, lookup, stats, log, () => { clients.delete(c); stats.clients = clients.size; });
      clients.add(c);
      stats.clients = clients.size;
    });
    return true;
  };
  return {
    stats,
    handleUpgrade,
    close: () => { for (const c of [...clients]) c.shutdown(); wss.close(); },
  };
}

interface RelayStream {
  id: number;
  kind: "tcp" | "udp";
  socket?: net.Socket;
  udp?: dgram.Socket;
  connected: boolean;
  pending: Uint8Array[];      // client DATA not yet written to the socket (its count is the spec's buffer use)
  received: number;           // DATA packets from the client since our last CONTINUE
  clientCredit: number;       // packets we may still send (EXT_CLIENT_CREDIT)
  pausedForCredit: boolean;
  outHeld: Uint8Array | undefined;  // socket data past the client's credit, sent on its next CONTINUE
  closeWhenSent: boolean;           // the remote closed while outHeld waited
  closed: boolean;
}

class RelayClient {
  private readonly streams = new Map<number, RelayStream>();
  private readonly recentlyClosed = new Set<number>();
  private handshakeDone = false;
  private handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  private extUdp = false;
  private extConfirm = false;
  private extCredit = false;
  private clientCreditPackets = 0;
  private bytes = 0;
  private wsQueued = 0;          // bytes handed to ws.send not yet written
  private wsPaused = false;
  private gone = false;

  constructor(private readonly ws: WebSocket, private readonly v2: boolean, private readonly o: Resolved,
    private readonly policy: AddressPolicy, private readonly lookup: (host: string) => Promise<string[]>,
    private readonly stats: WispRelayStats, private readonly log: (m: string) => void, private readonly onGone: () => void) {
    ws.on("message", (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on("close", () => this.teardown());
    ws.on("error", () => this.teardown());
    if (v2) {
      // Draft 6 handshake: our INFO first; CONTINUE once the client's INFO arrives.
      const exts = [{ id: EXT_STREAM_CONFIRM, data: new Uint8Array(0) }, { id: EXT_CLIENT_CREDIT, data: new Uint8Array(0) }];
      if (o.udp) exts.unshift({ id: EXT_UDP, data: new Uint8Array(0) });
      this.send(encodeInfo(2, 0, exts));
      this.handshakeTimer = setTimeout(() => this.finishHandshake(), o.handshakeTimeoutMs);
    } else {
      this.extUdp = o.udp; // v1.2 makes UDP mandatory
      this.finishHandshake();
    }
  }

  private finishHandshake(): void {
    if (this.handshakeDone || this.gone) return;
    this.handshakeDone = true;
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.send(encodeContinue(0, this.o.bufferPackets));
  }

  shutdown(): void {
    this.ws.close(1001, "relay shutting down");
    this.teardown();
  }

  private teardown(): void {
    if (this.gone) return;
    this.gone = true;
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    for (const s of this.streams.values()) this.destroyStream(s);
    this.stats.streams -= this.streams.size;
    this.streams.clear();
    this.onGone();
  }

  // ---- to the client ----

  private send(packet: Uint8Array): void {
    if (this.gone || this.ws.readyState !== this.ws.OPEN) return;
    this.wsQueued += packet.length;
    this.stats.bytesOut += packet.length;
    this.ws.send(packet, (err) => {
      this.wsQueued -= packet.length;
      if (!err && this.wsPaused && this.wsQueued < this.o.wsHighWater / 2) {
        this.wsPaused = false;
        for (const s of this.streams.values()) this.resumeSocket(s);
      }
    });
    if (!this.wsPaused && this.wsQueued > this.o.wsHighWater) {
      this.wsPaused = true;
      for (const s of this.streams.values()) s.socket?.pause();
    }
  }

  private closeStream(s: RelayStream, reason: number): void {
    if (s.closed) return;
    this.send(encodeClose(s.id, reason));
    this.destroyStream(s);
    this.streams.delete(s.id);
    this.rememberClosed(s.id);
    this.stats.streams--;
  }

  private rememberClosed(id: number): void {
    this.recentlyClosed.add(id);
    if (this.recentlyClosed.size > 1024) this.recentlyClosed.delete(this.recentlyClosed.values().next().value!);
  }

  private destroyStream(s: RelayStream): void {
    if (s.closed) return;
    s.closed = true;
    s.pending = [];
    s.socket?.destroy();
    if (s.udp) { try { s.udp.close(); } catch { /* closed */ } }
  }

  private resumeSocket(s: RelayStream): void {
    if (s.socket && s.connected && !s.pausedForCredit && !this.wsPaused) s.socket.resume();
  }

  // ---- from the client ----

  private onMessage(data: RawData, isBinary: boolean): void {
    try {
      if (!isBinary) { this.fatal("text message"); return; }
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
      const b = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
      this.stats.bytesIn += b.length;
      this.bytes += b.length;
      if (this.bytes > this.o.maxBytesPerClient) { this.overLimit(); return; }
      let p: WispPacket;
      try {
        p = parseWispPacket(b);
      } catch (e) {
        if (!(e instanceof WispProtocolError)) throw e;
        this.stats.malformed++;
        if (e.stream === undefined) { this.fatal(e.message); return; }
        this.log(`wisp: stream ${e.stream}: ${e.message}`);
        this.rejectStream(e.stream, e.reason);
        return;
      }
      this.onPacket(p);
    } catch (e) {
      // A bug, not bad input: drop this client, keep serving the others.
      this.log(`wisp: internal error: ${e instanceof Error ? e.stack : String(e)}`);
      this.fatal("internal error");
    }
  }

  /** A protocol violation we cannot pin on one stream: CLOSE on stream 0, then the WebSocket. */
  private fatal(why: string): void {
    this.stats.malformed++;
    this.log(`wisp: closing client: ${why}`);
    this.send(encodeClose(0, CLOSE_UNKNOWN));
    this.ws.close(1002, why.slice(0, 100));
    this.teardown();
  }

  private overLimit(): void {
    this.log("wisp: client over its byte limit");
    for (const s of [...this.streams.values()]) this.closeStream(s, CLOSE_THROTTLED);
    this.send(encodeClose(0, CLOSE_THROTTLED));
    this.ws.close(1008, "byte limit");
    this.teardown();
  }

  private rejectStream(id: number, reason: number): void {
    if (id === 0) { this.fatal("bad packet on stream 0"); return; }
    const s = this.streams.get(id);
    if (s) this.closeStream(s, reason);
    else if (!this.recentlyClosed.has(id)) { this.send(encodeClose(id, reason)); this.rememberClosed(id); }
  }

  private onPacket(p: WispPacket): void {
    if (p.type === WISP_INFO) { if (p.stream === 0) this.onClientInfo(p); return; }
    if (!this.handshakeDone) this.finishHandshake(); // a client that skipped its INFO gets no extensions
    switch (p.type) {
      case WISP_CONNECT: this.onConnect(p); return;
      case WISP_DATA: this.onData(p.stream, p.data); return;
      case WISP_CONTINUE: {
        const s = this.streams.get(p.stream);
        if (s && this.extCredit) {
          s.clientCredit = p.remaining;
          if (s.outHeld) { const held = s.outHeld; s.outHeld = undefined; this.sendToClient(s, held); }
          if (s.closeWhenSent && !s.outHeld) { this.closeStream(s, CLOSE_VOLUNTARY); return; }
          if (s.pausedForCredit && s.clientCredit > 0 && !s.outHeld) { s.pausedForCredit = false; this.resumeSocket(s); }
        }
        return;
      }
      case WISP_CLOSE: {
        if (p.stream === 0) { this.ws.close(1000); this.teardown(); return; }
        const s = this.streams.get(p.stream);
        if (s) { this.destroyStream(s); this.streams.delete(s.id); this.stats.streams--; this.rememberClosed(s.id); }
        return;
      }
      default: // unknown packet types may belong to extensions we did not agree on: ignore (spec, handshake)
    }
  }

  private onClientInfo(p: Extract<WispPacket, { type: typeof WISP_INFO }>): void {
    if (this.handshakeDone || !this.v2) return;
    const has = (id: number) => p.extensions.find((e) => e.id === id);
    this.extUdp = this.o.udp && !!has(EXT_UDP);
    this.extConfirm = !!has(EXT_STREAM_CONFIRM);
    const credit = has(EXT_CLIENT_CREDIT);
    const n = credit ? readU32le(credit.data) : undefined;
    if (n !== undefined && n > 0) { this.extCredit = true; this.clientCreditPackets = n; }
    this.finishHandshake();
  }

  private onConnect(p: Extract<WispPacket, { type: typeof WISP_CONNECT }>): void {
    const id = p.stream;
    if (id === 0) { this.fatal("CONNECT on stream 0"); return; }
    if (this.streams.has(id)) { this.rejectStream(id, CLOSE_INVALID); return; }
    const kind = p.streamType === STREAM_TCP ? "tcp" : p.streamType === STREAM_UDP && this.extUdp ? "udp" : undefined;
    if (!kind || p.port === 0 || !validHost(p.host)) { this.rejectStream(id, CLOSE_INVALID); return; }
    if (this.streams.size >= this.o.maxStreamsPerClient) { this.rejectStream(id, CLOSE_THROTTLED); return; }
    this.recentlyClosed.delete(id);
    const s: RelayStream = {
      id, kind, connected: false, pending: [], received: 0,
      clientCredit: this.extCredit ? this.clientCreditPackets : Infinity, pausedForCredit: false, outHeld: undefined,
      closeWhenSent: false, closed: false,
    };
    this.streams.set(id, s);
    this.stats.streams++;
    this.stats.streamsOpened++;
    void this.open(s, p.host, p.port);
  }

  private async open(s: RelayStream, host: string, port: number): Promise<void> {
    const literal = net.isIP(host.replace(/^\[|\]$/g, "")) ? host.replace(/^\[|\]$/g, "") : undefined;
    let addrs: string[];
    try {
      addrs = literal ? [literal] : await withTimeout(this.lookup(host), this.o.connectTimeoutMs);
    } catch {
      addrs = [];
    }
    if (s.closed) return;
    if (addrs.length === 0) { this.stats.failed++; this.closeStream(s, CLOSE_UNREACHABLE); return; }
    if (!this.policy.nameAllowed(host)) {
      for (const a of addrs) {
        const why = this.policy.refuse(a);
        if (why) {
          this.stats.refused++;
          this.log(`wisp: refused ${host}:${port} (${a} is ${why})`);
          this.closeStream(s, CLOSE_BLOCKED);
          return;
        }
      }
    }
    if (s.kind === "tcp") this.openTcp(s, addrs[0], port);
    else this.openUdp(s, addrs[0], port);
  }

  private openTcp(s: RelayStream, address: string, port: number): void {
    const sock = net.connect({ host: address, port, noDelay: true });
    s.socket = sock;
    const timer = setTimeout(() => { this.stats.failed++; this.closeStream(s, CLOSE_CONNECT_TIMEOUT); }, this.o.connectTimeoutMs);
    sock.on("connect", () => {
      clearTimeout(timer);
      if (s.closed) return;
      s.connected = true;
      if (this.extConfirm) this.send(encodeContinue(s.id, this.o.bufferPackets - s.pending.length));
      this.flushPending(s);
      if (this.wsPaused || s.pausedForCredit) sock.pause();
    });
    sock.on("data", (d: Buffer) => {
      if (s.closed) return;
      this.bytes += d.length;
      if (this.bytes > this.o.maxBytesPerClient) { this.overLimit(); return; }
      this.sendToClient(s, new Uint8Array(d.buffer, d.byteOffset, d.length));
    });
    sock.on("drain", () => this.flushPending(s));
    sock.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (s.closed) return;
      if (!s.connected) this.stats.failed++;
      const reason = !s.connected
        ? e.code === "ECONNREFUSED" ? CLOSE_REFUSED : e.code === "ETIMEDOUT" ? CLOSE_CONNECT_TIMEOUT : CLOSE_UNREACHABLE
        : CLOSE_NETWORK_ERROR;
      this.closeStream(s, reason);
    });
    // Wisp has no half-close: the remote's FIN ends the stream.
    sock.on("close", () => {
      clearTimeout(timer);
      if (s.outHeld) s.closeWhenSent = true; // the client gets the rest first, as its credit allows
      else this.closeStream(s, CLOSE_VOLUNTARY);
    });
  }

  /** DATA packets while the client's credit lasts; the rest waits (and the socket pauses) for its CONTINUE. */
  private sendToClient(s: RelayStream, d: Uint8Array): void {
    let off = 0;
    while (off < d.length && s.clientCredit > 0) {
      const end = Math.min(d.length, off + this.o.maxPacketBytes);
      this.send(encodeData(s.id, d.subarray(off, end)));
      s.clientCredit--;
      off = end;
    }
    if (off < d.length) {
      s.outHeld = s.outHeld ? concat(s.outHeld, d.subarray(off)) : d.slice(off);
      s.pausedForCredit = true;
      s.socket?.pause();
    } else if (s.clientCredit <= 0) {
      s.pausedForCredit = true;
      s.socket?.pause();
    }
  }

  private openUdp(s: RelayStream, address: string, port: number): void {
    const sock = dgram.createSocket(net.isIPv6(address) ? "udp6" : "udp4");
    s.udp = sock;
    sock.on("message", (m) => { if (!s.closed) this.send(encodeData(s.id, m)); });
    sock.on("error", () => this.closeStream(s, CLOSE_NETWORK_ERROR));
    sock.connect(port, address, () => {
      if (s.closed) return;
      s.connected = true; // (no CONTINUE: the spec sends none on UDP streams)
      for (const d of s.pending.splice(0)) sock.send(d);
    });
  }

  private onData(id: number, data: Uint8Array): void {
    const s = this.streams.get(id);
    if (!s) { if (id === 0) this.fatal("DATA on stream 0"); else this.rejectStream(id, CLOSE_INVALID); return; }
    if (data.length > this.o.maxPacketBytes) { this.stats.malformed++; this.closeStream(s, CLOSE_INVALID); return; }
    if (s.kind === "udp") {
      if (s.connected) s.udp!.send(data);
      else if (s.pending.length < 16) s.pending.push(data.slice());
      return;
    }
    s.pending.push(data.slice());
    s.received++;
    // Past its credit. The spec's CONTINUE carries an absolute count, so packets
    // already in flight when the client read it may overshoot by up to one
    // buffer: only twice the buffer is a client ignoring flow control.
    if (s.pending.length > 2 * this.o.bufferPackets) { this.closeStream(s, CLOSE_THROTTLED); return; }
    this.flushPending(s);
  }

  /** Writes queued client data while the socket takes it, and grants new credit (spec, CONTINUE). */
  private flushPending(s: RelayStream): void {
    const sock = s.socket;
    if (!sock || !s.connected || s.closed) return;
    while (s.pending.length && sock.writableLength < 64 * 1024) sock.write(s.pending.shift()!);
    // Refill the client's credit at half the buffer (the spec asks for a
    // CONTINUE before the client runs out).
    if (s.received >= this.o.bufferPackets / 2 && s.pending.length < this.o.bufferPackets / 2) {
      s.received = 0;
      this.send(encodeContinue(s.id, this.o.bufferPackets - s.pending.length));
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a); out.set(b, a.length);
  return out;
}

/** A host name or an address literal, as the client sent it. */
function validHost(host: string): boolean {
  if (host.length === 0 || host.length > 253) return false;
  if (net.isIP(host.replace(/^\[|\]$/g, ""))) return true;
  return /^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*\.?$/i.test(host);
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("timeout")), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e) => { clearTimeout(t); reject(e); });
  });
}

export { CLOSE_BLOCKED, CLOSE_INVALID, CLOSE_THROTTLED, CLOSE_UNREACHABLE, CLOSE_REFUSED };
