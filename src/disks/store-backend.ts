// What a disk store keeps, and the storage a store runs on. The logic
// (overlay-disk.ts, disk-store.ts) is shared; two back ends implement this
// interface: IndexedDB in the page (src/web/disk-idb.ts) and files in a store
// directory for the CLI (src/node/disk-files.ts).
import type { BaseManifest } from "./base-format.js";
import { DiskFormatError } from "./base-format.js";

// A read-only base image: the base format's manifest, named by the image's
// SHA-256 and shared by every disk made from it. Its chunks are in the
// store's chunk table, or (url) fetched on demand from a base directory.
export interface BaseRecord extends BaseManifest {
  label: string;        // what it was made from (a file name, a URL)
  url?: string;         // a remote base: chunks at `${url}chunks/<hash>.gz`
  addedAt: number;
}

// A disk: a base (or none: starts all zero) plus its own copy-on-write overlay.
export interface DiskRecord {
  id: string;
  name: string;
  size: number;            // bytes, a multiple of 512
  base: string | null;     // the base's SHA-256
  chunkSize: number;       // the overlay's chunk size (may differ from the base's)
  createdAt: number;
  lastUsed: number | null;
  changedBytes: number;    // overlay chunks × their length, as of the last commit
  durableCommits: number;  // statistics: durable (synced) and relaxed commits so far
  relaxedCommits: number;
}

export interface OverlayChunk { index: number; hash: string; bytes: Uint8Array }

// One disk's overlay, open for a writer. `chunks` says which chunks the
// overlay holds (by index) and their SHA-256; read() returns the stored
// bytes unchecked (the caller checks them against the hash).
export interface OverlayStorage {
  readonly chunks: ReadonlyMap<number, string>;
  read(index: number): Promise<Uint8Array>;
  // All of the batch or none of it (a crash in the middle leaves the overlay
  // as it was). durable: on stable storage before this resolves; relaxed: may
  // be lost in a power cut, but never half applied. `disk` is the record as
  // it is after this batch (statistics, changed bytes).
  commit(batch: OverlayChunk[], durable: boolean, disk: DiskRecord): Promise<void>;
  close(disk: DiskRecord): Promise<void>;
}

export interface StoreBackend {
  readonly location: string; // for messages: a directory, or "this browser"
  listDisks(): Promise<DiskRecord[]>;
  getDisk(id: string): Promise<DiskRecord | undefined>;
  putDisk(disk: DiskRecord): Promise<void>;
  // The record and its overlay.
  deleteDisk(id: string): Promise<void>;
  listBases(): Promise<BaseRecord[]>;
  getBase(sha256: string): Promise<BaseRecord | undefined>;
  putBase(base: BaseRecord): Promise<void>;
  deleteBase(sha256: string): Promise<void>;
  // Content-addressed chunks (raw bytes; a back end may compress them).
  getChunk(hash: string): Promise<Uint8Array | undefined>;
  putChunks(chunks: { hash: string; bytes: Uint8Array }[]): Promise<void>;
  deleteChunks(hashes: string[]): Promise<void>;
  listChunks(): Promise<string[]>;
  // Pins keep chunks alive for an owner (a snapshot) whatever the disks do.
  listPins(): Promise<{ owner: string; hash: string }[]>;
  addPins(owner: string, hashes: string[]): Promise<void>;
  removePins(owner: string): Promise<void>;
  // Overlays.
  overlayChunks(id: string): Promise<Map<number, string>>;
  openOverlay(disk: DiskRecord): Promise<OverlayStorage>;
  clearOverlay(id: string): Promise<void>;
  // One writer per disk (other processes, other tabs): resolves with the
  // release, or throws DiskBusyError. onLost: the lock was taken from us
  // (a tab's "use it here"); writing must stop at once.
  lockDisk(id: string, onLost?: () => void): Promise<() => Promise<void>>;
  // Imports add chunks no base names yet: garbage collection must not run
  // meanwhile (in this process or another). guardImport holds a shared
  // guard for the import's duration; tryGc runs fn only if no import holds
  // it anywhere, and says whether it ran.
  guardImport<T>(fn: () => Promise<T>): Promise<T>;
  tryGc(fn: () => Promise<void>): Promise<boolean>;
}

// Errors a user sees: all typed, all with a message that says what to do.
export class DiskStoreError extends DiskFormatError {}
export class DiskBusyError extends DiskStoreError {}
export class DiskNotFoundError extends DiskStoreError {}
// Storage failed under us (quota, IndexedDB gone, disk full).
export class StorageFailedError extends DiskStoreError {}

export const DISK_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._+-]{0,62}$/;
export function checkDiskName(name: string): string {
  if (!DISK_NAME.test(name) || name !== name.trim()) {
    throw new DiskStoreError(`'${name}' cannot name a disk: use 1 to 63 letters, digits, spaces, '.', '_', '+' or '-', starting with a letter or digit`);
  }
  return name;
}

export function newDiskId(): string {
  const b = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

// The disk record as stored (from storage another version may have
// written): checked, or a DiskStoreError.
export function parseDiskRecord(v: unknown): DiskRecord {
  const o = v as Record<string, unknown>;
  const num = (k: string) => {
    const x = o?.[k];
    if (typeof x !== "number" || !Number.isSafeInteger(x) || x < 0) throw new DiskStoreError(`a stored disk record has a bad ${k}`);
    return x;
  };
  if (typeof o !== "object" || o === null) throw new DiskStoreError("a stored disk record is not an object");
  if (typeof o.id !== "string" || !/^[0-9a-f]{16}$/.test(o.id)) throw new DiskStoreError("a stored disk record has a bad id");
  if (typeof o.name !== "string") throw new DiskStoreError("a stored disk record has no name");
  if (o.base !== null && (typeof o.base !== "string" || !/^[0-9a-f]{64}$/.test(o.base))) throw new DiskStoreError("a stored disk record names a bad base");
  const lastUsed = o.lastUsed === null ? null : num("lastUsed");
  return {
    id: o.id, name: o.name, size: num("size"), base: o.base as string | null, chunkSize: num("chunkSize"),
    createdAt: num("createdAt"), lastUsed, changedBytes: num("changedBytes"),
    durableCommits: num("durableCommits"), relaxedCommits: num("relaxedCommits"),
  };
}

export function fuzzDiskRecord(bytes: Uint8Array): DiskRecord {
  let v: unknown;
  try { v = JSON.parse(new TextDecoder().decode(bytes)); } catch { throw new DiskStoreError("not JSON"); }
  return parseDiskRecord(v);
}
