// Your own boot files, kept in IndexedDB so that a reload boots them again:
// one record, the set last booted (picked files as Blobs, the browser keeps
// their bytes; URLs as text). A flag in localStorage says whether the set is
// in use, so opening the page with the sample never waits for IndexedDB.
// Only boot files live here; the disk store (chunked, written by the guest)
// is another module's.
import { checkAppend, checkFileUrl } from "./settings.js";
import type { FileRef, OwnFiles } from "./protocol.js";

const DB = "rvplay-boot";
const STORE = "boot";
const KEY = "current";
export const IN_USE_KEY = "rvplay.boot";

// A stored record that cannot be used (an older format, a damaged store).
export class StoredBootError extends Error {}

interface Record { format: 1; savedAt: number; files: OwnFiles }

function parseRef(v: unknown, slot: string): FileRef {
  if (typeof v !== "object" || v === null) throw new StoredBootError(`the saved ${slot} is not a file or a URL`);
  const o = v as { url?: unknown; blob?: unknown; name?: unknown };
  if (typeof o.url === "string") {
    const why = checkFileUrl(o.url, "http://localhost/");
    if (why) throw new StoredBootError(`the saved ${slot} URL cannot be used: ${why}`);
    return { url: o.url };
  }
  if (typeof Blob !== "undefined" && o.blob instanceof Blob && typeof o.name === "string") return { blob: o.blob, name: o.name };
  throw new StoredBootError(`the saved ${slot} is not a file or a URL`);
}

// The boot set in a stored record, checked (it comes from storage the page
// does not control: another version of the app may have written it).
export function parseStoredBoot(v: unknown): OwnFiles {
  if (typeof v !== "object" || v === null) throw new StoredBootError("the saved boot files are not a record");
  const r = v as { format?: unknown; files?: unknown };
  if (r.format !== 1) throw new StoredBootError(`the saved boot files have an unknown format (${JSON.stringify(r.format)})`);
  if (typeof r.files !== "object" || r.files === null) throw new StoredBootError("the saved boot files are missing");
  const f = r.files as { [k: string]: unknown };
  const out: OwnFiles = { kernel: parseRef(f.kernel, "kernel") };
  for (const slot of ["initrd", "firmware", "disk"] as const) {
    if (f[slot] !== undefined) out[slot] = parseRef(f[slot], slot);
  }
  if (f.append !== undefined) {
    if (typeof f.append !== "string" || checkAppend(f.append)) throw new StoredBootError("the saved kernel command line cannot be used");
    out.append = f.append;
  }
  return out;
}

// For a fuzzer: bytes as JSON (or as text when not JSON); throws only StoredBootError.
export function fuzzStoredBoot(bytes: Uint8Array): OwnFiles {
  const text = new TextDecoder().decode(bytes);
  let v: unknown;
  try { v = JSON.parse(text); } catch { v = text; }
  return parseStoredBoot(v);
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("IndexedDB would not open"));
    req.onblocked = () => reject(new Error("IndexedDB is blocked by another tab"));
  });
}

async function run<T>(mode: IDBTransactionMode, body: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = body(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error ?? new Error("IndexedDB transaction failed"));
      tx.onabort = () => reject(tx.error ?? new Error("IndexedDB transaction aborted (out of space?)"));
    });
  } finally {
    db.close();
  }
}

function setInUse(on: boolean): void {
  try { if (on) localStorage.setItem(IN_USE_KEY, "own"); else localStorage.removeItem(IN_USE_KEY); } catch { /* storage off */ }
}

// Whether the last boot was of the user's own files (no IndexedDB access).
export function ownBootInUse(): boolean {
  try { return localStorage.getItem(IN_USE_KEY) === "own"; } catch { return false; }
}

export async function saveOwnBoot(files: OwnFiles): Promise<void> {
  const record: Record = { format: 1, savedAt: Date.now(), files };
  await run("readwrite", (s) => s.put(record, KEY));
  setInUse(true);
}

// The saved set, or undefined when there is none.
export async function loadOwnBoot(): Promise<OwnFiles | undefined> {
  const v = await run<unknown>("readonly", (s) => s.get(KEY));
  return v === undefined ? undefined : parseStoredBoot(v);
}

// Back to the sample: the saved files are dropped.
export async function forgetOwnBoot(): Promise<void> {
  setInUse(false);
  await run("readwrite", (s) => s.delete(KEY));
}
