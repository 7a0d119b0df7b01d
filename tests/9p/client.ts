// A scripted 9P2000.L client for the tests: speaks to a P9Server the way
// Linux's v9fs does (one request at a time unless a test asks otherwise),
// and turns Rlerror into a thrown RemoteError carrying the errno.
import assert from "node:assert/strict";
import { decode, encode, NOFID, NOTAG, type Body, type Message, type MessageName, type Qid } from "../../src/9p/codec.js";
import type { P9Server } from "../../src/9p/server.js";

export class RemoteError extends Error {
  constructor(readonly errno: number, request: string) {
    super(`${request}: Rlerror ${errno}`);
  }
}

type TName = Extract<MessageName, `T${string}`>;
type RName<T extends TName> = T extends `T${infer R}` ? Extract<MessageName, `R${R}`> : never;

export interface DirEntry { qid: Qid; offset: bigint; dtype: number; name: string }

// Linux open flags as v9fs sends them (P9_DOTL_*).
export const O = { RDONLY: 0, WRONLY: 1, RDWR: 2, CREAT: 0o100, EXCL: 0o200, TRUNC: 0o1000, APPEND: 0o2000, DIRECTORY: 0o200000 };
export const S_IFMT = 0o170000, S_IFREG = 0o100000, S_IFDIR = 0o040000, S_IFLNK = 0o120000;

export class P9Client {
  private nextTag = 1;
  msize = 0;

  constructor(readonly server: P9Server) {}

  tag(): number {
    const t = this.nextTag;
    this.nextTag = (this.nextTag % 0xfffe) + 1;
    return t;
  }

  // Sends raw bytes and decodes the reply (which must always decode).
  async raw(bytes: Uint8Array): Promise<Message> {
    return decode(await this.server.handle(bytes));
  }

  async call<T extends TName>(name: T, body: Body<T>, tag = this.tag()): Promise<Message<RName<T>>> {
    const reply = await this.raw(encode(name, tag, body));
    assert.equal(reply.tag, tag, "reply tag");
    if (reply.type === "Rlerror") throw new RemoteError(reply.ecode, name);
    assert.equal(reply.type, "R" + name.slice(1));
    return reply as Message<RName<T>>;
  }

  // The errno a request fails with; fails the test if it succeeds.
  async errno(p: Promise<unknown>): Promise<number> {
    try {
      await p;
    } catch (e) {
      if (e instanceof RemoteError) return e.errno;
      throw e;
    }
    assert.fail("the request succeeded; an Rlerror was expected");
  }

  async version(msize = 512 * 1024, version = "9P2000.L"): Promise<Message<"Rversion">> {
    const r = await this.call("Tversion", { msize, version }, NOTAG);
    this.msize = r.msize;
    return r;
  }
  async attach(fid: number): Promise<Qid> {
    return (await this.call("Tattach", { fid, afid: NOFID, uname: "root", aname: "", nUname: 0 })).qid;
  }
  async walk(fid: number, newfid: number, wnames: string[]): Promise<Qid[]> {
    return (await this.call("Twalk", { fid, newfid, wnames })).wqids;
  }
  async lopen(fid: number, flags: number): Promise<Qid> { return (await this.call("Tlopen", { fid, flags })).qid; }
  async lcreate(fid: number, name: string, flags = O.RDWR, mode = 0o644): Promise<Qid> {
    return (await this.call("Tlcreate", { fid, name, flags, mode, gid: 0 })).qid;
  }
  async read(fid: number, offset: number | bigint, count: number): Promise<Uint8Array> {
    return (await this.call("Tread", { fid, offset: BigInt(offset), count })).data;
  }
  async write(fid: number, offset: number | bigint, data: Uint8Array | string): Promise<number> {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    return (await this.call("Twrite", { fid, offset: BigInt(offset), data: bytes })).count;
  }
  async clunk(fid: number): Promise<void> { await this.call("Tclunk", { fid }); }
  async remove(fid: number): Promise<void> { await this.call("Tremove", { fid }); }
  async mkdir(dfid: number, name: string, mode = 0o755): Promise<Qid> {
    return (await this.call("Tmkdir", { dfid, name, mode, gid: 0 })).qid;
  }
  async symlink(fid: number, name: string, symtgt: string): Promise<Qid> {
    return (await this.call("Tsymlink", { fid, name, symtgt, gid: 0 })).qid;
  }
  async readlink(fid: number): Promise<string> { return (await this.call("Treadlink", { fid })).target; }
  async link(dfid: number, fid: number, name: string): Promise<void> { await this.call("Tlink", { dfid, fid, name }); }
  async rename(fid: number, dfid: number, name: string): Promise<void> { await this.call("Trename", { fid, dfid, name }); }
  async renameat(olddirfid: number, oldname: string, newdirfid: number, newname: string): Promise<void> {
    await this.call("Trenameat", { olddirfid, oldname, newdirfid, newname });
  }
  async unlinkat(dirfid: number, name: string, flags = 0): Promise<void> { await this.call("Tunlinkat", { dirfid, name, flags }); }
  async getattr(fid: number): Promise<Message<"Rgetattr">> { return this.call("Tgetattr", { fid, requestMask: 0x3fffn }); }
  async setattr(fid: number, set: Partial<Omit<Body<"Tsetattr">, "fid">> & { valid: number }): Promise<void> {
    await this.call("Tsetattr", {
      fid, mode: 0, uid: 0, gid: 0, size: 0n, atimeSec: 0n, atimeNsec: 0n, mtimeSec: 0n, mtimeNsec: 0n, ...set,
    });
  }
  async truncate(fid: number, size: number): Promise<void> { await this.setattr(fid, { valid: 0x8, size: BigInt(size) }); }
  async statfs(fid: number): Promise<Message<"Rstatfs">> { return this.call("Tstatfs", { fid }); }

  // All entries of an opened directory, read `count` bytes at a time.
  async readdir(fid: number, count = 8192): Promise<DirEntry[]> {
    const out: DirEntry[] = [];
    let offset = 0n;
    for (;;) {
      const data = (await this.call("Treaddir", { fid, offset, count })).data;
      if (data.length === 0) return out;
      const entries = parseDirents(data);
      out.push(...entries);
      offset = entries[entries.length - 1].offset;
    }
  }

  // A whole file through fid (opened), read msize - 11 bytes at a time.
  async readAll(fid: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let offset = 0;
    for (;;) {
      const d = await this.read(fid, offset, this.msize - 11);
      if (d.length === 0) break;
      parts.push(d.slice());
      offset += d.length;
    }
    const all = new Uint8Array(offset);
    let at = 0;
    for (const p of parts) { all.set(p, at); at += p.length; }
    return all;
  }

  // Opens root/name... on a fresh fid, reads it whole, clunks it.
  async readPath(rootFid: number, path: string[], fid = 900): Promise<string> {
    await this.walk(rootFid, fid, path);
    await this.lopen(fid, O.RDONLY);
    const data = await this.readAll(fid);
    await this.clunk(fid);
    return new TextDecoder().decode(data);
  }
}

export function parseDirents(data: Uint8Array): DirEntry[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: DirEntry[] = [];
  let p = 0;
  while (p < data.length) {
    const qid = { type: view.getUint8(p), version: view.getUint32(p + 1, true), path: view.getBigUint64(p + 5, true) };
    const offset = view.getBigUint64(p + 13, true);
    const dtype = view.getUint8(p + 21);
    const len = view.getUint16(p + 22, true);
    const name = new TextDecoder().decode(data.subarray(p + 24, p + 24 + len));
    out.push({ qid, offset, dtype, name });
    p += 24 + len;
  }
  assert.equal(p, data.length, "dirents fill the reply exactly");
  return out;
}
