// A store of disks over a StoreBackend (IndexedDB in the page, files for the
// CLI): images imported as bases (streamed, chunked, named by SHA-256 and
// shared), disks made from them or empty, reset, removed, exported, opened
// for the guest as an OverlayDisk. Everything here is shared by the page and
// the CLI; the back ends only store.
import {
  BASE_CHUNK_SIZE_DEFAULT, checkDiskSize, chunkLength, decodeChunkFile, DiskFormatError, isAllZero, parseBaseManifest,
  SECTOR, sha256Hex,
} from "./base-format.js";
import { BaseReader } from "./base-reader.js";
import { ChunkCache } from "./chunk-cache.js";
import { OverlayDisk, type DiskEvent } from "./overlay-disk.js";
import { Sha256, type Hasher } from "./sha256.js";
import {
  checkDiskName, DiskNotFoundError, DiskStoreError, newDiskId, StorageFailedError,
  type BaseRecord, type DiskRecord, type StoreBackend,
} from "./store-backend.js";

// The overlay's chunk size: 64 KiB. Measured (bench/disk-chunk-size.ts,
// ARCHITECTURE.md "Disks"): smaller chunks cost more per record in
// IndexedDB, larger ones multiply the bytes a small write commits.
export const OVERLAY_CHUNK = 64 * 1024;
// Chunks put per storage call during an import (4 MiB of 256 KiB chunks):
// the import waits for each, so memory stays bounded.
const IMPORT_BATCH = 16;

export class DiskImportError extends DiskStoreError {}

export interface ImportProgress { read: number; unpacked: number; stored: number; total?: number }

export interface DiskStoreOptions {
  hasher?: () => Hasher;
  fetcher?: typeof fetch;
  cacheBytes?: number;
  overlayChunkSize?: number;
}

export interface OpenOptions {
  readOnly?: boolean;
  onEvent?: (e: DiskEvent) => void;
  batchBytes?: number;
  batchDelayMs?: number;
}

export class DiskStore {
  private readonly hasher: () => Hasher;
  private readonly fetcher: typeof fetch;
  private readonly cache: ChunkCache<string>;
  readonly overlayChunkSize: number;

  constructor(readonly backend: StoreBackend, opts: DiskStoreOptions = {}) {
    this.hasher = opts.hasher ?? (() => new Sha256());
    this.fetcher = opts.fetcher ?? ((...a) => fetch(...a));
    this.cache = new ChunkCache(opts.cacheBytes ?? 64 * 1024 * 1024);
    this.overlayChunkSize = opts.overlayChunkSize ?? OVERLAY_CHUNK;
  }

  async list(): Promise<DiskRecord[]> {
    return (await this.backend.listDisks()).sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(id: string): Promise<DiskRecord> {
    const d = await this.backend.getDisk(id);
    if (!d) throw new DiskNotFoundError(`no disk with id ${id} in ${this.backend.location}`);
    return d;
  }

  async find(name: string): Promise<DiskRecord> {
    const d = (await this.backend.listDisks()).find((x) => x.name === name);
    if (!d) throw new DiskNotFoundError(`no disk named '${name}' in ${this.backend.location}`);
    return d;
  }

  private async checkNewName(name: string): Promise<void> {
    checkDiskName(name);
    if ((await this.backend.listDisks()).some((x) => x.name === name)) throw new DiskStoreError(`a disk named '${name}' exists already`);
  }

  private newRecord(name: string, size: number, base: string | null): DiskRecord {
    return {
      id: newDiskId(), name, size, base, chunkSize: this.overlayChunkSize, createdAt: Date.now(), lastUsed: null,
      changedBytes: 0, durableCommits: 0, relaxedCommits: 0,
    };
  }

  // An empty disk (all zeros, no base).
  async create(name: string, size: number): Promise<DiskRecord> {
    await this.checkNewName(name);
    try { checkDiskSize(size); } catch (e) { throw new DiskStoreError((e as Error).message.replace(/^size/, "the size")); }
    const d = this.newRecord(name, size, null);
    await this.wrapStorage(() => this.backend.putDisk(d));
    return d;
  }

  // A disk over a base already in the store.
  async createFromBase(name: string, sha256: string): Promise<DiskRecord> {
    await this.checkNewName(name);
    const base = await this.backend.getBase(sha256);
    if (!base) throw new DiskNotFoundError(`no base image ${sha256.slice(0, 12)}… in ${this.backend.location}`);
    const d = this.newRecord(name, base.size, sha256);
    await this.wrapStorage(() => this.backend.putDisk(d));
    return d;
  }

  // Storage failures (quota, a full disk, IndexedDB gone) as a typed error.
  private async wrapStorage<T>(fn: () => Promise<T>): Promise<T> {
    try { return await fn(); } catch (e) {
      if (e instanceof DiskFormatError) throw e;
      const err = e as { name?: string; message?: string; code?: string };
      const quota = err.name === "QuotaExceededError" || err.code === "ENOSPC";
      throw new StorageFailedError(quota
        ? `the storage is full (${err.message ?? err.name}): free some space (delete a disk) and try again`
        : `the storage failed: ${err.message ?? String(e)}`);
    }
  }

  // A raw or gzip'd image, streamed into chunks and never held whole: a new
  // base (or the same one, if this image is there already) and a disk over
  // it. On any failure nothing of it is left: no base, no disk, and its
  // chunks are collected.
  async importImage(name: string, input: ReadableStream<Uint8Array>, opts: {
    label?: string; total?: number; onProgress?: (p: ImportProgress) => void; signal?: AbortSignal;
  } = {}): Promise<DiskRecord> {
    await this.checkNewName(name);
    const label = opts.label ?? name;
    try {
      return await this.backend.guardImport(async () => {
        const base = await this.chunkImage(input, label, opts);
        await this.wrapStorage(async () => { if (!(await this.backend.getBase(base.sha256))) await this.backend.putBase(base); });
        await this.checkNewName(name); // another import may have taken it meanwhile
        const d = this.newRecord(name, base.size, base.sha256);
        await this.wrapStorage(() => this.backend.putDisk(d));
        return d;
      });
    } catch (e) {
      await this.gc().catch(() => {});
      throw e;
    }
  }

  private async chunkImage(input: ReadableStream<Uint8Array>, label: string, opts: {
    total?: number; onProgress?: (p: ImportProgress) => void; signal?: AbortSignal;
  }): Promise<BaseRecord> {
    const cs = BASE_CHUNK_SIZE_DEFAULT;
    const p: ImportProgress = { read: 0, unpacked: 0, stored: 0, total: opts.total };
    const src = input.getReader();
    let first: ReadableStreamReadResult<Uint8Array>;
    try { first = await src.read(); } catch (e) { throw new DiskImportError(`cannot read '${label}': ${(e as Error).message}`); }
    const gzip = !first.done && first.value.length >= 2 && first.value[0] === 0x1f && first.value[1] === 0x8b;
    const counted = new ReadableStream<Uint8Array>({
      start(ctl) { if (first.done) ctl.close(); else { p.read += first.value.length; ctl.enqueue(first.value); } },
      async pull(ctl) {
        const r = await src.read();
        if (r.done) ctl.close(); else { p.read += r.value.length; ctl.enqueue(r.value); }
      },
      cancel(reason) { return src.cancel(reason); },
    });
    const reader = (gzip ? counted.pipeThrough(new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>) : counted).getReader();
    const whole = this.hasher();
    const chunks: (string | null)[] = [];
    let batch: { hash: string; bytes: Uint8Array }[] = [];
    let cur = new Uint8Array(cs);
    let fill = 0;
    let lastReport = 0;
    const report = (force = false) => {
      const now = Date.now();
      if (force || now - lastReport > 100) { lastReport = now; opts.onProgress?.({ ...p }); }
    };
    const flushBatch = async () => {
      if (!batch.length) return;
      const b = batch;
      batch = [];
      await this.wrapStorage(() => this.backend.putChunks(b));
      p.stored += b.reduce((s, c) => s + c.bytes.length, 0);
    };
    const endChunk = async (bytes: Uint8Array) => {
      whole.update(bytes);
      if (isAllZero(bytes)) { chunks.push(null); return; }
      const hash = await sha256Hex(bytes);
      chunks.push(hash);
      batch.push({ hash, bytes });
      if (batch.length >= IMPORT_BATCH) await flushBatch();
    };
    try {
      for (;;) {
        if (opts.signal?.aborted) throw new DiskImportError(`the import of '${label}' was cancelled`);
        let r: ReadableStreamReadResult<Uint8Array>;
        try { r = await reader.read(); } catch (e) {
          throw new DiskImportError(gzip
            ? `'${label}' is not a valid gzip file, or it is cut off (${(e as Error).message})`
            : `cannot read '${label}' (${(e as Error).message}): was it moved, or cut off?`);
        }
        if (r.done) break;
        let v = r.value;
        while (v.length) {
          const n = Math.min(cs - fill, v.length);
          cur.set(v.subarray(0, n), fill);
          fill += n;
          v = v.subarray(n);
          p.unpacked += n;
          if (fill === cs) { await endChunk(cur); cur = new Uint8Array(cs); fill = 0; }
        }
        report();
      }
      if (fill) await endChunk(cur.slice(0, fill));
      await flushBatch();
    } catch (e) {
      void reader.cancel().catch(() => {});
      throw e;
    }
    report(true);
    const size = p.unpacked;
    if (size === 0) throw new DiskImportError(`'${label}' is empty${gzip ? " once unpacked" : ""}: a disk image needs at least one ${SECTOR}-byte sector`);
    if (size % SECTOR !== 0) {
      throw new DiskImportError(`'${label}' is ${size} bytes${gzip ? " unpacked" : ""}, not a whole number of ${SECTOR}-byte sectors: is it a disk image?`);
    }
    try { checkDiskSize(size); } catch (e) { throw new DiskImportError(`'${label}': ${(e as Error).message}`); }
    return { format: "rvplay-disk", version: 1, size, chunkSize: cs, sha256: whole.digestHex(), compression: "gzip", chunks, label, addedAt: Date.now() };
  }

  // A base in the base format (disk.json and gzip'd chunks, read through
  // `readChunk`), copied into the store with every chunk checked.
  async importBaseDir(name: string, manifestBytes: Uint8Array, readChunk: (hash: string) => Promise<Uint8Array>, label: string,
    onProgress?: (p: ImportProgress) => void): Promise<DiskRecord> {
    await this.checkNewName(name);
    const m = parseBaseManifest(manifestBytes);
    try {
      return await this.backend.guardImport(async () => {
        const whole = this.hasher();
        const p: ImportProgress = { read: 0, unpacked: 0, stored: 0, total: m.size };
        let batch: { hash: string; bytes: Uint8Array }[] = [];
        const zero = new Uint8Array(m.chunkSize);
        for (let i = 0; i < m.chunks.length; i++) {
          const h = m.chunks[i];
          const len = chunkLength(m.size, m.chunkSize, i);
          if (h === null) { whole.update(zero.subarray(0, len)); p.unpacked += len; continue; }
          let gz: Uint8Array;
          try { gz = await readChunk(h); } catch (e) { throw new DiskImportError(`${label}: cannot read chunk ${i} (${h}): ${(e as Error).message}`); }
          p.read += gz.length;
          const raw = await decodeChunkFile(gz, h, len, `${label}: chunk ${i}`);
          whole.update(raw);
          p.unpacked += len;
          batch.push({ hash: h, bytes: raw });
          if (batch.length >= IMPORT_BATCH) {
            const b = batch; batch = [];
            await this.wrapStorage(() => this.backend.putChunks(b));
            p.stored += b.length * m.chunkSize;
          }
          onProgress?.({ ...p });
        }
        if (batch.length) await this.wrapStorage(() => this.backend.putChunks(batch));
        const sha = whole.digestHex();
        if (sha !== m.sha256) throw new DiskImportError(`${label}: the image's SHA-256 is ${sha}, disk.json says ${m.sha256}`);
        const base: BaseRecord = { ...m, label, addedAt: Date.now() };
        await this.wrapStorage(async () => { if (!(await this.backend.getBase(sha))) await this.backend.putBase(base); });
        const d = this.newRecord(name, m.size, sha);
        await this.wrapStorage(() => this.backend.putDisk(d));
        return d;
      });
    } catch (e) {
      await this.gc().catch(() => {});
      throw e;
    }
  }

  // A base served as a directory of the base format at `url` (disk.json,
  // chunks/): only the manifest is fetched now; chunks when the guest reads them.
  async addRemoteBase(url: string, label = url): Promise<BaseRecord> {
    const dir = url.endsWith("/") ? url : url + "/";
    let res: Response;
    try { res = await this.fetcher(new URL("disk.json", dir)); } catch (e) { throw new DiskImportError(`cannot fetch ${dir}disk.json: ${(e as Error).message}`); }
    if (!res.ok) throw new DiskImportError(`cannot fetch ${dir}disk.json: HTTP ${res.status}`);
    const m = parseBaseManifest(new Uint8Array(await res.arrayBuffer()));
    const existing = await this.backend.getBase(m.sha256);
    if (existing) return existing;
    const base: BaseRecord = { ...m, label, url: dir, addedAt: Date.now() };
    await this.wrapStorage(() => this.backend.putBase(base));
    return base;
  }

  // Reset to pristine: the overlay is dropped (the base is untouched).
  async reset(id: string): Promise<DiskRecord> {
    const d = await this.get(id);
    const release = await this.backend.lockDisk(id);
    try {
      await this.wrapStorage(() => this.backend.clearOverlay(id));
      const next = { ...d, changedBytes: 0 };
      await this.wrapStorage(() => this.backend.putDisk(next));
      return next;
    } finally {
      await release();
    }
  }

  // Delete a disk; its base goes too when no other disk uses it.
  async remove(id: string): Promise<void> {
    const d = await this.get(id);
    const release = await this.backend.lockDisk(id);
    try {
      await this.wrapStorage(() => this.backend.deleteDisk(id));
    } finally {
      await release();
    }
    if (d.base && !(await this.backend.listDisks()).some((x) => x.base === d.base)) {
      await this.wrapStorage(() => this.backend.deleteBase(d.base!));
    }
    await this.gc();
  }

  async rename(id: string, name: string): Promise<DiskRecord> {
    await this.checkNewName(name);
    const next = { ...(await this.get(id)), name };
    await this.wrapStorage(() => this.backend.putDisk(next));
    return next;
  }

  // The guest's block device. A writer holds the disk's lock until close();
  // readOnly opens take none (export, a second tab's read-only view).
  async open(id: string, opts: OpenOptions = {}): Promise<OverlayDisk> {
    let opened: OverlayDisk | undefined;
    let lost = false;
    const release = opts.readOnly ? undefined : await this.backend.lockDisk(id, () => { lost = true; opened?.lockLost(); });
    try {
      const d = await this.get(id);
      let reader: BaseReader | undefined;
      if (d.base) {
        const base = await this.backend.getBase(d.base);
        if (!base) throw new DiskStoreError(`the disk '${d.name}' names a base image (${d.base.slice(0, 12)}…) that is not in ${this.backend.location}`);
        reader = new BaseReader(base, this.backend, this.cache, this.fetcher);
      }
      const storage = await this.wrapStorage(() => this.backend.openOverlay(d));
      const rec = opts.readOnly ? d : { ...d, lastUsed: Date.now() };
      if (!opts.readOnly) await this.wrapStorage(() => this.backend.putDisk(rec));
      opened = new OverlayDisk(rec, storage, reader, { readOnly: opts.readOnly, onEvent: opts.onEvent, release, batchBytes: opts.batchBytes, batchDelayMs: opts.batchDelayMs });
      if (lost) opened.lockLost();
      return opened;
    } catch (e) {
      await release?.();
      throw e;
    }
  }

  // The disk's contents as a raw image, in pieces of `piece` bytes, to `sink`
  // (which may take its time: it is awaited). Holds the disk's lock, so a
  // disk in use is refused (DiskBusyError) rather than copied half-changed.
  async exportImage(id: string, sink: (bytes: Uint8Array) => Promise<void> | void,
    onProgress?: (done: number, total: number) => void, piece = 4 * 1024 * 1024): Promise<void> {
    const d = await this.get(id);
    const release = await this.backend.lockDisk(id);
    let disk: OverlayDisk | undefined;
    try {
      disk = await this.open(id, { readOnly: true });
      for (let at = 0; at < d.size; at += piece) {
        const n = Math.min(piece, d.size - at);
        await sink(await disk.read(at, n));
        onProgress?.(at + n, d.size);
      }
    } finally {
      await disk?.close();
      await release();
    }
  }

  // ---- for snapshots: an overlay's chunks by hash, and pins ----

  // The overlay's chunks as stored now (index → SHA-256).
  overlayChunks(id: string): Promise<Map<number, string>> { return this.backend.overlayChunks(id); }

  // Copy the overlay's chunks into the content-addressed table and pin
  // them for `owner`, so they outlive later writes, resets and deletes.
  // `open`: the disk as the running machine has it (its writes in memory are
  // committed first); else the disk is opened (and locked) here.
  async pinOverlay(id: string, owner: string, open?: OverlayDisk): Promise<Map<number, string>> {
    let disk = open;
    let release: (() => Promise<void>) | undefined;
    if (disk) await disk.commit(false);
    else {
      release = await this.backend.lockDisk(id);
      disk = await this.open(id, { readOnly: true });
    }
    try {
      const map = new Map(disk.storedChunks);
      const have = new Set(await this.backend.listChunks());
      const copy: { hash: string; bytes: Uint8Array }[] = [];
      for (const [i, hash] of map) {
        if (have.has(hash)) continue;
        copy.push({ hash, bytes: await disk.read(i * disk.chunkSize, chunkLength(disk.size, disk.chunkSize, i)) });
        if (copy.length >= IMPORT_BATCH) await this.wrapStorage(() => this.backend.putChunks(copy.splice(0)));
      }
      if (copy.length) await this.wrapStorage(() => this.backend.putChunks(copy));
      await this.wrapStorage(() => this.backend.addPins(owner, [...new Set(map.values())]));
      return map;
    } finally {
      if (!open) { await disk.close(); await release?.(); }
    }
  }

  // The running disk `open` (of this store's disk `id`) made able to save
  // itself for a snapshot: its overlay pinned for the owner, and its base.
  enableSnapshots(id: string, open: OverlayDisk): OverlayDisk {
    open.save = async (owner) => {
      const map = await this.pinOverlay(id, owner, open);
      return { base: open.disk.base, size: open.size, chunkSize: open.chunkSize, chunks: [...map] };
    };
    return open;
  }

  async unpin(owner: string): Promise<void> {
    await this.wrapStorage(() => this.backend.removePins(owner));
    await this.gc();
  }

  async getChunk(hash: string): Promise<Uint8Array | undefined> { return this.backend.getChunk(hash); }

  // Drop chunks no base and no pin names (left by a failed import or a
  // deleted disk). Skipped while an import is running anywhere.
  async gc(): Promise<number> {
    let removed = 0;
    await this.backend.tryGc(async () => {
      const live = new Set<string>();
      for (const b of await this.backend.listBases()) for (const h of b.chunks) if (h) live.add(h);
      for (const p of await this.backend.listPins()) live.add(p.hash);
      const dead = (await this.backend.listChunks()).filter((h) => !live.has(h));
      for (let i = 0; i < dead.length; i += 256) await this.backend.deleteChunks(dead.slice(i, i + 256));
      removed = dead.length;
    });
    return removed;
  }
}
