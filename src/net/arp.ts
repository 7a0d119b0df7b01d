// ARP for IPv4 over Ethernet (RFC 826).
import { readIpv4, writeIpv4, type Mac } from "./addresses.js";
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, ETH_HEADER_LEN, newFrame } from "./ethernet.js";
import { NetFrameError } from "./frame-error.js";

export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;
const ARP_LEN = 28;

export interface ArpPacket {
  op: number;
  senderMac: Uint8Array;
  senderIp: number;
  targetMac: Uint8Array;
  targetIp: number;
}

export function parseArp(p: Uint8Array): ArpPacket {
  if (p.length < ARP_LEN) throw new NetFrameError("truncated", `ARP packet of ${p.length} bytes`);
  const htype = (p[0] << 8) | p[1], ptype = (p[2] << 8) | p[3];
  if (htype !== 1 || ptype !== ETHERTYPE_IPV4 || p[4] !== 6 || p[5] !== 4) {
    throw new NetFrameError("unsupported", `ARP for hardware ${htype}, protocol 0x${ptype.toString(16)}`);
  }
  return {
    op: (p[6] << 8) | p[7],
    senderMac: p.subarray(8, 14),
    senderIp: readIpv4(p, 14),
    targetMac: p.subarray(18, 24),
    targetIp: readIpv4(p, 24),
  };
}

/** A whole Ethernet frame carrying an ARP packet. */
export function buildArpFrame(ethDst: Mac, op: number, senderMac: Mac, senderIp: number, targetMac: Mac, targetIp: number): Uint8Array {
  const f = newFrame(ethDst, senderMac, ETHERTYPE_ARP, ARP_LEN);
  const o = ETH_HEADER_LEN;
  f[o + 1] = 1;                     // Ethernet
  f[o + 2] = ETHERTYPE_IPV4 >>> 8; f[o + 3] = ETHERTYPE_IPV4 & 0xff;
  f[o + 4] = 6; f[o + 5] = 4;
  f[o + 7] = op;
  f.set(senderMac, o + 8);
  writeIpv4(f, o + 14, senderIp);
  f.set(targetMac, o + 18);
  writeIpv4(f, o + 24, targetIp);
  return f;
}
