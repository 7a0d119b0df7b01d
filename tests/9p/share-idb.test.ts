// The page's shared folder over IndexedDB (fake-indexeddb here; the same
// code runs in Chromium in e2e/files.test.ts): it outlives the session that
// wrote it, imports are linked whole or not at all, a failed or cancelled
// import and a full folder leave nothing behind, orphans of a session that
// died are collected, changes reach another instance on the channel, and a
// file unlinked while open stays readable until closed.
import "fake-indexeddb/auto";
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { P9Server } from "../../src/9p/server.js";
import { ENOENT, ENOSPC, ECANCELED, FsError } from "../../src/9p/errno.js";
import { IdbShare, CHUNK, type ShareChange } from "../../src/web/share-idb.js";
import { P9Client, O, RemoteError } from "./client.js";

const te = new TextEncoder();
const dbName = () => `share-test-${Math.random().toString(36).slice(2)}`;

// `total` bytes of a pattern, in pieces of `piece` bytes, never all at once.
async function* pattern(total: number, piece = 100_000, fail?: { at: number }): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < total; at += piece) {
    if (fail && at >= fail.at) throw new Error("the file could not be read (NotReadableError)");
    const n = Math.min(piece, total - at);
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = ((at + i) * 31 + ((at + i) >> 13)) & 0xff;
    yield b;
  }
}
async function digest(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const h = createHash("sha256");
  for await (const c of chunks) h.update(c);
  return h.digest("hex");
}

async function guest(share: IdbShare): Promise<P9Client> {
  const c = new P9Client(new P9Server(share));
  await c.version(256 * 1024);
  await c.attach(0);
  return c;
}

async function inodeCount(name: string): Promise<number> {
  const db = await new Promise<IDBDatabase>((res, rej) => { const r = indexedDB.open(name); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
  const n = await new Promise<number>((res) => { const r = db.transaction("inodes").objectStore("inodes").count(); r.onsuccess = () => res(r.result); });
  db.close();
  return n;
}

test("what the guest writes is kept: a new session (a reload) finds the files, directories and bytes", async () => {
  const name = dbName();
  let share = await IdbShare.open(name, { channel: false });
  let c = await guest(share);
  await c.walk(0, 1, []);
  await c.mkdir(1, "docs");
  await c.walk(0, 2, ["docs"]);
  await c.lcreate(2, "a.txt", O.RDWR);
  const body = new Uint8Array(3 * CHUNK + 123).map((_, i) => i * 7);
  for (let at = 0; at < body.length; at += 50_000) await c.write(2, at, body.subarray(at, at + 50_000));
  await c.clunk(2);
  await c.walk(0, 3, []);
  await c.symlink(3, "link", "docs/a.txt");
  await share.close();

  share = await IdbShare.open(name, { channel: false });
  c = await guest(share);
  assert.deepEqual((await share.list("/")).map((e) => e.name).sort(), ["docs", "link"]);
  assert.equal((await share.stat("/docs/a.txt")).size, body.length);
  const back = new Uint8Array(body.length);
  let at = 0;
  for await (const piece of share.exportFile("/docs/a.txt")) { back.set(piece, at); at += piece.length; }
  assert.deepEqual(back, body);
  await c.walk(0, 4, ["link"]);
  assert.equal(await c.readlink(4), "docs/a.txt");
  await share.close();
});

test("an import is invisible until its last byte is in, then whole; 20 MiB streamed in and out with the same SHA-256", async () => {
  const name = dbName();
  const share = await IdbShare.open(name, { channel: false });
  const c = await guest(share);
  const total = 20 * 2 ** 20 + 777;
  const expected = await digest(pattern(total));
  // Midway through the stream (half the bytes already stored): neither the
  // panel's listing nor the guest's walk finds anything.
  let checked = false;
  async function* watched(): AsyncGenerator<Uint8Array> {
    let sent = 0;
    for await (const piece of pattern(total)) {
      if (!checked && sent > total / 2) {
        checked = true;
        assert.deepEqual(await share.list("/"), []);
        assert.equal(await c.errno(c.walk(0, 9, ["in"])), ENOENT);
        assert.ok((await share.usedBytes()) > total / 3, "the bytes so far are stored, not held");
      }
      sent += piece.length;
      yield piece;
    }
  }
  await share.importFile("/in/big.bin", watched());
  assert.ok(checked);
  assert.equal((await share.stat("/in/big.bin")).size, total);
  assert.equal(await digest(share.exportFile("/in/big.bin")), expected);
  // The guest reads it whole through 9P.
  await c.walk(0, 1, ["in", "big.bin"]);
  await c.lopen(1, O.RDONLY);
  const h = createHash("sha256");
  for (let off = 0; ; ) {
    const d = await c.read(1, off, 256 * 1024 - 11);
    if (d.length === 0) break;
    h.update(d);
    off += d.length;
  }
  assert.equal(h.digest("hex"), expected);
  await share.close();
});

test("an import that fails to read, is cancelled, or does not fit leaves nothing: no entry, no bytes, no inode", async () => {
  const name = dbName();
  const share = await IdbShare.open(name, { channel: false, capacity: 4 * 2 ** 20 });
  const baseInodes = await inodeCount(name);
  await assert.rejects(share.importFile("/broken.bin", pattern(3 * 2 ** 20, 100_000, { at: 2 * 2 ** 20 })), /could not be read/);
  const ac = new AbortController();
  await assert.rejects(share.importFile("/cancelled.bin", pattern(3 * 2 ** 20), { signal: ac.signal, onProgress: (n) => { if (n > 2 ** 20) ac.abort(); } }),
    (e: unknown) => e instanceof FsError && e.errno === ECANCELED);
  await assert.rejects(share.importFile("/too-big.bin", pattern(5 * 2 ** 20)), (e: unknown) => e instanceof FsError && e.errno === ENOSPC);
  assert.deepEqual(await share.list("/"), []);
  assert.equal(await share.usedBytes(), 0);
  assert.equal(await inodeCount(name), baseInodes);
  // A file that fits goes in; replacing it with a failed import keeps the old one.
  await share.importFile("/ok.txt", [te.encode("first")]);
  await assert.rejects(share.importFile("/ok.txt", pattern(3 * 2 ** 20, 100_000, { at: 2 ** 20 })));
  assert.equal(new TextDecoder().decode((await share.exportFile("/ok.txt").next()).value as Uint8Array), "first");
  // The guest's writes past the capacity: ENOSPC, and the file keeps what fitted.
  const c = await guest(share);
  await c.walk(0, 1, []);
  await c.lcreate(1, "fill", O.RDWR);
  const errno = await c.errno((async () => { for (let at = 0; ; at += 200_000) await c.write(1, at, new Uint8Array(200_000)); })());
  assert.equal(errno, ENOSPC);
  assert.ok((await share.usedBytes()) <= 4 * 2 ** 20);
  await share.close();
});

test("the orphans of a session that died (a tab closed mid-import) are collected when the next one opens", async () => {
  const name = dbName();
  const a = await IdbShare.open(name, { channel: false });
  const base = await inodeCount(name);
  // An import that stops forever midway; session a is then abandoned.
  let stalled!: () => void;
  const stallHere = new Promise<void>((r) => { stalled = r; });
  const never = new Promise<never>(() => {});
  async function* hang(): AsyncGenerator<Uint8Array> { yield new Uint8Array(2 * 2 ** 20).fill(1); stalled(); await never; }
  void a.importFile("/half.bin", hang()).catch(() => undefined);
  await stallHere;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(await inodeCount(name), base + 1, "the import's inode exists, unnamed");
  // A new session that knows a's session is gone (its Web Lock is not held).
  const b = await IdbShare.open(name, { channel: false, sessionAlive: async (id) => id !== a.session });
  assert.equal(await inodeCount(name), base);
  assert.equal(await b.usedBytes(), 0);
  await b.close();
});

test("changes reach another instance on the channel; a file unlinked while open is read to the end, then freed", async () => {
  const name = dbName();
  const a = await IdbShare.open(name);
  const b = await IdbShare.open(name);
  const heard: ShareChange[] = [];
  b.onChange((ch) => heard.push(ch));
  const c = await guest(a);
  await c.walk(0, 1, []);
  await c.lcreate(1, "note.txt", O.RDWR);
  await c.write(1, 0, "hello from the guest");
  await c.walk(0, 2, []);
  await c.mkdir(2, "d");
  await c.renameat(0, "note.txt", 0, "moved.txt");
  for (let i = 0; i < 100 && heard.length < 4; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(heard.filter((h) => h.type !== "written"), [
    { type: "created", path: "/note.txt", kind: "file" },
    { type: "created", path: "/d", kind: "dir" },
    { type: "renamed", from: "/note.txt", to: "/moved.txt" },
  ]);
  assert.ok(heard.some((h) => h.type === "written"), "writes are announced (coalesced)");
  // Unlink while open (fid 1 is still open on the file).
  await c.unlinkat(0, "moved.txt");
  assert.equal(new TextDecoder().decode(await c.read(1, 0, 100)), "hello from the guest");
  assert.ok((await a.usedBytes()) > 0);
  await c.clunk(1);
  assert.equal(await a.usedBytes(), 0);
  const e = await c.errno(c.walk(0, 3, ["moved.txt"]));
  assert.equal(e, ENOENT);
  await a.close();
  await b.close();
  assert.ok(RemoteError);
});
