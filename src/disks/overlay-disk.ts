// A store disk as the guest's block device: a read-only base plus this
// disk's copy-on-write overlay, in chunks of record.chunkSize.
//
// Writes land in memory (whole chunks, filled from the overlay or the base
// first) and are committed to storage in batches: relaxed commits when a
// batch has grown (BATCH_BYTES) or has waited (BATCH_DELAY_MS), and a
// durable one at the guest's FLUSH (virtio-blk waits for the writes before
// it, then calls flush()). So what the guest flushed is on stable storage
// before its FLUSH completes, and a burst of writes costs one durable commit.
// A commit is atomic (the storage's promise), so after a crash the overlay
// is some earlier commit whole, at least the last durable one.
//
// Reads: the chunks in memory, then recently used ones (a bounded cache),
// then storage or the base; every stored chunk is checked against its
// SHA-256, and a bad one fails that request (an I/O error to the guest).
// When storage fails (quota, IndexedDB gone) the disk goes on in memory and
// says so once (onEvent "store-failed"): nothing the guest wrote is dropped
// while the machine runs.
import type { BlockBackend, DiskSave } from "../devices/virtio-blk.js";
import { ChunkChecksumError, chunkLength, sha256Hex } from "./base-format.js";
import type { BaseReader } from "./base-reader.js";
import { ChunkCache } from "./chunk-cache.js";
import type { DiskRecord, OverlayChunk, OverlayStorage } from "./store-backend.js";

export const BATCH_BYTES = 8 * 1024 * 1024;
export const BATCH_DELAY_MS = 1000;
// Writes wait for the commit in progress when this much is waiting.
export const MAX_PENDING_BYTES = 4 * BATCH_BYTES;

export type DiskEvent =
  | { kind: "store-failed"; message: string }   // changes from now on are kept in memory only
  | { kind: "lock-lost"; message: string }       // another tab took the disk over
  | { kind: "commit"; durable: boolean; chunks: number; changedBytes: number };

export interface OverlayOptions {
  readOnly?: boolean;
  cacheBytes?: number;
  batchBytes?: number;
  batchDelayMs?: number;
  onEvent?: (e: DiskEvent) => void;
  release?: () => Promise<void>; // the disk's lock
}

export class OverlayDisk implements BlockBackend {
  readonly size: number;
  readonly readOnly: boolean;
  readonly chunkSize: number;
  onEvent: (e: DiskEvent) => void;
  // For snapshots: set by whoever opened the disk from its store (it pins
  // the overlay's chunks there); see BlockBackend.save.
  save?: (owner: string) => Promise<DiskSave>;
  // Chunks written since the last commit began, and the ones being committed.
  private dirty = new Map<number, Uint8Array>();
  private committing: Map<number, Uint8Array> | undefined;
  private readonly loading = new Map<number, Promise<Uint8Array>>();
  private readonly version = new Map<number, number>(); // bumped by every write, so a stale read is not cached
  private readonly cache: ChunkCache<number>;
  private dirtyBytes = 0;
  private commitChain: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sinceDurable = false; // relaxed commits since the last durable one
  private failed: string | undefined;
  private closed = false;
  private readonly batchBytes: number;
  private readonly batchDelayMs: number;

  constructor(private record: DiskRecord, private readonly storage: OverlayStorage, private readonly base: BaseReader | undefined,
    private readonly opts: OverlayOptions = {}) {
    this.size = record.size;
    this.chunkSize = record.chunkSize;
    this.readOnly = opts.readOnly ?? false;
    this.cache = new ChunkCache(opts.cacheBytes ?? 32 * 1024 * 1024);
    this.batchBytes = opts.batchBytes ?? BATCH_BYTES;
    this.batchDelayMs = opts.batchDelayMs ?? BATCH_DELAY_MS;
    this.onEvent = opts.onEvent ?? (() => {});
  }

  get disk(): DiskRecord { return this.record; }
  // Why changes are no longer kept, if they are not.
  get memoryOnly(): string | undefined { return this.failed; }
  // The overlay's chunks in storage (index → SHA-256), for snapshots.
  get storedChunks(): ReadonlyMap<number, string> { return this.storage.chunks; }
  get pendingBytes(): number { return this.dirtyBytes; }

  private len(i: number): number { return chunkLength(this.size, this.chunkSize, i); }

  // ---- reads ----

  async read(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    const cs = this.chunkSize;
    const jobs: Promise<void>[] = [];
    for (let i = Math.floor(offset / cs); i * cs < offset + length; i++) {
      const from = Math.max(offset, i * cs), to = Math.min(offset + length, (i + 1) * cs);
      const mem = this.inMemory(i);
      if (mem) { out.set(mem.subarray(from - i * cs, to - i * cs), from - offset); continue; }
      if (this.storage.chunks.has(i)) {
        jobs.push(this.loadStored(i).then((b) => out.set(b.subarray(from - i * cs, to - i * cs), from - offset)));
      } else if (this.base) {
        jobs.push(this.base.readInto(from, out.subarray(from - offset, to - offset)));
      } // else: zeros (a new Uint8Array is zero)
    }
    await Promise.all(jobs);
    return out;
  }

  private inMemory(i: number): Uint8Array | undefined {
    return this.dirty.get(i) ?? this.committing?.get(i) ?? this.cache.get(i);
  }

  // A chunk from the overlay's storage, checked against its hash.
  private async loadStored(i: number): Promise<Uint8Array> {
    const hash = this.storage.chunks.get(i)!;
    const v = this.version.get(i) ?? 0;
    const b = await this.storage.read(i);
    const what = `chunk ${i} of the disk '${this.record.name}'`;
    if (b.length !== this.len(i)) throw new ChunkChecksumError(`${what} is ${b.length} bytes, not ${this.len(i)}: the stored data is damaged`);
    const got = await sha256Hex(b);
    if (got !== hash) throw new ChunkChecksumError(`${what} fails its checksum: the stored data is damaged`);
    if ((this.version.get(i) ?? 0) === v && !this.dirty.has(i) && !this.committing?.has(i)) this.cache.set(i, b);
    return b;
  }

  // ---- writes ----

  // Chunk i as it is now, in the dirty map, ready to be changed in place.
  private chunkForWrite(i: number, whole: boolean): Uint8Array | Promise<Uint8Array> {
    const d = this.dirty.get(i);
    if (d) return d;
    const pending = this.loading.get(i);
    if (pending) return pending;
    const mem = this.committing?.get(i) ?? this.cache.get(i);
    if (mem || whole) {
      const b = mem ? mem.slice() : new Uint8Array(this.len(i)); // the committed copy is never changed
      this.cache.delete(i);
      this.setDirty(i, b);
      return b;
    }
    const p = (async () => {
      let b: Uint8Array;
      if (this.storage.chunks.has(i)) b = (await this.loadStored(i)).slice();
      else {
        b = new Uint8Array(this.len(i));
        if (this.base) await this.base.readInto(i * this.chunkSize, b);
      }
      // A write that covered the whole chunk meanwhile wins.
      const now = this.dirty.get(i) ?? this.committing?.get(i)?.slice();
      if (now) b = now;
      this.cache.delete(i);
      if (!this.dirty.has(i)) this.setDirty(i, b);
      return this.dirty.get(i)!;
    })();
    this.loading.set(i, p);
    void p.catch(() => {}).finally(() => this.loading.delete(i));
    return p;
  }

  private setDirty(i: number, b: Uint8Array): void {
    this.dirty.set(i, b);
    this.dirtyBytes += b.length;
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    if (this.readOnly) throw new Error(`the disk '${this.record.name}' is read-only`);
    if (this.closed) throw new Error(`the disk '${this.record.name}' is closed`);
    const cs = this.chunkSize;
    const end = offset + data.length;
    const jobs: Promise<void>[] = [];
    for (let i = Math.floor(offset / cs); i * cs < end; i++) {
      const from = Math.max(offset, i * cs), to = Math.min(end, (i + 1) * cs);
      const whole = from === i * cs && to === i * cs + this.len(i);
      const apply = (b: Uint8Array) => {
        // The chunk may have been committed while it loaded: change the
        // dirty copy, never the one being written out.
        const target = this.dirty.get(i) ?? this.copyToDirty(i, b);
        target.set(data.subarray(from - offset, to - offset), from - i * cs);
        this.version.set(i, (this.version.get(i) ?? 0) + 1);
      };
      const b = this.chunkForWrite(i, whole);
      if (b instanceof Uint8Array) apply(b); else jobs.push(b.then(apply));
    }
    await Promise.all(jobs);
    this.schedule();
    // Back-pressure: a guest writing faster than storage takes it waits.
    if (this.dirtyBytes > MAX_PENDING_BYTES && !this.failed) await this.commitChain;
  }

  private copyToDirty(i: number, b: Uint8Array): Uint8Array {
    const c = b.slice();
    this.setDirty(i, c);
    return c;
  }

  private schedule(): void {
    if (this.failed || this.closed) return;
    if (this.dirtyBytes >= this.batchBytes) { void this.commit(false).catch(() => {}); return; }
    this.timer ??= setTimeout(() => { this.timer = undefined; void this.commit(false).catch(() => {}); }, this.batchDelayMs);
  }

  // ---- commits ----

  // The guest's FLUSH: everything written before it is durable when this resolves.
  flush(): Promise<void> { return this.commit(true); }

  // Commit what is in memory now (after any commit in progress).
  commit(durable: boolean): Promise<void> {
    const run = this.commitChain.then(() => this.commitNow(durable));
    this.commitChain = run.catch(() => {});
    return run;
  }

  private async commitNow(durable: boolean): Promise<void> {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    if (this.failed) return; // in memory only: said once already
    if (this.dirty.size === 0 && !(durable && this.sinceDurable)) return;
    const batch = this.dirty;
    this.dirty = new Map();
    this.dirtyBytes = 0;
    this.committing = batch;
    try {
      const chunks: OverlayChunk[] = await Promise.all([...batch].map(async ([index, bytes]) => ({ index, bytes, hash: await sha256Hex(bytes) })));
      let changed = 0;
      const after = new Set(this.storage.chunks.keys());
      for (const c of chunks) after.add(c.index);
      for (const i of after) changed += this.len(i);
      const next: DiskRecord = {
        ...this.record, changedBytes: changed, lastUsed: Date.now(),
        durableCommits: this.record.durableCommits + (durable ? 1 : 0), relaxedCommits: this.record.relaxedCommits + (durable ? 0 : 1),
      };
      await this.storage.commit(chunks, durable, next);
      this.record = next;
      this.sinceDurable = !durable;
      for (const c of chunks) {
        if (!this.dirty.has(c.index)) this.cache.set(c.index, c.bytes);
      }
      this.onEvent({ kind: "commit", durable, chunks: chunks.length, changedBytes: changed });
    } catch (e) {
      // Keep the batch in memory (newer writes win) and go on without storage.
      for (const [i, b] of batch) if (!this.dirty.has(i)) this.setDirty(i, b);
      this.failed = `the disk '${this.record.name}' could not be saved (${e instanceof Error ? e.message : String(e)}); ` +
        "it goes on in memory and changes from now on will not be kept";
      this.onEvent({ kind: "store-failed", message: this.failed });
    } finally {
      this.committing = undefined;
    }
  }

  // Another writer took the disk (a second tab's "use it here"): stop
  // writing to storage at once; the machine goes on in memory.
  lockLost(): void {
    if (this.failed) return;
    this.failed = `another tab took over the disk '${this.record.name}': changes here are kept in memory only`;
    this.onEvent({ kind: "lock-lost", message: this.failed });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.readOnly) await this.commit(true);
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    try {
      await this.storage.close(this.record);
    } finally {
      await this.opts.release?.();
    }
  }
}
