// Entry points for fuzzers: each takes arbitrary bytes and either returns or
// throws only the parser's own typed error (the user network throws nothing).
import type { NetBackend, TcpStream, TcpStreamEvents, UdpFlow } from "./backend.js";
import { dhcpReply, parseDhcp } from "./dhcp.js";
import { buildDnsResponse, parseDnsQuery } from "./dns.js";
import { UserNetwork, type UserNetworkOptions } from "./nat.js";
import { parseWispPacket, type WispPacket } from "./wisp-protocol.js";

/** A back end that accepts every connection, swallows what is written and never answers. */
export class DiscardBackend implements NetBackend {
  connectTcp(_host: string, _port: number, ev: TcpStreamEvents): TcpStream {
    queueMicrotask(() => ev.onOpen());
    return { write() {}, bufferedAmount: 0, end() {}, reset() {}, pause() {}, resume() {} };
  }
  openUdp(): UdpFlow { return { send() {}, close() {} }; }
  async resolve(): Promise<string[]> { return ["192.0.2.1"]; }
  close(): void {}
}

/**
 * A user network on a DiscardBackend, fed one frame per call (state carries
 * over between calls, as it would from a guest). Frames toward the guest are
 * counted and dropped.
 */
export function createFrameFuzzer(opts: UserNetworkOptions = {}): { feed: (frame: Uint8Array) => void; net: UserNetwork } {
  const net = new UserNetwork(new DiscardBackend(), opts);
  net.onToGuest = () => true;
  return { feed: (f) => net.fromGuest(f), net };
}

/** Throws only WispProtocolError. */
export function fuzzWispPacket(bytes: Uint8Array): WispPacket {
  return parseWispPacket(bytes);
}

/** Throws only NetFrameError. */
export function fuzzDhcp(bytes: Uint8Array): void {
  dhcpReply({ serverIp: 0x0a000202, netmask: 0xffffff00, leaseSeconds: 60, allocate: () => 0x0a00020f }, parseDhcp(bytes));
}

/** Throws only NetFrameError. */
export function fuzzDnsQuery(bytes: Uint8Array): void {
  buildDnsResponse(parseDnsQuery(bytes), 0, [0x7f000001]);
}
