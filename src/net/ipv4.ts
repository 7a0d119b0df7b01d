// IPv4 (RFC 791). Headers are checked (version, lengths, checksum); options
// are skipped. Fragments are dropped, not reassembled: the guest's stack sends
// at most the MTU with DF set, so only a hostile or broken guest fragments, and
// reassembly would be memory the guest could make us hold.
import { readIpv4, writeIpv4, type Mac } from "./addresses.js";
import { internetChecksum } from "./checksum.js";
import { ETHERTYPE_IPV4, ETH_HEADER_LEN, newFrame } from "./ethernet.js";
import { NetFrameError } from "./frame-error.js";

export const IP_HEADER_LEN = 20;
export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const LIMITED_BROADCAST = 0xffffffff;

export interface Ipv4Packet {
  src: number;
  dst: number;
  protocol: number;
  ttl: number;
  headerLen: number;
  payload: Uint8Array; // exactly total length - header length (Ethernet padding removed)
}

export function parseIpv4Packet(p: Uint8Array): Ipv4Packet {
  if (p.length < IP_HEADER_LEN) throw new NetFrameError("truncated", `IPv4 packet of ${p.length} bytes`);
  const version = p[0] >>> 4, headerLen = (p[0] & 15) * 4;
  if (version !== 4) throw new NetFrameError("bad-version", `IP version ${version} in an IPv4 frame`);
  if (headerLen < IP_HEADER_LEN) throw new NetFrameError("bad-length", `IPv4 header length ${headerLen}`);
  const totalLen = (p[2] << 8) | p[3];
  if (totalLen < headerLen || totalLen > p.length) {
    throw new NetFrameError("bad-length", `IPv4 total length ${totalLen} (header ${headerLen}, frame has ${p.length})`);
  }
  // Offload hook: with VIRTIO_NET_F_CSUM the guest still fills the IP header
  // checksum (only L4 checksums are left partial), so this check stays.
  if (internetChecksum(p, 0, headerLen) !== 0) throw new NetFrameError("bad-checksum", "IPv4 header checksum");
  const flagsFrag = (p[6] << 8) | p[7];
  if ((flagsFrag & 0x2000) !== 0 || (flagsFrag & 0x1fff) !== 0) throw new NetFrameError("fragment", "IPv4 fragment");
  return {
    src: readIpv4(p, 12),
    dst: readIpv4(p, 16),
    protocol: p[9],
    ttl: p[8],
    headerLen,
    payload: p.subarray(headerLen, totalLen),
  };
}

let nextId = 1;

/**
 * A new Ethernet frame holding an IPv4 header (no options, DF set, TTL 64,
 * checksum filled) and room for `l4Len` bytes at ETH_HEADER_LEN + IP_HEADER_LEN.
 */
export function newIpv4Frame(dstMac: Mac, srcMac: Mac, src: number, dst: number, protocol: number, l4Len: number): Uint8Array {
  const f = newFrame(dstMac, srcMac, ETHERTYPE_IPV4, IP_HEADER_LEN + l4Len);
  const o = ETH_HEADER_LEN, total = IP_HEADER_LEN + l4Len;
  f[o] = 0x45;
  f[o + 2] = total >>> 8; f[o + 3] = total;
  const id = nextId; nextId = (nextId + 1) & 0xffff;
  f[o + 4] = id >>> 8; f[o + 5] = id;
  f[o + 6] = 0x40;       // DF
  f[o + 8] = 64;         // TTL
  f[o + 9] = protocol;
  writeIpv4(f, o + 12, src);
  writeIpv4(f, o + 16, dst);
  const c = internetChecksum(f, o, o + IP_HEADER_LEN);
  f[o + 10] = c >>> 8; f[o + 11] = c;
  return f;
}

export const L4_OFFSET = ETH_HEADER_LEN + IP_HEADER_LEN;
