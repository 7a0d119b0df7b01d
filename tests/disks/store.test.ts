// The disk store and the copy-on-write overlay over the file back end:
// imports (and every way they can fail), read-through, writes, reset,
// durability (one durable commit per flush, atomic batches, a crash in the
// middle of a batch), checksums, the in-memory fallback, pins, remote bases.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync, openSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { ChunkChecksumError } from "../../src/disks/base-format.js";
import { DiskImportError } from "../../src/disks/disk-store.js";
import { DiskBusyError, DiskStoreError, StorageFailedError } from "../../src/disks/store-backend.js";
import type { DiskEvent } from "../../src/disks/overlay-disk.js";
import { openFileStore } from "../../src/node/disk-files.js";
import { freshStore, patternImage, streamOf } from "./helpers.js";

const MiB = 1024 * 1024;
const hex = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

test("import: a raw and a gzip'd image become one shared base, read back byte for byte", async () => {
  const { store } = await freshStore();
  const img = patternImage(3 * MiB + 512 * 7);
  const a = await store.importImage("raw", streamOf(img));
  const b = await store.importImage("zipped", streamOf(gzipSync(img), 12_345));
  assert.equal(a.base, hex(img), "the base is named by the image's SHA-256");
  assert.equal(b.base, a.base, "the same image is one base");
  assert.equal((await store.backend.listBases()).length, 1);
  const d = await store.open(b.id);
  assert.deepEqual(Buffer.from(await d.read(0, img.length)), Buffer.from(img));
  assert.deepEqual(Buffer.from(await d.read(777 * 512, 5 * 512)), Buffer.from(img.subarray(777 * 512, 782 * 512)));
  await d.close();
  // All-zero chunks are not stored.
  const nonZero = (await store.backend.getBase(a.base!))!.chunks.filter((c) => c !== null).length;
  assert.ok(nonZero < Math.ceil(img.length / 262144));
  assert.equal((await store.backend.listChunks()).length, nonZero);
});

test("import: bad input gets a clear message and leaves nothing behind; other disks untouched", async () => {
  const { store } = await freshStore();
  const keep = await store.importImage("keep", streamOf(patternImage(MiB, 7)));
  const chunksBefore = (await store.backend.listChunks()).sort();
  const img = patternImage(2 * MiB, 9);
  const gz = gzipSync(img);
  const corrupt = Buffer.from(gz); corrupt[gz.length >> 1] ^= 0xff; corrupt[(gz.length >> 1) + 1] ^= 0x55;
  const cases: [ReadableStream<Uint8Array>, RegExp][] = [
    [streamOf(new Uint8Array(0)), /is empty/],
    [streamOf(img.subarray(0, MiB + 100)), /not a whole number of 512-byte sectors/],
    [streamOf(corrupt), /not a valid gzip file|not a whole number/],
    [streamOf(gz.subarray(0, gz.length >> 1)), /not a valid gzip file, or it is cut off/],
    [streamOf(img, 65536, MiB), /cannot read .*was it moved, or cut off/],
    [streamOf(gzipSync(new Uint8Array(0))), /is empty once unpacked/],
  ];
  for (const [s, re] of cases) {
    await assert.rejects(store.importImage("bad", s), (e: unknown) => e instanceof DiskImportError && re.test((e as Error).message), String(re));
    assert.deepEqual((await store.list()).map((d) => d.name), ["keep"]);
    assert.equal((await store.backend.listBases()).length, 1);
    assert.deepEqual((await store.backend.listChunks()).sort(), chunksBefore, "the failed import's chunks are collected");
  }
  await assert.rejects(store.importImage("keep", streamOf(img)), /exists already/);
  await assert.rejects(store.importImage("../x", streamOf(img)), /cannot name a disk/);
  const d = await store.open(keep.id);
  assert.deepEqual(Buffer.from(await d.read(0, MiB)), Buffer.from(patternImage(MiB, 7)));
  await d.close();
});

test("overlay: read-through, writes across chunks, reset to pristine, the base never changes", async () => {
  const { store } = await freshStore();
  const img = patternImage(2 * MiB, 3);
  const rec = await store.importImage("d", streamOf(img));
  const baseFiles = (await store.backend.listChunks()).map((h) => [h, hex(gzipSync(Buffer.alloc(0)))]);
  let d = await store.open(rec.id);
  // A write straddling two overlay chunks, and one inside a chunk.
  const w1 = new Uint8Array(8192).fill(0xab);
  await d.write(65536 - 4096, w1);
  await d.write(512 * 1000, new Uint8Array(512).fill(0xcd));
  const expect = Buffer.from(img);
  expect.fill(0xab, 65536 - 4096, 65536 + 4096);
  expect.fill(0xcd, 512 * 1000, 512 * 1001);
  assert.deepEqual(Buffer.from(await d.read(0, img.length)), expect, "before any commit");
  await d.flush();
  assert.deepEqual(Buffer.from(await d.read(0, img.length)), expect, "after the commit");
  await d.close();
  d = await store.open(rec.id);
  assert.deepEqual(Buffer.from(await d.read(0, img.length)), expect, "after reopening");
  assert.equal(d.disk.changedBytes, 3 * 65536);
  await d.close();
  await assert.rejects(store.open(rec.id).then(async (x) => { try { await store.reset(rec.id); } finally { await x.close(); } }), DiskBusyError,
    "no reset while the disk is open");
  const reset = await store.reset(rec.id);
  assert.equal(reset.changedBytes, 0);
  d = await store.open(rec.id);
  assert.deepEqual(Buffer.from(await d.read(0, img.length)), Buffer.from(img), "pristine again");
  await d.close();
  assert.equal(baseFiles.length, (await store.backend.listChunks()).length);
  // Export gives the disk's bytes.
  const parts: Buffer[] = [];
  await store.exportImage(rec.id, (b) => { parts.push(Buffer.from(b)); }, undefined, 300 * 1024);
  assert.equal(hex(Buffer.concat(parts)), hex(img));
});

test("durability: 1,000 4 KiB writes and one flush cost one durable commit", async () => {
  const { store } = await freshStore();
  const rec = await store.create("burst", 64 * MiB);
  const d = await store.open(rec.id, { batchDelayMs: 60_000 });
  const writes = [];
  for (let i = 0; i < 1000; i++) writes.push(d.write(i * 4096 * 3, new Uint8Array(4096).fill(i & 0xff)));
  await Promise.all(writes);
  await d.flush();
  assert.equal(d.disk.durableCommits, 1);
  assert.ok(d.disk.relaxedCommits <= 5, `relaxed commits ${d.disk.relaxedCommits}`);
  await d.flush(); // nothing new: no commit at all
  assert.equal(d.disk.durableCommits, 1);
  await d.close();
  const again = await store.open(rec.id);
  for (const i of [0, 1, 517, 999]) assert.equal((await again.read(i * 4096 * 3, 4096))[4095], i & 0xff);
  await again.close();
});

test("a crash in the middle of a batch: the overlay is the last whole batch, never a mix", async () => {
  const { dir, store } = await freshStore();
  const rec = await store.create("c", 4 * MiB);
  let d = await store.open(rec.id, { batchDelayMs: 60_000 });
  await d.write(0, new Uint8Array(65536 * 3).fill(1));
  await d.flush();                                   // batch 1: durable, chunks 0..2 = 1
  await d.write(65536, new Uint8Array(65536 * 3).fill(2));
  await d.commit(false);                              // batch 2: relaxed, chunks 1..3 = 2
  await d.close();                                    // batch 3: durable and empty (it syncs batch 2)
  const log = join(dir, "overlays", `${rec.id}.log`);
  const full = statSync(log).size;
  const batch2 = 48 * 4 + 65536 * 3;
  const start2 = full - 48 - batch2;
  // Cut the log anywhere inside batch 2: it is dropped whole.
  const whole = readFileSync(log);
  for (const cut of [start2 + 1, start2 + 48 + 100, start2 + batch2 - 48, start2 + batch2 - 1]) {
    writeFileSync(log, whole.subarray(0, cut));
    const s2 = await openFileStore(dir);
    d = await s2.open(rec.id);
    const b = await d.read(0, 65536 * 4);
    assert.deepEqual([b[0], b[65536], b[2 * 65536], b[3 * 65536]], [1, 1, 1, 0], `cut at ${cut}`);
    await d.close();
    assert.equal(statSync(log).size, start2, "the torn tail is cut off");
  }
  // Batch 2 whole, but its data damaged after its commit record was written (a power cut before the sync): dropped too.
  writeFileSync(log, whole);
  const fd = openSync(log, "r+");
  writeSync(fd, Buffer.alloc(16, 0xee), 0, 16, start2 + 48 + 1000);
  closeSync(fd);
  d = await (await openFileStore(dir)).open(rec.id);
  assert.equal((await d.read(65536, 1))[0], 1);
  await d.close();
  // Whole: batch 2 is there.
  writeFileSync(log, whole);
  d = await (await openFileStore(dir)).open(rec.id);
  assert.deepEqual([...(await d.read(0, 1)), ...(await d.read(65536, 1)), ...(await d.read(3 * 65536, 1))], [1, 2, 2]);
  await d.close();
});

test("a chunk that fails its checksum is an error for that read, never data", async () => {
  const { dir, store } = await freshStore();
  const img = patternImage(MiB, 5);
  const rec = await store.importImage("c", streamOf(img));
  const base = (await store.backend.getBase(rec.base!))!;
  const h = base.chunks[0]!;
  const path = join(dir, "chunks", h.slice(0, 2), `${h}.gz`);
  const bad = Buffer.from(img.subarray(0, 262144)); bad[5] ^= 1;
  writeFileSync(path, gzipSync(bad));
  const d = await store.open(rec.id);
  await assert.rejects(d.read(0, 512), ChunkChecksumError);
  assert.deepEqual(Buffer.from(await d.read(3 * 262144, 512)), Buffer.from(img.subarray(3 * 262144, 3 * 262144 + 512)), "other chunks still read");
  // An overlay chunk damaged in the log after it was safely written (two
  // durable commits after it, so opening trusts it): caught at read.
  await d.write(3 * 262144, new Uint8Array(65536).fill(9));
  await d.flush();
  for (const k of [1, 2]) { await d.write(3 * 262144 + k * 65536, new Uint8Array(512).fill(k)); await d.flush(); }
  await d.close();
  const log = join(dir, "overlays", `${rec.id}.log`);
  const fd = openSync(log, "r+");
  writeSync(fd, Buffer.alloc(4, 0x77), 0, 4, 64 + 48 + 10);
  closeSync(fd);
  const s2 = await openFileStore(dir);
  const d2 = await s2.open(rec.id);
  await assert.rejects(d2.read(3 * 262144, 512), ChunkChecksumError);
  assert.equal((await d2.read(3 * 262144 + 2 * 65536, 1))[0], 2, "the rest of the overlay reads");
  await d2.close();
});

test("storage failing under a running disk: the guest goes on in memory and is told once", async () => {
  const { store } = await freshStore();
  const rec = await store.create("m", 4 * MiB);
  const events: DiskEvent[] = [];
  const d = await store.open(rec.id, { onEvent: (e) => events.push(e), batchDelayMs: 60_000 });
  await d.write(0, new Uint8Array(4096).fill(1));
  await d.flush();
  // Break the storage from here on.
  const storage = (d as unknown as { storage: { commit: () => Promise<void> } }).storage;
  storage.commit = () => Promise.reject(Object.assign(new Error("QuotaExceededError: over quota"), { name: "QuotaExceededError" }));
  await d.write(65536, new Uint8Array(4096).fill(2));
  await d.flush(); // resolves: the machine goes on
  await d.write(65536 * 2, new Uint8Array(4096).fill(3));
  await d.flush();
  assert.equal(events.filter((e) => e.kind === "store-failed").length, 1);
  assert.match(d.memoryOnly!, /will not be kept/);
  assert.deepEqual([...(await d.read(0, 1)), ...(await d.read(65536, 1)), ...(await d.read(2 * 65536, 1))], [1, 2, 3]);
  await d.close();
});

test("one writer: a second open of the same disk is refused", async () => {
  const { store } = await freshStore();
  const rec = await store.create("w", MiB);
  const d = await store.open(rec.id);
  await assert.rejects(store.open(rec.id), (e: unknown) => e instanceof DiskBusyError && /in use by another rvplay/.test((e as Error).message));
  await assert.rejects(store.remove(rec.id), DiskBusyError);
  await d.close();
  await store.remove(rec.id);
  assert.deepEqual(await store.list(), []);
});

test("create: sizes are checked", async () => {
  const { store } = await freshStore();
  await assert.rejects(store.create("x", 1000), (e: unknown) => e instanceof DiskStoreError && /512-byte sectors/.test((e as Error).message));
  await assert.rejects(store.create("x", 0), DiskStoreError);
  const d = await store.create("x", 512);
  assert.equal(d.size, 512);
  void StorageFailedError;
});

test("pins: an overlay's chunks by hash outlive a reset and a delete", async () => {
  const { store } = await freshStore();
  const rec = await store.create("p", MiB);
  const d = await store.open(rec.id);
  await d.write(0, new Uint8Array(65536).fill(4));
  await d.flush();
  const map = await store.pinOverlay(rec.id, "snapshot-1", d);
  await d.close();
  assert.deepEqual([...map.keys()], [0]);
  const h = map.get(0)!;
  assert.deepEqual((await store.overlayChunks(rec.id)).get(0), h);
  await store.reset(rec.id);
  await store.remove(rec.id);
  assert.deepEqual(Buffer.from((await store.getChunk(h))!), Buffer.alloc(65536, 4));
  await store.unpin("snapshot-1");
  assert.equal(await store.getChunk(h), undefined, "unpinned and collected");
});

test("a remote base: only the chunks read are fetched, each checked", async () => {
  const img = patternImage(2 * MiB, 11);
  const { dir: srcDir, store: src } = await freshStore();
  // Lay out a base directory as the image recipe does.
  const base = { format: "rvplay-disk", version: 1, size: img.length, chunkSize: 262144, sha256: hex(img), compression: "gzip", chunks: [] as (string | null)[] };
  const out = join(srcDir, "served");
  mkdirSync(join(out, "chunks"), { recursive: true });
  for (let i = 0; i < img.length; i += 262144) {
    const c = img.subarray(i, i + 262144);
    if (c.every((x) => x === 0)) { base.chunks.push(null); continue; }
    base.chunks.push(hex(c));
    writeFileSync(join(out, "chunks", `${hex(c)}.gz`), gzipSync(c));
  }
  writeFileSync(join(out, "disk.json"), JSON.stringify(base));
  void src;
  const fetched: string[] = [];
  const server = createServer((req, res) => {
    fetched.push(req.url!);
    try { res.end(readFileSync(join(out, req.url!.slice(1)))); } catch { res.writeHead(404).end(); }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    const { store } = await freshStore();
    const b = await store.addRemoteBase(url);
    const rec = await store.createFromBase("remote", b.sha256);
    const d = await store.open(rec.id);
    assert.deepEqual(Buffer.from(await d.read(262144 * 3 + 512, 1024)), Buffer.from(img.subarray(262144 * 3 + 512, 262144 * 3 + 1536)));
    assert.deepEqual(fetched, ["/disk.json", `/chunks/${base.chunks[3]}.gz`]);
    await d.close();
    // The directory import (the CLI's `disk add DIR`) checks the whole image too.
    const { store: s3 } = await freshStore();
    const r3 = await s3.importBaseDir("dir", readFileSync(join(out, "disk.json")), async (h) => readFileSync(join(out, "chunks", `${h}.gz`)), "served");
    assert.equal(r3.base, hex(img));
    const bad = { ...base, sha256: "0".repeat(64) };
    await assert.rejects(s3.importBaseDir("dir2", new TextEncoder().encode(JSON.stringify(bad)), async (h) => readFileSync(join(out, "chunks", `${h}.gz`)), "bad"), /SHA-256 is/);
    assert.deepEqual((await s3.list()).map((x) => x.name), ["dir"]);
    void readdirSync; void truncateSync;
  } finally {
    server.close();
  }
});
