// The base format's parsers (disk.json, chunk files, the overlay log, stored
// disk records): good input parses, bad input is a typed error, and the fuzz
// entry points throw nothing else.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import {
  ChunkChecksumError, decodeChunkFile, DiskFormatError, formatBaseManifest, fuzzBaseManifest, fuzzChunkFile,
  parseBaseManifest, sha256Hex,
} from "../../src/disks/base-format.js";
import { Sha256 } from "../../src/disks/sha256.js";
import { fuzzDiskRecord } from "../../src/disks/store-backend.js";
import { fuzzOverlayLog, OverlayLogError } from "../../src/node/disk-files.js";

const hex = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const H = "a".repeat(64);
const good = { format: "rvplay-disk", version: 1, size: 3 * 262144 + 512, chunkSize: 262144, sha256: H, compression: "gzip", chunks: [H, null, H, null] };
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

test("disk.json: a good manifest parses and formats back", () => {
  const m = parseBaseManifest(enc(good));
  assert.equal(m.size, good.size);
  assert.deepEqual(m.chunks, good.chunks);
  assert.deepEqual(parseBaseManifest(new TextEncoder().encode(formatBaseManifest(m))), m);
});

test("disk.json: each kind of bad manifest gets its own message", () => {
  const cases: [unknown, RegExp][] = [
    [{ ...good, format: "other" }, /format is "other"/],
    [{ ...good, version: 2 }, /version 2 is not one we read/],
    [{ ...good, size: 1000 }, /not a whole number of 512-byte sectors/],
    [{ ...good, size: -512 }, /positive whole number/],
    [{ ...good, chunkSize: 3000 }, /power of two/],
    [{ ...good, sha256: "XYZ" }, /sha256 is not 64 lowercase hex/],
    [{ ...good, compression: "zstd" }, /compression "zstd"/],
    [{ ...good, chunks: [H] }, /1 chunks listed/],
    [{ ...good, chunks: [H, 7, H, null] }, /chunk 1 is neither/],
    [[1, 2], /not an object/],
  ];
  for (const [v, re] of cases) assert.throws(() => parseBaseManifest(enc(v)), (e: unknown) => e instanceof DiskFormatError && re.test((e as Error).message), JSON.stringify(v));
  assert.throws(() => parseBaseManifest(new Uint8Array([0xff, 0xfe])), /not UTF-8/);
  assert.throws(() => parseBaseManifest(new TextEncoder().encode("{")), /not JSON/);
});

test("chunk files: gunzip and check the hash; damage is a typed error", async () => {
  const raw = randomBytes(65536);
  const gz = gzipSync(raw);
  assert.deepEqual(Buffer.from(await decodeChunkFile(gz, hex(raw), raw.length)), raw);
  const other = Buffer.from(raw); other[100] ^= 1;
  await assert.rejects(decodeChunkFile(gzipSync(other), hex(raw), raw.length), ChunkChecksumError);
  await assert.rejects(decodeChunkFile(gz.subarray(0, gz.length - 10), hex(raw), raw.length), DiskFormatError); // cut off
  await assert.rejects(decodeChunkFile(raw, hex(raw), raw.length), /not gzip data/);
  await assert.rejects(decodeChunkFile(gzipSync(new Uint8Array(1 << 20)), hex(raw), raw.length), /unpacks to more than/); // a bomb
});

test("the streaming SHA-256 matches Node's over odd piece sizes", async () => {
  const data = randomBytes(300_001);
  for (const piece of [1, 63, 64, 65, 4096, 100_000]) {
    const h = new Sha256();
    for (let i = 0; i < data.length; i += piece) h.update(data.subarray(i, i + piece));
    assert.equal(h.digestHex(), hex(data), `pieces of ${piece}`);
  }
  assert.equal(new Sha256().digestHex(), hex(new Uint8Array(0)));
  assert.equal(await sha256Hex(data), hex(data));
});

// A small deterministic mutator: flips, truncations, splices of the seed inputs.
function* mutations(seeds: Uint8Array[], n: number): Generator<Uint8Array> {
  let x = 12345;
  const rnd = (k: number) => { x = (x * 1103515245 + 12345) >>> 0; return x % k; };
  for (let i = 0; i < n; i++) {
    const s = Buffer.from(seeds[rnd(seeds.length)]);
    const kind = rnd(4);
    if (kind === 0 && s.length) { for (let j = 0; j < 1 + rnd(8); j++) s[rnd(s.length)] = rnd(256); yield s; }
    else if (kind === 1) yield s.subarray(0, rnd(s.length + 1));
    else if (kind === 2) yield Buffer.concat([s.subarray(0, rnd(s.length + 1)), randomBytes(rnd(64))]);
    else yield randomBytes(rnd(200));
  }
}

test("fuzz: disk.json, chunk files, disk records and overlay logs throw only their typed errors", async () => {
  for (const b of mutations([enc(good), new TextEncoder().encode(formatBaseManifest(parseBaseManifest(enc(good))))], 3000)) {
    try { fuzzBaseManifest(b); } catch (e) { assert.ok(e instanceof DiskFormatError, `${(e as Error).name}: ${(e as Error).message}`); }
  }
  const chunkSeed = gzipSync(new Uint8Array(65536));
  for (const b of mutations([chunkSeed, gzipSync(randomBytes(1000))], 300)) {
    try { await fuzzChunkFile(b); } catch (e) { assert.ok(e instanceof DiskFormatError, `${(e as Error).name}: ${(e as Error).message}`); }
  }
  const rec = enc({ id: "0123456789abcdef", name: "x", size: 512, base: null, chunkSize: 65536, createdAt: 1, lastUsed: null, changedBytes: 0, durableCommits: 0, relaxedCommits: 0 });
  fuzzDiskRecord(rec);
  for (const b of mutations([rec], 2000)) {
    try { fuzzDiskRecord(b); } catch (e) { assert.ok(e instanceof DiskFormatError, `${(e as Error).name}: ${(e as Error).message}`); }
  }
  // An overlay log: header, one chunk record, a commit.
  const log = Buffer.alloc(64 + 48 + 4096 + 48);
  log.write("RVPOVL01", 0); log.writeUInt32LE(4096, 8);
  log.writeUInt32LE(0x4b4e4843, 64); log.writeUInt32LE(3, 68); log.writeUInt32LE(4096, 72);
  createHash("sha256").update(log.subarray(112, 112 + 4096)).digest().copy(log, 80);
  const c = 112 + 4096;
  log.writeUInt32LE(0x54494d43, c); log.writeUInt32LE(1, c + 4); log.writeUInt32LE(1, c + 8);
  createHash("sha256").update(log.subarray(64, 112)).digest().copy(log, c + 16);
  assert.equal(fuzzOverlayLog(log), 1);
  for (const b of mutations([log], 2000)) {
    try { fuzzOverlayLog(b); } catch (e) { assert.ok(e instanceof OverlayLogError, `${(e as Error).name}: ${(e as Error).message}`); }
  }
});
