// UDP (RFC 768).
import type { Mac } from "./addresses.js";
import { internetChecksum, pseudoHeaderSum } from "./checksum.js";
import { NetFrameError } from "./frame-error.js";
import { L4_OFFSET, newIpv4Frame, PROTO_UDP } from "./ipv4.js";

export const UDP_HEADER_LEN = 8;

export interface UdpDatagram {
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
}

export function parseUdp(p: Uint8Array, src: number, dst: number): UdpDatagram {
  if (p.length < UDP_HEADER_LEN) throw new NetFrameError("truncated", `UDP datagram of ${p.length} bytes`);
  const len = (p[4] << 8) | p[5];
  if (len < UDP_HEADER_LEN || len > p.length) throw new NetFrameError("bad-length", `UDP length ${len} in ${p.length} bytes`);
  // A zero checksum means "none" (RFC 768). Offload hook: with
  // VIRTIO_NET_F_CSUM a partial checksum would be completed, not checked.
  if (((p[6] << 8) | p[7]) !== 0 && internetChecksum(p, 0, len, pseudoHeaderSum(src, dst, PROTO_UDP, len)) !== 0) {
    throw new NetFrameError("bad-checksum", "UDP checksum");
  }
  return { srcPort: (p[0] << 8) | p[1], dstPort: (p[2] << 8) | p[3], payload: p.subarray(UDP_HEADER_LEN, len) };
}

export function buildUdpFrame(dstMac: Mac, srcMac: Mac, src: number, srcPort: number, dst: number, dstPort: number, payload: Uint8Array): Uint8Array {
  const len = UDP_HEADER_LEN + payload.length;
  const f = newIpv4Frame(dstMac, srcMac, src, dst, PROTO_UDP, len);
  const o = L4_OFFSET;
  f[o] = srcPort >>> 8; f[o + 1] = srcPort;
  f[o + 2] = dstPort >>> 8; f[o + 3] = dstPort;
  f[o + 4] = len >>> 8; f[o + 5] = len;
  f.set(payload, o + UDP_HEADER_LEN);
  const c = internetChecksum(f, o, o + len, pseudoHeaderSum(src, dst, PROTO_UDP, len)) || 0xffff; // 0 is sent as all ones
  f[o + 6] = c >>> 8; f[o + 7] = c;
  return f;
}
