// virtio-net (virtio 1.1 spec 5.1): one receive queue and one transmit
// queue over virtio-mmio, in front of a GuestLink (src/net/link.ts: the user
// network, a LAN port, or anything frame-shaped).
//
// - Receive is device-driven (TinyEMU's manual_recv, QEMU's
//   virtio_net_receive): the link offers a frame through onToGuest; the
//   device pops posted receive buffers and fills them, or answers "no room"
//   and the frame waits in the link's bounded queue until the driver posts
//   buffers (its notify on the receive queue calls resumeToGuest()). Buffers
//   taken for a frame that does not fit are given back (unpop), so the
//   device never holds guest buffers between frames, and a drained device
//   holds nothing at all.
// - Transmit copies each frame out of guest RAM (the link keeps views into
//   what it is given) and hands it to the link at once.
// - Offloads (when `offloads` is on; the user network asks for them, a LAN
//   does not, since its frames go raw to other guests): MRG_RXBUF (a packet
//   may span several receive buffers, so the driver posts page-sized ones),
//   GUEST_CSUM + GUEST_TSO4 (TCP segments up to 64 KiB toward the guest,
//   flagged DATA_VALID: the guest neither checks nor reassembles them), CSUM
//   + HOST_TSO4 (the guest sends up to 64 KiB with the checksum left to us;
//   the device completes it, and the user network, which terminates TCP,
//   takes the large segment whole). bench/run.ts --only net measures them.
// - A malformed queue is the transport's NEEDS_RESET (GuestMemoryError); a
//   malformed frame goes to the link, whose stack counts it; the device
//   itself drops only what it cannot hand over (longer than any frame, or
//   a bad checksum request) and counts that.
import * as L from "../../wasm-core/layout.js";
import * as V from "../../wasm-core/spec/virtio.js";
import { internetChecksum } from "../net/checksum.js";
import { randomMac, macToString, type Mac } from "../net/addresses.js";
import type { GuestLink } from "../net/link.js";
import type { NetState } from "../snapshot/manifest.js";
import { feature, totalLen, GuestMemoryError, type Chain, type DeviceContext, type VirtioDevice } from "./virtio.js";

const HDR = V.VIRTIO_NET_HDR_SIZE;
const ETH_HLEN = 14;
const VLAN_HLEN = 4;
const MAX_IP_PACKET = 65535;
// The largest frame either way: one IPv4 packet of 64 KiB (a TSO segment).
export const MAX_NET_FRAME = ETH_HLEN + MAX_IP_PACKET;

export interface VirtioNetOptions {
  mac?: Mac;                 // default: a random locally administered MAC
  mtu?: number;              // default 1500 (VIRTIO_NET_F_MTU)
  offloads?: boolean;        // checksum and segmentation offloads, MRG_RXBUF; default true
  // Frames from the link carry correct checksums (the user network builds
  // them): tell a guest that accepts it not to check them (DATA_VALID).
  trustedChecksums?: boolean; // default: as `offloads`
  statsMs?: number;          // how often statistics go to the page (ctx.event), default 500; 0 = never
  linkUp?: boolean;          // the cable at power-on, default plugged in
  withoutFeatures?: number[]; // feature bits not to offer (measurements, a driver's bug)
}

export interface VirtioNetStats {
  rxFrames: number; rxBytes: number;   // delivered to the guest
  txFrames: number; txBytes: number;   // taken from the guest and handed to the link
  rxWaits: number;                     // frames that found no receive buffer and waited
  rxDropped: number;                   // frames dropped: link down, or too large for the buffers posted
  txDropped: number;                   // frames dropped: link down, oversize, bad checksum request
}

// What the device tells the page (through ctx.event) every statsMs when
// something changed.
export interface NetStatsEvent extends VirtioNetStats {
  kind: "net-stats";
  linkUp: boolean;
  mac: string;
  address?: string;                    // the guest's IPv4 address, once the link knows it
  linkDropped?: number;                // frames the link's stack dropped (malformed, not for it, queue full)
  relay?: string;                      // see DescribedLink.relayState
}

// Commands the device takes (VirtioDevice.command).
export type NetCommand =
  | { kind: "net-link"; up: boolean }  // plug or pull the cable (VIRTIO_NET_S_LINK_UP, a config interrupt)
  | { kind: "net-new-mac" };           // a new random MAC (a restored snapshot must not clone the old one)

// A link may say more about itself than GuestLink requires.
export interface DescribedLink extends GuestLink {
  guestAddress?(): string | undefined;
  relayState?(): string;               // the browser's relay connection: connecting, connected, failed: why
  readonly stats?: { dropped?: Record<string, number> | { [k: string]: number } };
}

export class VirtioNet implements VirtioDevice {
  readonly deviceId = V.VIRTIO_ID_NET;
  readonly numQueues = 2;
  readonly features: bigint;
  readonly stats: VirtioNetStats = { rxFrames: 0, rxBytes: 0, txFrames: 0, txBytes: 0, rxWaits: 0, rxDropped: 0, txDropped: 0 };
  private ctx!: DeviceContext;
  private macAddr: Mac;
  private readonly mtu: number;
  private readonly trusted: boolean;
  private readonly offloads: boolean;
  private linkUp = true;
  private held = false;
  private closed = false;
  private waiting = false;             // a frame is waiting for receive buffers
  private negotiated = -1n;            // the driver features last seen (-1: not looked yet)
  private statsTimer: ReturnType<typeof setInterval> | undefined;
  private lastReport = "";

  constructor(readonly link: DescribedLink, private readonly opts: VirtioNetOptions = {}) {
    this.macAddr = opts.mac?.slice() ?? randomMac();
    this.mtu = opts.mtu ?? 1500;
    this.linkUp = opts.linkUp ?? true;
    if (!(Number.isInteger(this.mtu) && this.mtu >= 68 && this.mtu <= MAX_IP_PACKET)) throw new RangeError(`MTU ${this.mtu} out of range 68-65535`);
    const offloads = this.offloads = opts.offloads ?? true;
    this.trusted = opts.trustedChecksums ?? offloads;
    let f = feature(V.VIRTIO_NET_F_MAC) | feature(V.VIRTIO_NET_F_STATUS) | feature(V.VIRTIO_NET_F_MTU) |
      feature(V.VIRTIO_F_RING_INDIRECT_DESC);
    if (offloads) {
      // 5.1.3.1: GUEST_TSO4 needs GUEST_CSUM; HOST_TSO4 needs CSUM.
      f |= feature(V.VIRTIO_NET_F_CSUM) | feature(V.VIRTIO_NET_F_HOST_TSO4) |
        feature(V.VIRTIO_NET_F_GUEST_CSUM) | feature(V.VIRTIO_NET_F_GUEST_TSO4) | feature(V.VIRTIO_NET_F_MRG_RXBUF);
    }
    for (const bit of opts.withoutFeatures ?? []) f &= ~feature(bit);
    this.features = f;
    link.onToGuest = (frame) => this.receive(frame);
  }

  get mac(): Mac { return this.macAddr.slice(); }

  config(): Uint8Array {
    const c = new Uint8Array(L.VQ_CONFIG_SIZE);
    const dv = new DataView(c.buffer);
    c.set(this.macAddr, V.VIRTIO_NET_CFG_MAC);
    dv.setUint16(V.VIRTIO_NET_CFG_STATUS, this.linkUp ? V.VIRTIO_NET_S_LINK_UP : 0, true);
    dv.setUint16(V.VIRTIO_NET_CFG_MAX_VQ_PAIRS, 1, true);
    dv.setUint16(V.VIRTIO_NET_CFG_MTU, this.mtu, true);
    return c;
  }

  bind(ctx: DeviceContext): void {
    this.ctx = ctx;
    const ms = this.opts.statsMs ?? 500;
    if (ms > 0) {
      this.statsTimer = setInterval(() => this.report(), ms);
      (this.statsTimer as { unref?: () => void }).unref?.();
    }
  }

  notify(q: number): void {
    if (this.held || this.closed) return; // taken up again by resume()
    this.checkFeatures();
    if (q === V.VIRTIO_NET_TXQ) this.transmit();
    else if (q === V.VIRTIO_NET_RXQ && this.waiting) { this.waiting = false; this.link.resumeToGuest(); }
  }

  reset(): void {
    // A new driver negotiates again: until then, frames of at most the MTU.
    this.negotiated = -1n;
    this.link.setGuestOffloads?.({ largeTcpSegments: false });
  }

  // Nothing is ever in flight (frames are handled whole, at once): holding
  // still is all a drain needs.
  drain(): Promise<void> { this.held = true; return Promise.resolve(); }

  resume(): void {
    this.held = false;
    if (this.closed) return;
    this.checkFeatures();
    this.transmit();          // frames the guest queued while we were held
    this.waiting = false;
    this.link.resumeToGuest(); // frames that waited for us
  }

  close(): void {
    this.closed = true;
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.link.onToGuest = () => false;
    this.link.close();
  }

  // For a snapshot (src/snapshot/manifest.ts NetState): what a restored
  // card needs to be the same card to the running driver. Nothing else is
  // held: frames are never in flight in a drained device.
  save(): Promise<NetState> {
    return Promise.resolve({ mac: macToString(this.macAddr), linkUp: this.linkUp, offloads: this.offloads });
  }

  command(c: unknown): void {
    const cmd = c as NetCommand | undefined;
    if (cmd?.kind === "net-link") this.setLinkUp(!!cmd.up);
    else if (cmd?.kind === "net-new-mac") this.newMac();
  }

  /** Plug (true) or pull (false) the cable: the guest sees the link status change. */
  setLinkUp(up: boolean): void {
    if (up === this.linkUp) return;
    this.linkUp = up;
    this.ctx?.configChanged();
    if (up && !this.held) this.link.resumeToGuest();
    this.report();
  }

  /**
   * A new random MAC in the configuration space (the hook a snapshot
   * restore calls, so that two machines restored from one snapshot differ).
   * Linux reads the MAC when the driver probes: the running guest keeps
   * its old one until it reboots or sets it (`ip link set eth0 address`).
   */
  newMac(): Mac {
    this.macAddr = randomMac();
    this.ctx?.configChanged();
    this.report();
    return this.mac;
  }

  // ---- features ----

  private has(bit: number): boolean { return (this.negotiated & feature(bit)) !== 0n; }

  private checkFeatures(): void {
    const f = this.ctx.driverFeatures() & this.features;
    if (f === this.negotiated) return;
    this.negotiated = f;
    this.link.setGuestOffloads?.({ largeTcpSegments: this.has(V.VIRTIO_NET_F_GUEST_TSO4) });
  }

  // ---- transmit: guest -> link ----

  private transmit(): void {
    const q = this.ctx.queue(V.VIRTIO_NET_TXQ);
    const mem = this.ctx.mem;
    const maxFrame = this.has(V.VIRTIO_NET_F_HOST_TSO4) ? MAX_NET_FRAME : this.mtu + ETH_HLEN + VLAN_HLEN;
    try {
      for (let chain = q.pop(); chain; chain = q.pop()) {
        if (this.held || this.closed) { q.unpop(1, chain.gen); return; }
        const len = totalLen(chain.readable);
        // Never copy more than a frame can be: a chain the guest says is
        // 4 GiB long is dropped, not allocated.
        if (len < HDR || len - HDR > maxFrame || !this.linkUp) {
          this.stats.txDropped++;
        } else {
          const frame = transmittedFrame(gatherAll(mem, chain.readable, len), this.has(V.VIRTIO_NET_F_CSUM));
          if (frame) {
            this.stats.txFrames++;
            this.stats.txBytes += frame.length;
            this.link.fromGuest(frame);
          } else {
            this.stats.txDropped++;
          }
        }
        this.ctx.complete(V.VIRTIO_NET_TXQ, chain, 0);
      }
    } catch (e) {
      if (e instanceof GuestMemoryError) { this.ctx.fail(e.message); return; }
      throw e;
    }
  }

  // ---- receive: link -> guest ----

  // onToGuest: false when the frame must wait for buffers (the link keeps it).
  private receive(frame: Uint8Array): boolean {
    if (this.closed) return true;
    if (!this.linkUp) { this.stats.rxDropped++; return true; } // a pulled cable loses what comes
    if (this.held || !this.ctx) return this.wait();
    const q = this.ctx.queue(V.VIRTIO_NET_RXQ);
    if (!q.live) return this.wait();
    this.checkFeatures();
    const gso = gsoFor(frame, this.mtu, this.has(V.VIRTIO_NET_F_GUEST_TSO4));
    if (gso === undefined) { this.stats.rxDropped++; return true; }
    const need = HDR + frame.length;
    const mrg = this.has(V.VIRTIO_NET_F_MRG_RXBUF);
    const chains: Chain[] = [];
    try {
      // Without MRG_RXBUF one buffer (chain) holds the whole packet
      // (5.1.6.3.1); with it, as many as it takes.
      let room = 0;
      while (room < need && (mrg || chains.length === 0)) {
        const c = q.pop();
        if (!c) break;
        chains.push(c);
        room += totalLen(c.writable);
      }
      if (room < need) {
        if (chains.length) q.unpop(chains.length, chains[0].gen);
        // One buffer smaller than the frame (the driver posts nothing
        // larger), or the whole ring too small for it: waiting would not
        // help, and the frame would hold up every frame behind it.
        if (chains.length > 0 && (!mrg || chains.length >= q.size)) { this.stats.rxDropped++; return true; }
        return this.wait();
      }
      const hdr = new Uint8Array(HDR);
      hdr[V.VIRTIO_NET_HDR_FLAGS] = this.trusted && this.has(V.VIRTIO_NET_F_GUEST_CSUM) ? V.VIRTIO_NET_HDR_F_DATA_VALID : 0;
      if (gso.size > 0) {
        hdr[V.VIRTIO_NET_HDR_GSO_TYPE] = V.VIRTIO_NET_HDR_GSO_TCPV4;
        setLe16(hdr, V.VIRTIO_NET_HDR_HDR_LEN, gso.hdrLen);
        setLe16(hdr, V.VIRTIO_NET_HDR_GSO_SIZE, gso.size);
      }
      setLe16(hdr, V.VIRTIO_NET_HDR_NUM_BUFFERS, chains.length);
      // The header, then the frame, across the chains in order; each chain
      // is returned with what it got.
      let pos = 0;
      const mem = this.ctx.mem;
      const written: number[] = [];
      for (const c of chains) {
        let filled = 0;
        for (const b of c.writable) {
          if (pos >= need) break;
          const n = Math.min(b.len, need - pos);
          let addr = b.addr, left = n;
          if (pos < HDR) {
            const h = Math.min(HDR - pos, left);
            mem.write(addr, hdr.subarray(pos, pos + h));
            addr += BigInt(h); left -= h; pos += h;
          }
          if (left > 0) {
            mem.write(addr, frame.subarray(pos - HDR, pos - HDR + left));
            pos += left;
          }
          filled += n;
        }
        written.push(filled);
      }
      this.ctx.completeAll(V.VIRTIO_NET_RXQ, chains, written);
    } catch (e) {
      if (e instanceof GuestMemoryError) { this.ctx.fail(e.message); return true; }
      throw e;
    }
    this.stats.rxFrames++;
    this.stats.rxBytes += frame.length;
    return true;
  }

  private wait(): false {
    if (!this.waiting) { this.waiting = true; this.stats.rxWaits++; }
    return false;
  }

  // ---- statistics for the page ----

  private report(): void {
    if (!this.ctx || this.closed) return;
    const dropped = this.link.stats?.dropped;
    const linkDropped = dropped ? Object.values(dropped).reduce((a: number, b) => a + (typeof b === "number" ? b : 0), 0) : undefined;
    const e: NetStatsEvent = {
      kind: "net-stats", ...this.stats, linkUp: this.linkUp, mac: macToString(this.macAddr),
      address: this.link.guestAddress?.(), linkDropped, relay: this.link.relayState?.(),
    };
    const key = JSON.stringify(e);
    if (key === this.lastReport) return;
    this.lastReport = key;
    this.ctx.event(e);
  }
}

function setLe16(b: Uint8Array, at: number, v: number): void { b[at] = v; b[at + 1] = v >>> 8; }
const le16 = (b: Uint8Array, at: number): number => b[at] | (b[at + 1] << 8);

export class NetHeaderError extends Error {
  constructor(message: string) { super(message); this.name = "NetHeaderError"; }
}

// struct virtio_net_hdr (5.1.6), from the first 12 bytes of a packet.
export interface NetHeader {
  flags: number; gsoType: number; hdrLen: number; gsoSize: number; csumStart: number; csumOffset: number; numBuffers: number;
}

export function readNetHeader(b: Uint8Array): NetHeader {
  if (b.length < HDR) throw new NetHeaderError(`a virtio-net header is ${HDR} bytes, not ${b.length}`);
  return {
    flags: b[V.VIRTIO_NET_HDR_FLAGS], gsoType: b[V.VIRTIO_NET_HDR_GSO_TYPE], hdrLen: le16(b, V.VIRTIO_NET_HDR_HDR_LEN),
    gsoSize: le16(b, V.VIRTIO_NET_HDR_GSO_SIZE), csumStart: le16(b, V.VIRTIO_NET_HDR_CSUM_START),
    csumOffset: le16(b, V.VIRTIO_NET_HDR_CSUM_OFFSET), numBuffers: le16(b, V.VIRTIO_NET_HDR_NUM_BUFFERS),
  };
}

/**
 * The frame of a transmitted packet (header + frame, as the driver gave it),
 * its checksum completed where the header asks (VIRTIO_NET_HDR_F_NEEDS_CSUM,
 * 5.1.6.2: the field at csum_start + csum_offset holds the pseudo-header's
 * sum; the sum from csum_start to the end completes it), when the device
 * offered VIRTIO_NET_F_CSUM. Undefined for a request that points outside
 * the frame. A view into `packet`, which it changes.
 */
export function transmittedFrame(packet: Uint8Array, csumOffered: boolean): Uint8Array | undefined {
  const h = readNetHeader(packet);
  const frame = packet.subarray(HDR);
  if ((h.flags & V.VIRTIO_NET_HDR_F_NEEDS_CSUM) === 0 || !csumOffered) return frame;
  const at = h.csumStart + h.csumOffset;
  if (at + 2 > frame.length || h.csumStart >= frame.length) return undefined;
  const c = internetChecksum(frame, h.csumStart, frame.length);
  // RFC 768: a UDP checksum that computes to zero is sent as all ones.
  const v = c === 0 ? 0xffff : c;
  frame[at] = v >>> 8;
  frame[at + 1] = v;
  return frame;
}

/**
 * How a frame goes to the guest: size 0 = an ordinary frame; size > 0 = a
 * TCPv4 segment longer than the MTU, handed over as one GSO packet (5.1.6.4:
 * gso_type TCPV4, hdr_len, gso_size) when the driver took GUEST_TSO4;
 * undefined = too long for what the driver accepted.
 */
export function gsoFor(frame: Uint8Array, mtu: number, guestTso4: boolean): { size: number; hdrLen: number } | undefined {
  if (frame.length <= mtu + ETH_HLEN + VLAN_HLEN) return { size: 0, hdrLen: 0 };
  if (!guestTso4 || frame.length > MAX_NET_FRAME) return undefined;
  // Ethernet II, IPv4, TCP (what the user network builds; anything else
  // this long has no GSO type).
  if (frame.length < ETH_HLEN + 40 || frame[12] !== 0x08 || frame[13] !== 0x00) return undefined;
  const ipHl = (frame[ETH_HLEN] & 15) * 4;
  if (frame[ETH_HLEN] >>> 4 !== 4 || ipHl < 20 || frame[ETH_HLEN + 9] !== 6) return undefined;
  const tcp = ETH_HLEN + ipHl;
  if (tcp + 20 > frame.length) return undefined;
  const tcpHl = (frame[tcp + 12] >>> 4) * 4;
  const hdrLen = tcp + tcpHl;
  // Each segment the guest's stack accounts for is what an MTU-sized packet
  // would carry (its MSS on this link).
  const size = mtu - ipHl - tcpHl;
  if (tcpHl < 20 || hdrLen >= frame.length || size <= 0) return undefined;
  return { size, hdrLen };
}

/** For fuzzers: a transmitted packet and a received frame of any bytes; throws only NetHeaderError. */
export function fuzzNetPacket(bytes: Uint8Array): void {
  transmittedFrame(bytes.slice(), true);
  gsoFor(bytes, 1500, true);
  gsoFor(bytes, 68, true);
}

// Every byte of the readable buffers, copied out of guest RAM.
function gatherAll(mem: DeviceContext["mem"], bufs: Chain["readable"], len: number): Uint8Array {
  const out = new Uint8Array(len);
  let pos = 0;
  for (const b of bufs) {
    out.set(mem.peek(b.addr, b.len), pos);
    pos += b.len;
  }
  return out;
}
