// Which destinations the relay may connect to. A page must not be able to use
// the relay to reach the relay host's own services or its private network, so
// loopback, private, link-local and other special-purpose addresses are
// refused (IANA special-purpose registries for IPv4 and IPv6, RFC 6890),
// unless the operator allows them.
import { isIP } from "node:net";

export type AddressClass = "public" | "loopback" | "private" | "link-local" | "reserved";

/** 16 bytes for IPv6, 4 for IPv4; undefined if not an address literal. */
export function addressBytes(text: string): Uint8Array | undefined {
  const kind = isIP(text);
  if (kind === 4) return Uint8Array.from(text.split(".").map(Number));
  if (kind !== 6) return undefined;
  let s = text.toLowerCase();
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(":");
  if (s.slice(lastColon + 1).includes(".")) { // embedded IPv4 (::ffff:1.2.3.4)
    tail = s.slice(lastColon + 1).split(".").map(Number);
    s = s.slice(0, lastColon + 1) + "0:0";
  }
  const [head, rest] = s.includes("::") ? s.split("::") : [s, undefined];
  const h = head ? head.split(":") : [];
  const r = rest !== undefined && rest !== "" ? rest.split(":") : [];
  const groups = rest === undefined ? h : [...h, ...new Array(8 - h.length - r.length).fill("0"), ...r];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => { const v = parseInt(g, 16); out[2 * i] = v >> 8; out[2 * i + 1] = v & 255; });
  if (tail.length === 4) out.set(tail, 12);
  return out;
}

function inPrefix(a: Uint8Array, prefix: number[], bits: number): boolean {
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3, mask = 0x80 >> (i & 7);
    if ((a[byte] & mask) !== ((prefix[byte] ?? 0) & mask)) return false;
  }
  return true;
}

export function classifyIpv4(a: Uint8Array): AddressClass {
  const [x, y] = a;
  if (x === 127) return "loopback";
  if (x === 10 || (x === 172 && (y & 0xf0) === 16) || (x === 192 && y === 168)) return "private";
  if (x === 100 && (y & 0xc0) === 64) return "private";           // 100.64/10 shared address space (CGNAT)
  if (x === 169 && y === 254) return "link-local";
  if (x === 0 || x >= 224) return "reserved";                       // "this network", multicast, 240/4, broadcast
  if (x === 192 && y === 0 && (a[2] === 0 || a[2] === 2)) return "reserved"; // 192.0.0/24, TEST-NET-1
  if (x === 198 && (y === 18 || y === 19)) return "reserved";       // benchmarking
  if ((x === 198 && y === 51 && a[2] === 100) || (x === 203 && y === 0 && a[2] === 113)) return "reserved"; // TEST-NET-2/3
  return "public";
}

export function classifyAddress(a: Uint8Array): AddressClass {
  if (a.length === 4) return classifyIpv4(a);
  if (a.every((b, i) => i === 15 ? b === 1 : b === 0)) return "loopback"; // ::1
  if (a.every((b) => b === 0)) return "reserved";                          // ::
  if (inPrefix(a, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 96)) return classifyIpv4(a.subarray(12)); // IPv4-mapped
  if (inPrefix(a, [0, 0x64, 0xff, 0x9b], 96)) return classifyIpv4(a.subarray(12));                    // NAT64 64:ff9b::/96
  if (inPrefix(a, [0xfc], 7)) return "private";                            // unique local fc00::/7
  if (inPrefix(a, [0xfe, 0x80], 10)) return "link-local";                  // fe80::/10
  if (inPrefix(a, [0xfe, 0xc0], 10)) return "private";                     // deprecated site-local
  if (inPrefix(a, [0xff], 8)) return "reserved";                           // multicast
  if (inPrefix(a, [0x20, 0x01, 0x0d, 0xb8], 32)) return "reserved";        // documentation
  if (inPrefix(a, [0x20, 0x02], 16)) return classifyIpv4(a.subarray(2, 6)); // 6to4 embeds an IPv4 address
  if (inPrefix(a, [0x20, 0x01, 0, 0], 32)) return "reserved";              // Teredo
  return "public";
}

export interface AddressPolicyOptions {
  allowLoopback?: boolean;
  allowPrivate?: boolean;      // private and link-local
  /** Always allowed: CIDR blocks ("10.1.0.0/16", "fd00::/8"), single addresses, or host names as the client sends them. */
  allow?: string[];
}

export class AddressPolicy {
  private readonly cidrs: { bytes: Uint8Array; bits: number }[] = [];
  private readonly names = new Set<string>();

  constructor(private readonly opts: AddressPolicyOptions = {}) {
    for (const entry of opts.allow ?? []) {
      const [addr, bitsText] = entry.split("/");
      const bytes = addressBytes(addr);
      if (bytes) {
        const max = bytes.length * 8;
        const bits = bitsText === undefined ? max : Number(bitsText);
        if (!Number.isInteger(bits) || bits < 0 || bits > max) throw new Error(`bad allow-list entry "${entry}"`);
        this.cidrs.push({ bytes, bits });
      } else if (bitsText === undefined && /^[a-z0-9.-]+$/i.test(entry)) {
        this.names.add(entry.toLowerCase());
      } else {
        throw new Error(`bad allow-list entry "${entry}"`);
      }
    }
  }

  nameAllowed(host: string): boolean { return this.names.has(host.toLowerCase()); }

  /** undefined if the address may be used, else why not. */
  refuse(address: string): AddressClass | "invalid" | undefined {
    const a = addressBytes(address);
    if (!a) return "invalid";
    for (const c of this.cidrs) if (c.bytes.length === a.length && inPrefix(a, [...c.bytes], c.bits)) return undefined;
    const cls = classifyAddress(a);
    if (cls === "public") return undefined;
    if (cls === "loopback" && this.opts.allowLoopback) return undefined;
    if ((cls === "private" || cls === "link-local") && this.opts.allowPrivate) return undefined;
    return cls;
  }
}
