// The disk store over files, for the CLI: a store directory (default
// $XDG_DATA_HOME/rvplay/disks, else ~/.local/share/rvplay/disks) holding
//   store.json              {"format": "rvplay-store", "version": 1}
//   bases/<sha256>.json     a base: the base format's disk.json plus label, addedAt
//   chunks/<ab>/<hash>.gz   content-addressed chunks (gzip; bases and pins)
//   disks/<id>.json         a disk's record
//   overlays/<id>.log       its overlay: an append-only log of chunk batches
//   pins/<owner>.json       chunks a snapshot keeps alive
//   locks/<id>.lock         the pid of the one process writing that disk
//   imports/<pid>-<n>       an import in progress (garbage collection waits)
//
// The overlay log: a 64-byte header, then batches. A batch is its chunk
// records (48-byte header: magic, index, length, flags, SHA-256 of the
// data; then the data) and a commit record (magic, count, flags with
// DURABLE, the SHA-256 of the batch's record headers). A durable commit is
// one write then fdatasync; a relaxed one no sync. Commits never overlap,
// so everything up to the last-but-one durable commit is known to be on
// disk; batches after it are checked (data hashes) when the log is opened,
// and the first torn one is cut off with everything after it. The log is
// rewritten (compacted) at open when it holds over twice its live chunks.
import { createHash } from "node:crypto";
import { constants as FS, existsSync } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, unlink, writeFile, type FileHandle } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gunzip as gunzipCb, gzip as gzipCb } from "node:zlib";
import { MAX_CHUNK, parseBaseManifest } from "../disks/base-format.js";
import type { Hasher } from "../disks/sha256.js";
import {
  DiskBusyError, DiskStoreError, parseDiskRecord,
  type BaseRecord, type DiskRecord, type OverlayChunk, type OverlayStorage, type StoreBackend,
} from "../disks/store-backend.js";

import { DiskStore } from "../disks/disk-store.js";
import type { OverlayDisk } from "../disks/overlay-disk.js";

const gzip = promisify(gzipCb);
const gunzip = promisify(gunzipCb);

export const STORE_FORMAT = "rvplay-store";

// $XDG_DATA_HOME/rvplay/disks, else ~/.local/share/rvplay/disks.
export function defaultStoreDir(env: NodeJS.ProcessEnv = process.env): string {
  const data = env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith("/") ? env.XDG_DATA_HOME : join(homedir(), ".local", "share");
  return join(data, "rvplay", "disks");
}

export function nodeHasher(): Hasher {
  const h = createHash("sha256");
  return { update: (b) => { h.update(b); }, digestHex: () => h.digest("hex") };
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function readJson(path: string): Promise<unknown | undefined> {
  let text: string;
  try { text = await readFile(path, "utf8"); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try { return JSON.parse(text); } catch { throw new DiskStoreError(`${path} is damaged (not JSON)`); }
}

// Write a small file so that it is there whole or not at all.
async function writeAtomic(path: string, data: string | Uint8Array, durable = true): Promise<void> {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fh = await open(tmp, "w");
  try {
    await fh.writeFile(data);
    if (durable) await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try { await fh.sync(); } catch { /* some file systems cannot sync a directory */ } finally { await fh.close(); }
}

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === "EPERM"; }
}

const ownerFile = (owner: string) => encodeURIComponent(owner).replace(/\./g, "%2E") + ".json";

export class FileStoreBackend implements StoreBackend {
  private importSeq = 0;
  private constructor(readonly location: string) {}

  static async open(dir: string): Promise<FileStoreBackend> {
    for (const sub of ["bases", "chunks", "disks", "overlays", "pins", "locks", "imports"]) await mkdir(join(dir, sub), { recursive: true });
    const marker = join(dir, "store.json");
    const m = await readJson(marker) as { format?: unknown; version?: unknown } | undefined;
    if (!m) await writeAtomic(marker, JSON.stringify({ format: STORE_FORMAT, version: 1 }) + "\n");
    else if (m.format !== STORE_FORMAT || m.version !== 1) throw new DiskStoreError(`${dir} is not a disk store this version of rvplay reads`);
    return new FileStoreBackend(dir);
  }

  private p(...parts: string[]): string { return join(this.location, ...parts); }
  private chunkPath(hash: string): string { return this.p("chunks", hash.slice(0, 2), `${hash}.gz`); }

  async listDisks(): Promise<DiskRecord[]> {
    const out: DiskRecord[] = [];
    for (const f of await readdir(this.p("disks"))) {
      if (!f.endsWith(".json")) continue;
      const v = await readJson(this.p("disks", f));
      if (v !== undefined) out.push(parseDiskRecord(v));
    }
    return out;
  }

  async getDisk(id: string): Promise<DiskRecord | undefined> {
    if (!/^[0-9a-f]{16}$/.test(id)) return undefined;
    const v = await readJson(this.p("disks", `${id}.json`));
    return v === undefined ? undefined : parseDiskRecord(v);
  }

  async putDisk(d: DiskRecord): Promise<void> {
    await writeAtomic(this.p("disks", `${d.id}.json`), JSON.stringify(d, null, 1) + "\n");
    await syncDir(this.p("disks"));
  }

  async deleteDisk(id: string): Promise<void> {
    await rm(this.p("overlays", `${id}.log`), { force: true });
    await rm(this.p("disks", `${id}.json`), { force: true });
    await syncDir(this.p("disks"));
  }

  async listBases(): Promise<BaseRecord[]> {
    const out: BaseRecord[] = [];
    for (const f of await readdir(this.p("bases"))) {
      if (!f.endsWith(".json")) continue;
      const b = await this.getBase(f.slice(0, -5));
      if (b) out.push(b);
    }
    return out;
  }

  async getBase(sha256: string): Promise<BaseRecord | undefined> {
    if (!/^[0-9a-f]{64}$/.test(sha256)) return undefined;
    const v = await readJson(this.p("bases", `${sha256}.json`)) as Record<string, unknown> | undefined;
    if (v === undefined) return undefined;
    const m = parseBaseManifest(v);
    return { ...m, label: typeof v.label === "string" ? v.label : sha256, url: typeof v.url === "string" ? v.url : undefined, addedAt: Number(v.addedAt) || 0 };
  }

  async putBase(b: BaseRecord): Promise<void> {
    await writeAtomic(this.p("bases", `${b.sha256}.json`), JSON.stringify(b) + "\n");
    await syncDir(this.p("bases"));
  }

  async deleteBase(sha256: string): Promise<void> {
    await rm(this.p("bases", `${sha256}.json`), { force: true });
  }

  async getChunk(hash: string): Promise<Uint8Array | undefined> {
    let gz: Buffer;
    try { gz = await readFile(this.chunkPath(hash)); } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
    try {
      return new Uint8Array(await gunzip(gz, { maxOutputLength: MAX_CHUNK }));
    } catch (e) {
      // Damaged: the reader's checksum check reports it as such.
      return new Uint8Array(0);
    }
  }

  async putChunks(chunks: { hash: string; bytes: Uint8Array }[]): Promise<void> {
    await Promise.all(chunks.map(async ({ hash, bytes }) => {
      const path = this.chunkPath(hash);
      if (existsSync(path)) return;
      await mkdir(this.p("chunks", hash.slice(0, 2)), { recursive: true });
      await writeAtomic(path, await gzip(bytes, { level: 1 }));
    }));
  }

  async deleteChunks(hashes: string[]): Promise<void> {
    await Promise.all(hashes.map((h) => rm(this.chunkPath(h), { force: true })));
  }

  async listChunks(): Promise<string[]> {
    const out: string[] = [];
    for (const d of await readdir(this.p("chunks"))) {
      for (const f of await readdir(this.p("chunks", d))) if (/^[0-9a-f]{64}\.gz$/.test(f)) out.push(f.slice(0, 64));
    }
    return out;
  }

  async listPins(): Promise<{ owner: string; hash: string }[]> {
    const out: { owner: string; hash: string }[] = [];
    for (const f of await readdir(this.p("pins"))) {
      const v = await readJson(this.p("pins", f)) as { owner?: string; hashes?: string[] } | undefined;
      for (const hash of v?.hashes ?? []) out.push({ owner: v!.owner ?? f, hash });
    }
    return out;
  }

  async addPins(owner: string, hashes: string[]): Promise<void> {
    const path = this.p("pins", ownerFile(owner));
    const v = await readJson(path) as { hashes?: string[] } | undefined;
    await writeAtomic(path, JSON.stringify({ owner, hashes: [...new Set([...(v?.hashes ?? []), ...hashes])] }) + "\n");
  }

  async removePins(owner: string): Promise<void> { await rm(this.p("pins", ownerFile(owner)), { force: true }); }

  async overlayChunks(id: string): Promise<Map<number, string>> {
    const d = await this.getDisk(id);
    if (!d) return new Map();
    const log = await OverlayLog.open(this.p("overlays", `${id}.log`), d.chunkSize, true, Math.ceil(d.size / d.chunkSize));
    try { return new Map(log.chunks); } finally { await log.closeFile(); }
  }

  async openOverlay(d: DiskRecord): Promise<OverlayStorage> {
    const log = await OverlayLog.open(this.p("overlays", `${d.id}.log`), d.chunkSize, false, Math.ceil(d.size / d.chunkSize));
    const self = this;
    return Object.assign(log, {
      async close(disk: DiskRecord) { await log.closeFile(); await self.putDisk(disk); },
    });
  }

  async clearOverlay(id: string): Promise<void> {
    await rm(this.p("overlays", `${id}.log`), { force: true });
    await syncDir(this.p("overlays"));
  }

  async lockDisk(id: string): Promise<() => Promise<void>> {
    const path = this.p("locks", `${id}.lock`);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await writeFile(path, `${process.pid}\n`, { flag: "wx" });
        return async () => { await rm(path, { force: true }); };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      const pid = Number((await readFile(path, "utf8").catch(() => "")).trim());
      if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) {
        throw new DiskBusyError(`the disk is in use by another rvplay (process ${pid}); if that is wrong, remove ${path}`);
      }
      await unlink(path).catch(() => {}); // left by a process that is gone
    }
    throw new DiskBusyError(`cannot take the lock ${path}`);
  }

  async guardImport<T>(fn: () => Promise<T>): Promise<T> {
    const marker = this.p("imports", `${process.pid}-${++this.importSeq}`);
    await writeFile(marker, "");
    try { return await fn(); } finally { await rm(marker, { force: true }); }
  }

  async tryGc(fn: () => Promise<void>): Promise<boolean> {
    for (const f of await readdir(this.p("imports"))) {
      const pid = Number(f.split("-")[0]);
      if (pidAlive(pid)) return false;
      await rm(this.p("imports", f), { force: true });
    }
    await fn();
    return true;
  }
}

// fetch, and file: URLs read from this machine (a remote base that is a
// local directory: a built image's disk base, read on demand in place).
// Node's fetch has no file: scheme.
export async function fileFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const url = new URL(input instanceof Request ? input.url : input);
  if (url.protocol !== "file:") return fetch(input, init);
  try {
    return new Response(await readFile(fileURLToPath(url)));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return new Response(`${url.pathname}: ${code ?? (e as Error).message}\n`, { status: code === "ENOENT" ? 404 : 500 });
  }
}

// A store at `dir` with Node's hasher.
export async function openFileStore(dir: string): Promise<DiskStore> {
  return new DiskStore(await FileStoreBackend.open(dir), { hasher: nodeHasher, fetcher: fileFetch as typeof fetch });
}

// The guest's disk `id` of the store at `dir` (the I/O worker's back end).
export async function openStoreDisk(dir: string, id: string, readOnly: boolean): Promise<OverlayDisk> {
  const store = await openFileStore(dir);
  return store.enableSnapshots(id, await store.open(id, { readOnly }));
}

// ---- the overlay log ----

const LOG_MAGIC = "RVPOVL01";
const HEADER = 64;
const REC = 48;
const M_CHUNK = 0x4b4e4843; // "CHNK"
const M_COMMIT = 0x54494d43; // "CMIT"
const F_DURABLE = 1;

// A log that cannot be read: a typed error (and a fuzz entry below).
export class OverlayLogError extends DiskStoreError {}

interface Entry { offset: number; length: number; hash: string }
interface Batch { start: number; end: number; durable: boolean; entries: [number, Entry][] }

// Parse a log's bytes (header and records) into batches; `data` may be
// absent (records' data not loaded: offsets only). Stops at the first
// record that is not whole or not consistent: `validEnd` is where the
// log's good part ends.
export function parseOverlayLog(head: Uint8Array, chunkSize: number, readAt: (off: number, len: number) => Uint8Array | undefined, fileSize: number,
  maxChunks = 2 ** 32):
  { batches: Batch[]; validEnd: number } {
  if (head.length < HEADER || new TextDecoder().decode(head.subarray(0, 8)) !== LOG_MAGIC) throw new OverlayLogError("not an rvplay overlay log (bad magic)");
  const dv = new DataView(head.buffer, head.byteOffset, HEADER);
  if (dv.getUint32(8, true) !== chunkSize) throw new OverlayLogError(`the overlay log's chunk size is ${dv.getUint32(8, true)}, the disk's ${chunkSize}`);
  const batches: Batch[] = [];
  let at = HEADER, validEnd = HEADER;
  let cur: [number, Entry][] = [];
  let headers = createHash("sha256");
  let batchStart = at;
  while (at + REC <= fileSize) {
    const h = readAt(at, REC);
    if (!h || h.length < REC) break;
    const v = new DataView(h.buffer, h.byteOffset, REC);
    const magic = v.getUint32(0, true);
    if (magic === M_CHUNK) {
      const index = v.getUint32(4, true), length = v.getUint32(8, true);
      if (length === 0 || length > chunkSize || index >= maxChunks || at + REC + length > fileSize) break;
      headers.update(h);
      cur.push([index, { offset: at + REC, length, hash: Buffer.from(h.subarray(16, 48)).toString("hex") }]);
      at += REC + length;
    } else if (magic === M_COMMIT) {
      const count = v.getUint32(4, true), flags = v.getUint32(8, true);
      if (count !== cur.length || Buffer.compare(headers.digest(), h.subarray(16, 48)) !== 0) break;
      at += REC;
      batches.push({ start: batchStart, end: at, durable: (flags & F_DURABLE) !== 0, entries: cur });
      validEnd = at;
      cur = [];
      headers = createHash("sha256");
      batchStart = at;
    } else break;
  }
  return { batches, validEnd };
}

// For a fuzzer: a whole log in memory, 4 KiB chunks. Throws only OverlayLogError.
export function fuzzOverlayLog(bytes: Uint8Array): number {
  const { batches } = parseOverlayLog(bytes.subarray(0, HEADER), 4096, (o, l) => bytes.subarray(o, o + l), bytes.length);
  return batches.length;
}

class OverlayLog implements OverlayStorage {
  readonly chunks = new Map<number, string>();
  private readonly where = new Map<number, Entry>();
  private constructor(private fh: FileHandle, private readonly path: string, private readonly chunkSize: number, private end: number, private readonly readOnly: boolean) {}

  static async open(path: string, chunkSize: number, readOnly: boolean, maxChunks: number): Promise<OverlayLog> {
    if (!existsSync(path)) {
      if (readOnly) return new OverlayLog(await open("/dev/null", "r"), path, chunkSize, HEADER, true);
      const head = new Uint8Array(HEADER);
      head.set(new TextEncoder().encode(LOG_MAGIC));
      new DataView(head.buffer).setUint32(8, chunkSize, true);
      await writeAtomic(path, head);
    }
    const fh = await open(path, readOnly ? FS.O_RDONLY : FS.O_RDWR);
    const size = (await fh.stat()).size;
    const head = new Uint8Array(HEADER);
    await fh.read(head, 0, HEADER, 0);
    const cache = new Map<number, Uint8Array>();
    const readAt = (off: number, len: number) => cache.get(off)?.subarray(0, len);
    // Headers are read in one pass: walk the file record by record.
    const headerAt = async (off: number) => { const b = new Uint8Array(REC); const r = await fh.read(b, 0, REC, off); cache.set(off, b.subarray(0, r.bytesRead)); };
    // Pre-read record headers sequentially (the parser is synchronous).
    let at = HEADER;
    while (at + REC <= size) {
      await headerAt(at);
      const h = cache.get(at)!;
      if (h.length < REC) break;
      const v = new DataView(h.buffer, h.byteOffset, REC);
      const m = v.getUint32(0, true);
      if (m === M_CHUNK) at += REC + v.getUint32(8, true);
      else if (m === M_COMMIT) at += REC;
      else break;
    }
    let parsed: ReturnType<typeof parseOverlayLog>;
    try { parsed = parseOverlayLog(head, chunkSize, readAt, size, maxChunks); } catch (e) { await fh.close(); throw e; }
    let { batches, validEnd } = parsed;
    // Batches after the last-but-one durable commit may be torn: check their data.
    const durables = batches.map((b, i) => (b.durable ? i : -1)).filter((i) => i >= 0);
    const trusted = durables.length >= 2 ? durables[durables.length - 2] : -1;
    for (let i = trusted + 1; i < batches.length; i++) {
      let ok = true;
      for (const [, e] of batches[i].entries) {
        const b = new Uint8Array(e.length);
        const r = await fh.read(b, 0, e.length, e.offset);
        if (r.bytesRead !== e.length || sha(b) !== e.hash) { ok = false; break; }
      }
      if (!ok) { validEnd = batches[i].start; batches = batches.slice(0, i); break; }
    }
    const log = new OverlayLog(fh, path, chunkSize, validEnd, readOnly);
    for (const b of batches) for (const [i, e] of b.entries) { log.where.set(i, e); log.chunks.set(i, e.hash); }
    if (!readOnly) {
      if (validEnd < size) { await fh.truncate(validEnd); await fh.datasync(); }
      const live = log.where.size * chunkSize;
      if (validEnd > 2 * live + 32 * 1024 * 1024) await log.compact();
    }
    return log;
  }

  async read(index: number): Promise<Uint8Array> {
    const e = this.where.get(index);
    if (!e) throw new DiskStoreError(`overlay chunk ${index} is not in ${this.path}`);
    const b = new Uint8Array(e.length);
    const r = await this.fh.read(b, 0, e.length, e.offset);
    return b.subarray(0, r.bytesRead);
  }

  private encode(batch: OverlayChunk[], durable: boolean, at: number): { bufs: Uint8Array[]; entries: [number, Entry][]; end: number } {
    const bufs: Uint8Array[] = [];
    const entries: [number, Entry][] = [];
    const headers = createHash("sha256");
    for (const c of batch) {
      const h = new Uint8Array(REC);
      const v = new DataView(h.buffer);
      v.setUint32(0, M_CHUNK, true);
      v.setUint32(4, c.index, true);
      v.setUint32(8, c.bytes.length, true);
      h.set(Buffer.from(c.hash, "hex"), 16);
      headers.update(h);
      bufs.push(h, c.bytes);
      entries.push([c.index, { offset: at + REC, length: c.bytes.length, hash: c.hash }]);
      at += REC + c.bytes.length;
    }
    const commit = new Uint8Array(REC);
    const v = new DataView(commit.buffer);
    v.setUint32(0, M_COMMIT, true);
    v.setUint32(4, batch.length, true);
    v.setUint32(8, durable ? F_DURABLE : 0, true);
    commit.set(headers.digest(), 16);
    bufs.push(commit);
    return { bufs, entries, end: at + REC };
  }

  async commit(batch: OverlayChunk[], durable: boolean): Promise<void> {
    if (this.readOnly) throw new DiskStoreError("the overlay is open read-only");
    const { bufs, entries, end } = this.encode(batch, durable, this.end);
    let pos = this.end;
    for (const b of bufs) {
      let put = 0;
      while (put < b.length) put += (await this.fh.write(b, put, b.length - put, pos + put)).bytesWritten;
      pos += b.length;
    }
    if (durable) await this.fh.datasync();
    this.end = end;
    for (const [i, e] of entries) { this.where.set(i, e); this.chunks.set(i, e.hash); }
  }

  // Rewrite the live chunks as one durable batch in a new file.
  private async compact(): Promise<void> {
    const tmp = `${this.path}.compact`;
    const out = await open(tmp, "w");
    try {
      const head = new Uint8Array(HEADER);
      head.set(new TextEncoder().encode(LOG_MAGIC));
      new DataView(head.buffer).setUint32(8, this.chunkSize, true);
      await out.write(head, 0, HEADER, 0);
      const batch: OverlayChunk[] = [];
      for (const [i, e] of this.where) batch.push({ index: i, hash: e.hash, bytes: await this.read(i) });
      const { bufs, entries, end } = this.encode(batch, true, HEADER);
      let pos = HEADER;
      for (const b of bufs) { await out.write(b, 0, b.length, pos); pos += b.length; }
      await out.datasync();
      await out.close();
      await rename(tmp, this.path);
      await this.fh.close();
      this.fh = await open(this.path, FS.O_RDWR);
      this.end = end;
      this.where.clear();
      for (const [i, e] of entries) this.where.set(i, e);
    } catch (e) {
      await out.close().catch(() => {});
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async closeFile(): Promise<void> { await this.fh.close(); }
  async close(_disk: DiskRecord): Promise<void> { await this.closeFile(); }
}
