// TCP segments (RFC 9293 section 3.1): parsing, option reading, building.
// The connection logic is in tcp-connection.ts.
import type { Mac } from "./addresses.js";
import { internetChecksum, pseudoHeaderSum } from "./checksum.js";
import { NetFrameError } from "./frame-error.js";
import { IP_HEADER_LEN, L4_OFFSET, newIpv4Frame, PROTO_TCP } from "./ipv4.js";
import { ETH_HEADER_LEN } from "./ethernet.js";

export const FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10, URG = 0x20;
export const TCP_HEADER_LEN = 20;

export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;     // as sent: scaling is the connection's business
  mss?: number;       // options, from SYN segments
  wscale?: number;
  payload: Uint8Array;
}

/** Flag combinations no conforming stack sends (SYN+FIN, SYN+RST, no flags, FIN/PSH/URG without ACK). */
export function wildFlags(flags: number): boolean {
  const f = flags & 0x3f;
  if (f === 0) return true;
  if ((f & SYN) && (f & (FIN | RST))) return true;
  if (!(f & (ACK | SYN | RST))) return true;
  return false;
}

export function parseTcp(p: Uint8Array, src: number, dst: number): TcpSegment {
  if (p.length < TCP_HEADER_LEN) throw new NetFrameError("truncated", `TCP segment of ${p.length} bytes`);
  const dataOff = (p[12] >>> 4) * 4;
  if (dataOff < TCP_HEADER_LEN || dataOff > p.length) throw new NetFrameError("bad-length", `TCP data offset ${dataOff} in ${p.length} bytes`);
  // Offload hook: with VIRTIO_NET_F_CSUM negotiated the guest may leave this
  // checksum partial (flagged per packet by the device); the device would
  // then tell us to skip this check.
  if (internetChecksum(p, 0, p.length, pseudoHeaderSum(src, dst, PROTO_TCP, p.length)) !== 0) {
    throw new NetFrameError("bad-checksum", "TCP checksum");
  }
  const flags = p[13];
  if (wildFlags(flags)) throw new NetFrameError("bad-flags", `TCP flags 0x${flags.toString(16)}`);
  const seg: TcpSegment = {
    srcPort: (p[0] << 8) | p[1],
    dstPort: (p[2] << 8) | p[3],
    seq: ((p[4] << 24) | (p[5] << 16) | (p[6] << 8) | p[7]) >>> 0,
    ack: ((p[8] << 24) | (p[9] << 16) | (p[10] << 8) | p[11]) >>> 0,
    flags,
    window: (p[14] << 8) | p[15],
    payload: p.subarray(dataOff),
  };
  if (flags & SYN) readOptions(p, dataOff, seg);
  return seg;
}

// RFC 9293 3.2: kind 0 ends the list, kind 1 is padding, others carry a length.
function readOptions(p: Uint8Array, end: number, seg: TcpSegment): void {
  let i = TCP_HEADER_LEN;
  while (i < end) {
    const kind = p[i];
    if (kind === 0) return;
    if (kind === 1) { i++; continue; }
    if (i + 1 >= end) throw new NetFrameError("bad-option", "TCP option without a length");
    const len = p[i + 1];
    if (len < 2 || i + len > end) throw new NetFrameError("bad-option", `TCP option ${kind} of length ${len}`);
    if (kind === 2 && len === 4) seg.mss = (p[i + 2] << 8) | p[i + 3];
    else if (kind === 3 && len === 3) seg.wscale = Math.min(p[i + 2], 14); // RFC 7323 2.3: at most 14
    i += len;
  }
}

/** MSS and (optionally) window-scale options, padded to a multiple of 4. */
export function synOptions(mss: number, wscale: number | undefined): Uint8Array {
  const o = new Uint8Array(wscale === undefined ? 4 : 8);
  o[0] = 2; o[1] = 4; o[2] = mss >>> 8; o[3] = mss;
  if (wscale !== undefined) { o[4] = 1; o[5] = 3; o[6] = 3; o[7] = wscale; }
  return o;
}

export const TCP_PAYLOAD_OFFSET = L4_OFFSET + TCP_HEADER_LEN;

/**
 * A frame with IPv4 and TCP headers written and `payloadLen` bytes of room at
 * TCP_PAYLOAD_OFFSET + options.length; fill the payload, then call
 * finishTcpChecksum. Offload hook: with VIRTIO_NET_F_GUEST_CSUM the checksum
 * could be skipped and the frame flagged DATA_VALID; with GUEST_TSO4 one
 * frame could carry up to 64 KiB for the device to hand over whole.
 */
export function newTcpFrame(dstMac: Mac, srcMac: Mac, src: number, srcPort: number, dst: number, dstPort: number,
  seq: number, ack: number, flags: number, window: number, options: Uint8Array | undefined, payloadLen: number): Uint8Array {
  const optLen = options ? options.length : 0;
  const f = newIpv4Frame(dstMac, srcMac, src, dst, PROTO_TCP, TCP_HEADER_LEN + optLen + payloadLen);
  const o = L4_OFFSET;
  f[o] = srcPort >>> 8; f[o + 1] = srcPort;
  f[o + 2] = dstPort >>> 8; f[o + 3] = dstPort;
  f[o + 4] = seq >>> 24; f[o + 5] = seq >>> 16; f[o + 6] = seq >>> 8; f[o + 7] = seq;
  f[o + 8] = ack >>> 24; f[o + 9] = ack >>> 16; f[o + 10] = ack >>> 8; f[o + 11] = ack;
  f[o + 12] = ((TCP_HEADER_LEN + optLen) / 4) << 4;
  f[o + 13] = flags;
  f[o + 14] = window >>> 8; f[o + 15] = window;
  if (options) f.set(options, o + TCP_HEADER_LEN);
  return f;
}

export function finishTcpChecksum(f: Uint8Array, src: number, dst: number): void {
  const o = L4_OFFSET, len = f.length - ETH_HEADER_LEN - IP_HEADER_LEN;
  const c = internetChecksum(f, o, f.length, pseudoHeaderSum(src, dst, PROTO_TCP, len));
  f[o + 16] = c >>> 8; f[o + 17] = c;
}

// Sequence-number comparisons modulo 2^32 (RFC 9293 3.4).
export const seqLt = (a: number, b: number): boolean => ((a - b) | 0) < 0;
export const seqLe = (a: number, b: number): boolean => ((a - b) | 0) <= 0;
export const seqAdd = (a: number, n: number): number => (a + n) >>> 0;
export const seqDiff = (a: number, b: number): number => (a - b) | 0; // a - b
