// The page's shared folder, kept in IndexedDB: the back end the guest's
// virtio-9p device serves from (in the I/O worker) and the Files panel reads
// and fills (in its own worker). Every context opens the same database and
// every operation is one IndexedDB transaction, so the database is the one
// truth: a file dropped into the panel is in the guest's next lookup (the
// sample image mounts with cache=none, so v9fs asks every time), and what
// the guest writes is what the panel lists. Changes are announced on a
// BroadcastChannel so the panel follows the guest live.
//
// Why IndexedDB rather than OPFS: a 9P folder needs more than file bytes:
// modes, times, symlinks, hard links, inode numbers stable across renames,
// and renames of whole directories; OPFS has none of the metadata (a sidecar
// store would be needed anyway), its fast synchronous handles are exclusive
// per file (the panel could not read a file the guest holds open), and
// IndexedDB's transactions make "link the finished import" and "rename"
// atomic across every tab and worker for free.
//
// Database "rvplay-share":
//   inodes   ino -> Inode (kind, mode, size, times, link count, symlink target)
//   entries  [dir ino, name] -> { ino, kind }   (a directory is a key range)
//   chunks   [ino, index] -> bytes (at most CHUNK; a missing chunk reads as zeros)
//   meta     "nextIno", "used" (bytes held by chunks)
// Files are read and written a chunk range at a time: a 1 GiB file is never
// in memory, in either direction. An import is written under an inode no
// directory names (an orphan owned by this session) and linked in one
// transaction at the end, so no one ever sees half a file; orphans whose
// session is gone (a tab closed mid-import, a file unlinked while open) are
// collected when a session opens.
import {
  allowedMode, S_IFDIR, S_IFLNK, S_IFREG,
  type FileKind, type FsAttr, type FsBackend, type FsDirEntry, type FsFile, type FsOpenFlags, type FsPath, type FsSetAttr, type FsStatfs,
} from "../9p/backend.js";
import {
  EBADF, EEXIST, EFBIG, EINVAL, EISDIR, ELOOP, ENOENT, ENOSPC, ENOTDIR, ENOTEMPTY, EPERM, EROFS, ECANCELED, FsError,
} from "../9p/errno.js";
import { checkName } from "../9p/names.js";

export const SHARE_DB = "rvplay-share";
export const CHUNK = 64 * 1024;
const VERSION = 1;
const ROOT = 1;
const BLOCK = 4096;
const MAX_FILE_SIZE = 2 ** 43;
const IMPORT_BATCH = 16; // chunks per transaction while importing (1 MiB)
const EXPORT_BATCH = 16;

interface Inode {
  ino: number;
  kind: "file" | "dir" | "symlink";
  mode: number; // permission bits
  size: number;
  held: number; // bytes stored in chunks
  nlink: number; // names (a directory: 1, its own name)
  subdirs: number; // directories only
  parent: number; // directories only: the directory holding it (the root: itself)
  target?: string; // symlinks
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  orphan?: string; // the session holding it while no directory names it
}
interface Entry { ino: number; kind: Inode["kind"] }

// What the panel hears (and the channel carries). Paths are "/"-separated from the root.
export type ShareChange =
  | { type: "created" | "removed"; path: string; kind: FileKind }
  | { type: "written"; path: string }
  | { type: "renamed"; from: string; to: string }
  | { type: "cleared" };

export class ShareError extends Error {}

export interface IdbShareOptions {
  readOnly?: boolean;
  capacity?: number; // bytes of file contents; default: what the browser's quota allows
  // Is the session that owns an orphan still open? Default: its Web Lock is held.
  sessionAlive?: (id: string) => Promise<boolean>;
  channel?: boolean; // announce changes on a BroadcastChannel (default: where there is one)
}

function nowNs(): bigint { return BigInt(Date.now()) * 1_000_000n; }

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error("IndexedDB request failed"));
  });
}

const isQuota = (e: unknown) => e instanceof DOMException && (e.name === "QuotaExceededError" || e.name === "UnknownError" && /quota|space/i.test(e.message));

// A transaction's requests as promises. Only IndexedDB requests may be
// awaited inside one (anything else lets it commit early).
class Tx {
  constructor(readonly t: IDBTransaction) {}
  get<T>(store: string, key: IDBValidKey): Promise<T | undefined> { return req(this.t.objectStore(store).get(key)) as Promise<T | undefined>; }
  put(store: string, value: unknown, key?: IDBValidKey): Promise<IDBValidKey> { return req(this.t.objectStore(store).put(value, key)); }
  del(store: string, key: IDBValidKey | IDBKeyRange): Promise<undefined> { return req(this.t.objectStore(store).delete(key)); }
  async inode(ino: number): Promise<Inode> {
    const n = await this.get<Inode>("inodes", ino);
    if (!n) throw new FsError(ENOENT, "no such file");
    return n;
  }
  entry(dir: number, name: string): Promise<Entry | undefined> { return this.get<Entry>("entries", [dir, name]); }
  async entries(dir: number): Promise<[string, Entry][]> {
    const range = IDBKeyRange.bound([dir], [dir, []]);
    const store = this.t.objectStore("entries");
    const [keys, values] = await Promise.all([req(store.getAllKeys(range)), req(store.getAll(range))]);
    return keys.map((k, i) => [(k as [number, string])[1], values[i] as Entry]);
  }
  async chunks(ino: number, first: number, last: number): Promise<Map<number, Uint8Array>> {
    const range = IDBKeyRange.bound([ino, first], [ino, last]);
    const store = this.t.objectStore("chunks");
    const [keys, values] = await Promise.all([req(store.getAllKeys(range)), req(store.getAll(range))]);
    return new Map(keys.map((k, i) => [(k as [number, number])[1], values[i] as Uint8Array]));
  }
}

export function openShareDb(name = SHARE_DB): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    let r: IDBOpenDBRequest;
    try { r = indexedDB.open(name, VERSION); } catch (e) { reject(e); return; }
    r.onupgradeneeded = () => {
      const db = r.result;
      db.createObjectStore("inodes", { keyPath: "ino" }).createIndex("orphan", "orphan"); // only orphans have the field
      db.createObjectStore("entries");
      db.createObjectStore("chunks");
      const meta = db.createObjectStore("meta");
      const t = nowNs();
      const root: Inode = { ino: ROOT, kind: "dir", mode: 0o755, size: 0, held: 0, nlink: 1, subdirs: 0, parent: ROOT, atimeNs: t, mtimeNs: t, ctimeNs: t };
      r.transaction!.objectStore("inodes").put(root);
      meta.put(ROOT + 1, "nextIno");
      meta.put(0, "used");
    };
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error("IndexedDB would not open"));
    r.onblocked = () => reject(new Error("the shared folder's database is held open by an older version of this page in another tab"));
  });
}

const LOCK_PREFIX = "rvplay-share:session:";

async function lockHeld(id: string): Promise<boolean> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks) return true; // cannot tell: keep it
  const q = await locks.query();
  return (q.held ?? []).some((l) => l.name === LOCK_PREFIX + id);
}

const splitPath = (path: string): string[] => {
  const parts = path.split("/").filter((p) => p !== "");
  for (const p of parts) checkName(p, "walk");
  return parts;
};
const joinPath = (parts: readonly string[]) => "/" + parts.join("/");

export class IdbShare implements FsBackend {
  readonly readOnly: boolean;
  readonly session = crypto.randomUUID();
  private readonly capacity: number;
  private readonly handles = new Map<number, number>(); // ino -> handles open in this session
  private readonly listeners = new Set<(c: ShareChange) => void>();
  private readonly channel: BroadcastChannel | undefined;
  private releaseLock: (() => void) | undefined;
  private pendingWrites = new Map<string, ReturnType<typeof setTimeout>>();
  private closed = false;

  private constructor(readonly db: IDBDatabase, readonly name: string, options: IdbShareOptions) {
    this.readOnly = options.readOnly ?? false;
    this.capacity = options.capacity ?? Infinity;
    if ((options.channel ?? true) && typeof BroadcastChannel !== "undefined") {
      this.channel = new BroadcastChannel(`${name}:changes`);
      this.channel.onmessage = (ev: MessageEvent<ShareChange>) => this.notify(ev.data);
    }
  }

  static async open(name = SHARE_DB, options: IdbShareOptions = {}): Promise<IdbShare> {
    const share = new IdbShare(await openShareDb(name), name, options);
    await share.holdSessionLock();
    await share.collectOrphans(options.sessionAlive ?? lockHeld).catch(() => undefined);
    return share;
  }

  // This session's Web Lock, held until close(): its orphans are alive while it is.
  private async holdSessionLock(): Promise<void> {
    const locks = (globalThis.navigator as Navigator | undefined)?.locks;
    if (!locks) return;
    await new Promise<void>((granted) => {
      void locks.request(LOCK_PREFIX + this.session, () => {
        granted();
        return new Promise<void>((release) => { this.releaseLock = release; });
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.pendingWrites.values()) clearTimeout(t);
    // Files unlinked while open in this session go with it.
    const mine = [...this.handles.keys()];
    this.handles.clear();
    for (const ino of mine) await this.dropIfOrphan(ino).catch(() => undefined);
    this.channel?.close();
    this.releaseLock?.();
    this.db.close();
  }

  // --- changes -------------------------------------------------------------

  onChange(listener: (c: ShareChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  private notify(c: ShareChange): void {
    for (const l of this.listeners) {
      try { l(c); } catch { /* a listener's failure is not the guest's */ }
    }
  }
  private emit(c: ShareChange): void {
    this.notify(c);
    try { this.channel?.postMessage(c); } catch { /* closed */ }
  }
  // Writes come by the hundred: one "written" per file per 200 ms.
  private emitWritten(path: string): void {
    if (this.pendingWrites.has(path)) return;
    this.pendingWrites.set(path, setTimeout(() => {
      this.pendingWrites.delete(path);
      this.emit({ type: "written", path });
    }, 200));
  }

  // --- transactions --------------------------------------------------------

  private async run<T>(stores: string[], mode: IDBTransactionMode, body: (tx: Tx) => Promise<T>, durability: IDBTransactionDurability = "relaxed"): Promise<T> {
    if (this.closed) throw new FsError(EBADF, "the shared folder is closed");
    const t = this.db.transaction(stores, mode, { durability });
    const finished = new Promise<void>((resolve, reject) => {
      t.oncomplete = () => resolve();
      t.onerror = () => reject(t.error ?? new Error("IndexedDB transaction failed"));
      t.onabort = () => reject(t.error ?? new DOMException("transaction aborted", "AbortError"));
    });
    let out: T;
    try {
      out = await body(new Tx(t));
    } catch (e) {
      try { t.abort(); } catch { /* already finished */ }
      await finished.catch(() => undefined);
      throw isQuota(e) ? new FsError(ENOSPC, "the browser's storage for this site is full") : e;
    }
    try {
      await finished;
    } catch (e) {
      throw isQuota(e) ? new FsError(ENOSPC, "the browser's storage for this site is full") : e;
    }
    return out;
  }
  private read<T>(body: (tx: Tx) => Promise<T>): Promise<T> {
    return this.run(["inodes", "entries", "chunks", "meta"], "readonly", body);
  }
  private write<T>(body: (tx: Tx) => Promise<T>, durability: IDBTransactionDurability = "relaxed"): Promise<T> {
    if (this.readOnly) return Promise.reject(new FsError(EROFS, "read-only share"));
    return this.run(["inodes", "entries", "chunks", "meta"], "readwrite", body, durability);
  }

  private async resolve(tx: Tx, path: FsPath): Promise<Inode> {
    let ino = ROOT;
    for (const name of path) {
      const dir = await tx.inode(ino);
      if (dir.kind !== "dir") throw new FsError(ENOTDIR, "not a directory"); // symlinks are never followed
      const e = await tx.entry(ino, name);
      if (!e) throw new FsError(ENOENT, "no such file");
      ino = e.ino;
    }
    return tx.inode(ino);
  }
  private async resolveDir(tx: Tx, path: FsPath): Promise<Inode> {
    const d = await this.resolve(tx, path);
    if (d.kind !== "dir") throw new FsError(ENOTDIR, "not a directory");
    return d;
  }

  private attrOf(n: Inode): FsAttr {
    const size = n.kind === "file" ? n.size : n.kind === "symlink" ? new TextEncoder().encode(n.target ?? "").length : BLOCK;
    const type = n.kind === "dir" ? S_IFDIR : n.kind === "file" ? S_IFREG : S_IFLNK;
    return {
      kind: n.kind, mode: type | n.mode, ino: BigInt(n.ino), nlink: n.kind === "dir" ? 2 + n.subdirs : n.nlink,
      uid: 0, gid: 0, size, blksize: BLOCK, blocks: Math.ceil(n.held / 512),
      atimeNs: n.atimeNs, mtimeNs: n.mtimeNs, ctimeNs: n.ctimeNs,
    };
  }

  private async newInode(tx: Tx, init: Pick<Inode, "kind" | "mode"> & Partial<Inode>): Promise<Inode> {
    const ino = (await tx.get<number>("meta", "nextIno")) ?? ROOT + 1;
    await tx.put("meta", ino + 1, "nextIno");
    const t = nowNs();
    const n: Inode = { ino, size: 0, held: 0, nlink: 0, subdirs: 0, parent: 0, atimeNs: t, mtimeNs: t, ctimeNs: t, ...init };
    await tx.put("inodes", n);
    return n;
  }

  private async addUsed(tx: Tx, delta: number): Promise<void> {
    if (delta === 0) return;
    const used = ((await tx.get<number>("meta", "used")) ?? 0) + delta;
    if (delta > 0 && used > this.capacity) throw new FsError(ENOSPC, "the shared folder is full");
    await tx.put("meta", Math.max(0, used), "used");
  }

  // Drop one name of `n` from `dir`; the inode goes when nothing names it
  // and no handle of this session holds it (else it waits as an orphan).
  private async unlinkEntry(tx: Tx, dir: Inode, name: string, n: Inode): Promise<void> {
    await tx.del("entries", [dir.ino, name]);
    const t = nowNs();
    dir.mtimeNs = dir.ctimeNs = t;
    if (n.kind === "dir") dir.subdirs--;
    await tx.put("inodes", dir);
    n.nlink--;
    n.ctimeNs = t;
    if (n.nlink > 0) { await tx.put("inodes", n); return; }
    if (n.kind === "file" && (this.handles.get(n.ino) ?? 0) > 0) {
      n.orphan = this.session;
      await tx.put("inodes", n);
      return;
    }
    await this.freeInode(tx, n);
  }
  private async freeInode(tx: Tx, n: Inode): Promise<void> {
    await tx.del("inodes", n.ino);
    if (n.kind === "file") {
      await tx.del("chunks", IDBKeyRange.bound([n.ino, 0], [n.ino, Infinity]));
      await this.addUsed(tx, -n.held);
    }
  }
  private async dropIfOrphan(ino: number): Promise<void> {
    await this.run(["inodes", "entries", "chunks", "meta"], "readwrite", async (tx) => {
      const n = await tx.get<Inode>("inodes", ino);
      if (n && n.nlink === 0 && n.orphan === this.session) await this.freeInode(tx, n);
    });
  }
  private async collectOrphans(alive: (id: string) => Promise<boolean>): Promise<void> {
    const orphans = await this.read(async (tx) => (await req(tx.t.objectStore("inodes").index("orphan").getAll()) as Inode[]).filter((n) => n.nlink === 0));
    for (const n of orphans) {
      if (n.orphan === this.session || await alive(n.orphan!)) continue;
      await this.run(["inodes", "entries", "chunks", "meta"], "readwrite", async (tx) => {
        const cur = await tx.get<Inode>("inodes", n.ino);
        if (cur && cur.nlink === 0 && cur.orphan === n.orphan) await this.freeInode(tx, cur);
      });
    }
  }

  // --- file contents -------------------------------------------------------

  private async readAt(ino: number, offset: number, buffers: Uint8Array[]): Promise<number> {
    const into = buffers.filter((b) => b.length > 0);
    return this.read(async (tx) => {
      const n = await tx.inode(ino);
      const want = into.reduce((s, b) => s + b.length, 0);
      if (offset >= n.size || want === 0) return 0;
      const len = Math.min(want, n.size - offset);
      const chunks = await tx.chunks(ino, Math.floor(offset / CHUNK), Math.floor((offset + len - 1) / CHUNK));
      let done = 0, bi = 0, bo = 0;
      while (done < len) {
        const pos = offset + done;
        const idx = Math.floor(pos / CHUNK), within = pos - idx * CHUNK;
        const b = into[bi];
        const span = Math.min(CHUNK - within, len - done, b.length - bo);
        const c = chunks.get(idx);
        const have = c ? Math.max(0, Math.min(span, c.length - within)) : 0;
        if (have > 0) b.set(c!.subarray(within, within + have), bo);
        b.fill(0, bo + have, bo + span); // holes read as zeros
        done += span;
        bo += span;
        if (bo === b.length) { bi++; bo = 0; }
      }
      return len;
    });
  }

  // Write `data` at `offset` within an open transaction; the caller puts
  // the inode. Each chunk touched is read first (to merge a partial write,
  // and to know how many bytes it held: a new file's chunks are not there,
  // which costs next to nothing).
  private async writeChunks(tx: Tx, n: Inode, offset: number, data: Uint8Array): Promise<void> {
    const end = offset + data.length;
    if (end > MAX_FILE_SIZE) throw new FsError(EFBIG, "file too large");
    const first = Math.floor(offset / CHUNK), last = Math.floor((end - 1) / CHUNK);
    const old = await tx.chunks(n.ino, first, last);
    let grow = 0;
    for (let i = first; i <= last; i++) {
      const start = i * CHUNK;
      const from = Math.max(offset, start), to = Math.min(end, start + CHUNK);
      const prev = old.get(i);
      const c = new Uint8Array(Math.max(to - start, prev?.length ?? 0)); // small files stay small
      if (prev) c.set(prev);
      c.set(data.subarray(from - offset, to - offset), from - start);
      grow += c.length - (prev?.length ?? 0);
      await tx.put("chunks", c, [n.ino, i]);
    }
    await this.addUsed(tx, grow);
    n.held += grow;
    if (end > n.size) n.size = end;
    n.mtimeNs = n.ctimeNs = nowNs();
  }

  // Bytes held by the chunks of `ino` from index `from` on, one at a time
  // through a cursor (never all of them in memory).
  private sumChunks(tx: Tx, ino: number, from: number): Promise<number> {
    return new Promise((resolve, reject) => {
      let sum = 0;
      const r = tx.t.objectStore("chunks").openCursor(IDBKeyRange.bound([ino, from], [ino, Infinity]));
      r.onsuccess = () => {
        const c = r.result;
        if (!c) { resolve(sum); return; }
        sum += (c.value as Uint8Array).length;
        c.continue();
      };
      r.onerror = () => reject(r.error);
    });
  }

  private async truncateIn(tx: Tx, n: Inode, size: number): Promise<void> {
    if (size > MAX_FILE_SIZE) throw new FsError(EFBIG, "file too large");
    if (size < n.size) {
      const keep = Math.ceil(size / CHUNK); // chunks [0, keep) stay
      // To zero (O_TRUNC, the common case) every byte goes: no need to count them.
      let freed = size === 0 ? n.held : await this.sumChunks(tx, n.ino, keep);
      await tx.del("chunks", IDBKeyRange.bound([n.ino, keep], [n.ino, Infinity]));
      if (size % CHUNK !== 0) {
        const i = keep - 1;
        const c = await tx.get<Uint8Array>("chunks", [n.ino, i]);
        if (c && c.length > size - i * CHUNK) {
          const cut = c.slice(0, size - i * CHUNK); // bytes past the end must read as zeros if the file grows
          freed += c.length - cut.length;
          await tx.put("chunks", cut, [n.ino, i]);
        }
      }
      n.held -= freed;
      await this.addUsed(tx, -freed);
    }
    n.size = size;
    n.mtimeNs = n.ctimeNs = nowNs();
  }

  private handle(n0: Inode, path: string, flags: FsOpenFlags): FsFile {
    const ino = n0.ino;
    this.handles.set(ino, (this.handles.get(ino) ?? 0) + 1);
    let closed = false;
    const live = () => { if (closed) throw new FsError(EBADF, "file closed"); };
    return {
      read: async (offset, into) => { live(); return this.readAt(ino, offset, [into]); },
      readv: async (offset, into) => { live(); return this.readAt(ino, offset, into); },
      write: async (offset, data) => {
        live();
        if (!flags.write) throw new FsError(EBADF, "not open for writing");
        if (data.length === 0) return 0;
        await this.write(async (tx) => {
          const n = await tx.inode(ino);
          await this.writeChunks(tx, n, flags.append ? n.size : offset, data);
          await tx.put("inodes", n);
        });
        this.emitWritten(path);
        return data.length;
      },
      getattr: async () => this.read(async (tx) => this.attrOf(await tx.inode(ino))),
      truncate: async (size) => {
        live();
        await this.write(async (tx) => {
          const n = await tx.inode(ino);
          await this.truncateIn(tx, n, size);
          await tx.put("inodes", n);
        });
        this.emitWritten(path);
      },
      // The guest's fsync: a strict transaction, durable when it completes,
      // and with it every relaxed one before it.
      fsync: async () => { live(); if (!this.readOnly) await this.write(async () => undefined, "strict"); },
      close: async () => {
        if (closed) return;
        closed = true;
        const left = (this.handles.get(ino) ?? 1) - 1;
        if (left > 0) this.handles.set(ino, left);
        else { this.handles.delete(ino); await this.dropIfOrphan(ino); }
      },
    };
  }

  // --- FsBackend -------------------------------------------------------------

  getattr(path: FsPath): Promise<FsAttr> { return this.read(async (tx) => this.attrOf(await this.resolve(tx, path))); }

  lookup(dir: FsPath, name: string): Promise<FsAttr> {
    return this.read(async (tx) => {
      const d = await this.resolveDir(tx, dir);
      const e = await tx.entry(d.ino, name);
      if (!e) throw new FsError(ENOENT, "no such file");
      return this.attrOf(await tx.inode(e.ino));
    });
  }

  async setattr(path: FsPath, a: FsSetAttr): Promise<void> {
    await this.write(async (tx) => {
      const n = await this.resolve(tx, path);
      if (a.size !== undefined) {
        if (n.kind === "dir") throw new FsError(EISDIR, "truncate of a directory");
        if (n.kind !== "file") throw new FsError(EINVAL, "truncate of a symlink");
        await this.truncateIn(tx, n, a.size);
      }
      if (a.mode !== undefined && n.kind !== "symlink") n.mode = allowedMode(a.mode, n.kind === "dir");
      const t = nowNs();
      if (a.atimeNs !== undefined) n.atimeNs = a.atimeNs === "now" ? t : a.atimeNs;
      if (a.mtimeNs !== undefined) n.mtimeNs = a.mtimeNs === "now" ? t : a.mtimeNs;
      n.ctimeNs = t;
      await tx.put("inodes", n);
    });
    if (a.size !== undefined) this.emitWritten(joinPath(path));
  }

  readdir(path: FsPath): Promise<FsDirEntry[]> {
    return this.read(async (tx) => {
      const d = await this.resolveDir(tx, path);
      return (await tx.entries(d.ino)).map(([name, e]) => ({ name, kind: e.kind, ino: BigInt(e.ino) }));
    });
  }

  async open(path: FsPath, flags: FsOpenFlags): Promise<FsFile> {
    if ((flags.write || flags.truncate) && this.readOnly) throw new FsError(EROFS, "read-only share");
    const n = await (flags.truncate ? this.write(async (tx) => {
      const n = await this.resolve(tx, path);
      if (n.kind === "file" && n.size > 0) { await this.truncateIn(tx, n, 0); await tx.put("inodes", n); }
      return n;
    }) : this.read((tx) => this.resolve(tx, path)));
    if (n.kind === "dir") throw new FsError(EISDIR, "is a directory");
    if (n.kind === "symlink") throw new FsError(ELOOP, "symlinks are not opened");
    if (flags.truncate && n.size === 0) this.emitWritten(joinPath(path));
    return this.handle(n, joinPath(path), flags);
  }

  private async create1(dir: FsPath, name: string, init: Pick<Inode, "kind" | "mode"> & Partial<Inode>): Promise<Inode> {
    const n = await this.write(async (tx) => {
      const d = await this.resolveDir(tx, dir);
      if (await tx.entry(d.ino, name)) throw new FsError(EEXIST, "file exists");
      const n = await this.newInode(tx, { ...init, nlink: 1, parent: init.kind === "dir" ? d.ino : 0 });
      await tx.put("entries", { ino: n.ino, kind: n.kind } satisfies Entry, [d.ino, name]);
      d.mtimeNs = d.ctimeNs = n.ctimeNs;
      if (n.kind === "dir") d.subdirs++;
      await tx.put("inodes", d);
      return n;
    });
    this.emit({ type: "created", path: joinPath([...dir, name]), kind: n.kind });
    return n;
  }

  async create(dir: FsPath, name: string, mode: number, flags: FsOpenFlags): Promise<{ file: FsFile; attr: FsAttr }> {
    const n = await this.create1(dir, name, { kind: "file", mode: allowedMode(mode, false) });
    return { file: this.handle(n, joinPath([...dir, name]), flags), attr: this.attrOf(n) };
  }

  async mkdir(dir: FsPath, name: string, mode: number): Promise<FsAttr> {
    return this.attrOf(await this.create1(dir, name, { kind: "dir", mode: allowedMode(mode, true) }));
  }

  async symlink(dir: FsPath, name: string, target: string): Promise<FsAttr> {
    return this.attrOf(await this.create1(dir, name, { kind: "symlink", mode: 0o777, target }));
  }

  async link(target: FsPath, dir: FsPath, name: string): Promise<FsAttr> {
    const n = await this.write(async (tx) => {
      const n = await this.resolve(tx, target);
      if (n.kind === "dir") throw new FsError(EPERM, "hard link to a directory");
      const d = await this.resolveDir(tx, dir);
      if (await tx.entry(d.ino, name)) throw new FsError(EEXIST, "file exists");
      await tx.put("entries", { ino: n.ino, kind: n.kind } satisfies Entry, [d.ino, name]);
      n.nlink++;
      n.ctimeNs = d.mtimeNs = d.ctimeNs = nowNs();
      await tx.put("inodes", n);
      await tx.put("inodes", d);
      return n;
    });
    this.emit({ type: "created", path: joinPath([...dir, name]), kind: n.kind });
    return this.attrOf(n);
  }

  readlink(path: FsPath): Promise<string> {
    return this.read(async (tx) => {
      const n = await this.resolve(tx, path);
      if (n.kind !== "symlink") throw new FsError(EINVAL, "not a symlink");
      return n.target ?? "";
    });
  }

  async unlink(dir: FsPath, name: string, isDir: boolean): Promise<void> {
    const kind = await this.write(async (tx) => {
      const d = await this.resolveDir(tx, dir);
      const e = await tx.entry(d.ino, name);
      if (!e) throw new FsError(ENOENT, "no such file");
      const n = await tx.inode(e.ino);
      if (isDir && n.kind !== "dir") throw new FsError(ENOTDIR, "not a directory");
      if (!isDir && n.kind === "dir") throw new FsError(EISDIR, "is a directory");
      if (n.kind === "dir" && (await tx.entries(n.ino)).length > 0) throw new FsError(ENOTEMPTY, "directory not empty");
      await this.unlinkEntry(tx, d, name, n);
      return n.kind;
    });
    this.emit({ type: "removed", path: joinPath([...dir, name]), kind });
  }

  async rename(fromDir: FsPath, fromName: string, toDir: FsPath, toName: string): Promise<void> {
    const moved = await this.write(async (tx) => {
      const sd = await this.resolveDir(tx, fromDir);
      const e = await tx.entry(sd.ino, fromName);
      if (!e) throw new FsError(ENOENT, "no such file");
      const n = await tx.inode(e.ino);
      let td = await this.resolveDir(tx, toDir);
      if (n.kind === "dir") {
        // rename(2): EINVAL when a directory would move under itself.
        for (let p = td; ; p = await tx.inode(p.parent)) {
          if (p.ino === n.ino) throw new FsError(EINVAL, "directory moved into itself");
          if (p.ino === ROOT) break;
        }
      }
      const existing = await tx.entry(td.ino, toName);
      if (existing?.ino === n.ino) return false; // the same file: nothing to do
      if (existing) {
        const x = await tx.inode(existing.ino);
        if (n.kind === "dir" && x.kind !== "dir") throw new FsError(ENOTDIR, "target is not a directory");
        if (n.kind !== "dir" && x.kind === "dir") throw new FsError(EISDIR, "target is a directory");
        if (x.kind === "dir" && (await tx.entries(x.ino)).length > 0) throw new FsError(ENOTEMPTY, "target directory not empty");
        await this.unlinkEntry(tx, td, toName, x);
        td = await tx.inode(td.ino); // unlinkEntry rewrote it
      }
      await tx.del("entries", [sd.ino, fromName]);
      await tx.put("entries", { ino: n.ino, kind: n.kind } satisfies Entry, [td.ino, toName]);
      const t = nowNs();
      n.ctimeNs = t;
      if (n.kind === "dir") n.parent = td.ino;
      await tx.put("inodes", n);
      if (sd.ino === td.ino) {
        td.mtimeNs = td.ctimeNs = t;
        await tx.put("inodes", td);
      } else {
        const s = await tx.inode(sd.ino);
        s.mtimeNs = s.ctimeNs = td.mtimeNs = td.ctimeNs = t;
        if (n.kind === "dir") { s.subdirs--; td.subdirs++; }
        await tx.put("inodes", s);
        await tx.put("inodes", td);
      }
      return true;
    });
    if (moved) this.emit({ type: "renamed", from: joinPath([...fromDir, fromName]), to: joinPath([...toDir, toName]) });
  }

  async statfs(): Promise<FsStatfs> {
    const used = await this.read(async (tx) => (await tx.get<number>("meta", "used")) ?? 0);
    let total = this.capacity;
    if (!Number.isFinite(total)) {
      const est = await (globalThis.navigator as Navigator | undefined)?.storage?.estimate?.().catch(() => undefined);
      total = est?.quota ? used + Math.max(0, est.quota - (est.usage ?? 0)) : 2 ** 40;
    }
    const blocks = Math.floor(total / BLOCK);
    const free = Math.max(0, Math.floor((total - used) / BLOCK));
    return { bsize: BLOCK, blocks, bfree: free, bavail: free, files: 2 ** 32, ffree: 2 ** 32 - 1 };
  }

  // --- the page's side -----------------------------------------------------

  // Brings a file in from the page (a dropped file, read as a stream): the
  // bytes go under an inode no directory names, in transactions of 1 MiB;
  // only once the last is in is it linked at `path` (replacing a file
  // there; parent directories made as needed), in one transaction. A read
  // that fails, a cancel or a full store: the bytes are dropped and nothing
  // was ever visible.
  async importFile(path: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | ReadableStream<Uint8Array>, opts: { mode?: number; mtimeMs?: number; signal?: AbortSignal; onProgress?: (bytes: number) => void } = {}): Promise<void> {
    if (this.readOnly) throw new FsError(EROFS, "read-only share");
    const parts = splitPath(path);
    if (parts.length === 0) throw new FsError(EISDIR, "the root is a directory");
    const f = await this.write((tx) => this.newInode(tx, { kind: "file", mode: allowedMode(opts.mode ?? 0o644, false), orphan: this.session }));
    const ino = f.ino;
    this.handles.set(ino, (this.handles.get(ino) ?? 0) + 1); // dropped at close() if this session dies mid-import
    try {
      let offset = 0;
      let batch: Uint8Array[] = [];
      let batched = 0;
      const flush = async () => {
        if (batched === 0) return;
        const data = batch.length === 1 ? batch[0] : concat(batch, batched);
        batch = []; batched = 0;
        await this.write(async (tx) => {
          const n = await tx.inode(ino);
          await this.writeChunks(tx, n, offset, data);
          await tx.put("inodes", n);
        });
        offset += data.length;
        opts.onProgress?.(offset);
      };
      const iterable = isStream(chunks) ? streamIterable(chunks) : chunks;
      for await (const c of iterable) {
        if (opts.signal?.aborted) throw new FsError(ECANCELED, "cancelled");
        for (let at = 0; at < c.length;) {
          const take = Math.min(c.length - at, IMPORT_BATCH * CHUNK - batched);
          batch.push(c.subarray(at, at + take));
          batched += take;
          at += take;
          if (batched === IMPORT_BATCH * CHUNK) await flush();
        }
      }
      await flush();
      if (opts.signal?.aborted) throw new FsError(ECANCELED, "cancelled");
      const made: string[] = [];
      await this.write(async (tx) => {
        let d = await tx.inode(ROOT);
        for (let i = 0; i < parts.length - 1; i++) {
          const e = await tx.entry(d.ino, parts[i]);
          if (!e) {
            const nd = await this.newInode(tx, { kind: "dir", mode: 0o755, nlink: 1, parent: d.ino });
            await tx.put("entries", { ino: nd.ino, kind: "dir" } satisfies Entry, [d.ino, parts[i]]);
            d.subdirs++;
            d.mtimeNs = d.ctimeNs = nd.ctimeNs;
            await tx.put("inodes", d);
            made.push(joinPath(parts.slice(0, i + 1)));
            d = nd;
            continue;
          }
          if (e.kind !== "dir") throw new FsError(ENOTDIR, `${joinPath(parts.slice(0, i + 1))} is not a directory`);
          d = await tx.inode(e.ino);
        }
        const name = parts[parts.length - 1];
        const existing = await tx.entry(d.ino, name);
        if (existing) {
          const x = await tx.inode(existing.ino);
          if (x.kind === "dir") throw new FsError(EISDIR, `${path} is a directory`);
          await this.unlinkEntry(tx, d, name, x);
          d = await tx.inode(d.ino);
        }
        const n = await tx.inode(ino);
        n.nlink = 1;
        delete n.orphan;
        if (opts.mtimeMs !== undefined) n.mtimeNs = BigInt(Math.round(opts.mtimeMs)) * 1_000_000n;
        await tx.put("inodes", n);
        await tx.put("entries", { ino, kind: "file" } satisfies Entry, [d.ino, name]);
        d.mtimeNs = d.ctimeNs = nowNs();
        await tx.put("inodes", d);
      }, "strict");
      for (const p of made) this.emit({ type: "created", path: p, kind: "dir" });
      this.emit({ type: "created", path: joinPath(parts), kind: "file" });
    } finally {
      const left = (this.handles.get(ino) ?? 1) - 1;
      if (left > 0) this.handles.set(ino, left); else this.handles.delete(ino);
      await this.dropIfOrphan(ino).catch(() => undefined);
    }
  }

  // A directory made from the page (an empty folder dropped in); parents as needed.
  async mkdirs(path: string): Promise<void> {
    const parts = splitPath(path);
    for (let i = 1; i <= parts.length; i++) {
      try { await this.mkdir(parts.slice(0, i - 1), parts[i - 1], 0o755); } catch (e) {
        if (!(e instanceof FsError && e.errno === EEXIST)) throw e;
        const a = await this.getattr(parts.slice(0, i));
        if (a.kind !== "dir") throw new FsError(ENOTDIR, `${joinPath(parts.slice(0, i))} is not a directory`);
      }
    }
  }

  // Streams a file out (a Download button): EXPORT_BATCH chunks per
  // transaction, each yielded as IndexedDB gave it (no copy; a hole is
  // zeros), so only a batch is in memory at a time.
  async *exportFile(path: string): AsyncGenerator<Uint8Array> {
    const parts = splitPath(path);
    const n = await this.read((tx) => this.resolve(tx, parts));
    if (n.kind !== "file") throw new FsError(n.kind === "dir" ? EISDIR : EINVAL, `${path} is not a file`);
    const count = Math.ceil(n.size / CHUNK);
    for (let first = 0; first < count; first += EXPORT_BATCH) {
      const last = Math.min(count, first + EXPORT_BATCH) - 1;
      const { chunks, size } = await this.read(async (tx) => ({ chunks: await tx.chunks(n.ino, first, last), size: (await tx.inode(n.ino)).size }));
      for (let i = first; i <= last; i++) {
        const len = Math.min(CHUNK, Math.min(size, n.size) - i * CHUNK); // truncated meanwhile: stop there
        if (len <= 0) return;
        const c = chunks.get(i);
        if (!c) yield new Uint8Array(len);
        else if (c.length >= len) yield c.length === len ? c : c.subarray(0, len);
        else { const padded = new Uint8Array(len); padded.set(c); yield padded; }
      }
    }
  }

  // One directory's entries with their attributes, for the panel.
  list(path: string): Promise<{ name: string; attr: FsAttr }[]> {
    return this.read(async (tx) => {
      const d = await this.resolveDir(tx, splitPath(path));
      const out: { name: string; attr: FsAttr }[] = [];
      for (const [name, e] of await tx.entries(d.ino)) out.push({ name, attr: this.attrOf(await tx.inode(e.ino)) });
      return out;
    });
  }

  stat(path: string): Promise<FsAttr> { return this.getattr(splitPath(path)); }

  // Every file under a directory (for a zip), depth first, with sizes.
  async walk(path: string): Promise<{ path: string; attr: FsAttr }[]> {
    const out: { path: string; attr: FsAttr }[] = [];
    const visit = async (p: string[]) => {
      for (const { name, attr } of await this.list(joinPath(p))) {
        out.push({ path: joinPath([...p, name]), attr });
        if (attr.kind === "dir") await visit([...p, name]);
      }
    };
    await visit(splitPath(path));
    return out;
  }

  // Removes a file, or a directory and everything under it (the panel's Delete).
  async remove(path: string): Promise<void> {
    const parts = splitPath(path);
    if (parts.length === 0) throw new FsError(EPERM, "the root is not removed");
    const a = await this.stat(path);
    if (a.kind === "dir") {
      for (const { name } of await this.list(path)) await this.remove(joinPath([...parts, name]));
    }
    await this.unlink(parts.slice(0, -1), parts[parts.length - 1], a.kind === "dir");
  }

  // Bytes held by file contents.
  usedBytes(): Promise<number> { return this.read(async (tx) => (await tx.get<number>("meta", "used")) ?? 0); }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function isStream(x: unknown): x is ReadableStream<Uint8Array> {
  return typeof ReadableStream !== "undefined" && x instanceof ReadableStream;
}

async function* streamIterable(s: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = s.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

export { ShareError as IdbShareError };
