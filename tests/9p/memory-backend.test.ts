// The page's in-memory shared folder: chunked contents, sparse files, a
// capacity, change events, and the page's own import/export.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { P9Server } from "../../src/9p/server.js";
import { CHUNK, MemoryBackend, type FileNode, type FsChange } from "../../src/9p/memory-backend.js";
import * as E from "../../src/9p/errno.js";
import { P9Client, O } from "./client.js";

async function connect(backend: MemoryBackend): Promise<P9Client> {
  const c = new P9Client(new P9Server(backend));
  await c.version();
  await c.attach(0);
  return c;
}

function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

const fileNode = (m: MemoryBackend, name: string) => m.root.entries.get(name) as FileNode;

test("contents are kept in chunks of at most CHUNK bytes; small files stay small", async () => {
  const m = new MemoryBackend();
  const c = await connect(m);
  await c.walk(0, 1, []);
  await c.lcreate(1, "big", O.RDWR);
  const data = pattern(3 * CHUNK + 5, 7);
  for (let off = 0; off < data.length; off += 40_000) await c.write(1, off, data.subarray(off, off + 40_000));
  const node = fileNode(m, "big");
  assert.equal(node.chunks.size, 4);
  for (const chunk of node.chunks.values()) assert.ok(chunk.length <= CHUNK);
  assert.deepEqual(await c.readAll(1), data);
  await c.walk(0, 2, []);
  await c.lcreate(2, "small", O.WRONLY);
  await c.write(2, 0, "ten bytes!");
  assert.equal(m.usedBytes, 3 * CHUNK + 64 + 64, "the 5-byte tail and the 10-byte file hold 64 bytes each");
  assert.equal(fileNode(m, "small").held, 64);
});

test("a 1 GiB sparse file is not one allocation; holes and truncated tails read as zeros", async () => {
  const m = new MemoryBackend({ capacity: 64 * 1024 * 1024 });
  const c = await connect(m);
  await c.walk(0, 1, []);
  await c.lcreate(1, "sparse", O.RDWR);
  await c.truncate(1, 2 ** 30);
  assert.equal((await c.getattr(1)).size, BigInt(2 ** 30));
  assert.equal(m.usedBytes, 0);
  await c.write(1, 2 ** 30 - 3, "end");
  assert.ok(m.usedBytes <= CHUNK);
  const mid = await c.read(1, 2 ** 29, 4096);
  assert.equal(mid.length, 4096);
  assert.ok(mid.every((b) => b === 0));
  assert.equal(new TextDecoder().decode(await c.read(1, 2 ** 30 - 3, 100)), "end");
  // Shrink into a chunk, then grow again: the cut bytes must not come back.
  await c.write(1, 0, pattern(1000, 3));
  await c.truncate(1, 10);
  await c.truncate(1, 1000);
  const back = await c.read(1, 0, 1000);
  assert.deepEqual(back.subarray(0, 10), pattern(1000, 3).subarray(0, 10));
  assert.ok(back.subarray(10).every((b) => b === 0));
  assert.ok((await c.getattr(1)).blocks < 10n, "blocks count what is held, not the size");
});

test("capacity: a write that does not fit is ENOSPC and changes nothing; removing frees the space", async () => {
  const m = new MemoryBackend({ capacity: 4 * CHUNK });
  const c = await connect(m);
  await c.walk(0, 1, []);
  await c.lcreate(1, "f", O.RDWR);
  await c.write(1, 0, pattern(3 * CHUNK, 1));
  assert.equal(await c.errno(c.write(1, 3 * CHUNK, pattern(2 * CHUNK, 2))), E.ENOSPC);
  assert.equal((await c.getattr(1)).size, BigInt(3 * CHUNK), "nothing of the failed write was kept");
  const st = await c.statfs(0);
  assert.equal(st.bfree, BigInt(CHUNK / 4096));
  // An unlinked file open elsewhere keeps its space until it is clunked.
  await c.unlinkat(0, "f");
  assert.equal(m.usedBytes, 3 * CHUNK);
  await c.clunk(1);
  assert.equal(m.usedBytes, 0);
  const few = new MemoryBackend({ maxNodes: 3 });
  const d = await connect(few);
  await d.mkdir(0, "a");
  await d.mkdir(0, "b");
  assert.equal(await d.errno(d.mkdir(0, "c")), E.ENOSPC, "the root and two directories fill maxNodes 3");
});

test("change events follow the guest live", async () => {
  const m = new MemoryBackend();
  const events: FsChange[] = [];
  m.onChange(() => { throw new Error("a broken listener"); }); // must not break the guest's calls
  const stop = m.onChange((e) => events.push(e));
  const c = await connect(m);
  await c.mkdir(0, "dir");
  await c.walk(0, 1, ["dir"]);
  await c.lcreate(1, "f", O.RDWR);
  await c.write(1, 0, "abc");
  await c.truncate(1, 1);
  await c.symlink(0, "ln", "dir/f");
  await c.renameat(0, "dir", 0, "moved");
  await c.walk(0, 2, ["moved"]);
  await c.unlinkat(2, "f");
  await c.write(1, 1, "z"); // an unlinked file is no longer shown: no event
  stop();
  await c.unlinkat(0, "ln");
  assert.deepEqual(events, [
    { type: "created", path: "/dir", kind: "dir" },
    { type: "created", path: "/dir/f", kind: "file" },
    { type: "written", path: "/dir/f", size: 3 },
    { type: "written", path: "/dir/f", size: 1 },
    { type: "created", path: "/ln", kind: "symlink" },
    { type: "renamed", from: "/dir", to: "/moved" },
    { type: "removed", path: "/moved/f", kind: "file" },
  ]);
});

test("importFile: the guest sees the whole file at once, or nothing; exportFile streams it back", async () => {
  const m = new MemoryBackend({ capacity: 8 * CHUNK });
  const events: FsChange[] = [];
  m.onChange((e) => events.push(e));
  const data = pattern(5 * CHUNK + 123, 11);
  async function* chunks(fail = false) {
    for (let off = 0; off < data.length; off += 50_000) {
      if (fail && off > 100_000) throw new Error("the dropped file could not be read");
      yield data.subarray(off, off + 50_000);
    }
  }
  await m.importFile("/in/deep/file.bin", chunks());
  assert.deepEqual(events.map((e) => e.type === "created" ? e.path : e.type), ["/in", "/in/deep", "/in/deep/file.bin"]);
  const c = await connect(m);
  await c.walk(0, 1, ["in", "deep", "file.bin"]);
  await c.lopen(1, O.RDONLY);
  const got = await c.readAll(1);
  assert.equal(createHash("sha256").update(got).digest("hex"), createHash("sha256").update(data).digest("hex"));
  await c.clunk(1);
  const out: Uint8Array[] = [];
  for await (const part of m.exportFile("in/deep/file.bin")) {
    assert.ok(part.length <= CHUNK);
    out.push(part);
  }
  assert.deepEqual(Buffer.concat(out), Buffer.from(data));
  // A failed import leaves nothing behind, not even its space.
  const used = m.usedBytes;
  events.length = 0;
  await assert.rejects(m.importFile("/in/partial.bin", chunks(true)), /could not be read/);
  assert.equal(m.usedBytes, used);
  assert.deepEqual(events, []);
  assert.equal((await c.walk(0, 2, ["in", "partial.bin"])).length, 1, "the walk stops at /in: no partial.bin");
  // One that does not fit: ENOSPC, nothing shown.
  await assert.rejects(m.importFile("/huge", [new Uint8Array(4 * CHUNK)]), (e: { errno: number }) => e.errno === E.ENOSPC);
  assert.equal(await c.errno(c.walk(0, 2, ["huge"])), E.ENOENT);
  // Replacing a file; refusing a directory; bad names.
  await m.importFile("/in/deep/file.bin", [new TextEncoder().encode("new")]);
  assert.equal(await c.readPath(0, ["in", "deep", "file.bin"]), "new");
  await assert.rejects(m.importFile("/in", [new Uint8Array(1)]), (e: { errno: number }) => e.errno === E.EISDIR);
  await assert.rejects(m.importFile("/a/../b", [new Uint8Array(1)]), (e: { errno: number }) => e.errno === E.EPERM);
  const listing = await m.list("/in/deep");
  assert.deepEqual(listing.map((e) => [e.name, e.attr.size]), [["file.bin", 3]]);
  assert.equal((await m.stat("/in")).kind, "dir");
});
