// A DHCP server (RFC 2131, options of RFC 2132) for one link: used by the
// user network (one guest, one address) and by the LAN (an address per MAC).
import { LIMITED_BROADCAST } from "./ipv4.js";
import { BROADCAST_MAC, readIpv4, writeIpv4, type Mac } from "./addresses.js";
import { NetFrameError } from "./frame-error.js";

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;

export const DHCPDISCOVER = 1, DHCPOFFER = 2, DHCPREQUEST = 3, DHCPDECLINE = 4,
  DHCPACK = 5, DHCPNAK = 6, DHCPRELEASE = 7, DHCPINFORM = 8;

// RFC 2132 option codes.
export const OPT_SUBNET_MASK = 1, OPT_ROUTER = 3, OPT_DNS = 6, OPT_DOMAIN_NAME = 15, OPT_MTU = 26,
  OPT_REQUESTED_IP = 50, OPT_LEASE_TIME = 51, OPT_MESSAGE_TYPE = 53, OPT_SERVER_ID = 54,
  OPT_RENEWAL_T1 = 58, OPT_REBINDING_T2 = 59, OPT_END = 255, OPT_PAD = 0;

const BOOTP_FIXED_LEN = 236;                 // RFC 2131 figure 1, up to and including `file`
const MAGIC_COOKIE = [99, 130, 83, 99];      // RFC 2131 section 3
const MIN_REPLY_LEN = 300;                   // BOOTP's minimum message size (RFC 1542 2.1)
const BOOTREQUEST = 1, BOOTREPLY = 2, FLAG_BROADCAST = 0x8000;

export interface DhcpMessage {
  op: number;
  xid: number;
  flags: number;
  ciaddr: number;
  giaddr: number;
  chaddr: Uint8Array;  // 6 bytes (Ethernet)
  type: number;        // option 53
  options: Map<number, Uint8Array>;
}

export function parseDhcp(p: Uint8Array): DhcpMessage {
  if (p.length < BOOTP_FIXED_LEN + 4) throw new NetFrameError("truncated", `DHCP message of ${p.length} bytes`);
  if (p[1] !== 1 || p[2] !== 6) throw new NetFrameError("unsupported", `DHCP hardware type ${p[1]}, length ${p[2]}`);
  for (let i = 0; i < 4; i++) if (p[BOOTP_FIXED_LEN + i] !== MAGIC_COOKIE[i]) throw new NetFrameError("unsupported", "BOOTP without the DHCP magic cookie");
  const options = new Map<number, Uint8Array>();
  let i = BOOTP_FIXED_LEN + 4;
  while (i < p.length) {
    const code = p[i];
    if (code === OPT_END) break;
    if (code === OPT_PAD) { i++; continue; }
    if (i + 1 >= p.length || i + 2 + p[i + 1] > p.length) throw new NetFrameError("bad-option", `DHCP option ${code} overruns the message`);
    options.set(code, p.subarray(i + 2, i + 2 + p[i + 1]));
    i += 2 + p[i + 1];
  }
  const t = options.get(OPT_MESSAGE_TYPE);
  if (!t || t.length !== 1) throw new NetFrameError("bad-option", "DHCP message without a message type");
  return {
    op: p[0],
    xid: readIpv4(p, 4),
    flags: (p[10] << 8) | p[11],
    ciaddr: readIpv4(p, 12),
    giaddr: readIpv4(p, 24),
    chaddr: p.subarray(28, 34),
    type: t[0],
    options,
  };
}

export interface DhcpServerConfig {
  serverIp: number;
  netmask: number;
  router?: number;
  dns?: number[];
  leaseSeconds: number;
  mtu?: number;
  domainName?: string;
  /** The address for this client, or undefined when there is none to give. */
  allocate(mac: Mac, requested: number | undefined): number | undefined;
  release?(mac: Mac): void;
}

export interface DhcpReply {
  type: number;         // DHCPOFFER, DHCPACK or DHCPNAK
  yiaddr: number;
  payload: Uint8Array;  // the UDP payload, to port 68
  dstIp: number;
  dstMac: Mac;
}

function ipOption(o: Uint8Array | undefined): number | undefined {
  return o && o.length === 4 ? readIpv4(o, 0) : undefined;
}

/** Answers one client message; undefined when no reply is due (RFC 2131 4.3). */
export function dhcpReply(cfg: DhcpServerConfig, m: DhcpMessage): DhcpReply | undefined {
  if (m.op !== BOOTREQUEST) return undefined;
  const requested = ipOption(m.options.get(OPT_REQUESTED_IP));
  switch (m.type) {
    case DHCPDISCOVER: {
      const ip = cfg.allocate(m.chaddr, requested);
      return ip === undefined ? undefined : reply(cfg, m, DHCPOFFER, ip);
    }
    case DHCPREQUEST: {
      const serverId = ipOption(m.options.get(OPT_SERVER_ID));
      if (serverId !== undefined && serverId !== cfg.serverIp) return undefined; // the client chose another server
      const want = requested ?? (m.ciaddr || undefined);
      const ip = cfg.allocate(m.chaddr, want);
      if (ip === undefined) return undefined;
      return want === ip ? reply(cfg, m, DHCPACK, ip) : reply(cfg, m, DHCPNAK, 0);
    }
    case DHCPINFORM: // 3.4: configuration only, no address, no lease time
      return reply(cfg, m, DHCPACK, 0);
    case DHCPRELEASE:
    case DHCPDECLINE:
      cfg.release?.(m.chaddr);
      return undefined;
    default:
      return undefined;
  }
}

function reply(cfg: DhcpServerConfig, m: DhcpMessage, type: number, yiaddr: number): DhcpReply {
  const opts: number[] = [OPT_MESSAGE_TYPE, 1, type, OPT_SERVER_ID, 4, ...ipBytes(cfg.serverIp)];
  if (type !== DHCPNAK) {
    if (m.type !== DHCPINFORM) {
      const lease = cfg.leaseSeconds;
      opts.push(OPT_LEASE_TIME, 4, ...ipBytes(lease));
      opts.push(OPT_RENEWAL_T1, 4, ...ipBytes(Math.floor(lease / 2)));        // RFC 2131 4.4.5 defaults
      opts.push(OPT_REBINDING_T2, 4, ...ipBytes(Math.floor(lease * 7 / 8)));
    }
    opts.push(OPT_SUBNET_MASK, 4, ...ipBytes(cfg.netmask));
    if (cfg.router !== undefined) opts.push(OPT_ROUTER, 4, ...ipBytes(cfg.router));
    if (cfg.dns && cfg.dns.length) opts.push(OPT_DNS, 4 * cfg.dns.length, ...cfg.dns.flatMap(ipBytes));
    if (cfg.mtu !== undefined) opts.push(OPT_MTU, 2, cfg.mtu >>> 8, cfg.mtu & 255);
    if (cfg.domainName) {
      const name = new TextEncoder().encode(cfg.domainName).subarray(0, 255);
      opts.push(OPT_DOMAIN_NAME, name.length, ...name);
    }
  }
  opts.push(OPT_END);
  const p = new Uint8Array(Math.max(MIN_REPLY_LEN, BOOTP_FIXED_LEN + 4 + opts.length));
  p[0] = BOOTREPLY; p[1] = 1; p[2] = 6;
  writeIpv4(p, 4, m.xid);
  p[10] = m.flags >>> 8; p[11] = m.flags;
  if (m.type === DHCPINFORM || type === DHCPACK) writeIpv4(p, 12, m.ciaddr);
  writeIpv4(p, 16, yiaddr);
  writeIpv4(p, 24, m.giaddr);
  p.set(m.chaddr, 28);
  p.set(MAGIC_COOKIE, BOOTP_FIXED_LEN);
  p.set(opts, BOOTP_FIXED_LEN + 4);
  // Where the reply goes (RFC 2131 4.1): NAKs and replies to clients that set
  // the broadcast bit are broadcast; a client with an address gets unicast
  // there; otherwise unicast to the offered address and the client's MAC.
  let dstIp: number, dstMac: Mac;
  if (type === DHCPNAK || (m.ciaddr === 0 && (m.flags & FLAG_BROADCAST))) { dstIp = LIMITED_BROADCAST; dstMac = BROADCAST_MAC; }
  else if (m.ciaddr !== 0) { dstIp = m.ciaddr; dstMac = m.chaddr.slice(); }
  else { dstIp = yiaddr; dstMac = m.chaddr.slice(); }
  return { type, yiaddr, payload: p, dstIp, dstMac };
}

function ipBytes(v: number): number[] {
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
}
