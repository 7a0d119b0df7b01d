// Wisp packets (MercuryWorkshop's wisp-protocol, version 2 draft 6, with
// version 1 as its fallback): u8 type, u32 little-endian stream id, payload.
// Shared by the client (wisp-client.ts) and the relay (server/wisp/).

export const WISP_CONNECT = 0x01;
export const WISP_DATA = 0x02;
export const WISP_CONTINUE = 0x03;
export const WISP_CLOSE = 0x04;
export const WISP_INFO = 0x05;

export const STREAM_TCP = 0x01;
export const STREAM_UDP = 0x02;

/** CLOSE reasons (spec "Close Reasons"). */
export const CLOSE_UNKNOWN = 0x01;
export const CLOSE_VOLUNTARY = 0x02;
export const CLOSE_NETWORK_ERROR = 0x03;
export const CLOSE_INCOMPATIBLE = 0x04;
export const CLOSE_INVALID = 0x41;          // invalid CONNECT information (or, here, any malformed packet for the stream)
export const CLOSE_UNREACHABLE = 0x42;
export const CLOSE_CONNECT_TIMEOUT = 0x43;
export const CLOSE_REFUSED = 0x44;
export const CLOSE_DATA_TIMEOUT = 0x47;
export const CLOSE_BLOCKED = 0x48;
export const CLOSE_THROTTLED = 0x49;
export const CLOSE_CLIENT_ERROR = 0x81;

export const CLOSE_REASON_NAMES: Record<number, string> = {
  [CLOSE_UNKNOWN]: "unspecified", [CLOSE_VOLUNTARY]: "closed", [CLOSE_NETWORK_ERROR]: "network error",
  [CLOSE_INCOMPATIBLE]: "incompatible extensions", [CLOSE_INVALID]: "invalid stream information",
  [CLOSE_UNREACHABLE]: "destination unreachable", [CLOSE_CONNECT_TIMEOUT]: "connection timed out",
  [CLOSE_REFUSED]: "connection refused", [CLOSE_DATA_TIMEOUT]: "data timed out",
  [CLOSE_BLOCKED]: "destination blocked by the relay", [CLOSE_THROTTLED]: "throttled by the relay",
  [CLOSE_CLIENT_ERROR]: "client error",
};

/** Protocol extensions (spec "Protocol Extensions"). */
export const EXT_UDP = 0x01;
export const EXT_STREAM_CONFIRM = 0x05;     // the server sends CONTINUE once a stream's socket is open
/**
 * rvplay's own extension (not in the spec; an id from the top of the range):
 * flow control from client to server. When both sides list it, the client's
 * INFO payload is a u32 LE credit in packets; the server may send that many
 * DATA packets on a stream before it must wait for a CONTINUE from the client
 * carrying the new remaining credit, exactly as the spec's CONTINUE works in
 * the other direction. It lets a slow guest back-pressure the remote server.
 */
export const EXT_CLIENT_CREDIT = 0xe0;

export const WISP_HEADER_LEN = 5;
export const MAX_HOSTNAME_BYTES = 253 * 4; // a long name, in UTF-8

export interface WispExtension { id: number; data: Uint8Array }

export type WispPacket =
  | { type: typeof WISP_CONNECT; stream: number; streamType: number; port: number; host: string }
  | { type: typeof WISP_DATA; stream: number; data: Uint8Array }
  | { type: typeof WISP_CONTINUE; stream: number; remaining: number }
  | { type: typeof WISP_CLOSE; stream: number; reason: number }
  | { type: typeof WISP_INFO; stream: number; major: number; minor: number; extensions: WispExtension[] }
  | { type: "unknown"; stream: number; packetType: number };

/** A packet that cannot be read. `stream` is set when the header was readable; `reason` is the CLOSE reason to answer with. */
export class WispProtocolError extends Error {
  constructor(message: string, readonly stream?: number, readonly reason = CLOSE_INVALID) {
    super(message);
    this.name = "WispProtocolError";
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function parseWispPacket(b: Uint8Array): WispPacket {
  if (b.length < WISP_HEADER_LEN) throw new WispProtocolError(`Wisp packet of ${b.length} bytes (a header is 5)`, undefined, CLOSE_UNKNOWN);
  const type = b[0];
  const stream = (b[1] | (b[2] << 8) | (b[3] << 16) | (b[4] << 24)) >>> 0;
  const p = b.subarray(WISP_HEADER_LEN);
  switch (type) {
    case WISP_CONNECT: {
      if (p.length < 4) throw new WispProtocolError(`CONNECT payload of ${p.length} bytes`, stream);
      if (p.length - 3 > MAX_HOSTNAME_BYTES) throw new WispProtocolError("CONNECT hostname too long", stream);
      let host: string;
      try { host = utf8.decode(p.subarray(3)); } catch { throw new WispProtocolError("CONNECT hostname is not UTF-8", stream); }
      return { type, stream, streamType: p[0], port: p[1] | (p[2] << 8), host };
    }
    case WISP_DATA:
      return { type, stream, data: p };
    case WISP_CONTINUE:
      if (p.length !== 4) throw new WispProtocolError(`CONTINUE payload of ${p.length} bytes`, stream);
      return { type, stream, remaining: (p[0] | (p[1] << 8) | (p[2] << 16) | (p[3] << 24)) >>> 0 };
    case WISP_CLOSE:
      if (p.length !== 1) throw new WispProtocolError(`CLOSE payload of ${p.length} bytes`, stream);
      return { type, stream, reason: p[0] };
    case WISP_INFO: {
      if (p.length < 2) throw new WispProtocolError(`INFO payload of ${p.length} bytes`, stream);
      const extensions: WispExtension[] = [];
      for (let i = 2; i < p.length;) {
        if (i + 5 > p.length) throw new WispProtocolError("INFO extension record cut short", stream);
        const len = (p[i + 1] | (p[i + 2] << 8) | (p[i + 3] << 16) | (p[i + 4] << 24)) >>> 0;
        if (len > p.length - i - 5) throw new WispProtocolError(`INFO extension 0x${p[i].toString(16)} of ${len} bytes overruns the packet`, stream);
        extensions.push({ id: p[i], data: p.subarray(i + 5, i + 5 + len) });
        i += 5 + len;
      }
      return { type, stream, major: p[0], minor: p[1], extensions };
    }
    default:
      return { type: "unknown", stream, packetType: type };
  }
}

function header(type: number, stream: number, payloadLen: number): Uint8Array {
  const b = new Uint8Array(WISP_HEADER_LEN + payloadLen);
  b[0] = type;
  b[1] = stream; b[2] = stream >>> 8; b[3] = stream >>> 16; b[4] = stream >>> 24;
  return b;
}

export function encodeConnect(stream: number, streamType: number, port: number, host: string): Uint8Array {
  const h = new TextEncoder().encode(host);
  const b = header(WISP_CONNECT, stream, 3 + h.length);
  b[5] = streamType; b[6] = port; b[7] = port >>> 8;
  b.set(h, 8);
  return b;
}

export function encodeData(stream: number, data: Uint8Array): Uint8Array {
  const b = header(WISP_DATA, stream, data.length);
  b.set(data, WISP_HEADER_LEN);
  return b;
}

export function encodeContinue(stream: number, remaining: number): Uint8Array {
  const b = header(WISP_CONTINUE, stream, 4);
  b[5] = remaining; b[6] = remaining >>> 8; b[7] = remaining >>> 16; b[8] = remaining >>> 24;
  return b;
}

export function encodeClose(stream: number, reason: number): Uint8Array {
  const b = header(WISP_CLOSE, stream, 1);
  b[5] = reason;
  return b;
}

export function encodeInfo(major: number, minor: number, extensions: WispExtension[]): Uint8Array {
  const len = 2 + extensions.reduce((a, e) => a + 5 + e.data.length, 0);
  const b = header(WISP_INFO, 0, len);
  b[5] = major; b[6] = minor;
  let o = 7;
  for (const e of extensions) {
    b[o] = e.id;
    b[o + 1] = e.data.length; b[o + 2] = e.data.length >>> 8; b[o + 3] = e.data.length >>> 16; b[o + 4] = e.data.length >>> 24;
    b.set(e.data, o + 5);
    o += 5 + e.data.length;
  }
  return b;
}

export function u32le(n: number): Uint8Array {
  return new Uint8Array([n, n >>> 8, n >>> 16, n >>> 24]);
}

export function readU32le(b: Uint8Array): number | undefined {
  return b.length >= 4 ? (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0 : undefined;
}
