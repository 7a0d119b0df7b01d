// Compression and hashing of snapshot blobs with what the platform has:
// CompressionStream / DecompressionStream ("deflate-raw") and WebCrypto's
// SHA-256, the same in browsers and in Node 20. ARCHITECTURE.md "Snapshot
// format" has the measurements behind choosing deflate.
import { SnapshotError } from "./snapshot-error.js";

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
