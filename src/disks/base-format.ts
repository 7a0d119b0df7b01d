// The disk base format (written by image/ recipes and by our stores): a
// directory with
//   disk.json  {"format": "rvplay-disk", "version": 1, "size", "chunkSize",
//               "sha256": <hex SHA-256 of the whole raw image>,
//               "compression": "gzip",
//               "chunks": [<hex SHA-256 of the raw chunk> | null (all zero)]}
//   chunks/<hash>.gz   gzip of the raw chunk (the last one may be short)
// Parsed here, with the checks a file from elsewhere deserves, and a fuzz
// entry for each parser. No Node or DOM API: DecompressionStream and
// crypto.subtle exist in both.

export const BASE_FORMAT = "rvplay-disk";
export const BASE_VERSION = 1;
export const SECTOR = 512;
// The chunk size our imports write (the format allows others, per image):
// 256 KiB, as IPFS and Infinite Mac use for images fetched on demand.
export const BASE_CHUNK_SIZE_DEFAULT = 262144;
// Chunk sizes a base may use: a power of two from 4 KiB to 16 MiB.
export const MIN_CHUNK = 4096;
export const MAX_CHUNK = 16 * 1024 * 1024;
// The largest disk we accept (a JS number is exact to 2^53; IndexedDB and
// the guest are happier far below): 1 TiB.
export const MAX_DISK_BYTES = 2 ** 40;

export interface BaseManifest {
  format: typeof BASE_FORMAT;
  version: 1;
  size: number;
  chunkSize: number;
  sha256: string;
  compression: "gzip";
  chunks: (string | null)[];
}

// Anything wrong with a base's files: a typed error, never a crash.
export class DiskFormatError extends Error {}
// A chunk whose bytes do not hash to its name: never served as data.
export class ChunkChecksumError extends DiskFormatError {}

const HEX64 = /^[0-9a-f]{64}$/;
export const isHash = (s: unknown): s is string => typeof s === "string" && HEX64.test(s);

export function chunkCount(size: number, chunkSize: number): number { return Math.ceil(size / chunkSize); }
// The length of chunk i (the last may be short).
export function chunkLength(size: number, chunkSize: number, i: number): number {
  return Math.min(chunkSize, size - i * chunkSize);
}

export function checkChunkSize(n: unknown, what = "chunkSize"): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < MIN_CHUNK || n > MAX_CHUNK || (n & (n - 1)) !== 0) {
    throw new DiskFormatError(`${what} must be a power of two from ${MIN_CHUNK} to ${MAX_CHUNK}, not ${JSON.stringify(n)}`);
  }
  return n;
}

export function checkDiskSize(n: unknown, what = "size"): number {
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n <= 0) throw new DiskFormatError(`${what} must be a positive whole number of bytes, not ${JSON.stringify(n)}`);
  if (n % SECTOR !== 0) throw new DiskFormatError(`${what} ${n} is not a whole number of ${SECTOR}-byte sectors`);
  if (n > MAX_DISK_BYTES) throw new DiskFormatError(`${what} ${n} is larger than the ${MAX_DISK_BYTES / 2 ** 30} GiB a disk may have`);
  return n;
}

// disk.json from its bytes (or a value already parsed), checked whole.
export function parseBaseManifest(input: Uint8Array | unknown): BaseManifest {
  let v: unknown = input;
  if (input instanceof Uint8Array) {
    let text: string;
    try { text = new TextDecoder("utf-8", { fatal: true }).decode(input); } catch { throw new DiskFormatError("disk.json is not UTF-8 text"); }
    try { v = JSON.parse(text); } catch (e) { throw new DiskFormatError(`disk.json is not JSON: ${(e as Error).message}`); }
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new DiskFormatError("disk.json is not an object");
  const o = v as Record<string, unknown>;
  if (o.format !== BASE_FORMAT) throw new DiskFormatError(`disk.json: format is ${JSON.stringify(o.format)}, not "${BASE_FORMAT}"`);
  if (o.version !== BASE_VERSION) throw new DiskFormatError(`disk.json: version ${JSON.stringify(o.version)} is not one we read (${BASE_VERSION})`);
  const size = checkDiskSize(o.size, "disk.json: size");
  const chunkSize = checkChunkSize(o.chunkSize, "disk.json: chunkSize");
  if (!isHash(o.sha256)) throw new DiskFormatError("disk.json: sha256 is not 64 lowercase hex digits");
  if (o.compression !== "gzip") throw new DiskFormatError(`disk.json: compression ${JSON.stringify(o.compression)} is not "gzip"`);
  if (!Array.isArray(o.chunks)) throw new DiskFormatError("disk.json: chunks is not a list");
  const n = chunkCount(size, chunkSize);
  if (o.chunks.length !== n) throw new DiskFormatError(`disk.json: ${o.chunks.length} chunks listed, a ${size}-byte image in ${chunkSize}-byte chunks has ${n}`);
  const chunks = o.chunks.map((c, i) => {
    if (c === null || isHash(c)) return c;
    throw new DiskFormatError(`disk.json: chunk ${i} is neither a hash nor null`);
  });
  return { format: BASE_FORMAT, version: 1, size, chunkSize, sha256: o.sha256, compression: "gzip", chunks };
}

export function formatBaseManifest(m: BaseManifest): string {
  return JSON.stringify({ format: m.format, version: m.version, size: m.size, chunkSize: m.chunkSize, sha256: m.sha256, compression: m.compression, chunks: m.chunks }) + "\n";
}

// SHA-256 of some bytes as lowercase hex (crypto.subtle: native in Node and browsers).
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  let s = "";
  for (const b of d) s += b.toString(16).padStart(2, "0");
  return s;
}

// Gunzip at most `limit` bytes (a chunk file must not unpack into more than
// a chunk: a small file that inflates to gigabytes is refused early).
export async function gunzipBounded(gz: Uint8Array, limit: number, what: string): Promise<Uint8Array> {
  if (gz.length < 18 || gz[0] !== 0x1f || gz[1] !== 0x8b) throw new DiskFormatError(`${what} is not gzip data`);
  const out = new Uint8Array(limit);
  let got = 0;
  const ds = new DecompressionStream("gzip");
  const writer = ds.writable.getWriter();
  const reader = ds.readable.getReader();
  // Errors surface on the reader; the writer's promises are only observed.
  writer.write(gz as Uint8Array<ArrayBuffer>).catch(() => {});
  writer.close().catch(() => {});
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (got + value.length > limit) {
        void reader.cancel().catch(() => {});
        throw new DiskFormatError(`${what} unpacks to more than ${limit} bytes`);
      }
      out.set(value, got);
      got += value.length;
    }
  } catch (e) {
    if (e instanceof DiskFormatError) throw e;
    throw new DiskFormatError(`${what} is not valid gzip data (${(e as Error).message})`);
  }
  return out.subarray(0, got);
}

// A chunk file's bytes → the raw chunk, checked against its name and length.
export async function decodeChunkFile(gz: Uint8Array, hash: string, length: number, what = `chunk ${hash}`): Promise<Uint8Array> {
  const raw = await gunzipBounded(gz, length, what);
  if (raw.length !== length) throw new DiskFormatError(`${what} unpacks to ${raw.length} bytes, not ${length}`);
  await verifyChunk(raw, hash, what);
  return raw;
}

export async function verifyChunk(raw: Uint8Array, hash: string, what: string): Promise<void> {
  const got = await sha256Hex(raw);
  if (got !== hash) throw new ChunkChecksumError(`${what} fails its checksum (SHA-256 ${got.slice(0, 12)}…, expected ${hash.slice(0, 12)}…): the stored data is damaged`);
}

export function isAllZero(b: Uint8Array): boolean {
  // Word at a time where aligned; this runs for every chunk of an upload.
  const words = b.byteOffset % 4 === 0 ? new Uint32Array(b.buffer, b.byteOffset, b.length >> 2) : undefined;
  let i = 0;
  if (words) {
    for (const w of words) if (w !== 0) return false;
    i = words.length << 2;
  }
  for (; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

// ---- fuzz entry points: they throw DiskFormatError and nothing else ----

export function fuzzBaseManifest(bytes: Uint8Array): BaseManifest { return parseBaseManifest(bytes); }

// A chunk file of at most 64 KiB raw named by the hash of the empty chunk
// length the fuzzer cannot know: any result but DiskFormatError is a bug.
export async function fuzzChunkFile(bytes: Uint8Array): Promise<Uint8Array> {
  return decodeChunkFile(bytes, "0".repeat(64), 65536, "fuzzed chunk");
}
