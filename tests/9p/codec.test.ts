// The 9P2000.L codec: every message round-trips, byte layouts match the
// spec's examples, and bad input is only ever a P9ProtocolError.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decode, encode, P9ProtocolError, NOFID, NOTAG, TYPE_NUMBER, type Message, type MessageName } from "../../src/9p/codec.js";
import { mutate, seedCorpus, seededRandom } from "../../src/9p/fuzz.js";
import * as E from "../../src/9p/errno.js";

const qid = { type: 0x80, version: 3, path: 0x0123456789abcdefn };
// One sample of every message in the table, every field set to something distinct.
const samples: { [N in MessageName]: Omit<Message<N>, "type" | "tag"> } = {
  Rlerror: { ecode: 2 },
  Tstatfs: { fid: 1 },
  Rstatfs: { fsType: 0x01021997, bsize: 4096, blocks: 10n, bfree: 9n, bavail: 8n, files: 7n, ffree: 6n, fsid: 5n, namelen: 255 },
  Tlopen: { fid: 1, flags: 0o2 },
  Rlopen: { qid, iounit: 0 },
  Tlcreate: { fid: 1, name: "f", flags: 0o102, mode: 0o644, gid: 0 },
  Rlcreate: { qid, iounit: 4096 },
  Tsymlink: { fid: 1, name: "s", symtgt: "/t", gid: 1 },
  Rsymlink: { qid },
  Tmknod: { dfid: 1, name: "n", mode: 0o20644, major: 1, minor: 3, gid: 0 },
  Rmknod: { qid },
  Trename: { fid: 1, dfid: 2, name: "r" },
  Rrename: {},
  Treadlink: { fid: 1 },
  Rreadlink: { target: "tgt" },
  Tgetattr: { fid: 1, requestMask: 0x3fffn },
  Rgetattr: { valid: 0x7ffn, qid, mode: 0o100644, uid: 1, gid: 2, nlink: 3n, rdev: 4n, size: 5n, blksize: 6n, blocks: 7n,
    atimeSec: 8n, atimeNsec: 9n, mtimeSec: 10n, mtimeNsec: 11n, ctimeSec: 12n, ctimeNsec: 13n, btimeSec: 14n, btimeNsec: 15n,
    gen: 16n, dataVersion: 17n },
  Tsetattr: { fid: 1, valid: 0x1ff, mode: 0o644, uid: 2, gid: 3, size: 4n, atimeSec: 5n, atimeNsec: 6n, mtimeSec: 7n, mtimeNsec: 8n },
  Rsetattr: {},
  Txattrwalk: { fid: 1, newfid: 2, name: "user.x" },
  Rxattrwalk: { size: 9n },
  Txattrcreate: { fid: 1, name: "user.x", attrSize: 3n, flags: 1 },
  Rxattrcreate: {},
  Treaddir: { fid: 1, offset: 2n, count: 3 },
  Rreaddir: { data: new Uint8Array([1, 2, 3]) },
  Tfsync: { fid: 1, datasync: 1 },
  Rfsync: {},
  Tlock: { fid: 1, lockType: 1, flags: 1, start: 2n, length: 3n, procId: 4, clientId: "c" },
  Rlock: { status: 0 },
  Tgetlock: { fid: 1, lockType: 0, start: 2n, length: 3n, procId: 4, clientId: "c" },
  Rgetlock: { lockType: 2, start: 2n, length: 3n, procId: 4, clientId: "c" },
  Tlink: { dfid: 1, fid: 2, name: "l" },
  Rlink: {},
  Tmkdir: { dfid: 1, name: "d", mode: 0o755, gid: 0 },
  Rmkdir: { qid },
  Trenameat: { olddirfid: 1, oldname: "a", newdirfid: 2, newname: "b" },
  Rrenameat: {},
  Tunlinkat: { dirfid: 1, name: "u", flags: 0x200 },
  Runlinkat: {},
  Tversion: { msize: 8192, version: "9P2000.L" },
  Rversion: { msize: 8192, version: "9P2000.L" },
  Tauth: { afid: 1, uname: "u", aname: "a", nUname: 0 },
  Rauth: { aqid: qid },
  Tattach: { fid: 1, afid: NOFID, uname: "u", aname: "", nUname: 0 },
  Rattach: { qid },
  Tflush: { oldtag: 5 },
  Rflush: {},
  Twalk: { fid: 1, newfid: 2, wnames: ["a", "b", "ü"] },
  Rwalk: { wqids: [qid, { ...qid, type: 0 }] },
  Tread: { fid: 1, offset: 2n, count: 3 },
  Rread: { data: new Uint8Array([9, 8, 7]) },
  Twrite: { fid: 1, offset: 0xffffffffffn, data: new Uint8Array([1, 2]) },
  Rwrite: { count: 2 },
  Tclunk: { fid: 1 },
  Rclunk: {},
  Tremove: { fid: 1 },
  Rremove: {},
};

test("every message round-trips through encode and decode", () => {
  for (const name of Object.keys(samples) as MessageName[]) {
    const body = samples[name];
    const bytes = encode(name, 42, body as never);
    assert.equal(new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true), bytes.length, `${name} size field`);
    assert.equal(bytes[4], TYPE_NUMBER[name]);
    const back = decode(bytes);
    assert.deepEqual(back, { type: name, tag: 42, ...body }, name);
  }
});

test("byte layouts match the spec: Tversion and Rlerror", () => {
  // size[4] Tversion tag[2] msize[4] version[s], from diod's protocol.md sample session
  const v = encode("Tversion", NOTAG, { msize: 65512, version: "9P2000.L" });
  assert.deepEqual([...v], [21, 0, 0, 0, 100, 0xff, 0xff, 0xe8, 0xff, 0, 0, 8, 0, ...new TextEncoder().encode("9P2000.L")]);
  assert.deepEqual([...encode("Rlerror", 1, { ecode: 2 })], [11, 0, 0, 0, 7, 1, 0, 2, 0, 0, 0]);
  // qid: type[1] version[4] path[8]
  const a = encode("Rattach", 1, { qid });
  assert.deepEqual([...a.subarray(7)], [0x80, 3, 0, 0, 0, 0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01]);
});

test("bad input: short, bad size, truncated at every byte, trailing bytes, unknown type, bad UTF-8", () => {
  const expectError = (bytes: Uint8Array, errno: number, what: string) => {
    assert.throws(() => decode(bytes), (e: unknown) => e instanceof P9ProtocolError && e.errno === errno, what);
  };
  expectError(new Uint8Array(0), E.EINVAL, "empty");
  expectError(new Uint8Array([7, 0, 0, 0, 100, 0]), E.EINVAL, "six bytes");
  const m = encode("Tlcreate", 3, { fid: 1, name: "name", flags: 0, mode: 0o644, gid: 0 });
  for (let len = 7; len < m.length; len++) {
    const t = m.slice(0, len);
    new DataView(t.buffer).setUint32(0, len, true);
    expectError(t, E.EINVAL, `truncated to ${len}`);
    // The size field says more than is there.
    expectError(m.slice(0, len), E.EINVAL, `size beyond the buffer at ${len}`);
  }
  const long = new Uint8Array(m.length + 1);
  long.set(m);
  new DataView(long.buffer).setUint32(0, long.length, true);
  expectError(long, E.EINVAL, "trailing byte");
  const unknown = m.slice();
  unknown[4] = 99;
  expectError(unknown, E.EOPNOTSUPP, "unknown type");
  const badUtf8 = m.slice();
  badUtf8[7 + 4 + 2] = 0xc3; // "name" -> a lone lead byte
  badUtf8[7 + 4 + 3] = 0x28;
  expectError(badUtf8, E.EILSEQ, "not UTF-8");
  try { decode(unknown); } catch (e) { assert.equal((e as P9ProtocolError).tag, 3, "the tag is kept for the Rlerror"); }
  // A count larger than the message: Twrite claiming 1 MiB of data.
  const w = encode("Twrite", 1, { fid: 1, offset: 0n, data: new Uint8Array(4) });
  new DataView(w.buffer).setUint32(7 + 4 + 8, 1 << 20, true);
  expectError(w, E.EINVAL, "data count past the end");
  // Twalk claiming 65535 names.
  const wk = encode("Twalk", 1, { fid: 1, newfid: 2, wnames: [] });
  new DataView(wk.buffer).setUint16(15, 0xffff, true);
  expectError(wk, E.EINVAL, "nwname past the end");
});

test("the parser's fuzz entry point throws only P9ProtocolError (fixed seed, 20,000 inputs)", () => {
  const rnd = seededRandom(0x5eed9);
  const corpus = seedCorpus();
  let decoded = 0, refused = 0;
  for (let i = 0; i < 20_000; i++) {
    const input = mutate(corpus[Math.floor(rnd() * corpus.length)], rnd, corpus);
    try {
      decode(input);
      decoded++;
    } catch (e) {
      if (!(e instanceof P9ProtocolError)) throw new Error(`decode threw ${String(e)} on ${Buffer.from(input).toString("hex")}`);
      refused++;
    }
  }
  assert.ok(decoded > 1000 && refused > 1000, `both outcomes reached (decoded ${decoded}, refused ${refused})`);
});
