// The user-mode network (like QEMU's `-nic user`, slirp): the guest sees a
// router at 10.0.2.2 and a resolver at 10.0.2.3 and gets 10.0.2.15 by DHCP;
// its TCP connections end here and go on as back-end streams, its UDP as
// back-end flows, its DNS queries as back-end name lookups. 10.0.2.2 stands for
// the host's loopback (as in QEMU). Every table and queue is bounded; frames
// that are malformed or not for us are counted and dropped, and fromGuest
// never throws.
import {
  defaultNetConfig, ipv4ToString, isGroupMac, macEquals, parseIpv4, type Mac, type NetConfig,
} from "./addresses.js";
import { ARP_REPLY, ARP_REQUEST, buildArpFrame, parseArp } from "./arp.js";
import { NetError, type HostForward, type Listener, type NetBackend, type TcpStream, type UdpFlow } from "./backend.js";
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT, DHCPACK, dhcpReply, parseDhcp, type DhcpServerConfig } from "./dhcp.js";
import {
  buildDnsHeaderError, buildDnsResponse, CLASS_IN, DNS_PORT, parseDnsQuery, RCODE_FORMERR, RCODE_NOERROR,
  RCODE_NOTIMP, RCODE_NXDOMAIN, RCODE_SERVFAIL, TYPE_A, TYPE_AAAA, type DnsQuery,
} from "./dns.js";
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, parseEthernet } from "./ethernet.js";
import { NetFrameError, type FrameErrorKind } from "./frame-error.js";
import { buildEchoReply, ICMP_ECHO_REQUEST, parseIcmp } from "./icmp.js";
import { LIMITED_BROADCAST, parseIpv4Packet, PROTO_ICMP, PROTO_TCP, PROTO_UDP, type Ipv4Packet } from "./ipv4.js";
import { setTimer, ToGuestQueue, type GuestLink, type GuestOffloads, type LinkCounters } from "./link.js";
import { ACK, FIN, newTcpFrame, finishTcpChecksum, parseTcp, RST, SYN, seqAdd, type TcpSegment } from "./tcp.js";
import { TcpConnection, type TcpHost, type TcpLimits } from "./tcp-connection.js";
import { buildUdpFrame, parseUdp } from "./udp.js";

export interface UserNetworkOptions {
  /** The guest NIC's MAC, if known (else learned from its frames); needed before a port forward can reach it. */
  guestMac?: Mac;
  /** Addresses; QEMU's defaults. */
  config?: Partial<NetConfig>;
  /** Where connections to the gateway address go; null refuses them. Default "127.0.0.1" (QEMU's meaning of 10.0.2.2). */
  hostLoopback?: string | null;
  maxConnections?: number;      // TCP, default 256
  maxUdpFlows?: number;         // default 128
  maxDnsInFlight?: number;      // default 64
  queueFrames?: number;         // toward the guest, default 1024
  tcpBufferBytes?: number;      // per connection and direction, default 256 KiB
  timeWaitMs?: number;          // default 1000
  udpIdleMs?: number;           // default 60000
  dnsTimeoutMs?: number;        // default 5000
}

export type DropReason = FrameErrorKind | "not-for-us" | "bad-address" | "no-route" | "out-of-window"
  | "connection-limit" | "flow-limit" | "queue-full" | "internal";

export interface UserNetworkStats extends LinkCounters {
  dropped: Record<DropReason, number>;
  tcpOpen: number;           // connections in the table now
  tcpOpened: number;         // connections that reached the guest or the back end
  tcpRefused: number;        // SYNs answered with RST (back end refused, limit, bad destination)
  tcpReset: number;          // connections ended by a reset from either side
  udpFlows: number;
  dnsQueries: number;
  dhcpAcks: number;
  pings: number;
  /** The last internal error (a bug, not bad input), for diagnosis. */
  lastInternalError?: string;
}

const DROP_REASONS: DropReason[] = ["truncated", "bad-length", "bad-checksum", "fragment", "bad-version", "bad-flags",
  "bad-option", "unsupported", "not-for-us", "bad-address", "no-route", "out-of-window", "connection-limit",
  "flow-limit", "queue-full", "internal"];

const MAX_FRAME = 14 + 65535; // the largest IPv4 packet in an Ethernet frame (a TSO frame would be this big)

interface UdpEntry {
  flow: UdpFlow;
  lastUsed: number;
}

export class UserNetwork implements GuestLink, TcpHost {
  onToGuest: (frame: Uint8Array) => boolean | void = () => {};
  readonly stats: UserNetworkStats;
  readonly config: NetConfig;
  readonly gatewayMac: Mac;

  private mac: Mac | undefined;
  private guestSeen = false;           // a packet came from the guest's address
  private readonly queue: ToGuestQueue;
  private readonly tcp = new Map<string, TcpConnection>();
  private readonly blocked = new Set<TcpConnection>();
  private readonly acks = new Set<TcpConnection>();
  private ackFlushScheduled = false;
  private readonly udp = new Map<string, UdpEntry>();
  private udpSweep: ReturnType<typeof setTimeout> | undefined;
  private dnsInFlight = 0;
  private readonly listeners: Listener[] = [];
  private nextEphemeral = 49152;
  private closed = false;
  private readonly limits: TcpLimits;
  private readonly opt: Required<Omit<UserNetworkOptions, "guestMac" | "config" | "hostLoopback">>;
  private readonly hostLoopback: string | null;
  private readonly dhcp: DhcpServerConfig;

  constructor(private readonly backend: NetBackend, options: UserNetworkOptions = {}) {
    this.config = { ...defaultNetConfig(), ...options.config };
    this.gatewayMac = this.config.gatewayMac;
    this.mac = options.guestMac?.slice();
    this.hostLoopback = options.hostLoopback === undefined ? "127.0.0.1" : options.hostLoopback;
    this.opt = {
      maxConnections: options.maxConnections ?? 256,
      maxUdpFlows: options.maxUdpFlows ?? 128,
      maxDnsInFlight: options.maxDnsInFlight ?? 64,
      queueFrames: options.queueFrames ?? 1024,
      tcpBufferBytes: options.tcpBufferBytes ?? 256 * 1024,
      timeWaitMs: options.timeWaitMs ?? 1000,
      udpIdleMs: options.udpIdleMs ?? 60000,
      dnsTimeoutMs: options.dnsTimeoutMs ?? 5000,
    };
    this.limits = {
      bufferBytes: this.opt.tcpBufferBytes, mtu: this.config.mtu, timeWaitMs: this.opt.timeWaitMs,
      rtoMs: 500, maxRetries: 8, connectTimeoutMs: 30000,
    };
    const dropped = {} as Record<DropReason, number>;
    for (const r of DROP_REASONS) dropped[r] = 0;
    this.stats = {
      framesFromGuest: 0, bytesFromGuest: 0, framesToGuest: 0, bytesToGuest: 0, queueFullDrops: 0,
      dropped, tcpOpen: 0, tcpOpened: 0, tcpRefused: 0, tcpReset: 0, udpFlows: 0, dnsQueries: 0, dhcpAcks: 0, pings: 0,
    };
    this.queue = new ToGuestQueue(this.opt.queueFrames, (f) => this.onToGuest(f), this.stats);
    this.queue.onRoom = () => this.kickBlocked();
    const c = this.config;
    this.dhcp = {
      serverIp: c.gateway, netmask: c.netmask, router: c.gateway, dns: [c.dns], leaseSeconds: c.leaseSeconds,
      mtu: c.mtu,
      allocate: () => c.guest, // one guest, one address (QEMU gives the first client .15 too)
    };
  }

  get guestMacAddress(): Mac | undefined { return this.mac; }

  // ---- GuestLink ----

  fromGuest(frame: Uint8Array): void {
    if (this.closed) return;
    this.stats.framesFromGuest++;
    this.stats.bytesFromGuest += frame.length;
    try {
      this.handleFrame(frame);
    } catch (e) {
      if (e instanceof NetFrameError) this.stats.dropped[e.kind]++;
      else {
        this.stats.dropped.internal++;
        this.stats.lastInternalError = e instanceof Error ? e.stack ?? e.message : String(e);
      }
    }
  }

  resumeToGuest(): void { this.queue.pump(); }

  /** The NIC's negotiated offloads: with large segments, TCP sends up to 64 KiB per frame. */
  setGuestOffloads(o: GuestOffloads): void { this.limits.largeSegments = o.largeTcpSegments; }

  /** The guest's address once DHCP gave it (the user network hands out one). */
  // The guest's address once it has it: leased here, or in use already (a
  // guest restored from a snapshot keeps the lease an earlier network gave).
  guestAddress(): string | undefined { return this.stats.dhcpAcks > 0 || this.guestSeen ? ipv4ToString(this.config.guest) : undefined; }

  /** Forwards host connections to hostAddr:hostPort to the guest's guestPort (needs a back end that listens). */
  async addForward(fwd: HostForward): Promise<Listener> {
    if (!this.backend.listenTcp) throw new NetError("blocked", "this back end cannot listen for port forwards");
    const l = await this.backend.listenTcp(fwd, (stream, _remote) => this.acceptForwarded(stream, fwd.guestPort));
    if (this.closed) { l.close(); throw new NetError("closed", "the network was closed"); }
    this.listeners.push(l);
    return l;
  }

  /** Closes every connection, flow and listener, and the back end. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.tcp.values()) c.destroy();
    this.tcp.clear();
    this.stats.tcpOpen = 0;
    for (const u of this.udp.values()) u.flow.close();
    this.udp.clear();
    if (this.udpSweep) clearTimeout(this.udpSweep);
    for (const l of this.listeners) l.close();
    this.queue.clear();
    this.backend.close();
  }

  // ---- TcpHost ----

  guestMac(): Mac | undefined { return this.mac; }

  emit(frame: Uint8Array): boolean {
    if (this.closed) return false;
    const ok = this.queue.push(frame);
    if (!ok) this.stats.dropped["queue-full"]++;
    return ok;
  }

  hasRoom(conn: TcpConnection): boolean {
    if (this.queue.hasRoom) return true;
    this.blocked.add(conn);
    return false;
  }

  scheduleAck(conn: TcpConnection): void {
    conn.ackPending = true;
    this.acks.add(conn);
    if (!this.ackFlushScheduled) {
      this.ackFlushScheduled = true;
      // One ACK per burst of segments the device hands us in one go.
      queueMicrotask(() => this.flushAcks());
    }
  }

  removed(conn: TcpConnection, reason: "done" | "reset" | "refused" | "timeout"): void {
    if (this.tcp.get(conn.key) === conn) this.tcp.delete(conn.key);
    this.blocked.delete(conn);
    this.acks.delete(conn);
    this.stats.tcpOpen = this.tcp.size;
    if (reason === "refused") this.stats.tcpRefused++;
    else if (reason !== "done") this.stats.tcpReset++;
  }

  countDrop(reason: "out-of-window" | "bad-flags"): void { this.stats.dropped[reason]++; }

  // ---- frames ----

  private handleFrame(frame: Uint8Array): void {
    if (frame.length > MAX_FRAME) throw new NetFrameError("bad-length", `frame of ${frame.length} bytes`);
    const eth = parseEthernet(frame);
    const broadcast = isGroupMac(frame, 0);
    if (broadcast ? !isAllOnes(eth.dst) : !macEquals(frame, 0, this.gatewayMac)) { this.stats.dropped["not-for-us"]++; return; }
    if (isGroupMac(eth.src, 0)) { this.stats.dropped["bad-address"]++; return; }
    if (!this.mac || !macEquals(eth.src, 0, this.mac)) this.mac = eth.src.slice();
    switch (eth.etherType) {
      case ETHERTYPE_ARP: this.handleArp(eth.payload); return;
      case ETHERTYPE_IPV4: this.handleIpv4(eth.payload); return;
      default: throw new NetFrameError("unsupported", `EtherType 0x${eth.etherType.toString(16)}`);
    }
  }

  private handleArp(p: Uint8Array): void {
    const a = parseArp(p);
    const c = this.config;
    if (a.op === ARP_REQUEST && (a.targetIp === c.gateway || a.targetIp === c.dns)) {
      this.emit(buildArpFrame(a.senderMac.slice(), ARP_REPLY, this.gatewayMac, a.targetIp, a.senderMac.slice(), a.senderIp));
    } else if (a.op !== ARP_REQUEST && a.op !== ARP_REPLY) {
      throw new NetFrameError("unsupported", `ARP operation ${a.op}`);
    }
    // Other requests (the guest probing its own address, or asking for hosts
    // that do not exist) get no answer, as on a real link.
  }

  private handleIpv4(p: Uint8Array): void {
    const ip = parseIpv4Packet(p);
    const c = this.config;
    if (ip.src === c.guest) this.guestSeen = true;
    else {
      // Before DHCP the guest has no address; only DHCP may come from 0.0.0.0.
      if (!(ip.src === 0 && ip.protocol === PROTO_UDP)) { this.stats.dropped["bad-address"]++; return; }
    }
    switch (ip.protocol) {
      case PROTO_ICMP: this.handleIcmp(ip); return;
      case PROTO_UDP: this.handleUdp(ip); return;
      case PROTO_TCP: this.handleTcp(ip); return;
      default: throw new NetFrameError("unsupported", `IP protocol ${ip.protocol}`);
    }
  }

  private handleIcmp(ip: Ipv4Packet): void {
    const m = parseIcmp(ip.payload);
    if (m.type !== ICMP_ECHO_REQUEST) { this.stats.dropped.unsupported++; return; }
    const c = this.config;
    if (ip.dst === c.gateway || ip.dst === c.dns) {
      this.stats.pings++;
      this.emit(buildEchoReply(this.mac!, this.gatewayMac, ip.dst, ip.src, m.body));
    } else {
      // No back end here sends ICMP (Node has no unprivileged ICMP sockets;
      // Wisp carries only TCP and UDP), so pings past the gateway go unanswered.
      this.stats.dropped["no-route"]++;
    }
  }

  // ---- UDP: DHCP, DNS, flows ----

  private handleUdp(ip: Ipv4Packet): void {
    const d = parseUdp(ip.payload, ip.src, ip.dst);
    const c = this.config;
    if (d.dstPort === DHCP_SERVER_PORT && (ip.dst === LIMITED_BROADCAST || ip.dst === c.gateway)) {
      if (d.srcPort === DHCP_CLIENT_PORT) this.handleDhcp(d.payload);
      else this.stats.dropped["not-for-us"]++;
      return;
    }
    if (ip.src !== c.guest) { this.stats.dropped["bad-address"]++; return; }
    if (ip.dst === c.dns && d.dstPort === DNS_PORT) { this.handleDns(d.payload, d.srcPort); return; }
    const local = (ip.dst & c.netmask) === c.network;
    if (ip.dst === LIMITED_BROADCAST || (ip.dst >>> 28) === 14 || (local && (ip.dst | c.netmask) === 0xffffffff)) {
      this.stats.dropped["not-for-us"]++; // broadcast and multicast chatter
      return;
    }
    let host: string;
    if (ip.dst === c.gateway && this.hostLoopback !== null) host = this.hostLoopback;
    else if (local || ip.dst === 0) { this.stats.dropped["no-route"]++; return; }
    else host = ipv4ToString(ip.dst);
    this.udpSend(ip.src, d.srcPort, ip.dst, d.dstPort, host, d.payload);
  }

  private handleDhcp(payload: Uint8Array): void {
    const m = parseDhcp(payload);
    const r = dhcpReply(this.dhcp, m);
    if (!r) return;
    if (r.type === DHCPACK) this.stats.dhcpAcks++;
    this.emit(buildUdpFrame(r.dstMac, this.gatewayMac, this.config.gateway, DHCP_SERVER_PORT, r.dstIp, DHCP_CLIENT_PORT, r.payload));
  }

  private handleDns(payload: Uint8Array, guestPort: number): void {
    this.stats.dnsQueries++;
    const reply = (msg: Uint8Array | undefined) => {
      if (msg && !this.closed && this.mac) {
        this.emit(buildUdpFrame(this.mac, this.gatewayMac, this.config.dns, DNS_PORT, this.config.guest, guestPort, msg));
      }
    };
    let q: DnsQuery;
    try {
      q = parseDnsQuery(payload);
    } catch (e) {
      if (!(e instanceof NetFrameError)) throw e;
      this.stats.dropped[e.kind]++;
      reply(buildDnsHeaderError(payload, e.kind === "unsupported" ? RCODE_NOTIMP : RCODE_FORMERR));
      return;
    }
    if (q.qclass !== CLASS_IN) { reply(buildDnsResponse(q, RCODE_NOTIMP)); return; }
    if (q.qtype !== TYPE_A && !this.backend.forwardDns) {
      // No resolver to ask for other types: "no such record" for AAAA (so
      // clients go on with A at once), "not implemented" for the rest.
      reply(buildDnsResponse(q, q.qtype === TYPE_AAAA ? RCODE_NOERROR : RCODE_NOTIMP));
      return;
    }
    if (this.dnsInFlight >= this.opt.maxDnsInFlight) { reply(buildDnsResponse(q, RCODE_SERVFAIL)); return; }
    this.dnsInFlight++;
    const work: Promise<Uint8Array> = q.qtype === TYPE_A
      ? this.backend.resolve(q.name).then((addrs) => {
        const ips = addrs.map(parseIpv4).filter((a): a is number => a !== undefined).slice(0, 16);
        return buildDnsResponse(q, ips.length ? RCODE_NOERROR : RCODE_NXDOMAIN, ips);
      })
      : this.backend.forwardDns!(payload.slice()).then((r) => {
        if (r.length < 12 || r[0] !== payload[0] || r[1] !== payload[1]) throw new NetError("unreachable", "bad DNS reply");
        return r;
      });
    withTimeout(work, this.opt.dnsTimeoutMs).then(
      (msg) => reply(msg),
      (e) => reply(buildDnsResponse(q, e instanceof NetError && e.code === "unreachable" && q.qtype === TYPE_A ? RCODE_NXDOMAIN : RCODE_SERVFAIL)),
    ).finally(() => { this.dnsInFlight--; });
  }

  private udpSend(guestIp: number, guestPort: number, dstIp: number, dstPort: number, host: string, data: Uint8Array): void {
    const key = `${guestPort}|${dstIp}|${dstPort}`;
    let e = this.udp.get(key);
    if (!e) {
      if (this.udp.size >= this.opt.maxUdpFlows) this.evictOldestUdp();
      const flow = this.backend.openUdp(host, dstPort, {
        onMessage: (msg) => {
          const entry = this.udp.get(key);
          if (!entry || entry.flow !== flow || !this.mac) return;
          entry.lastUsed = Date.now();
          if (msg.length > this.config.mtu - 28) { this.stats.dropped["bad-length"]++; return; } // we do not fragment
          this.emit(buildUdpFrame(this.mac, this.gatewayMac, dstIp, dstPort, guestIp, guestPort, msg));
        },
        onClose: () => {
          const entry = this.udp.get(key);
          if (entry && entry.flow === flow) { this.udp.delete(key); this.stats.udpFlows = this.udp.size; }
        },
      });
      e = { flow, lastUsed: Date.now() };
      this.udp.set(key, e);
      this.stats.udpFlows = this.udp.size;
      this.armUdpSweep();
    }
    e.lastUsed = Date.now();
    e.flow.send(data.slice());
  }

  private evictOldestUdp(): void {
    let oldestKey: string | undefined, oldest = Infinity;
    for (const [k, v] of this.udp) if (v.lastUsed < oldest) { oldest = v.lastUsed; oldestKey = k; }
    if (oldestKey !== undefined) {
      this.udp.get(oldestKey)!.flow.close();
      this.udp.delete(oldestKey);
      this.stats.dropped["flow-limit"]++;
    }
  }

  private armUdpSweep(): void {
    if (this.udpSweep || this.closed) return;
    this.udpSweep = setTimer(Math.min(10000, this.opt.udpIdleMs), () => {
      this.udpSweep = undefined;
      const cutoff = Date.now() - this.opt.udpIdleMs;
      for (const [k, v] of this.udp) if (v.lastUsed < cutoff) { v.flow.close(); this.udp.delete(k); }
      this.stats.udpFlows = this.udp.size;
      if (this.udp.size) this.armUdpSweep();
    });
  }

  // ---- TCP ----

  private handleTcp(ip: Ipv4Packet): void {
    const seg = parseTcp(ip.payload, ip.src, ip.dst);
    const key = `${seg.srcPort}|${ip.dst}|${seg.dstPort}`;
    let conn = this.tcp.get(key);
    if (conn && conn.state === "time-wait" && (seg.flags & (SYN | ACK)) === SYN) {
      conn.destroy(); // a new connection on the same ports (RFC 9293 3.6.1 allows it)
      this.tcp.delete(key);
      conn = undefined;
    }
    if (conn) { conn.onSegment(seg); return; }
    if (seg.flags & RST) return;
    if ((seg.flags & (SYN | ACK)) !== SYN) { this.replyRst(ip, seg); return; }
    // A new outbound connection.
    const c = this.config;
    let host: string | undefined;
    if (ip.dst === c.gateway) host = this.hostLoopback ?? undefined;
    else if ((ip.dst & c.netmask) !== c.network && ip.dst !== LIMITED_BROADCAST && (ip.dst >>> 28) !== 14 && ip.dst !== 0) {
      host = ipv4ToString(ip.dst);
    }
    if (host === undefined) { this.stats.tcpRefused++; this.replyRst(ip, seg); return; }
    if (this.tcp.size >= this.opt.maxConnections) {
      this.stats.dropped["connection-limit"]++;
      this.stats.tcpRefused++;
      this.replyRst(ip, seg);
      return;
    }
    conn = new TcpConnection(this, key, ip.src, seg.srcPort, ip.dst, seg.dstPort, this.limits, "connecting");
    conn.acceptSyn(seg);
    this.tcp.set(key, conn);
    this.stats.tcpOpen = this.tcp.size;
    this.stats.tcpOpened++;
    const stream = this.backend.connectTcp(host, seg.dstPort, conn);
    if (conn.state !== "closed") conn.stream = stream; // a back end may fail at once, inside connectTcp
  }

  /** RST for a segment that belongs to no connection (RFC 9293 3.10.7.1). */
  private replyRst(ip: Ipv4Packet, seg: TcpSegment): void {
    if (!this.mac) return;
    const segLen = seg.payload.length + (seg.flags & SYN ? 1 : 0) + (seg.flags & FIN ? 1 : 0);
    const [seq, ack, flags] = seg.flags & ACK ? [seg.ack, 0, RST] : [0, seqAdd(seg.seq, segLen), RST | ACK];
    const f = newTcpFrame(this.mac, this.gatewayMac, ip.dst, seg.dstPort, ip.src, seg.srcPort, seq, ack, flags, 0, undefined, 0);
    finishTcpChecksum(f, ip.dst, ip.src);
    this.emit(f);
  }

  private acceptForwarded(stream: TcpStream, guestPort: number): TcpConnection | undefined {
    if (this.closed || !this.mac || this.tcp.size >= this.opt.maxConnections) {
      if (!this.closed && this.tcp.size >= this.opt.maxConnections) this.stats.dropped["connection-limit"]++;
      return undefined;
    }
    const c = this.config;
    let port = 0, key = "";
    for (let tries = 0; tries < 16384; tries++) {
      port = this.nextEphemeral;
      this.nextEphemeral = this.nextEphemeral >= 65535 ? 49152 : this.nextEphemeral + 1;
      key = `${guestPort}|${c.gateway}|${port}`;
      if (!this.tcp.has(key)) break;
    }
    if (this.tcp.has(key)) return undefined;
    const conn = new TcpConnection(this, key, c.guest, guestPort, c.gateway, port, this.limits, "syn-sent");
    this.tcp.set(key, conn);
    this.stats.tcpOpen = this.tcp.size;
    this.stats.tcpOpened++;
    conn.startActiveOpen(stream);
    return conn;
  }

  private flushAcks(): void {
    this.ackFlushScheduled = false;
    const list = [...this.acks];
    this.acks.clear();
    for (const c of list) if (c.ackPending) c.sendAck();
  }

  private kickBlocked(): void {
    const list = [...this.blocked];
    this.blocked.clear();
    for (const c of list) c.output();
  }
}

function isAllOnes(mac: Uint8Array): boolean {
  for (let i = 0; i < 6; i++) if (mac[i] !== 0xff) return false;
  return true;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimer(ms, () => reject(new NetError("timeout", "timed out")));
    p.then((v) => { clearTimeout(t); resolve(v); }, (e) => { clearTimeout(t); reject(e); });
  });
}
