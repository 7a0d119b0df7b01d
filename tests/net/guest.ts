// A scripted "guest" for the network tests: it builds frames byte by byte and
// checks what comes back with its own code (its own checksum and parsers, so a
// bug in src/net cannot cancel itself out).
import assert from "node:assert/strict";
import type { GuestLink } from "../../src/net/link.js";

export const GUEST_MAC = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
export const GW_MAC = [0x52, 0x55, 0x0a, 0x00, 0x02, 0x02];
export const BCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
export const GUEST_IP = [10, 0, 2, 15];
export const GW_IP = [10, 0, 2, 2];
export const DNS_IP = [10, 0, 2, 3];

export function csum(bytes: number[] | Uint8Array, init = 0): number {
  let s = init;
  for (let i = 0; i < bytes.length; i += 2) s += (bytes[i] << 8) + (i + 1 < bytes.length ? bytes[i + 1] : 0);
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return ~s & 0xffff;
}
const be16 = (n: number) => [(n >>> 8) & 255, n & 255];
const be32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const rd16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const rd32 = (b: Uint8Array, o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

export function ethernet(dst: number[], src: number[], type: number, payload: number[] | Uint8Array): Uint8Array {
  return Uint8Array.from([...dst, ...src, ...be16(type), ...payload]);
}

export function ipv4Packet(src: number[], dst: number[], proto: number, payload: number[] | Uint8Array,
  opts: { flagsFrag?: number; badChecksum?: boolean; totalLen?: number } = {}): number[] {
  const total = opts.totalLen ?? 20 + payload.length;
  const h = [0x45, 0, ...be16(total), 0x12, 0x34, ...be16(opts.flagsFrag ?? 0x4000), 64, proto, 0, 0, ...src, ...dst];
  const c = csum(h) ^ (opts.badChecksum ? 1 : 0);
  h[10] = c >>> 8; h[11] = c & 255;
  return [...h, ...payload];
}

function pseudo(src: number[], dst: number[], proto: number, len: number): number {
  return ((src[0] << 8) | src[1]) + ((src[2] << 8) | src[3]) + ((dst[0] << 8) | dst[1]) + ((dst[2] << 8) | dst[3]) + proto + len;
}

export function udpDatagram(src: number[], sport: number, dst: number[], dport: number, data: number[] | Uint8Array): number[] {
  const len = 8 + data.length;
  const u = [...be16(sport), ...be16(dport), ...be16(len), 0, 0, ...data];
  const c = csum(u, pseudo(src, dst, 17, len)) || 0xffff;
  u[6] = c >>> 8; u[7] = c & 255;
  return u;
}

export const F = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32 };

export function tcpSegment(src: number[], sport: number, dst: number[], dport: number, seq: number, ack: number,
  flags: number, window: number, data: number[] | Uint8Array = [], options: number[] = [], badChecksum = false): number[] {
  const hl = 20 + options.length;
  const t = [...be16(sport), ...be16(dport), ...be32(seq), ...be32(ack), (hl / 4) << 4, flags, ...be16(window), 0, 0, 0, 0, ...options, ...data];
  const c = csum(t, pseudo(src, dst, 6, t.length)) ^ (badChecksum ? 1 : 0);
  t[16] = c >>> 8; t[17] = c & 255;
  return t;
}

export interface Parsed {
  frame: Uint8Array;
  dstMac: number[];
  srcMac: number[];
  type: number;
  ip?: { src: number[]; dst: number[]; proto: number; payload: Uint8Array };
  udp?: { sport: number; dport: number; data: Uint8Array };
  tcp?: { sport: number; dport: number; seq: number; ack: number; flags: number; window: number; options: Uint8Array; data: Uint8Array };
  icmp?: { type: number; code: number; rest: Uint8Array };
  arp?: { op: number; senderMac: number[]; senderIp: number[]; targetMac: number[]; targetIp: number[] };
}

/** Parses a frame from the stack and asserts every checksum in it. */
export function parse(f: Uint8Array): Parsed {
  const p: Parsed = { frame: f, dstMac: [...f.subarray(0, 6)], srcMac: [...f.subarray(6, 12)], type: rd16(f, 12) };
  const b = f.subarray(14);
  if (p.type === 0x0806) {
    p.arp = { op: rd16(b, 6), senderMac: [...b.subarray(8, 14)], senderIp: [...b.subarray(14, 18)], targetMac: [...b.subarray(18, 24)], targetIp: [...b.subarray(24, 28)] };
    return p;
  }
  assert.equal(p.type, 0x0800, "IPv4 frame");
  assert.equal(b[0], 0x45);
  assert.equal(csum(b.subarray(0, 20)), 0, "IP header checksum");
  const total = rd16(b, 2);
  assert.equal(total, b.length, "IP total length = frame payload");
  const ip = { src: [...b.subarray(12, 16)], dst: [...b.subarray(16, 20)], proto: b[9], payload: b.subarray(20, total) };
  p.ip = ip;
  const l4 = ip.payload;
  if (ip.proto === 17) {
    assert.equal(rd16(l4, 4), l4.length, "UDP length");
    assert.equal(csum(l4, pseudo(ip.src, ip.dst, 17, l4.length)), 0, "UDP checksum");
    p.udp = { sport: rd16(l4, 0), dport: rd16(l4, 2), data: l4.subarray(8) };
  } else if (ip.proto === 6) {
    assert.equal(csum(l4, pseudo(ip.src, ip.dst, 6, l4.length)), 0, "TCP checksum");
    const hl = (l4[12] >>> 4) * 4;
    p.tcp = { sport: rd16(l4, 0), dport: rd16(l4, 2), seq: rd32(l4, 4), ack: rd32(l4, 8), flags: l4[13], window: rd16(l4, 14), options: l4.subarray(20, hl), data: l4.subarray(hl) };
  } else if (ip.proto === 1) {
    assert.equal(csum(l4), 0, "ICMP checksum");
    p.icmp = { type: l4[0], code: l4[1], rest: l4.subarray(4) };
  }
  return p;
}

/** The guest end of a link: sends frames, records and parses what comes back. */
export class ScriptedGuest {
  readonly inbox: Parsed[] = [];
  private waiters: { pred: (p: Parsed) => boolean; resolve: (p: Parsed) => void }[] = [];
  /** Called for every frame before the inbox (a TCP helper hooks in here). */
  tap: ((p: Parsed) => boolean) | undefined; // returns true if it consumed the frame
  accept = true; // false: pretend no receive buffer is posted

  constructor(readonly link: GuestLink, readonly mac = GUEST_MAC, readonly ip = GUEST_IP) {
    link.onToGuest = (f) => {
      if (!this.accept) return false;
      const p = parse(f);
      if (this.tap?.(p)) return true;
      const i = this.waiters.findIndex((w) => w.pred(p));
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(p);
      else this.inbox.push(p);
      return true;
    };
  }

  send(frame: Uint8Array): void { this.link.fromGuest(frame); }

  sendIp(dst: number[], proto: number, l4: number[], dstMac = GW_MAC, src = this.ip): void {
    this.send(ethernet(dstMac, this.mac, 0x0800, ipv4Packet(src, dst, proto, l4)));
  }

  /** The next frame matching pred (from the inbox or yet to come). */
  next(pred: (p: Parsed) => boolean = () => true, ms = 3000): Promise<Parsed> {
    const i = this.inbox.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (p: Parsed) => { clearTimeout(t); resolve(p); } };
      const t = setTimeout(() => { this.waiters.splice(this.waiters.indexOf(w), 1); reject(new Error("no matching frame in time")); }, ms);
      this.waiters.push(w);
    });
  }
}

/** A guest-side TCP endpoint driven by hand: handshake, cumulative ACKs, FIN. */
export class GuestTcp {
  iss = 0x10000000;
  sndNxt = 0;
  rcvNxt = 0;
  peerWindow = 0;
  peerWscale = 0;
  received: Uint8Array[] = [];
  receivedBytes = 0;
  finReceived = false;
  rstReceived = false;
  window = 1024;          // the field we send; with wscale 6: 64 KiB
  readonly wscale = 6;
  autoAck = true;
  segmentsIn = 0;
  readonly log: Parsed[] = [];   // every segment of this connection from the stack
  onData: (() => void) | undefined;

  constructor(readonly g: ScriptedGuest, readonly lport: number, readonly rip: number[], readonly rport: number) {}

  matches(p: Parsed): boolean {
    return !!p.tcp && p.tcp.dport === this.lport && p.tcp.sport === this.rport && p.ip!.src.join(".") === this.rip.join(".");
  }

  seg(flags: number, data: number[] | Uint8Array = [], options: number[] = [], seq = this.sndNxt): void {
    this.g.sendIp(this.rip, 6, tcpSegment(this.g.ip, this.lport, this.rip, this.rport, seq, this.rcvNxt, flags, this.window, data, options));
  }

  async connect(): Promise<Parsed> {
    this.sndNxt = this.iss;
    // MSS 1460, NOP, window scale
    this.seg(F.SYN, [], [2, 4, 0x05, 0xb4, 1, 3, 3, this.wscale]);
    this.sndNxt = (this.iss + 1) >>> 0;
    const synack = await this.g.next((p) => this.matches(p));
    const t = synack.tcp!;
    if (t.flags & F.RST) return synack;
    assert.equal(t.flags, F.SYN | F.ACK, "SYN-ACK");
    assert.equal(t.ack, this.sndNxt, "SYN-ACK acknowledges our ISS + 1");
    this.rcvNxt = (t.seq + 1) >>> 0;
    this.peerWscale = readWscale(t.options);
    this.peerWindow = t.window;
    this.attach(); // before our ACK: the stack may answer it at once
    this.seg(F.ACK);
    return synack;
  }

  /** Answers a SYN from the stack (a port forward) with SYN-ACK. */
  acceptSyn(syn: Parsed): void {
    const t = syn.tcp!;
    this.rcvNxt = (t.seq + 1) >>> 0;
    this.peerWscale = readWscale(t.options);
    this.sndNxt = (this.iss + 1) >>> 0;
    this.attach();
    this.seg(F.SYN | F.ACK, [], [2, 4, 0x05, 0xb4, 1, 3, 3, this.wscale], this.iss);
  }

  private attach(): void {
    const prev = this.g.tap;
    this.g.tap = (p) => {
      if (!this.matches(p)) return prev?.(p) ?? false;
      this.onSegment(p);
      return true;
    };
  }

  private onSegment(p: Parsed): void {
    const t = p.tcp!;
    this.segmentsIn++;
    this.log.push(p);
    if (t.flags & F.RST) { this.rstReceived = true; return; }
    this.peerWindow = t.window << this.peerWscale;
    if (t.data.length > 0) {
      if (t.seq === this.rcvNxt) {
        this.received.push(t.data.slice());
        this.receivedBytes += t.data.length;
        this.rcvNxt = (this.rcvNxt + t.data.length) >>> 0;
      }
      if (this.autoAck) this.seg(F.ACK);
      this.onData?.();
    }
    if ((t.flags & F.FIN) && ((t.seq + t.data.length) >>> 0) === this.rcvNxt && !this.finReceived) {
      this.finReceived = true;
      this.rcvNxt = (this.rcvNxt + 1) >>> 0;
      this.seg(F.ACK);
      this.onData?.();
    }
  }

  send(data: Uint8Array, mss = 1460): void {
    for (let o = 0; o < data.length; o += mss) {
      const chunk = data.subarray(o, Math.min(data.length, o + mss));
      this.seg(F.ACK | F.PSH, chunk);
      this.sndNxt = (this.sndNxt + chunk.length) >>> 0;
    }
  }

  fin(): void {
    this.seg(F.FIN | F.ACK);
    this.sndNxt = (this.sndNxt + 1) >>> 0;
  }

  data(): Uint8Array { return Buffer.concat(this.received); }

  /** The first logged segment matching pred, waiting for it if need be. */
  async seen(pred: (t: NonNullable<Parsed["tcp"]>) => boolean, ms = 3000): Promise<NonNullable<Parsed["tcp"]>> {
    await until(() => this.log.some((p) => pred(p.tcp!)), ms);
    return this.log.find((p) => pred(p.tcp!))!.tcp!;
  }
}

function readWscale(opts: Uint8Array): number {
  for (let i = 0; i < opts.length;) {
    if (opts[i] === 0) break;
    if (opts[i] === 1) { i++; continue; }
    if (opts[i] === 3) return opts[i + 2];
    i += opts[i + 1];
  }
  return 0;
}

export function until(cond: () => boolean, ms = 10000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) resolve();
      else if (Date.now() - start > ms) reject(new Error("condition not met in time"));
      else setTimeout(tick, 2);
    };
    tick();
  });
}
