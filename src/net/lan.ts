// A LAN between machines (tabs of one origin, or threads): an Ethernet
// segment over a BroadcastChannel-like object. Every frame a guest sends is
// posted to the channel; every port delivers to its guest the frames
// addressed to its MAC, broadcast or multicast (a switch's forwarding, done
// at the receiving end since a BroadcastChannel reaches everyone anyway).
//
// Addresses (10.0.3.0/24 by default) come from DHCP, answered by each port
// for its own guest, never across the channel. The choice, instead of one
// elected DHCP server: nothing is lost when any tab closes (an elected
// server would take the lease table with it), and there is no election to
// get wrong. Ports keep addresses distinct by claiming them on the channel:
//   - a port picks a candidate from its guest's MAC (a hash, so a guest gets
//     the same address again), skipping addresses others have claimed;
//   - it posts a "pending" claim and waits `settleMs`; a port with a claim on
//     the same address answers with it; between two pending claims the lower
//     MAC keeps the address and the other picks again; a bound claim beats
//     a pending one;
//   - then the claim is "bound" and the guest gets its OFFER/ACK;
//   - a joining port says hello and every port answers with its claim, so it
//     knows what is taken; a closing port releases its claim.
// There is no router and no DNS on the LAN: machines see each other only.
import { ipv4, ipv4ToString, isGroupMac, macEquals, macToString, type Mac } from "./addresses.js";
import { ARP_REPLY, ARP_REQUEST, buildArpFrame, parseArp } from "./arp.js";
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT, DHCPDISCOVER, DHCPINFORM, DHCPREQUEST, dhcpReply, parseDhcp, OPT_REQUESTED_IP, type DhcpMessage } from "./dhcp.js";
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, parseEthernet } from "./ethernet.js";
import { NetFrameError } from "./frame-error.js";
import { LIMITED_BROADCAST, parseIpv4Packet, PROTO_UDP } from "./ipv4.js";
import { setTimer, ToGuestQueue, type GuestLink, type LinkCounters } from "./link.js";
import { buildUdpFrame, parseUdp } from "./udp.js";

/** What we use of a BroadcastChannel (the browser's, or node:worker_threads'). */
export interface ChannelLike {
  postMessage(message: unknown): void;
  onmessage: ((ev: { data: unknown }) => void) | null;
  close(): void;
}

type LanMessage =
  | { t: "frame"; frame: Uint8Array }
  | { t: "hello"; from: string }
  | { t: "claim"; from: string; ip: number; mac: string; bound: boolean }
  | { t: "release"; from: string; ip: number };

export interface LanOptions {
  network?: number;        // default 10.0.3.0 (/24)
  settleMs?: number;       // how long a pending claim waits for objections, default 200
  leaseSeconds?: number;   // default 3600
  queueFrames?: number;    // toward the guest, default 1024
}

export interface LanStats extends LinkCounters {
  dropped: { malformed: number; notForUs: number; queueFull: number };
  address?: string;        // the guest's, once bound
  conflicts: number;       // claims we gave up to another port
}

const FIRST_HOST = 10, LAST_HOST = 249;

/** The first candidate host number for a MAC (FNV-1a over its bytes). */
export function lanCandidate(mac: Mac): number {
  let h = 0x811c9dc5;
  for (const b of mac) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return FIRST_HOST + (h % (LAST_HOST - FIRST_HOST + 1));
}

export class LanPort implements GuestLink {
  onToGuest: (frame: Uint8Array) => boolean | void = () => {};
  readonly stats: LanStats;
  /** Our virtual DHCP server's address (.1) and MAC; they exist only toward our own guest. */
  readonly serverIp: number;
  readonly serverMac: Mac;

  private readonly id = randomId();
  private readonly queue: ToGuestQueue;
  private guestMac: Mac | undefined;
  private readonly claims = new Map<number, { from: string; mac: string; bound: boolean }>();
  private own: { ip: number; bound: boolean; waiters: (() => void)[]; timer?: ReturnType<typeof setTimeout> } | undefined;
  private closed = false;
  private readonly network: number;
  private readonly settleMs: number;
  private readonly leaseSeconds: number;

  constructor(private readonly channel: ChannelLike, opts: LanOptions = {}) {
    this.network = opts.network ?? ipv4(10, 0, 3, 0);
    this.settleMs = opts.settleMs ?? 200;
    this.leaseSeconds = opts.leaseSeconds ?? 3600;
    this.serverIp = (this.network | 1) >>> 0;
    this.serverMac = new Uint8Array([0x52, 0x55, 0x0a, 0x00, 0x03, 0x01]);
    this.stats = {
      framesFromGuest: 0, bytesFromGuest: 0, framesToGuest: 0, bytesToGuest: 0, queueFullDrops: 0,
      dropped: { malformed: 0, notForUs: 0, queueFull: 0 }, conflicts: 0,
    };
    this.queue = new ToGuestQueue(opts.queueFrames ?? 1024, (f) => this.onToGuest(f), this.stats);
    channel.onmessage = (ev) => this.onChannel(ev.data);
    this.post({ t: "hello", from: this.id });
  }

  /** The guest's address once bound. */
  get address(): string | undefined { return this.own?.bound ? ipv4ToString(this.own.ip) : undefined; }
  guestAddress(): string | undefined { return this.address; }

  fromGuest(frame: Uint8Array): void {
    if (this.closed) return;
    this.stats.framesFromGuest++;
    this.stats.bytesFromGuest += frame.length;
    try {
      const eth = parseEthernet(frame);
      if (frame.length > 14 + 65535) throw new NetFrameError("bad-length", "frame too long");
      if (!isGroupMac(eth.src)) {
        if (!this.guestMac || !macEquals(eth.src, 0, this.guestMac)) this.guestMac = eth.src.slice();
      }
      if (this.local(eth.dst, eth.etherType, eth.payload)) return;
      this.post({ t: "frame", frame: frame.slice() });
    } catch (e) {
      if (e instanceof NetFrameError) this.stats.dropped.malformed++;
      else throw e;
    }
  }

  resumeToGuest(): void { this.queue.pump(); }

  close(): void {
    if (this.closed) return;
    if (this.own) this.post({ t: "release", from: this.id, ip: this.own.ip });
    this.closed = true;
    if (this.own?.timer) clearTimeout(this.own.timer);
    this.channel.onmessage = null;
    this.channel.close();
    this.queue.clear();
  }

  // ---- what this port answers itself: DHCP, and ARP for the DHCP server address ----

  private local(dst: Uint8Array, etherType: number, payload: Uint8Array): boolean {
    const toServer = macEquals(dst, 0, this.serverMac);
    if (etherType === ETHERTYPE_ARP) {
      const a = parseArp(payload);
      if (a.op === ARP_REQUEST && a.targetIp === this.serverIp) {
        this.queue.push(buildArpFrame(a.senderMac.slice(), ARP_REPLY, this.serverMac, this.serverIp, a.senderMac.slice(), a.senderIp));
        return true;
      }
      return toServer;
    }
    if (etherType !== ETHERTYPE_IPV4) return toServer;
    if (!toServer && !isGroupMac(dst)) return false;
    let ip;
    try { ip = parseIpv4Packet(payload); } catch (e) { if (toServer) throw e; return false; }
    if (ip.protocol === PROTO_UDP && (ip.dst === LIMITED_BROADCAST || ip.dst === this.serverIp)) {
      const u = parseUdp(ip.payload, ip.src, ip.dst);
      if (u.dstPort === DHCP_SERVER_PORT && u.srcPort === DHCP_CLIENT_PORT) {
        void this.dhcp(parseDhcp(u.payload));
        return true;
      }
    }
    return toServer; // anything else sent to the virtual server goes nowhere
  }

  private async dhcp(m: DhcpMessage): Promise<void> {
    const reqOpt = m.options.get(OPT_REQUESTED_IP);
    const requested = reqOpt && reqOpt.length === 4 ? ((reqOpt[0] << 24) | (reqOpt[1] << 16) | (reqOpt[2] << 8) | reqOpt[3]) >>> 0 : undefined;
    if ((m.type === DHCPDISCOVER || m.type === DHCPREQUEST) && !this.own?.bound) {
      await this.claim(m.chaddr, m.type === DHCPREQUEST ? requested ?? (m.ciaddr || undefined) : requested);
    }
    if (this.closed) return;
    const r = dhcpReply({
      serverIp: this.serverIp, netmask: ipv4(255, 255, 255, 0), leaseSeconds: this.leaseSeconds,
      allocate: () => (this.own?.bound || m.type === DHCPINFORM ? this.own?.ip : undefined),
    }, m);
    if (!r) return;
    this.queue.push(buildUdpFrame(r.dstMac, this.serverMac, this.serverIp, DHCP_SERVER_PORT, r.dstIp, DHCP_CLIENT_PORT, r.payload));
  }

  /** Resolves once our guest holds a bound claim (picking, claiming and settling as needed). */
  private claim(mac: Uint8Array, preferred: number | undefined): Promise<void> {
    if (this.own?.bound) return Promise.resolve();
    return new Promise((resolve) => {
      if (this.own) { this.own.waiters.push(resolve); return; }
      this.own = { ip: 0, bound: false, waiters: [resolve] };
      const pref = preferred !== undefined && (preferred & 0xffffff00) >>> 0 === this.network ? preferred & 255 : undefined;
      this.startClaim(mac, pref);
    });
  }

  private startClaim(mac: Uint8Array, preferredHost?: number): void {
    const own = this.own!;
    const taken = (host: number) => {
      const c = this.claims.get((this.network | host) >>> 0);
      return c !== undefined && c.from !== this.id;
    };
    let host: number | undefined;
    if (preferredHost !== undefined && preferredHost >= FIRST_HOST && preferredHost <= LAST_HOST && !taken(preferredHost)) host = preferredHost;
    const start = lanCandidate(mac);
    for (let i = 0; host === undefined && i <= LAST_HOST - FIRST_HOST; i++) {
      const h = FIRST_HOST + ((start - FIRST_HOST + i) % (LAST_HOST - FIRST_HOST + 1));
      if (!taken(h)) host = h;
    }
    if (host === undefined) return; // the LAN is full: the guest's DISCOVER stays unanswered
    own.ip = (this.network | host) >>> 0;
    own.bound = false;
    this.post({ t: "claim", from: this.id, ip: own.ip, mac: this.macText(), bound: false });
    if (own.timer) clearTimeout(own.timer);
    own.timer = setTimer(this.settleMs, () => {
      if (this.closed || this.own !== own) return;
      own.bound = true;
      own.timer = undefined;
      this.stats.address = ipv4ToString(own.ip);
      this.post({ t: "claim", from: this.id, ip: own.ip, mac: this.macText(), bound: true });
      for (const w of own.waiters.splice(0)) w();
    });
  }

  private macText(): string { return this.guestMac ? macToString(this.guestMac) : this.id; }

  // ---- the channel ----

  private post(m: LanMessage): void {
    if (!this.closed) this.channel.postMessage(m);
  }

  private onChannel(data: unknown): void {
    if (this.closed || typeof data !== "object" || data === null) return;
    const m = data as LanMessage;
    switch (m.t) {
      case "frame": {
        const f = m.frame;
        if (!(f instanceof Uint8Array) || f.length < 14) { this.stats.dropped.malformed++; return; }
        if (isGroupMac(f) || (this.guestMac && macEquals(f, 0, this.guestMac))) {
          if (!this.queue.push(f)) this.stats.dropped.queueFull++;
        } else {
          this.stats.dropped.notForUs++;
        }
        return;
      }
      case "hello":
        if (this.own) this.post({ t: "claim", from: this.id, ip: this.own.ip, mac: this.macText(), bound: this.own.bound });
        return;
      case "claim": {
        if (typeof m.ip !== "number" || typeof m.from !== "string" || m.from === this.id) return;
        for (const [ip, c] of this.claims) if (c.from === m.from && ip !== m.ip) this.claims.delete(ip); // it moved
        this.claims.set(m.ip >>> 0, { from: m.from, mac: String(m.mac), bound: !!m.bound });
        const own = this.own;
        if (!own || own.ip !== m.ip >>> 0) return;
        // Two claims on one address: a bound claim beats a pending one; between equals the lower MAC wins.
        const weWin = own.bound !== !!m.bound ? own.bound : this.macText() < String(m.mac);
        if (weWin) {
          this.post({ t: "claim", from: this.id, ip: own.ip, mac: this.macText(), bound: own.bound });
        } else if (!own.bound) {
          this.stats.conflicts++;
          this.startClaim(this.guestMac ?? new Uint8Array(6));
        } else {
          this.stats.conflicts++; // both bound (the channel was split): the next renewal sorts it out
        }
        return;
      }
      case "release":
        if (typeof m.ip === "number" && this.claims.get(m.ip >>> 0)?.from === m.from) this.claims.delete(m.ip >>> 0);
        return;
      default:
    }
  }
}

function randomId(): string {
  const b = new Uint8Array(8);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
