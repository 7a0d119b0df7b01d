// DNS messages (RFC 1035 section 4): enough to read a query and answer it
// with A records or an error code.
import { writeIpv4 } from "./addresses.js";
import { NetFrameError } from "./frame-error.js";

export const DNS_PORT = 53;
export const TYPE_A = 1, TYPE_AAAA = 28, CLASS_IN = 1;
export const RCODE_NOERROR = 0, RCODE_FORMERR = 1, RCODE_SERVFAIL = 2, RCODE_NXDOMAIN = 3, RCODE_NOTIMP = 4, RCODE_REFUSED = 5;
const HEADER_LEN = 12;
const QR = 0x8000, RD = 0x0100, RA = 0x0080;

export interface DnsQuery {
  id: number;
  flags: number;
  name: string;        // lower case, no trailing dot
  qtype: number;
  qclass: number;
  questionEnd: number; // offset just past the question
  raw: Uint8Array;
}

/** Reads a standard query with one question; anything else is "unsupported" (answer NOTIMP) or malformed. */
export function parseDnsQuery(p: Uint8Array): DnsQuery {
  if (p.length < HEADER_LEN) throw new NetFrameError("truncated", `DNS message of ${p.length} bytes`);
  const flags = (p[2] << 8) | p[3];
  if (flags & QR) throw new NetFrameError("unsupported", "a DNS response sent to the resolver");
  const opcode = (flags >>> 11) & 15;
  const qdcount = (p[4] << 8) | p[5];
  if (opcode !== 0 || qdcount !== 1) throw new NetFrameError("unsupported", `DNS opcode ${opcode} with ${qdcount} questions`);
  const labels: string[] = [];
  let i = HEADER_LEN, nameLen = 0;
  for (;;) {
    if (i >= p.length) throw new NetFrameError("truncated", "DNS name runs past the message");
    const len = p[i];
    if (len === 0) { i++; break; }
    // A query's only name comes first, so there is nothing a compression
    // pointer could point back to; labels are at most 63 bytes (RFC 1035 2.3.4).
    if (len > 63) throw new NetFrameError("bad-length", `DNS label length byte 0x${len.toString(16)}`);
    if (i + 1 + len > p.length) throw new NetFrameError("truncated", "DNS label runs past the message");
    nameLen += len + 1;
    if (nameLen > 255) throw new NetFrameError("bad-length", "DNS name longer than 255 bytes");
    labels.push(String.fromCharCode(...p.subarray(i + 1, i + 1 + len)).toLowerCase());
    i += 1 + len;
  }
  if (i + 4 > p.length) throw new NetFrameError("truncated", "DNS question without type and class");
  return {
    id: (p[0] << 8) | p[1],
    flags,
    name: labels.join("."),
    qtype: (p[i] << 8) | p[i + 1],
    qclass: (p[i + 2] << 8) | p[i + 3],
    questionEnd: i + 4,
    raw: p,
  };
}

/** The answer to `q`: its question echoed, then one A record per address (name by pointer to offset 12). */
export function buildDnsResponse(q: DnsQuery, rcode: number, addresses: number[] = [], ttl = 60): Uint8Array {
  const qLen = q.questionEnd - HEADER_LEN;
  const out = new Uint8Array(HEADER_LEN + qLen + addresses.length * 16);
  out[0] = q.id >>> 8; out[1] = q.id;
  const flags = QR | (q.flags & (0x7800 | RD)) | RA | (rcode & 15);
  out[2] = flags >>> 8; out[3] = flags;
  out[5] = 1;                                   // QDCOUNT
  out[6] = addresses.length >>> 8; out[7] = addresses.length;
  out.set(q.raw.subarray(HEADER_LEN, q.questionEnd), HEADER_LEN);
  let o = HEADER_LEN + qLen;
  for (const a of addresses) {
    out[o] = 0xc0; out[o + 1] = HEADER_LEN;     // the question's name
    out[o + 3] = TYPE_A; out[o + 5] = CLASS_IN;
    out[o + 6] = ttl >>> 24; out[o + 7] = ttl >>> 16; out[o + 8] = ttl >>> 8; out[o + 9] = ttl;
    out[o + 11] = 4;
    writeIpv4(out, o + 12, a);
    o += 16;
  }
  return out;
}

/** A header-only error response to a message we could not read past its header; undefined if even that is missing. */
export function buildDnsHeaderError(p: Uint8Array, rcode: number): Uint8Array | undefined {
  if (p.length < HEADER_LEN) return undefined;
  const flags = (p[2] << 8) | p[3];
  if (flags & QR) return undefined;               // never answer a response
  const out = new Uint8Array(HEADER_LEN);
  out[0] = p[0]; out[1] = p[1];
  const f = QR | (flags & (0x7800 | RD)) | RA | (rcode & 15);
  out[2] = f >>> 8; out[3] = f;
  return out;
}
