// The disk store over IndexedDB, for the page (its workers open it too: the
// machine worker at boot, the I/O worker for the guest's disks, the disk
// worker for uploads and downloads). One database, "rvplay-disks":
//   disks        id → DiskRecord
//   bases        sha256 → BaseRecord
//   chunks       hash → raw bytes (bases' chunks, pinned overlay chunks)
//   overlay      [disk id, chunk index] → raw bytes
//   overlayHash  [disk id, chunk index] → SHA-256 (so opening a disk reads
//                the hashes, not the bytes)
//   pins         [owner, hash] → 1
//   config       name → value (the page's attached disks)
// A commit is one transaction over overlay, overlayHash and disks: all or
// nothing. Relaxed commits use durability "relaxed"; the guest's FLUSH a
// "strict" one, which is on disk when it completes (and so is every relaxed
// one before it: they are in the same log).
//
// No wrapper library: the store uses a dozen IndexedDB calls, and what
// matters (the transaction's complete event, its durability option) is
// plainest in the raw API; two small helpers make requests and
// transactions promises. Web Locks: one writer per disk across tabs, and
// imports against garbage collection.
import type { BaseRecord, DiskRecord, OverlayChunk, OverlayStorage, StoreBackend } from "../disks/store-backend.js";
import { DiskBusyError, DiskStoreError, parseDiskRecord } from "../disks/store-backend.js";
import { parseBaseManifest } from "../disks/base-format.js";

export const DISK_DB = "rvplay-disks";
const VERSION = 1;
const STORES = ["disks", "bases", "chunks", "overlay", "overlayHash", "pins", "config"] as const;

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error("IndexedDB request failed"));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error("IndexedDB transaction failed"));
    tx.onabort = () => reject(tx.error ?? new DOMException("IndexedDB transaction aborted (out of space?)", "QuotaExceededError"));
  });
}

export function openDiskDb(name = DISK_DB): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    let r: IDBOpenDBRequest;
    try { r = indexedDB.open(name, VERSION); } catch (e) { reject(e); return; }
    r.onupgradeneeded = () => {
      const db = r.result;
      for (const s of STORES) if (!db.objectStoreNames.contains(s)) db.createObjectStore(s, s === "disks" ? { keyPath: "id" } : s === "bases" ? { keyPath: "sha256" } : undefined);
    };
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error("IndexedDB would not open"));
    r.onblocked = () => reject(new Error("IndexedDB is blocked by another tab of an older version"));
  });
}

// Exactly the bytes (a view's whole buffer would be cloned otherwise).
const own = (b: Uint8Array) => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice());
const range = (id: string) => IDBKeyRange.bound([id, 0], [id, Number.MAX_SAFE_INTEGER]);

export class IdbStoreBackend implements StoreBackend {
  readonly location = "this browser's storage";
  private constructor(readonly db: IDBDatabase, readonly name: string) {}

  static async open(name = DISK_DB): Promise<IdbStoreBackend> { return new IdbStoreBackend(await openDiskDb(name), name); }

  close(): void { this.db.close(); }

  private async run<T>(stores: string[], mode: IDBTransactionMode, body: (tx: IDBTransaction) => Promise<T> | T, durability: IDBTransactionDurability = "default"): Promise<T> {
    const tx = this.db.transaction(stores, mode, { durability });
    const finished = done(tx);
    let out: T;
    try { out = await body(tx); } catch (e) { try { tx.abort(); } catch { /* finished already */ } finished.catch(() => {}); throw e; }
    await finished;
    return out;
  }

  listDisks(): Promise<DiskRecord[]> {
    return this.run(["disks"], "readonly", async (tx) => (await req(tx.objectStore("disks").getAll())).map(parseDiskRecord));
  }
  async getDisk(id: string): Promise<DiskRecord | undefined> {
    const v = await this.run(["disks"], "readonly", (tx) => req(tx.objectStore("disks").get(id)));
    return v === undefined ? undefined : parseDiskRecord(v);
  }
  putDisk(d: DiskRecord): Promise<void> { return this.run(["disks"], "readwrite", (tx) => { tx.objectStore("disks").put(d); }, "strict"); }
  deleteDisk(id: string): Promise<void> {
    return this.run(["disks", "overlay", "overlayHash"], "readwrite", (tx) => {
      tx.objectStore("disks").delete(id);
      tx.objectStore("overlay").delete(range(id));
      tx.objectStore("overlayHash").delete(range(id));
    }, "strict");
  }

  listBases(): Promise<BaseRecord[]> {
    return this.run(["bases"], "readonly", async (tx) => (await req(tx.objectStore("bases").getAll())).map((v) => this.base(v)));
  }
  private base(v: Record<string, unknown>): BaseRecord {
    return { ...parseBaseManifest(v), label: String(v.label ?? ""), url: typeof v.url === "string" ? v.url : undefined, addedAt: Number(v.addedAt) || 0 };
  }
  async getBase(sha256: string): Promise<BaseRecord | undefined> {
    const v = await this.run(["bases"], "readonly", (tx) => req(tx.objectStore("bases").get(sha256)));
    return v === undefined ? undefined : this.base(v);
  }
  putBase(b: BaseRecord): Promise<void> { return this.run(["bases"], "readwrite", (tx) => { tx.objectStore("bases").put(b); }, "strict"); }
  deleteBase(sha256: string): Promise<void> { return this.run(["bases"], "readwrite", (tx) => { tx.objectStore("bases").delete(sha256); }); }

  async getChunk(hash: string): Promise<Uint8Array | undefined> {
    const v = await this.run(["chunks"], "readonly", (tx) => req(tx.objectStore("chunks").get(hash)));
    return v === undefined ? undefined : new Uint8Array(v as ArrayBuffer);
  }
  // Relaxed: an import makes its chunks durable with the base record's
  // strict transaction after them.
  putChunks(chunks: { hash: string; bytes: Uint8Array }[]): Promise<void> {
    return this.run(["chunks"], "readwrite", (tx) => {
      const s = tx.objectStore("chunks");
      for (const c of chunks) s.put(own(c.bytes).buffer, c.hash);
    }, "relaxed");
  }
  deleteChunks(hashes: string[]): Promise<void> {
    return this.run(["chunks"], "readwrite", (tx) => { const s = tx.objectStore("chunks"); for (const h of hashes) s.delete(h); });
  }
  listChunks(): Promise<string[]> {
    return this.run(["chunks"], "readonly", async (tx) => (await req(tx.objectStore("chunks").getAllKeys())) as string[]);
  }

  listPins(): Promise<{ owner: string; hash: string }[]> {
    return this.run(["pins"], "readonly", async (tx) => ((await req(tx.objectStore("pins").getAllKeys())) as [string, string][]).map(([owner, hash]) => ({ owner, hash })));
  }
  addPins(owner: string, hashes: string[]): Promise<void> {
    return this.run(["pins"], "readwrite", (tx) => { const s = tx.objectStore("pins"); for (const h of hashes) s.put(1, [owner, h]); }, "strict");
  }
  removePins(owner: string): Promise<void> {
    return this.run(["pins"], "readwrite", (tx) => { tx.objectStore("pins").delete(IDBKeyRange.bound([owner, ""], [owner, "\uffff"])); });
  }

  async overlayChunks(id: string): Promise<Map<number, string>> {
    return this.run(["overlayHash"], "readonly", async (tx) => {
      const s = tx.objectStore("overlayHash");
      const [keys, values] = await Promise.all([req(s.getAllKeys(range(id))), req(s.getAll(range(id)))]);
      return new Map((keys as [string, number][]).map((k, i) => [k[1], values[i] as string]));
    });
  }

  async openOverlay(d: DiskRecord): Promise<OverlayStorage> {
    const chunks = await this.overlayChunks(d.id);
    const self = this;
    return {
      chunks,
      async read(index: number): Promise<Uint8Array> {
        const v = await self.run(["overlay"], "readonly", (tx) => req(tx.objectStore("overlay").get([d.id, index])));
        if (v === undefined) throw new DiskStoreError(`overlay chunk ${index} of '${d.name}' is missing`);
        return new Uint8Array(v as ArrayBuffer);
      },
      async commit(batch: OverlayChunk[], durable: boolean, disk: DiskRecord): Promise<void> {
        await self.run(["overlay", "overlayHash", "disks"], "readwrite", (tx) => {
          const o = tx.objectStore("overlay"), h = tx.objectStore("overlayHash");
          for (const c of batch) { o.put(own(c.bytes).buffer, [d.id, c.index]); h.put(c.hash, [d.id, c.index]); }
          tx.objectStore("disks").put(disk);
        }, durable ? "strict" : "relaxed");
        for (const c of batch) chunks.set(c.index, c.hash);
      },
      async close(disk: DiskRecord): Promise<void> { await self.putDisk(disk); },
    };
  }

  clearOverlay(id: string): Promise<void> {
    return this.run(["overlay", "overlayHash"], "readwrite", (tx) => {
      tx.objectStore("overlay").delete(range(id));
      tx.objectStore("overlayHash").delete(range(id));
    }, "strict");
  }

  async getConfig<T>(key: string): Promise<T | undefined> {
    return this.run(["config"], "readonly", (tx) => req(tx.objectStore("config").get(key))) as Promise<T | undefined>;
  }
  setConfig(key: string, value: unknown): Promise<void> {
    return this.run(["config"], "readwrite", (tx) => { tx.objectStore("config").put(value, key); }, "strict");
  }

  lockDisk(id: string, onLost?: () => void): Promise<() => Promise<void>> { return holdLock(diskLockName(this.name, id), onLost); }

  guardImport<T>(fn: () => Promise<T>): Promise<T> {
    return navigator.locks.request(`${this.name}:import`, { mode: "shared" }, fn) as Promise<T>;
  }

  async tryGc(fn: () => Promise<void>): Promise<boolean> {
    return navigator.locks.request(`${this.name}:import`, { mode: "exclusive", ifAvailable: true }, async (lock) => {
      if (!lock) return false;
      await fn();
      return true;
    });
  }
}

export const diskLockName = (db: string, id: string) => `${db}:disk:${id}`;

// Whether another context (another tab, or a worker not yet gone) holds the disk.
export async function diskInUse(db: string, id: string): Promise<boolean> {
  const q = await navigator.locks.query();
  return (q.held ?? []).some((l) => l.name === diskLockName(db, id));
}

// Take a Web Lock and hold it until the returned release is called. A lock
// held elsewhere is tried again for a moment (a worker of this tab that is
// stopping lets go of it), then refused.
async function holdLock(name: string, onLost?: () => void, tries = 8): Promise<() => Promise<void>> {
  for (let i = 0; i < tries; i++) {
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    let got!: (ok: boolean) => void;
    const acquired = new Promise<boolean>((r) => { got = r; });
    const p = navigator.locks.request(name, { ifAvailable: true }, async (lock) => {
      got(lock !== null);
      if (lock) await held;
    });
    // A lock taken from us ("steal") rejects the request.
    p.catch(() => onLost?.());
    if (await acquired) return async () => { release(); await p.catch(() => {}); };
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new DiskBusyError("the disk is in use in another tab of this browser");
}

// Take the disk from whoever holds it (they are told through onLost and go
// on in memory), then let go at once so that this tab's I/O worker can take it.
export async function stealDisk(db: string, id: string): Promise<void> {
  await navigator.locks.request(diskLockName(db, id), { steal: true }, async () => {});
}
