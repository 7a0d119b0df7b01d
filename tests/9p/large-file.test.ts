// A 64 MiB file streams in and out through 9P in msize pieces: the checksum
// matches on both sides, and the host back end holds nothing of it (the heap
// and array buffers do not grow by the file's size).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { P9Server } from "../../src/9p/server.js";
import { NodeFsBackend } from "../../src/9p/node-fs-backend.js";
import { CHUNK, MemoryBackend, type FileNode } from "../../src/9p/memory-backend.js";
import type { FsBackend } from "../../src/9p/backend.js";
import { P9Client, O } from "./client.js";

const SIZE = 64 * 1024 * 1024;
const MiB = 1024 * 1024;

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
// Live heap plus ArrayBuffer backing stores. Backing stores of collected
// buffers are freed after the collection, so let a turn pass and collect again.
async function retained(): Promise<number> {
  gc();
  await new Promise((r) => setImmediate(r));
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

// Deterministic bytes for [offset, offset + into.length): an LCG per 32-bit word.
function fill(into: Uint8Array, offset: number): void {
  const words = new Uint32Array(into.buffer, into.byteOffset, into.length >>> 2);
  let x = (offset / 4 + 0x9e3779b9) >>> 0;
  for (let i = 0; i < words.length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    words[i] = x;
  }
}

interface Transfer { sha: string; peakGrowth: number; mbps: number }

async function writeThrough(c: P9Client, fid: number): Promise<Transfer> {
  const piece = c.msize - 24; // Twrite's header (Linux P9_IOHDRSZ)
  const buf = new Uint8Array(piece - (piece % 4));
  const hash = createHash("sha256");
  const base = await retained();
  let peak = 0;
  const t0 = performance.now();
  for (let off = 0; off < SIZE; off += buf.length) {
    const part = buf.subarray(0, Math.min(buf.length, SIZE - off));
    fill(part, off);
    hash.update(part);
    assert.equal(await c.write(fid, off, part), part.length);
    if (off % (16 * MiB) < buf.length && off > 0) peak = Math.max(peak, await retained() - base);
  }
  const secs = (performance.now() - t0) / 1000;
  return { sha: hash.digest("hex"), peakGrowth: peak, mbps: SIZE / MiB / secs };
}

async function readThrough(c: P9Client, fid: number): Promise<Transfer> {
  const hash = createHash("sha256");
  const base = await retained();
  let peak = 0, off = 0;
  const t0 = performance.now();
  for (;;) {
    const d = await c.read(fid, off, c.msize - 11);
    if (d.length === 0) break;
    hash.update(d);
    if (off % (16 * MiB) < d.length && off > 0) peak = Math.max(peak, await retained() - base);
    off += d.length;
  }
  const secs = (performance.now() - t0) / 1000;
  assert.equal(off, SIZE);
  return { sha: hash.digest("hex"), peakGrowth: peak, mbps: SIZE / MiB / secs };
}

async function roundTrip(backend: FsBackend): Promise<{ written: Transfer; read: Transfer; client: P9Client }> {
  const c = new P9Client(new P9Server(backend));
  await c.version(512 * 1024);
  await c.attach(0);
  await c.walk(0, 1, []);
  await c.lcreate(1, "big.bin", O.WRONLY);
  const written = await writeThrough(c, 1);
  await c.call("Tfsync", { fid: 1, datasync: 0 });
  await c.clunk(1);
  await c.walk(0, 2, ["big.bin"]);
  assert.equal((await c.getattr(2)).size, BigInt(SIZE));
  await c.lopen(2, O.RDONLY);
  const read = await readThrough(c, 2);
  await c.clunk(2);
  return { written, read, client: c };
}

test("host folder: 64 MiB in and out, checksums match, memory does not grow by the file", async (t) => {
  const host = mkdtempSync(join(tmpdir(), "rvplay-9p-large-"));
  try {
    const { written, read } = await roundTrip(await NodeFsBackend.create(host));
    const onHost = createHash("sha256");
    for await (const part of createReadStream(join(host, "big.bin"))) onHost.update(part as Buffer);
    assert.equal(onHost.digest("hex"), written.sha, "the host file is what the client wrote");
    assert.equal(read.sha, written.sha, "the client reads back what it wrote");
    assert.ok(written.peakGrowth < 16 * MiB, `writing retained ${(written.peakGrowth / MiB).toFixed(1)} MiB`);
    assert.ok(read.peakGrowth < 16 * MiB, `reading retained ${(read.peakGrowth / MiB).toFixed(1)} MiB`);
    t.diagnostic(`host folder: write ${written.mbps.toFixed(0)} MB/s, read ${read.mbps.toFixed(0)} MB/s (in-process, msize 512 KiB)`);
  } finally { rmSync(host, { recursive: true, force: true }); }
});

test("host folder: a 1 GiB sparse file stays sparse on the host and reads as zeros", async () => {
  const host = mkdtempSync(join(tmpdir(), "rvplay-9p-sparse-"));
  try {
    const c = new P9Client(new P9Server(await NodeFsBackend.create(host)));
    await c.version();
    await c.attach(0);
    await c.walk(0, 1, []);
    await c.lcreate(1, "sparse", O.RDWR);
    await c.truncate(1, 1024 * MiB);
    await c.write(1, 1024 * MiB - 4, "tail");
    const d = await c.read(1, 512 * MiB, 64 * 1024);
    assert.ok(d.length === 64 * 1024 && d.every((b) => b === 0));
    assert.equal(new TextDecoder().decode(await c.read(1, 1024 * MiB - 4, 100)), "tail");
    await c.clunk(1);
    assert.ok(statSync(join(host, "sparse")).blocks * 512 < 4 * MiB, "only the written block is allocated");
  } finally { rmSync(host, { recursive: true, force: true }); }
});

test("memory: 64 MiB in and out in chunks of at most CHUNK bytes", async (t) => {
  const m = new MemoryBackend({ capacity: 128 * MiB });
  const { written, read } = await roundTrip(m);
  assert.equal(read.sha, written.sha);
  const node = m.root.entries.get("big.bin") as FileNode;
  assert.equal(node.chunks.size, SIZE / CHUNK);
  for (const chunk of node.chunks.values()) assert.ok(chunk.length <= CHUNK);
  assert.equal(m.usedBytes, SIZE);
  t.diagnostic(`memory: write ${written.mbps.toFixed(0)} MB/s, read ${read.mbps.toFixed(0)} MB/s (in-process, msize 512 KiB)`);
});
