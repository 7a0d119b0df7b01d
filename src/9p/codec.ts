// 9P2000.L wire format: one table of messages read by the encoder, the decoder
// and the tests. Layouts follow diod's protocol.md and Linux's
// include/net/9p/9p.h: size[4] type[1] tag[2] then the fields below, integers
// little-endian, strings as len[2] + UTF-8, a qid as type[1] version[4] path[8].
import { EILSEQ, EINVAL, EOPNOTSUPP } from "./errno.js";

export const HEADER_SIZE = 7; // size[4] type[1] tag[2]
export const QID_SIZE = 13;
export const NOTAG = 0xffff;
export const NOFID = 0xffffffff;
export const VERSION_9P2000L = "9P2000.L";
export const MAXWELEM = 16; // walk elements per Twalk (Plan 9 walk(5))
export const IOHDRSZ = 24; // Twrite's header: what msize leaves for data (Linux P9_IOHDRSZ)
export const RREAD_HEADER = 11; // size type tag count

// qid.type bits (Plan 9 stat(5); Linux P9_QT*).
export const QTDIR = 0x80;
export const QTSYMLINK = 0x02;
export const QTFILE = 0x00;

export interface Qid { type: number; version: number; path: bigint }

type FieldType = "u8" | "u16" | "u32" | "u64" | "str" | "qid" | "strs" | "qids" | "data";
type TsType<F extends FieldType> =
  F extends "u8" | "u16" | "u32" ? number :
  F extends "u64" ? bigint :
  F extends "str" ? string :
  F extends "qid" ? Qid :
  F extends "strs" ? string[] :
  F extends "qids" ? Qid[] :
  Uint8Array;

// name: [type number, fields]. R-message = T-message + 1, except Rlerror.
const MESSAGES = {
  Rlerror: [7, [["ecode", "u32"]]],
  Tstatfs: [8, [["fid", "u32"]]],
  Rstatfs: [9, [["fsType", "u32"], ["bsize", "u32"], ["blocks", "u64"], ["bfree", "u64"], ["bavail", "u64"],
    ["files", "u64"], ["ffree", "u64"], ["fsid", "u64"], ["namelen", "u32"]]],
  Tlopen: [12, [["fid", "u32"], ["flags", "u32"]]],
  Rlopen: [13, [["qid", "qid"], ["iounit", "u32"]]],
  Tlcreate: [14, [["fid", "u32"], ["name", "str"], ["flags", "u32"], ["mode", "u32"], ["gid", "u32"]]],
  Rlcreate: [15, [["qid", "qid"], ["iounit", "u32"]]],
  Tsymlink: [16, [["fid", "u32"], ["name", "str"], ["symtgt", "str"], ["gid", "u32"]]],
  Rsymlink: [17, [["qid", "qid"]]],
  Tmknod: [18, [["dfid", "u32"], ["name", "str"], ["mode", "u32"], ["major", "u32"], ["minor", "u32"], ["gid", "u32"]]],
  Rmknod: [19, [["qid", "qid"]]],
  Trename: [20, [["fid", "u32"], ["dfid", "u32"], ["name", "str"]]],
  Rrename: [21, []],
  Treadlink: [22, [["fid", "u32"]]],
  Rreadlink: [23, [["target", "str"]]],
  Tgetattr: [24, [["fid", "u32"], ["requestMask", "u64"]]],
  Rgetattr: [25, [["valid", "u64"], ["qid", "qid"], ["mode", "u32"], ["uid", "u32"], ["gid", "u32"],
    ["nlink", "u64"], ["rdev", "u64"], ["size", "u64"], ["blksize", "u64"], ["blocks", "u64"],
    ["atimeSec", "u64"], ["atimeNsec", "u64"], ["mtimeSec", "u64"], ["mtimeNsec", "u64"],
    ["ctimeSec", "u64"], ["ctimeNsec", "u64"], ["btimeSec", "u64"], ["btimeNsec", "u64"],
    ["gen", "u64"], ["dataVersion", "u64"]]],
  Tsetattr: [26, [["fid", "u32"], ["valid", "u32"], ["mode", "u32"], ["uid", "u32"], ["gid", "u32"],
    ["size", "u64"], ["atimeSec", "u64"], ["atimeNsec", "u64"], ["mtimeSec", "u64"], ["mtimeNsec", "u64"]]],
  Rsetattr: [27, []],
  Txattrwalk: [30, [["fid", "u32"], ["newfid", "u32"], ["name", "str"]]],
  Rxattrwalk: [31, [["size", "u64"]]],
  Txattrcreate: [32, [["fid", "u32"], ["name", "str"], ["attrSize", "u64"], ["flags", "u32"]]],
  Rxattrcreate: [33, []],
  Treaddir: [40, [["fid", "u32"], ["offset", "u64"], ["count", "u32"]]],
  Rreaddir: [41, [["data", "data"]]],
  Tfsync: [50, [["fid", "u32"], ["datasync", "u32"]]],
  Rfsync: [51, []],
  Tlock: [52, [["fid", "u32"], ["lockType", "u8"], ["flags", "u32"], ["start", "u64"], ["length", "u64"],
    ["procId", "u32"], ["clientId", "str"]]],
  Rlock: [53, [["status", "u8"]]],
  Tgetlock: [54, [["fid", "u32"], ["lockType", "u8"], ["start", "u64"], ["length", "u64"], ["procId", "u32"],
    ["clientId", "str"]]],
  Rgetlock: [55, [["lockType", "u8"], ["start", "u64"], ["length", "u64"], ["procId", "u32"], ["clientId", "str"]]],
  Tlink: [70, [["dfid", "u32"], ["fid", "u32"], ["name", "str"]]],
  Rlink: [71, []],
  Tmkdir: [72, [["dfid", "u32"], ["name", "str"], ["mode", "u32"], ["gid", "u32"]]],
  Rmkdir: [73, [["qid", "qid"]]],
  Trenameat: [74, [["olddirfid", "u32"], ["oldname", "str"], ["newdirfid", "u32"], ["newname", "str"]]],
  Rrenameat: [75, []],
  Tunlinkat: [76, [["dirfid", "u32"], ["name", "str"], ["flags", "u32"]]],
  Runlinkat: [77, []],
  Tversion: [100, [["msize", "u32"], ["version", "str"]]],
  Rversion: [101, [["msize", "u32"], ["version", "str"]]],
  Tauth: [102, [["afid", "u32"], ["uname", "str"], ["aname", "str"], ["nUname", "u32"]]],
  Rauth: [103, [["aqid", "qid"]]],
  Tattach: [104, [["fid", "u32"], ["afid", "u32"], ["uname", "str"], ["aname", "str"], ["nUname", "u32"]]],
  Rattach: [105, [["qid", "qid"]]],
  Tflush: [108, [["oldtag", "u16"]]],
  Rflush: [109, []],
  Twalk: [110, [["fid", "u32"], ["newfid", "u32"], ["wnames", "strs"]]],
  Rwalk: [111, [["wqids", "qids"]]],
  Tread: [116, [["fid", "u32"], ["offset", "u64"], ["count", "u32"]]],
  Rread: [117, [["data", "data"]]],
  Twrite: [118, [["fid", "u32"], ["offset", "u64"], ["data", "data"]]],
  Rwrite: [119, [["count", "u32"]]],
  Tclunk: [120, [["fid", "u32"]]],
  Rclunk: [121, []],
  Tremove: [122, [["fid", "u32"]]],
  Rremove: [123, []],
} as const satisfies Record<string, readonly [number, readonly (readonly [string, FieldType])[]]>;

export type MessageName = keyof typeof MESSAGES;
type Fields<L extends readonly (readonly [string, FieldType])[]> = { [E in L[number] as E[0]]: TsType<E[1]> };
export type Message<N extends MessageName = MessageName> = N extends MessageName
  ? { type: N; tag: number } & Fields<(typeof MESSAGES)[N][1]>
  : never;
// The fields of one message, without type and tag: what encode() takes.
export type Body<N extends MessageName> = Fields<(typeof MESSAGES)[N][1]>;

export const TYPE_NUMBER = Object.fromEntries(
  Object.entries(MESSAGES).map(([name, [num]]) => [name, num])) as { [N in MessageName]: (typeof MESSAGES)[N][0] };
const BY_NUMBER = new Map<number, MessageName>(
  Object.entries(MESSAGES).map(([name, [num]]) => [num, name as MessageName]));
export function messageName(type: number): MessageName | undefined { return BY_NUMBER.get(type); }

// A message that cannot be decoded. `errno` is what the guest is told; `tag`
// is known when the header was readable.
export class P9ProtocolError extends Error {
  constructor(readonly errno: number, message: string, readonly tag: number = NOTAG) {
    super(message);
    this.name = "P9ProtocolError";
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const utf8Encoder = new TextEncoder();

class Reader {
  private pos = HEADER_SIZE;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array, private readonly end: number, private readonly tag: number) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(n: number): number {
    if (this.end - this.pos < n) throw new P9ProtocolError(EINVAL, "message truncated", this.tag);
    const p = this.pos;
    this.pos += n;
    return p;
  }
  u8(): number { return this.view.getUint8(this.need(1)); }
  u16(): number { return this.view.getUint16(this.need(2), true); }
  u32(): number { return this.view.getUint32(this.need(4), true); }
  u64(): bigint { return this.view.getBigUint64(this.need(8), true); }
  str(): string {
    const len = this.u16();
    const p = this.need(len);
    try {
      return utf8.decode(this.bytes.subarray(p, p + len));
    } catch {
      throw new P9ProtocolError(EILSEQ, "string is not UTF-8", this.tag);
    }
  }
  qid(): Qid {
    const type = this.u8();
    const version = this.u32();
    return { type, version, path: this.u64() };
  }
  data(): Uint8Array {
    const len = this.u32();
    const p = this.need(len);
    return this.bytes.subarray(p, p + len); // no copy: Twrite data goes straight to the back end
  }
  done(): void {
    if (this.pos !== this.end) throw new P9ProtocolError(EINVAL, "bytes left after the last field", this.tag);
  }
}

// A growable little-endian buffer for replies and requests.
export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;
  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }
  private room(n: number): number {
    if (this.length + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    const p = this.length;
    this.length += n;
    return p;
  }
  // Each takes its room before touching this.view: room() may replace the buffer.
  u8(v: number): void { const at = this.room(1); this.view.setUint8(at, v); }
  u16(v: number): void { const at = this.room(2); this.view.setUint16(at, v, true); }
  u32(v: number): void { const at = this.room(4); this.view.setUint32(at, v >>> 0, true); }
  u64(v: bigint): void { const at = this.room(8); this.view.setBigUint64(at, BigInt.asUintN(64, v), true); }
  str(s: string): void {
    const b = utf8Encoder.encode(s);
    if (b.length > 0xffff) throw new RangeError("9P string longer than 65535 bytes");
    this.u16(b.length);
    this.bytes(b);
  }
  qid(q: Qid): void { this.u8(q.type); this.u32(q.version); this.u64(q.path); }
  bytes(b: Uint8Array): void {
    const at = this.room(b.length);
    this.buf.set(b, at);
  }
  data(b: Uint8Array): void { this.u32(b.length); this.bytes(b); }
  patchU32(at: number, v: number): void { this.view.setUint32(at, v >>> 0, true); }
  finish(): Uint8Array { return this.buf.subarray(0, this.length); }
}

function writeField(w: Writer, type: FieldType, v: unknown): void {
  switch (type) {
    case "u8": w.u8(v as number); break;
    case "u16": w.u16(v as number); break;
    case "u32": w.u32(v as number); break;
    case "u64": w.u64(v as bigint); break;
    case "str": w.str(v as string); break;
    case "qid": w.qid(v as Qid); break;
    case "data": w.data(v as Uint8Array); break;
    case "strs": {
      const a = v as string[];
      w.u16(a.length);
      for (const s of a) w.str(s);
      break;
    }
    case "qids": {
      const a = v as Qid[];
      w.u16(a.length);
      for (const q of a) w.qid(q);
      break;
    }
  }
}

function readField(r: Reader, type: FieldType): unknown {
  switch (type) {
    case "u8": return r.u8();
    case "u16": return r.u16();
    case "u32": return r.u32();
    case "u64": return r.u64();
    case "str": return r.str();
    case "qid": return r.qid();
    case "data": return r.data();
    case "strs": {
      const n = r.u16();
      const a: string[] = [];
      for (let i = 0; i < n; i++) a.push(r.str());
      return a;
    }
    case "qids": {
      const n = r.u16();
      const a: Qid[] = [];
      for (let i = 0; i < n; i++) a.push(r.qid());
      return a;
    }
  }
}

// One message to bytes, size field included.
export function encode<N extends MessageName>(name: N, tag: number, body: Body<N>): Uint8Array {
  const [num, fields] = MESSAGES[name];
  const w = new Writer();
  w.u32(0);
  w.u8(num);
  w.u16(tag);
  const values = body as Record<string, unknown>;
  for (const [field, type] of fields) writeField(w, type, values[field]);
  w.patchU32(0, w.length);
  return w.finish();
}

export interface Header { size: number; type: number; tag: number }

// The fixed header, checked against the bytes actually present. A size field
// below 7 or beyond the buffer is refused; bytes after `size` are not part of
// the message (a transport may hand over a longer buffer).
export function decodeHeader(bytes: Uint8Array): Header {
  if (bytes.length < HEADER_SIZE) throw new P9ProtocolError(EINVAL, "message shorter than its header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = view.getUint32(0, true);
  const type = view.getUint8(4);
  const tag = view.getUint16(5, true);
  if (size < HEADER_SIZE || size > bytes.length) throw new P9ProtocolError(EINVAL, `bad size field ${size}`, tag);
  return { size, type, tag };
}

// The parser's entry point (and the fuzzer's): bytes to one typed message, or
// a P9ProtocolError; it throws nothing else. Every field must be present and
// the fields must fill the size exactly.
export function decode(bytes: Uint8Array): Message {
  const { size, type, tag } = decodeHeader(bytes);
  const name = BY_NUMBER.get(type);
  if (name === undefined) throw new P9ProtocolError(EOPNOTSUPP, `unknown message type ${type}`, tag);
  const r = new Reader(bytes, size, tag);
  const msg: Record<string, unknown> = { type: name, tag };
  for (const [field, ftype] of MESSAGES[name][1]) msg[field] = readField(r, ftype);
  r.done();
  return msg as Message;
}

// The UTF-8 length of a string, as it goes on the wire.
export function byteLength(s: string): number { return utf8Encoder.encode(s).length; }

// Reply helpers the server uses on its hot paths.
export function rlerror(tag: number, errno: number): Uint8Array { return encode("Rlerror", tag, { ecode: errno }); }
