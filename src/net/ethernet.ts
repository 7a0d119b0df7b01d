// Ethernet II framing (IEEE 802.3 with an EtherType; no FCS: virtio-net and
// the channels carry frames without it).
import type { Mac } from "./addresses.js";
import { NetFrameError } from "./frame-error.js";

export const ETH_HEADER_LEN = 14;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_IPV6 = 0x86dd;

export interface EthernetHeader {
  dst: Uint8Array;     // views into the frame
  src: Uint8Array;
  etherType: number;
  payload: Uint8Array;
}

export function parseEthernet(frame: Uint8Array): EthernetHeader {
  if (frame.length < ETH_HEADER_LEN) throw new NetFrameError("truncated", `Ethernet frame of ${frame.length} bytes`);
  return {
    dst: frame.subarray(0, 6),
    src: frame.subarray(6, 12),
    etherType: (frame[12] << 8) | frame[13],
    payload: frame.subarray(ETH_HEADER_LEN),
  };
}

/** A new frame of 14 + payloadLen bytes with its Ethernet header written; the caller fills the payload. */
export function newFrame(dst: Mac, src: Mac, etherType: number, payloadLen: number): Uint8Array {
  const f = new Uint8Array(ETH_HEADER_LEN + payloadLen);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = etherType >>> 8;
  f[13] = etherType;
  return f;
}
