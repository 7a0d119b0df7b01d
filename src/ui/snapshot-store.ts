// The page's snapshots, kept in IndexedDB (used from the machine worker):
// one record per snapshot (its name, when it was taken, its manifest) and
// the blobs by hash, shared between snapshots: a second snapshot of a
// machine adds only its new packs, and deleting one removes only the blobs
// no other snapshot refers to. Everything read back is checked again (the
// manifest field by field, every blob against its hash): storage can be
// damaged, or written by another version of the app.
import { parseManifest } from "../snapshot/manifest.js";
import { sha256Hex } from "../snapshot/blob-codec.js";
import { readSnapshotFile, snapshotOf, writeSnapshotFile, type Snapshot } from "../snapshot/snapshot-file.js";
import { SnapshotError } from "../snapshot/snapshot-error.js";

const DB = "rvplay-snapshots";
const SNAPSHOTS = "snapshots";
const BLOBS = "blobs";

// What the page lists.
export interface SnapshotItem {
  id: string;
  name: string;
  created: number; // ms since the epoch
  bytes: number;   // manifest + blobs (blobs shared with other snapshots counted here too)
  harts: number;
  ramMiB: number;
}

interface StoredRecord extends SnapshotItem { format: 1; manifest: Uint8Array }

export const MAX_NAME = 100;

// A stored record, checked. Throws SnapshotError.
export function parseStoredRecord(v: unknown): StoredRecord {
  const bad = (why: string) => new SnapshotError("bad_manifest", `a stored snapshot record ${why}`);
  if (typeof v !== "object" || v === null) throw bad("is not an object");
  const r = v as Record<string, unknown>;
  if (r.format !== 1) throw bad(`has an unknown format (${JSON.stringify(r.format)})`);
  if (typeof r.id !== "string" || !/^[0-9a-f]{64}$/.test(r.id)) throw bad("has no valid id");
  if (typeof r.name !== "string" || r.name.length > MAX_NAME) throw bad("has no valid name");
  for (const k of ["created", "bytes", "harts", "ramMiB"] as const) {
    if (typeof r[k] !== "number" || !Number.isFinite(r[k])) throw bad(`has no valid ${k}`);
  }
  if (!(r.manifest instanceof Uint8Array)) throw bad("has no manifest");
  return r as unknown as StoredRecord;
}

export function cleanName(name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.replace(/[\u0000-\u001f\u007f]/g, " ").trim().slice(0, MAX_NAME) || "Snapshot";
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error("IndexedDB request failed"));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error("IndexedDB transaction failed"));
    tx.onabort = () => reject(tx.error ?? new Error("IndexedDB transaction aborted"));
  });
}

export class SnapshotStore {
  private db: Promise<IDBDatabase> | undefined;

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise<IDBDatabase>((resolve, reject) => {
      if (typeof indexedDB === "undefined") { reject(new Error("this browser has no IndexedDB")); return; }
      const r = indexedDB.open(DB, 1);
      r.onupgradeneeded = () => {
        r.result.createObjectStore(SNAPSHOTS, { keyPath: "id" });
        r.result.createObjectStore(BLOBS);
      };
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error ?? new Error("IndexedDB would not open"));
    });
    this.db.catch(() => { this.db = undefined; });
    return this.db;
  }

  async list(): Promise<SnapshotItem[]> {
    const db = await this.open();
    const all = await request(db.transaction(SNAPSHOTS).objectStore(SNAPSHOTS).getAll());
    const items: SnapshotItem[] = [];
    for (const v of all) {
      try {
        const r = parseStoredRecord(v);
        items.push({ id: r.id, name: r.name, created: r.created, bytes: r.bytes, harts: r.harts, ramMiB: r.ramMiB });
      } catch { /* a damaged record is not listed */ }
    }
    return items.sort((a, b) => b.created - a.created);
  }

  // Keep a snapshot; its blobs are written only where the store lacks them
  // (or, `replace`, where what it holds was found damaged).
  async put(s: Snapshot, name: string, replace: ReadonlySet<string> = new Set()): Promise<SnapshotItem> {
    const db = await this.open();
    const tx = db.transaction([SNAPSHOTS, BLOBS], "readwrite");
    const blobs = tx.objectStore(BLOBS);
    const have = await Promise.all(s.manifest.blobs.map((b) => request(blobs.getKey(b.hash))));
    s.manifest.blobs.forEach((b, i) => { if (have[i] === undefined || replace.has(b.hash)) blobs.put(s.blobs.get(b.hash), b.hash); });
    const item: SnapshotItem = {
      id: s.id, name: cleanName(name), created: Date.parse(s.manifest.created) || Date.now(),
      bytes: s.manifestBytes.length + s.manifest.blobs.reduce((n, b) => n + b.size, 0),
      harts: s.manifest.machine.harts, ramMiB: s.manifest.machine.ramBytes / 2 ** 20,
    };
    const record: StoredRecord = { ...item, format: 1, manifest: s.manifestBytes };
    tx.objectStore(SNAPSHOTS).put(record);
    await done(tx);
    return item;
  }

  async load(id: string): Promise<Snapshot> {
    const db = await this.open();
    const tx = db.transaction([SNAPSHOTS, BLOBS]);
    const v = await request(tx.objectStore(SNAPSHOTS).get(id));
    if (v === undefined) throw new SnapshotError("missing_blob", "that snapshot is not in this browser any more");
    const r = parseStoredRecord(v);
    const manifest = parseManifest(r.manifest);
    const blobs = new Map<string, Uint8Array>();
    const got = await Promise.all(manifest.blobs.map((b) => request(tx.objectStore(BLOBS).get(b.hash))));
    await Promise.all(manifest.blobs.map(async (b, i) => {
      const bytes = got[i];
      if (!(bytes instanceof Uint8Array)) throw new SnapshotError("missing_blob", `the stored snapshot lacks blob ${b.hash}`);
      if (bytes.length !== b.size || (await sha256Hex(bytes)) !== b.hash) throw new SnapshotError("hash_mismatch", `stored blob ${b.hash} is damaged`);
      blobs.set(b.hash, bytes);
    }));
    const s = await snapshotOf(manifest, blobs);
    return { ...s, id: r.id, manifestBytes: r.manifest };
  }

  // Whether a snapshot of this id is kept here.
  async has(id: string): Promise<boolean> {
    const db = await this.open();
    return (await request(db.transaction(SNAPSHOTS).objectStore(SNAPSHOTS).getKey(id))) !== undefined;
  }

  // Those of `hashes` whose blobs are kept here and intact (a damaged one
  // is left out, so that the caller fetches it again).
  async blobsHere(hashes: string[]): Promise<Map<string, Uint8Array>> {
    const db = await this.open();
    const store = db.transaction(BLOBS).objectStore(BLOBS);
    const got = await Promise.all(hashes.map((h) => request(store.get(h))));
    const out = new Map<string, Uint8Array>();
    await Promise.all(hashes.map(async (h, i) => {
      const bytes = got[i];
      if (bytes instanceof Uint8Array && (await sha256Hex(bytes)) === h) out.set(h, bytes);
    }));
    return out;
  }

  async rename(id: string, name: string): Promise<void> {
    const db = await this.open();
    const tx = db.transaction(SNAPSHOTS, "readwrite");
    const store = tx.objectStore(SNAPSHOTS);
    const r = parseStoredRecord(await request(store.get(id)));
    store.put({ ...r, name: cleanName(name) });
    await done(tx);
  }

  // Remove a snapshot and the blobs that no other snapshot refers to.
  async delete(id: string): Promise<void> {
    const db = await this.open();
    const tx = db.transaction([SNAPSHOTS, BLOBS], "readwrite");
    const store = tx.objectStore(SNAPSHOTS);
    const all = await request(store.getAll());
    const keep = new Set<string>();
    let gone: string[] = [];
    for (const v of all) {
      let hashes: string[];
      try { hashes = parseManifest(parseStoredRecord(v).manifest).blobs.map((b) => b.hash); } catch { continue; }
      if ((v as { id?: unknown }).id === id) gone = hashes;
      else for (const h of hashes) keep.add(h);
    }
    store.delete(id);
    for (const h of gone) if (!keep.has(h)) tx.objectStore(BLOBS).delete(h);
    await done(tx);
  }

  async exportFile(id: string): Promise<Uint8Array> {
    return writeSnapshotFile(await this.load(id));
  }

  // A snapshot file from elsewhere: every hash checked before it is kept.
  async importFile(bytes: Uint8Array, name: string): Promise<SnapshotItem> {
    return this.put(await readSnapshotFile(bytes), name);
  }
}
