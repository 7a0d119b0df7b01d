// Compression and hashing of snapshot blobs with what the platform has:
// CompressionStream / DecompressionStream ("deflate-raw") and WebCrypto's
// SHA-256, the same in browsers and in Node 20. ARCHITECTURE.md "Snapshot
// format" has the measurements behind choosing deflate.
//
// Brotli (version 2 packs) is decoded by node:zlib where the runtime is
// Node (found with process.getBuiltinModule, so no bundle ever imports
// it), else by the decoder the page provides (provideBrotliDecoder: a
// WebAssembly build, loaded the first time a brotli pack is met).
import { SnapshotError } from "./snapshot-error.js";
import { BROTLI, CODEC, type PackCodec } from "./manifest.js";

// Decodes a whole brotli stream into at most `limit` bytes; throws if the
// data is not brotli, is cut short or would decode to more.
export type BrotliDecoder = (bytes: Uint8Array, limit: number) => Uint8Array | Promise<Uint8Array>;

let brotliLoader: (() => Promise<BrotliDecoder>) | undefined;
let brotliDecoder: Promise<BrotliDecoder> | undefined;

export function provideBrotliDecoder(load: () => Promise<BrotliDecoder>): void {
  brotliLoader = load;
  brotliDecoder = undefined;
}

interface NodeZlib {
  brotliDecompress(b: Uint8Array, o: { maxOutputLength: number }, cb: (e: Error | null, out: Uint8Array) => void): void;
}

function nodeZlib(): NodeZlib | undefined {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return p?.getBuiltinModule?.("node:zlib") as NodeZlib | undefined;
}

function brotli(): Promise<BrotliDecoder> {
  if (!brotliDecoder) {
    const z = nodeZlib();
    // (libuv's thread pool: packs decode side by side, off the event loop)
    if (z) brotliDecoder = Promise.resolve((b, limit) => new Promise<Uint8Array>((ok, no) => z.brotliDecompress(b, { maxOutputLength: limit }, (e, out) => e ? no(e) : ok(new Uint8Array(out.buffer, out.byteOffset, out.length)))));
    else if (brotliLoader) brotliDecoder = brotliLoader();
    else return Promise.reject(new SnapshotError("unsupported", "this runtime has no brotli decoder, which this snapshot's packs need"));
    // A decoder that failed to load is tried again next time.
    brotliDecoder.catch(() => { brotliDecoder = undefined; });
  }
  return brotliDecoder;
}

function need(what: string, ok: boolean): void {
  if (!ok) throw new SnapshotError("unsupported", `this runtime has no ${what}, which snapshots need`);
}

async function readAll(stream: ReadableStream<Uint8Array>, limit: number, what: string): Promise<Uint8Array> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      n += value.length;
      // A blob that inflates past what the manifest says is refused as it
      // grows, never after it has filled the host's memory.
      if (n > limit) {
        void reader.cancel().catch(() => {});
        throw new SnapshotError("bad_blob", `${what} decompresses to more than the ${limit} bytes the manifest says`);
      }
      parts.push(value);
    }
  } catch (e) {
    if (e instanceof SnapshotError) throw e;
    throw new SnapshotError("bad_blob", `${what} is not valid deflate data`);
  }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(c) { c.enqueue(bytes); c.close(); },
  });
}

export async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  need("CompressionStream", typeof CompressionStream !== "undefined");
  const cs = new CompressionStream("deflate-raw") as unknown as TransformStream<Uint8Array, Uint8Array>;
  return readAll(streamOf(bytes).pipeThrough(cs), Number.MAX_SAFE_INTEGER, "data");
}

// Inflate `bytes`, which must come to exactly `size` bytes.
export async function inflate(bytes: Uint8Array, size: number, what: string): Promise<Uint8Array> {
  need("DecompressionStream", typeof DecompressionStream !== "undefined");
  const ds = new DecompressionStream("deflate-raw") as unknown as TransformStream<Uint8Array, Uint8Array>;
  const out = await readAll(streamOf(bytes).pipeThrough(ds), size, what);
  if (out.length !== size) throw new SnapshotError("bad_blob", `${what} decompresses to ${out.length} bytes, not the ${size} the manifest says`);
  return out;
}

// Decompress a pack of `codec`, which must come to exactly `size` bytes.
export async function decompress(bytes: Uint8Array, size: number, what: string, codec: PackCodec): Promise<Uint8Array> {
  if (codec === CODEC) return inflate(bytes, size, what);
  if (codec !== BROTLI) throw new SnapshotError("unsupported", `${what} is compressed with ${JSON.stringify(codec)}`);
  let decode: BrotliDecoder;
  try {
    decode = await brotli();
  } catch (e) {
    if (e instanceof SnapshotError) throw e;
    throw new SnapshotError("unsupported", `the brotli decoder, which ${what} needs, did not load (${(e as Error).message})`);
  }
  let out: Uint8Array;
  try {
    // One byte more than the manifest says: a blob that decodes past its
    // size is told apart from one that fills it exactly.
    out = await decode(bytes, size + 1);
  } catch {
    throw new SnapshotError("bad_blob", `${what} is not valid brotli data of at most ${size} bytes`);
  }
  if (out.length > size) throw new SnapshotError("bad_blob", `${what} decompresses to more than the ${size} bytes the manifest says`);
  if (out.length < size) throw new SnapshotError("bad_blob", `${what} decompresses to ${out.length} bytes, not the ${size} the manifest says`);
  return out;
}

export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  need("WebCrypto (crypto.subtle: a page must be served over https or from localhost)", !!globalThis.crypto?.subtle);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
export function toHex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += HEX[x];
  return s;
}
export function fromHex(s: string): Uint8Array {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return toHex(await sha256(bytes));
}
