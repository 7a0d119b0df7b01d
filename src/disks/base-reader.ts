// Reading a base image by chunks, on demand: from the store's chunk table,
// else (a remote base) fetched from its URL, checked, and kept in the store
// for next time. Every chunk is checked against its SHA-256 before its bytes
// are used; a bad one is a ChunkChecksumError, never data.
import { ChunkChecksumError, chunkLength, decodeChunkFile, DiskFormatError, verifyChunk } from "./base-format.js";
import { ChunkCache } from "./chunk-cache.js";
import type { BaseRecord, StoreBackend } from "./store-backend.js";

export class BaseReader {
  private readonly loading = new Map<string, Promise<Uint8Array>>();

  constructor(readonly base: BaseRecord, private readonly store: StoreBackend, private readonly cache: ChunkCache<string>,
    private readonly fetcher: typeof fetch = (...a) => fetch(...a)) {}

  get size(): number { return this.base.size; }

  // Chunk i's raw bytes, or null when it is all zero.
  async chunk(i: number): Promise<Uint8Array | null> {
    const hash = this.base.chunks[i];
    if (hash === null || hash === undefined) return null;
    const hit = this.cache.get(hash);
    if (hit) return hit;
    let p = this.loading.get(hash);
    if (!p) {
      p = this.load(hash, chunkLength(this.base.size, this.base.chunkSize, i));
      this.loading.set(hash, p);
      p.then((b) => this.cache.set(hash, b), () => {}).finally(() => this.loading.delete(hash));
    }
    return p;
  }

  private async load(hash: string, length: number): Promise<Uint8Array> {
    const what = `chunk ${hash.slice(0, 12)}… of the base '${this.base.label}'`;
    const stored = await this.store.getChunk(hash);
    if (stored) {
      if (stored.length !== length) throw new ChunkChecksumError(`${what} is ${stored.length} bytes, not ${length}: the stored data is damaged`);
      await verifyChunk(stored, hash, what);
      return stored;
    }
    if (!this.base.url) throw new DiskFormatError(`${what} is missing from the store`);
    const url = new URL(`chunks/${hash}.gz`, this.base.url);
    let res: Response;
    try { res = await this.fetcher(url); } catch (e) { throw new DiskFormatError(`cannot fetch ${what}: ${(e as Error).message}`); }
    if (!res.ok) throw new DiskFormatError(`cannot fetch ${what}: HTTP ${res.status}`);
    const body = new Uint8Array(await res.arrayBuffer());
    // A server may have unpacked it already (Content-Encoding: gzip).
    let raw: Uint8Array;
    if (body[0] === 0x1f && body[1] === 0x8b) raw = await decodeChunkFile(body, hash, length, what);
    else {
      if (body.length !== length) throw new ChunkChecksumError(`${what} is ${body.length} bytes, not ${length}`);
      await verifyChunk(body, hash, what);
      raw = body;
    }
    // Kept for next time; a store that cannot keep it still serves it.
    this.store.putChunks([{ hash, bytes: raw }]).catch(() => {});
    return raw;
  }

  // Copy [offset, offset + out.length) of the base into out.
  async readInto(offset: number, out: Uint8Array): Promise<void> {
    const cs = this.base.chunkSize;
    const end = Math.min(offset + out.length, this.base.size);
    const jobs: Promise<void>[] = [];
    for (let c = Math.floor(offset / cs); c * cs < end; c++) {
      const from = Math.max(offset, c * cs), to = Math.min(end, (c + 1) * cs);
      jobs.push(this.chunk(c).then((b) => {
        if (b) out.set(b.subarray(from - c * cs, to - c * cs), from - offset);
        else out.fill(0, from - offset, to - offset);
      }));
    }
    await Promise.all(jobs);
    if (end < offset + out.length) out.fill(0, Math.max(0, end - offset)); // a disk larger than its base
  }
}
