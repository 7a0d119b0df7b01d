// Malformed and misused messages: each gets one Rlerror with the errno Linux
// would use, and the session goes on working afterwards.
import { test } from "node:test";
import assert from "node:assert/strict";
import { P9Server } from "../../src/9p/server.js";
import { MemoryBackend } from "../../src/9p/memory-backend.js";
import { encode, NOFID, NOTAG, type Message } from "../../src/9p/codec.js";
import * as E from "../../src/9p/errno.js";
import { P9Client, O } from "./client.js";

async function fresh(options?: ConstructorParameters<typeof P9Server>[1]): Promise<P9Client> {
  const c = new P9Client(new P9Server(new MemoryBackend(), options));
  await c.version();
  await c.attach(0);
  return c;
}

function lerror(m: Message): number {
  assert.equal(m.type, "Rlerror", `expected Rlerror, got ${m.type}`);
  return (m as Message<"Rlerror">).ecode;
}

test("Tversion: msize capped, minimum enforced, unknown versions answered 'unknown', a new session drops the fids", async () => {
  const c = new P9Client(new P9Server(new MemoryBackend(), { msizeCap: 128 * 1024 }));
  assert.equal(lerror(await c.raw(encode("Tattach", 1, { fid: 0, afid: NOFID, uname: "", aname: "", nUname: 0 }))), E.EPROTO,
    "nothing before Tversion");
  assert.equal((await c.version(1 << 20)).msize, 128 * 1024);
  assert.equal((await c.version(8192)).msize, 8192);
  const v = await c.version(65536, "9P2000.u");
  assert.equal(v.version, "unknown");
  assert.equal(await c.errno(c.version(1000)), E.EMSGSIZE);
  await c.version(65536);
  await c.attach(0);
  await c.walk(0, 1, []);
  await c.version(65536);
  assert.equal(await c.errno(c.clunk(1)), E.EBADF, "Tversion clunked every fid");
});

test("bad sizes, truncation, trailing bytes, unknown types, R-messages, bad UTF-8", async () => {
  const c = await fresh();
  const tag = 77;
  // Shorter than a header: no tag to answer with, so NOTAG.
  const tiny = await c.raw(new Uint8Array([5, 0, 0]));
  assert.equal(lerror(tiny), E.EINVAL);
  assert.equal(tiny.tag, NOTAG);
  const good = encode("Tgetattr", tag, { fid: 0, requestMask: 0x7ffn });
  const withSize = (b: Uint8Array, size: number) => { const x = b.slice(); new DataView(x.buffer).setUint32(0, size, true); return x; };
  for (const size of [0, 6, good.length + 1, 0xffffffff]) {
    const r = await c.raw(withSize(good, size));
    assert.equal(lerror(r), E.EINVAL, `size field ${size}`);
    assert.equal(r.tag, tag);
  }
  // The size field claims less than the fields need: truncated.
  assert.equal(lerror(await c.raw(withSize(good, good.length - 3).subarray(0, good.length - 3))), E.EINVAL);
  // Bytes after the last field, inside the size.
  const padded = new Uint8Array(good.length + 2);
  padded.set(good);
  assert.equal(lerror(await c.raw(withSize(padded, padded.length))), E.EINVAL);
  // A transport may hand over a longer buffer than the message: only `size` bytes count.
  assert.equal((await c.raw(padded)).type, "Rgetattr");
  // Unknown type, an R-message sent as a request, and a 9P2000 request .L does not serve.
  const unknown = good.slice(); unknown[4] = 200;
  assert.equal(lerror(await c.raw(unknown)), E.EOPNOTSUPP);
  assert.equal(lerror(await c.raw(encode("Rclunk", tag, {}))), E.EOPNOTSUPP);
  const topen = good.slice(0, 12); topen[4] = 112; topen[11] = 0; new DataView(topen.buffer).setUint32(0, 12, true);
  assert.equal(lerror(await c.raw(topen)), E.EOPNOTSUPP);
  // A string whose length runs past the message.
  const walk = encode("Twalk", tag, { fid: 0, newfid: 1, wnames: ["abc"] });
  new DataView(walk.buffer).setUint16(walk.length - 5, 400, true);
  assert.equal(lerror(await c.raw(walk)), E.EINVAL);
  // A name that is not UTF-8.
  const bad = encode("Twalk", tag, { fid: 0, newfid: 1, wnames: ["abc"] });
  bad[bad.length - 1] = 0xff;
  assert.equal(lerror(await c.raw(bad)), E.EILSEQ);
  // A message larger than the agreed msize.
  await c.version(4096);
  await c.attach(0);
  await c.walk(0, 1, []);
  await c.lcreate(1, "f", O.RDWR);
  assert.equal(await c.errno(c.write(1, 0, new Uint8Array(5000))), E.EMSGSIZE);
  assert.equal(await c.write(1, 0, new Uint8Array(4096 - 23)), 4096 - 23, "msize - 23 bytes of data fit");
  // The session still works.
  assert.equal((await c.getattr(0)).type, "Rgetattr");
});

test("fids: unknown, in use, wrong kind, not open, bounded table", async () => {
  const c = await fresh({ maxFids: 4 });
  assert.equal(await c.errno(c.getattr(9)), E.EBADF);
  assert.equal(await c.errno(c.clunk(9)), E.EBADF);
  assert.equal(await c.errno(c.walk(9, 1, [])), E.EBADF);
  await c.walk(0, 1, []);
  assert.equal(await c.errno(c.walk(0, 1, [])), E.EINVAL, "newfid in use");
  assert.equal(await c.errno(c.attach(1)), E.EINVAL, "attach on a fid in use");
  assert.equal(await c.errno(c.walk(0, NOFID, [])), E.EINVAL, "NOFID is not a fid");
  assert.equal(await c.errno(c.call("Tattach", { fid: 5, afid: 3, uname: "", aname: "", nUname: 0 })), E.EBADF, "no auth fids");
  assert.equal(await c.errno(c.call("Tauth", { afid: 3, uname: "root", aname: "", nUname: 0 })), E.EOPNOTSUPP);
  assert.equal(await c.errno(c.read(1, 0, 10)), E.EBADF, "read on an unopened fid");
  assert.equal(await c.errno(c.write(1, 0, "x")), E.EBADF);
  assert.equal(await c.errno(c.call("Treaddir", { fid: 1, offset: 0n, count: 100 })), E.EBADF);
  assert.equal(await c.errno(c.call("Tfsync", { fid: 1, datasync: 0 })), E.EBADF);
  await c.lopen(1, O.RDONLY);
  assert.equal(await c.errno(c.lopen(1, O.RDONLY)), E.EBADF, "already open");
  assert.equal(await c.errno(c.read(1, 0, 10)), E.EISDIR, "Tread on a directory");
  assert.equal(await c.errno(c.walk(1, 1, [])), E.EBADF, "walk onto an open fid");
  assert.equal(await c.errno(c.lcreate(1, "x")), E.EBADF, "create from an open fid");
  await c.walk(0, 2, []);
  assert.equal(await c.errno(c.lopen(2, O.RDWR)), E.EISDIR, "a directory opened for writing");
  assert.equal(await c.errno(c.lopen(2, 3)), E.EINVAL, "access mode 3");
  await c.lcreate(2, "f", O.WRONLY);
  assert.equal(await c.errno(c.read(2, 0, 10)), E.EBADF, "read on a write-only fid");
  assert.equal(await c.errno(c.call("Treaddir", { fid: 2, offset: 0n, count: 100 })), E.ENOTDIR);
  assert.equal(await c.errno(c.walk(2, 3, ["x"])), E.ENOTDIR, "walk from a file");
  assert.equal(await c.errno(c.mkdir(2, "d")), E.ENOTDIR);
  await c.walk(0, 3, ["f"]);
  await c.lopen(3, O.RDONLY);
  assert.equal(await c.errno(c.write(3, 0, "x")), E.EBADF, "write on a read-only fid");
  assert.equal(await c.errno(c.lopen(2, O.RDONLY)), E.EBADF, "already open");
  await c.clunk(3);
  await c.call("Txattrwalk", { fid: 0, newfid: 4, name: "" }); // fids 0, 1, 2, 4
  assert.equal(await c.errno(c.walk(0, 5, [])), E.EMFILE, "a fifth fid is refused (maxFids 4)");
  assert.equal(await c.errno(c.getattr(4)), E.EBADF, "an xattr fid is not a file");
  assert.equal(await c.errno(c.write(4, 0, "x")), E.EBADF);
  await c.clunk(4);
  await c.walk(0, 5, ["f"]);
  assert.equal(await c.errno(c.lopen(5, O.RDONLY | O.DIRECTORY)), E.ENOTDIR);
});

test("names: '/', NUL, '.', '..', empty, too long, too many walk elements", async () => {
  const c = await fresh();
  await c.mkdir(0, "d");
  const long = "n".repeat(256);
  for (const [name, walkErr, createErr] of [
    ["a/b", E.EINVAL, E.EINVAL], ["../etc", E.EINVAL, E.EINVAL], ["a\0b", E.EINVAL, E.EINVAL], ["", E.EINVAL, E.EINVAL],
    ["..", E.EPERM, E.EEXIST], [".", E.EPERM, E.EEXIST], [long, E.ENAMETOOLONG, E.ENAMETOOLONG],
  ] as const) {
    assert.equal(await c.errno(c.walk(0, 1, [name])), walkErr, `walk ${JSON.stringify(name)}`);
    assert.equal(await c.errno(c.walk(0, 1, ["d", name])), walkErr, `walk d/${JSON.stringify(name)}`);
    assert.equal(await c.errno(c.mkdir(0, name)), createErr, `mkdir ${JSON.stringify(name)}`);
    await c.walk(0, 2, []);
    assert.equal(await c.errno(c.lcreate(2, name)), createErr, `lcreate ${JSON.stringify(name)}`);
    await c.clunk(2);
    assert.equal(await c.errno(c.symlink(0, name, "x")), createErr);
    assert.equal(await c.errno(c.unlinkat(0, name)), name === long ? E.ENAMETOOLONG : E.EINVAL);
    assert.equal(await c.errno(c.renameat(0, "d", 0, name)), name === long ? E.ENAMETOOLONG : E.EINVAL);
  }
  assert.equal(await c.errno(c.walk(0, 1, ["n".repeat(255)])), E.ENOENT, "255 bytes is a valid length");
  const multibyte = "é".repeat(128); // 256 bytes in UTF-8
  assert.equal(await c.errno(c.mkdir(0, multibyte)), E.ENAMETOOLONG);
  assert.equal(await c.errno(c.walk(0, 1, Array(17).fill("d"))), E.EINVAL, "more than MAXWELEM");
  assert.equal(await c.errno(c.symlink(0, "s", "a\0b")), E.EINVAL);
  assert.equal(await c.errno(c.symlink(0, "s", "")), E.ENOENT);
  assert.equal(await c.errno(c.symlink(0, "s", "x".repeat(4096))), E.ENAMETOOLONG);
  assert.equal(await c.errno(c.mkdir(0, "d")), E.EEXIST);
  assert.equal(await c.errno(c.call("Tunlinkat", { dirfid: 0, name: "d", flags: 0x1 })), E.EINVAL, "unknown unlinkat flags");
});

test("walk: partial walks return the qids so far and make no fid", async () => {
  const c = await fresh();
  await c.mkdir(0, "a");
  await c.walk(0, 1, ["a"]);
  await c.lcreate(1, "file");
  await c.clunk(1);
  const qids = await c.walk(0, 2, ["a", "missing", "x"]);
  assert.equal(qids.length, 1);
  assert.equal(await c.errno(c.clunk(2)), E.EBADF, "no newfid after a partial walk");
  const q2 = await c.walk(0, 2, ["a", "file", "below"]);
  assert.equal(q2.length, 2, "stops at the file: ENOTDIR for what follows");
  assert.equal(await c.errno(c.clunk(2)), E.EBADF);
  assert.equal(await c.errno(c.walk(0, 2, ["missing"])), E.ENOENT, "the first element fails: an error");
  // Walking a fid onto itself replaces it.
  await c.walk(0, 3, []);
  await c.walk(3, 3, ["a", "file"]);
  assert.equal((await c.getattr(3)).size, 0n);
});

test("huge counts are clamped to msize; readdir with a count too small for one entry is EINVAL", async () => {
  const c = await fresh();
  await c.version(8192);
  await c.attach(0);
  await c.walk(0, 1, []);
  await c.lcreate(1, "big", O.RDWR);
  for (let off = 0; off < 20000; off += 8000) await c.write(1, off, new Uint8Array(8000).fill(7));
  const d = await c.read(1, 0, 0xffffffff);
  assert.equal(d.length, 8192 - 11);
  await c.walk(0, 2, []);
  await c.lopen(2, O.RDONLY);
  assert.equal(await c.errno(c.call("Treaddir", { fid: 2, offset: 0n, count: 10 })), E.EINVAL);
  const all = await c.call("Treaddir", { fid: 2, offset: 0n, count: 0xffffffff });
  assert.ok(all.data.length > 0 && all.data.length <= 8192 - 11);
  const past = await c.call("Treaddir", { fid: 2, offset: 1n << 60n, count: 4096 });
  assert.equal(past.data.length, 0);
  assert.equal(await c.errno(c.write(1, (1n << 63n), "x")), E.EFBIG);
  assert.equal(await c.errno(c.setattr(1, { valid: 0x8, size: 1n << 62n })), E.EFBIG, "past 2^53");
  assert.equal(await c.errno(c.truncate(1, 2 ** 44)), E.EFBIG, "past the memory back end's 8 TiB");
});

test("Tflush answers after the request it names, and a flush of itself at once", async () => {
  const backend = new MemoryBackend();
  const server = new P9Server(backend);
  const c = new P9Client(server);
  await c.version();
  await c.attach(0);
  await c.walk(0, 1, []);
  await c.lcreate(1, "f", O.RDWR);
  // Hold the back end's next read until we release it.
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const order: string[] = [];
  const getattr = backend.getattr.bind(backend);
  backend.getattr = async (p) => { await gate; return getattr(p); };
  const slow = server.handle(encode("Tgetattr", 50, { fid: 0, requestMask: 0x7ffn })).then((r) => { order.push("getattr"); return r; });
  const flush = server.handle(encode("Tflush", 51, { oldtag: 50 })).then((r) => { order.push("flush"); return r; });
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(order, [], "the flush waits for the request it names");
  release();
  await Promise.all([slow, flush]);
  assert.deepEqual(order, ["getattr", "flush"]);
  backend.getattr = getattr;
  const self = await c.raw(encode("Tflush", 52, { oldtag: 52 }));
  assert.equal(self.type, "Rflush");
  const none = await c.raw(encode("Tflush", 53, { oldtag: 999 }));
  assert.equal(none.type, "Rflush");
});

test("concurrent requests for one newfid: exactly one wins", async () => {
  const c = await fresh();
  await c.mkdir(0, "a");
  const tries = await Promise.allSettled([1, 2, 3].map((i) => c.call("Twalk", { fid: 0, newfid: 7, wnames: ["a"] }, 100 + i)));
  assert.equal(tries.filter((t) => t.status === "fulfilled").length, 1);
  for (const t of tries) if (t.status === "rejected") assert.equal((t.reason as { errno: number }).errno, E.EINVAL);
});
