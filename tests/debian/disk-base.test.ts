// The disk base format: the writer (image/debian/disk-base.ts) cuts a raw
// image into content-addressed gzip chunks and a manifest; the reader gets
// the same bytes back, chunk by chunk, and refuses anything corrupt.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  CHUNK_DIR, DEFAULT_CHUNK_SIZE, DiskBaseError, DiskBaseReader, MANIFEST_NAME, decodeChunk, formatDiskManifest,
  parseDiskManifest, writeDiskBase, type DiskManifest,
} from "../../image/debian/disk-base.js";
import { decodeChunkFile, parseBaseManifest } from "../../src/disks/base-format.js";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const enc = (s: string) => new TextEncoder().encode(s);

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "rvplay-disk-base-"));
}

// A raw image of `chunks` 4 KiB chunks with zero, repeated and random chunks,
// plus a short tail of `tail` bytes (a multiple of 512).
function makeImage(dir: string, tail = 0): { path: string; bytes: Uint8Array } {
  const C = 4096;
  const random = randomBytes(C);
  const pattern = new Uint8Array(C).fill(0xa5);
  const parts = [random, new Uint8Array(C), pattern, pattern, new Uint8Array(C), randomBytes(C), random, randomBytes(tail)];
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) { bytes.set(p, off); off += p.length; }
  const path = join(dir, "disk.img");
  writeFileSync(path, bytes);
  return { path, bytes };
}

test("write then read: same bytes, zero chunks not stored, identical chunks stored once", () => {
  const dir = tempDir();
  try {
    const { path, bytes } = makeImage(dir, 1024);
    const out = join(dir, "base");
    const stats = writeDiskBase(path, out, 4096);
    assert.equal(stats.size, bytes.length);
    assert.equal(stats.chunks, 8); // 7 whole chunks and a 1 KiB tail
    assert.equal(stats.zeroChunks, 2);
    assert.equal(stats.storedChunks, 4); // random (twice), pattern (twice), random 2, tail
    assert.equal(readdirSync(join(out, CHUNK_DIR)).length, 4);

    const m = parseDiskManifest(readFileSync(join(out, MANIFEST_NAME)));
    assert.equal(m.format, "rvplay-disk");
    assert.equal(m.version, 1);
    assert.equal(m.size, bytes.length);
    assert.equal(m.chunkSize, 4096);
    assert.equal(m.compression, "gzip");
    assert.equal(m.sha256, sha(bytes));
    assert.equal(m.chunks[1], null);
    assert.equal(m.chunks[4], null);
    assert.equal(m.chunks[0], m.chunks[6]);
    assert.equal(m.chunks[2], m.chunks[3]);
    assert.equal(m.chunks[0], sha(bytes.subarray(0, 4096)));
    assert.equal(m.chunks[7], sha(bytes.subarray(7 * 4096)));

    const r = DiskBaseReader.open(out);
    assert.equal(r.verify(), sha(bytes));
    assert.deepEqual(r.readChunk(7), bytes.subarray(7 * 4096));
    assert.deepEqual(r.readChunk(1), new Uint8Array(4096));
    // Reads across chunk boundaries, into the short tail, at odd offsets.
    for (const [o, n] of [[0, 512], [4000, 200], [3 * 4096 - 1, 4098], [7 * 4096 + 100, 924], [0, bytes.length], [12345, 0]]) {
      assert.deepEqual(r.read(o, n), bytes.subarray(o, o + n), `read(${o}, ${n})`);
    }
    assert.throws(() => r.read(bytes.length - 10, 11), RangeError);
    assert.throws(() => r.readChunk(8), RangeError);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test("the default chunk size is 256 KiB and the manifest lists one entry per chunk", () => {
  const dir = tempDir();
  try {
    const path = join(dir, "disk.img");
    const bytes = new Uint8Array(4 * DEFAULT_CHUNK_SIZE);
    bytes.set(randomBytes(1000), 3 * DEFAULT_CHUNK_SIZE + 5);
    writeFileSync(path, bytes);
    const out = join(dir, "base");
    writeDiskBase(path, out);
    const text = readFileSync(join(out, MANIFEST_NAME), "utf8");
    const m = JSON.parse(text) as DiskManifest;
    assert.deepEqual(Object.keys(m), ["format", "version", "size", "chunkSize", "sha256", "compression", "chunks"]);
    assert.equal(m.chunkSize, 262144);
    assert.deepEqual(m.chunks.slice(0, 3), [null, null, null]);
    assert.equal(m.chunks[3], sha(bytes.subarray(3 * DEFAULT_CHUNK_SIZE)));
    // The stored file is a gzip of the chunk's raw bytes.
    const gz = readFileSync(join(out, CHUNK_DIR, `${m.chunks[3]}.gz`));
    assert.deepEqual([gz[0], gz[1]], [0x1f, 0x8b]);
    assert.deepEqual(decodeChunk(gz, m.chunks[3]!, DEFAULT_CHUNK_SIZE), bytes.subarray(3 * DEFAULT_CHUNK_SIZE));
    // The writer's own formatting reads back as the same manifest.
    assert.equal(formatDiskManifest(parseDiskManifest(enc(text))), text);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test("writing again into the same folder keeps valid chunks and removes those no longer listed", () => {
  const dir = tempDir();
  try {
    const { path, bytes } = makeImage(dir);
    const out = join(dir, "base");
    writeDiskBase(path, out, 4096);
    const stale = join(out, CHUNK_DIR, `${"0".repeat(64)}.gz`);
    writeFileSync(stale, "left over from another image");
    bytes.set(randomBytes(4096), 5 * 4096);
    writeFileSync(path, bytes);
    const s = writeDiskBase(path, out, 4096);
    assert.equal(existsSync(stale), false);
    assert.equal(readdirSync(join(out, CHUNK_DIR)).length, s.storedChunks);
    assert.equal(DiskBaseReader.open(out).verify(), sha(bytes));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test("a corrupt, substituted, wrong-length or missing chunk is an error, never data", () => {
  const dir = tempDir();
  try {
    const { path, bytes } = makeImage(dir);
    const out = join(dir, "base");
    writeDiskBase(path, out, 4096);
    const m = parseDiskManifest(readFileSync(join(out, MANIFEST_NAME)));
    const file = (i: number) => join(out, CHUNK_DIR, `${m.chunks[i]}.gz`);
    const r = DiskBaseReader.open(out);
    const code = (f: () => unknown, c: string) => assert.throws(f, (e: unknown) => e instanceof DiskBaseError && e.code === c, c);

    // Another chunk's valid gzip under this chunk's name (chunk 5 is unique).
    writeFileSync(file(5), gzipSync(bytes.subarray(0, 4096)));
    code(() => r.readChunk(5), "corrupt_chunk");
    code(() => r.read(5 * 4096 + 10, 10), "corrupt_chunk");
    // One byte too many, one too few.
    writeFileSync(file(5), gzipSync(Buffer.concat([bytes.subarray(5 * 4096, 6 * 4096), Buffer.from([0])])));
    code(() => r.readChunk(5), "corrupt_chunk");
    writeFileSync(file(5), gzipSync(bytes.subarray(5 * 4096, 6 * 4096 - 1)));
    code(() => r.readChunk(5), "corrupt_chunk");
    // Not gzip; a truncated gzip.
    writeFileSync(file(5), bytes.subarray(5 * 4096, 6 * 4096));
    code(() => r.readChunk(5), "corrupt_chunk");
    const good = gzipSync(bytes.subarray(5 * 4096, 6 * 4096));
    writeFileSync(file(5), good.subarray(0, good.length - 9));
    code(() => r.readChunk(5), "corrupt_chunk");
    writeFileSync(file(5), good);
    assert.deepEqual(r.readChunk(5), bytes.subarray(5 * 4096, 6 * 4096));
    // Missing.
    unlinkSync(file(5));
    code(() => r.readChunk(5), "missing_chunk");
    code(() => r.verify(), "missing_chunk");
    writeFileSync(file(5), good);
    // Chunks fine, but not the image the manifest names.
    const wrong = { ...m, sha256: "f".repeat(64) };
    writeFileSync(join(out, MANIFEST_NAME), formatDiskManifest(wrong));
    code(() => DiskBaseReader.open(out).verify(), "image_mismatch");
    // No manifest at all.
    unlinkSync(join(out, MANIFEST_NAME));
    code(() => DiskBaseReader.open(out), "bad_manifest");
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test("bad manifests are refused with a reason", () => {
  const good: DiskManifest = {
    format: "rvplay-disk", version: 1, size: 8192 + 512, chunkSize: 4096, sha256: "a".repeat(64), compression: "gzip",
    chunks: ["b".repeat(64), null, "c".repeat(64)],
  };
  assert.deepEqual(parseDiskManifest(enc(JSON.stringify(good))), good);
  // Unknown keys are ignored (a later version may add some).
  assert.deepEqual(parseDiskManifest(enc(JSON.stringify({ ...good, label: "x" }))), good);
  const cases: [string, unknown, RegExp][] = [
    ["not JSON", "{", /not JSON/],
    ["an array", [], /not a JSON object/],
    ["wrong format", { ...good, format: "qcow2" }, /"format"/],
    ["future version", { ...good, version: 2 }, /"version" 2 is not supported/],
    ["size not sectors", { ...good, size: 8193 }, /sectors/],
    ["size zero", { ...good, size: 0 }, /"size"/],
    ["size fractional", { ...good, size: 512.5 }, /"size"/],
    ["size huge", { ...good, size: 2 ** 60 }, /"size"/],
    ["chunk size not a power of two", { ...good, chunkSize: 5000 }, /"chunkSize"/],
    ["chunk size too small", { ...good, chunkSize: 2048 }, /"chunkSize"/],
    ["chunk size as string", { ...good, chunkSize: "4096" }, /"chunkSize"/],
    ["hash upper case", { ...good, sha256: "A".repeat(64) }, /"sha256"/],
    ["hash short", { ...good, sha256: "a".repeat(63) }, /"sha256"/],
    ["compression zstd", { ...good, compression: "zstd" }, /"compression"/],
    ["chunks missing", { ...good, chunks: undefined }, /"chunks"/],
    ["too few chunks", { ...good, chunks: good.chunks.slice(1) }, /has 2 entries; .* has 3/],
    ["too many chunks", { ...good, chunks: [...good.chunks, null] }, /has 4 entries/],
    ["a chunk not a hash", { ...good, chunks: ["b".repeat(64), 0, null] }, /chunk 1/],
    ["a chunk path", { ...good, chunks: ["../../etc/passwd", null, null] }, /chunk 0/],
  ];
  for (const [what, v, re] of cases) {
    const bytes = typeof v === "string" ? enc(v) : enc(JSON.stringify(v));
    assert.throws(() => parseDiskManifest(bytes), (e: unknown) => e instanceof DiskBaseError && e.code === "bad_manifest" && re.test(e.message), what);
  }
  assert.throws(() => parseDiskManifest(new Uint8Array([0xff, 0xfe])), /not UTF-8/);
});

test("the writer refuses input it cannot describe", () => {
  const dir = tempDir();
  try {
    const code = (f: () => unknown) => assert.throws(f, (e: unknown) => e instanceof DiskBaseError && e.code === "bad_input");
    code(() => writeDiskBase(join(dir, "absent.img"), join(dir, "out")));
    writeFileSync(join(dir, "odd.img"), new Uint8Array(1000));
    code(() => writeDiskBase(join(dir, "odd.img"), join(dir, "out")));
    writeFileSync(join(dir, "empty.img"), new Uint8Array(0));
    code(() => writeDiskBase(join(dir, "empty.img"), join(dir, "out")));
    writeFileSync(join(dir, "ok.img"), new Uint8Array(4096));
    code(() => writeDiskBase(join(dir, "ok.img"), join(dir, "out"), 3000));
    code(() => writeDiskBase(dir, join(dir, "out")));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

// The recipe writes the base format the stores read (src/disks/): main's
// parser takes the recipe's disk.json, and its chunk decoder its chunks.
test("what the recipe writes, the disk stores read: same manifest, same chunks", async () => {
  const dir = tempDir();
  try {
    const { path, bytes } = makeImage(dir, 1024);
    const out = join(dir, "base");
    writeDiskBase(path, out, 4096);
    const text = readFileSync(join(out, MANIFEST_NAME));
    const ours = parseDiskManifest(text);
    const theirs = parseBaseManifest(text);
    assert.deepEqual({ ...theirs }, { format: ours.format, version: ours.version, size: ours.size, chunkSize: ours.chunkSize, sha256: ours.sha256, compression: ours.compression, chunks: ours.chunks });
    for (const [i, hash] of theirs.chunks.entries()) {
      if (hash === null) continue;
      const len = Math.min(theirs.chunkSize, theirs.size - i * theirs.chunkSize);
      const raw = await decodeChunkFile(readFileSync(join(out, CHUNK_DIR, `${hash}.gz`)), hash, len);
      assert.deepEqual(Buffer.from(raw), Buffer.from(bytes.subarray(i * 4096, i * 4096 + len)));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
