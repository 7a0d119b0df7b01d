// The disk base format (ARCHITECTURE.md, "Disk base format"): a raw disk
// image cut into fixed-size chunks named by the SHA-256 of their bytes, each
// stored once, gzip-compressed, beside a manifest (disk.json) that lists them
// in order. All-zero chunks are not stored (null in the list). A reader
// fetches only the chunks it needs and checks each one's hash after gunzip,
// so a corrupt or substituted chunk is an error, never wrong data.
//
// This module is the writer (from a raw image on disk) and a reader used by
// the recipe's own check and by the tests; the disk store reads the same
// files in the page.
import { createHash } from "node:crypto";
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync, constants as zlibConstants } from "node:zlib";

export const DISK_FORMAT = "rvplay-disk";
export const DISK_FORMAT_VERSION = 1;
export const DEFAULT_CHUNK_SIZE = 256 * 1024;
export const MANIFEST_NAME = "disk.json";
export const CHUNK_DIR = "chunks";
export const SECTOR = 512;
// Chunk sizes a reader accepts: powers of two from one 4 KiB page to 16 MiB.
export const MIN_CHUNK_SIZE = 4096;
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
// The largest disk the format describes: its size must stay an exact integer
// in JSON and in a JavaScript number (2^53), and the list one entry per chunk.
export const MAX_DISK_SIZE = 2 ** 52;
// A manifest this large would describe 1 TiB in 256 KiB chunks; refuse more
// before parsing JSON.
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

export interface DiskManifest {
  format: typeof DISK_FORMAT;
  version: typeof DISK_FORMAT_VERSION;
  size: number;        // bytes; a multiple of 512 (the guest sees sectors)
  chunkSize: number;   // bytes; every chunk but a short last one
  sha256: string;      // of the whole raw image
  compression: "gzip";
  chunks: (string | null)[]; // SHA-256 of each chunk's raw bytes, null = all zero
}

export type DiskBaseErrorCode =
  | "bad_manifest"   // disk.json is not a valid manifest
  | "missing_chunk"  // chunks/<hash>.gz is absent
  | "corrupt_chunk"  // not gzip, wrong length or wrong hash after gunzip
  | "image_mismatch" // the chunks do not add up to the image's sha256
  | "bad_input";     // the writer's input (raw image, options) is unusable

export class DiskBaseError extends Error {
  constructor(readonly code: DiskBaseErrorCode, message: string) {
    super(message);
    this.name = "DiskBaseError";
  }
}

const HEX64 = /^[0-9a-f]{64}$/;
const isPow2 = (n: number) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

export function chunkCount(size: number, chunkSize: number): number {
  return Math.ceil(size / chunkSize);
}

// The raw length of chunk `index` (the last one may be short).
export function chunkLength(m: Pick<DiskManifest, "size" | "chunkSize">, index: number): number {
  return Math.min(m.chunkSize, m.size - index * m.chunkSize);
}

export function chunkFileName(hash: string): string {
  return `${hash}.gz`;
}

// Parse and check a disk.json. Throws only DiskBaseError("bad_manifest").
// Keys this version does not know are ignored (a later version may add some;
// a reader that needs them checks `version`).
export function parseDiskManifest(bytes: Uint8Array): DiskManifest {
  const bad = (why: string) => new DiskBaseError("bad_manifest", `disk manifest: ${why}`);
  if (bytes.length > MAX_MANIFEST_BYTES) throw bad(`${bytes.length} bytes, more than ${MAX_MANIFEST_BYTES}`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw bad("not UTF-8");
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw bad(`not JSON (${(e as Error).message})`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw bad("not a JSON object");
  const o = v as Record<string, unknown>;
  if (o.format !== DISK_FORMAT) throw bad(`"format" is ${JSON.stringify(o.format)}, not "${DISK_FORMAT}"`);
  if (o.version !== DISK_FORMAT_VERSION) throw bad(`"version" ${JSON.stringify(o.version)} is not supported (this reader knows ${DISK_FORMAT_VERSION})`);
  const { size, chunkSize, sha256, compression, chunks } = o;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size <= 0 || size > MAX_DISK_SIZE) throw bad(`"size" must be an integer from 1 to 2^52, not ${JSON.stringify(size)}`);
  if (size % SECTOR !== 0) throw bad(`"size" ${size} is not a whole number of ${SECTOR}-byte sectors`);
  if (typeof chunkSize !== "number" || !isPow2(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw bad(`"chunkSize" must be a power of two from ${MIN_CHUNK_SIZE} to ${MAX_CHUNK_SIZE}, not ${JSON.stringify(chunkSize)}`);
  }
  if (typeof sha256 !== "string" || !HEX64.test(sha256)) throw bad(`"sha256" must be 64 lowercase hex digits`);
  if (compression !== "gzip") throw bad(`"compression" ${JSON.stringify(compression)} is not supported (only "gzip")`);
  if (!Array.isArray(chunks)) throw bad(`"chunks" must be an array`);
  const n = chunkCount(size, chunkSize);
  if (chunks.length !== n) throw bad(`"chunks" has ${chunks.length} entries; a ${size}-byte disk in ${chunkSize}-byte chunks has ${n}`);
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i];
    if (c !== null && (typeof c !== "string" || !HEX64.test(c))) throw bad(`chunk ${i} must be 64 lowercase hex digits or null`);
  }
  return { format: DISK_FORMAT, version: DISK_FORMAT_VERSION, size, chunkSize, sha256, compression: "gzip", chunks: chunks as (string | null)[] };
}

// Turn one stored chunk back into its raw bytes, checking length and hash.
// Throws only DiskBaseError("corrupt_chunk").
export function decodeChunk(gz: Uint8Array, hash: string, length: number): Uint8Array {
  const bad = (why: string) => new DiskBaseError("corrupt_chunk", `chunk ${hash.slice(0, 16)}…: ${why}`);
  let raw: Uint8Array;
  try {
    // One byte more than expected is enough to know it is too long.
    raw = new Uint8Array(gunzipSync(gz, { maxOutputLength: length + 1 }));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ERR_BUFFER_TOO_LARGE") throw bad(`longer than ${length} bytes after gunzip`);
    throw bad(`not a valid gzip stream (${(e as Error).message})`);
  }
  if (raw.length !== length) throw bad(`${raw.length} bytes after gunzip, expected ${length}`);
  const got = createHash("sha256").update(raw).digest("hex");
  if (got !== hash) throw bad(`SHA-256 after gunzip is ${got}, not the name it is stored under`);
  return raw;
}

function isAllZero(b: Uint8Array): boolean {
  // Compare 8 bytes at a time where aligned (chunks are whole sectors).
  if (b.byteOffset % 8 !== 0) return b.every((x) => x === 0);
  const words = new BigUint64Array(b.buffer, b.byteOffset, b.length >>> 3);
  for (let i = 0; i < words.length; i++) if (words[i] !== 0n) return false;
  for (let i = words.length << 3; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

export interface WriteStats {
  size: number;
  chunks: number;      // entries in the manifest
  zeroChunks: number;  // null entries
  storedChunks: number; // distinct chunk files
  storedBytes: number; // their total (gzip) size
}

// Write `outDir`/disk.json and `outDir`/chunks/ from the raw image at
// `rawPath`, streaming (never the whole image in memory). Chunk files already
// present with the right name are kept (a chunk's name is its content);
// chunk files the new manifest does not list are removed, so the folder holds
// exactly one base.
export function writeDiskBase(rawPath: string, outDir: string, chunkSize = DEFAULT_CHUNK_SIZE): WriteStats {
  if (!isPow2(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw new DiskBaseError("bad_input", `chunk size ${chunkSize} is not a power of two from ${MIN_CHUNK_SIZE} to ${MAX_CHUNK_SIZE}`);
  }
  let fd: number;
  try {
    fd = openSync(rawPath, "r");
  } catch (e) {
    throw new DiskBaseError("bad_input", `cannot read the raw image '${rawPath}': ${(e as Error).message}`);
  }
  const chunkDir = join(outDir, CHUNK_DIR);
  mkdirSync(chunkDir, { recursive: true });
  const whole = createHash("sha256");
  const chunks: (string | null)[] = [];
  const stored = new Map<string, number>();
  let size: number;
  let zeroChunks = 0;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new DiskBaseError("bad_input", `'${rawPath}' is not a regular file`);
    size = st.size;
    if (size === 0 || size % SECTOR !== 0) throw new DiskBaseError("bad_input", `the raw image '${rawPath}' is ${size} bytes, not a positive whole number of ${SECTOR}-byte sectors`);
    if (size > MAX_DISK_SIZE) throw new DiskBaseError("bad_input", `the raw image '${rawPath}' is larger than 2^52 bytes`);
    const buf = new Uint8Array(chunkSize);
    for (let off = 0; off < size; off += chunkSize) {
      const len = Math.min(chunkSize, size - off);
      let got = 0;
      while (got < len) {
        const n = readSync(fd, buf, got, len - got, off + got);
        if (n === 0) throw new DiskBaseError("bad_input", `the raw image '${rawPath}' ended early at byte ${off + got} (it changed while being read?)`);
        got += n;
      }
      const raw = buf.subarray(0, len);
      whole.update(raw);
      if (isAllZero(raw)) { chunks.push(null); zeroChunks++; continue; }
      const hash = createHash("sha256").update(raw).digest("hex");
      chunks.push(hash);
      if (stored.has(hash)) continue;
      const file = join(chunkDir, chunkFileName(hash));
      if (!existsSync(file)) {
        // gzip -9 with no name and no time in the header (zlib writes mtime 0).
        const gz = gzipSync(raw, { level: zlibConstants.Z_BEST_COMPRESSION });
        const tmp = `${file}.tmp`;
        writeFileSync(tmp, gz);
        renameSync(tmp, file);
        stored.set(hash, gz.length);
      } else {
        stored.set(hash, fstatSizeOf(file));
      }
    }
  } finally {
    closeSync(fd);
  }
  for (const name of readdirSync(chunkDir)) {
    const hash = name.endsWith(".gz") ? name.slice(0, -3) : "";
    if (!stored.has(hash)) rmSync(join(chunkDir, name), { force: true });
  }
  const manifest: DiskManifest = {
    format: DISK_FORMAT, version: DISK_FORMAT_VERSION, size, chunkSize, sha256: whole.digest("hex"), compression: "gzip", chunks,
  };
  writeFileSync(join(outDir, MANIFEST_NAME), formatDiskManifest(manifest));
  let storedBytes = 0;
  for (const n of stored.values()) storedBytes += n;
  return { size, chunks: chunks.length, zeroChunks, storedChunks: stored.size, storedBytes };
}

function fstatSizeOf(path: string): number {
  const fd = openSync(path, "r");
  try { return fstatSync(fd).size; } finally { closeSync(fd); }
}

// One key per line and one chunk per line: diffs of two builds stay readable.
export function formatDiskManifest(m: DiskManifest): string {
  const head = [
    `  "format": ${JSON.stringify(m.format)}`,
    `  "version": ${m.version}`,
    `  "size": ${m.size}`,
    `  "chunkSize": ${m.chunkSize}`,
    `  "sha256": ${JSON.stringify(m.sha256)}`,
    `  "compression": ${JSON.stringify(m.compression)}`,
  ];
  const list = m.chunks.map((c) => `    ${JSON.stringify(c)}`).join(",\n");
  return `{\n${head.join(",\n")},\n  "chunks": [\n${list}\n  ]\n}\n`;
}

// Reads a base folder chunk by chunk, as the disk store does.
export class DiskBaseReader {
  private constructor(readonly dir: string, readonly manifest: DiskManifest) {}

  static open(dir: string): DiskBaseReader {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(join(dir, MANIFEST_NAME));
    } catch (e) {
      throw new DiskBaseError("bad_manifest", `cannot read ${join(dir, MANIFEST_NAME)}: ${(e as Error).message}`);
    }
    return new DiskBaseReader(dir, parseDiskManifest(bytes));
  }

  // The raw bytes of chunk `index` (zeros for a null entry), verified.
  readChunk(index: number): Uint8Array {
    const m = this.manifest;
    if (!Number.isInteger(index) || index < 0 || index >= m.chunks.length) throw new RangeError(`chunk index ${index} out of range`);
    const len = chunkLength(m, index);
    const hash = m.chunks[index];
    if (hash === null) return new Uint8Array(len);
    let gz: Uint8Array;
    try {
      gz = readFileSync(join(this.dir, CHUNK_DIR, chunkFileName(hash)));
    } catch {
      throw new DiskBaseError("missing_chunk", `chunk ${index} (${hash}) is missing from ${join(this.dir, CHUNK_DIR)}`);
    }
    return decodeChunk(gz, hash, len);
  }

  // Read `length` bytes at `offset` (any alignment), chunk by chunk.
  read(offset: number, length: number): Uint8Array {
    const m = this.manifest;
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > m.size) {
      throw new RangeError(`read of ${length} bytes at ${offset} is outside the ${m.size}-byte disk`);
    }
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const at = offset + done;
      const index = Math.floor(at / m.chunkSize);
      const within = at - index * m.chunkSize;
      const chunk = this.readChunk(index);
      const n = Math.min(chunk.length - within, length - done);
      out.set(chunk.subarray(within, within + n), done);
      done += n;
    }
    return out;
  }

  // Read every chunk and check the whole image's hash; returns it.
  verify(onChunk?: (index: number, raw: Uint8Array) => void): string {
    const whole = createHash("sha256");
    for (let i = 0; i < this.manifest.chunks.length; i++) {
      const raw = this.readChunk(i);
      whole.update(raw);
      onChunk?.(i, raw);
    }
    const got = whole.digest("hex");
    if (got !== this.manifest.sha256) {
      throw new DiskBaseError("image_mismatch", `the chunks add up to an image with SHA-256 ${got}, but disk.json says ${this.manifest.sha256}`);
    }
    return got;
  }
}
