// ICMP echo (RFC 792): the gateway and DNS addresses answer pings.
import type { Mac } from "./addresses.js";
import { internetChecksum } from "./checksum.js";
import { NetFrameError } from "./frame-error.js";
import { L4_OFFSET, newIpv4Frame, PROTO_ICMP } from "./ipv4.js";

export const ICMP_ECHO_REPLY = 0;
export const ICMP_ECHO_REQUEST = 8;

export interface IcmpMessage {
  type: number;
  code: number;
  body: Uint8Array; // everything after type, code and checksum (for echo: id, sequence, data)
}

export function parseIcmp(p: Uint8Array): IcmpMessage {
  if (p.length < 8) throw new NetFrameError("truncated", `ICMP message of ${p.length} bytes`);
  if (internetChecksum(p, 0, p.length) !== 0) throw new NetFrameError("bad-checksum", "ICMP checksum");
  return { type: p[0], code: p[1], body: p.subarray(4) };
}

/** An echo reply carrying the request's identifier, sequence number and data. */
export function buildEchoReply(dstMac: Mac, srcMac: Mac, src: number, dst: number, requestBody: Uint8Array): Uint8Array {
  const len = 4 + requestBody.length;
  const f = newIpv4Frame(dstMac, srcMac, src, dst, PROTO_ICMP, len);
  const o = L4_OFFSET;
  f[o] = ICMP_ECHO_REPLY;
  f.set(requestBody, o + 4);
  const c = internetChecksum(f, o, o + len);
  f[o + 2] = c >>> 8; f[o + 3] = c;
  return f;
}
