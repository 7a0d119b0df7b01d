// IPv4 addresses as unsigned 32-bit numbers, MAC addresses as 6 bytes, and the
// user network's addressing (QEMU's `-nic user` defaults).

export type Mac = Uint8Array;

export function ipv4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

export function ipv4ToString(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/** Dotted quad to a number; undefined unless it is exactly four decimal octets. */
export function parseIpv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ipv4(o[0], o[1], o[2], o[3]);
}

export function readIpv4(buf: Uint8Array, off: number): number {
  return ((buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]) >>> 0;
}

export function writeIpv4(buf: Uint8Array, off: number, ip: number): void {
  buf[off] = ip >>> 24; buf[off + 1] = ip >>> 16; buf[off + 2] = ip >>> 8; buf[off + 3] = ip;
}

export const BROADCAST_MAC: Mac = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

export function macToString(mac: Mac): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join(":");
}

export function parseMac(text: string): Mac | undefined {
  const m = /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i.exec(text);
  return m ? new Uint8Array(m.slice(1).map((h) => parseInt(h, 16))) : undefined;
}

export function macEquals(a: Mac, aOff: number, b: Mac): boolean {
  for (let i = 0; i < 6; i++) if (a[aOff + i] !== b[i]) return false;
  return true;
}

/** Group (broadcast or multicast) addresses have the low bit of the first octet set. */
export function isGroupMac(buf: Uint8Array, off = 0): boolean {
  return (buf[off] & 1) === 1;
}

/** A random locally administered unicast MAC (first octet x2, x6, xA or xE). */
export function randomMac(prefix = 0x52): Mac {
  const mac = new Uint8Array(6);
  crypto.getRandomValues(mac);
  mac[0] = (prefix & 0xfc) | 0x02;
  return mac;
}

/** The addresses of a user network; the defaults are QEMU's for `-nic user`. */
export interface NetConfig {
  network: number;      // 10.0.2.0
  netmask: number;      // 255.255.255.0
  gateway: number;      // 10.0.2.2: the router, and the host's loopback as seen by the guest
  dns: number;          // 10.0.2.3
  guest: number;        // 10.0.2.15: what DHCP hands out
  gatewayMac: Mac;      // the MAC every virtual host address answers ARP with
  mtu: number;          // 1500
  leaseSeconds: number; // DHCP lease time
}

export function defaultNetConfig(): NetConfig {
  return {
    network: ipv4(10, 0, 2, 0),
    netmask: ipv4(255, 255, 255, 0),
    gateway: ipv4(10, 0, 2, 2),
    dns: ipv4(10, 0, 2, 3),
    guest: ipv4(10, 0, 2, 15),
    gatewayMac: new Uint8Array([0x52, 0x55, 0x0a, 0x00, 0x02, 0x02]), // QEMU slirp's
    mtu: 1500,
    leaseSeconds: 86400,
  };
}
