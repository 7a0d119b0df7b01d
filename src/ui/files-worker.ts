// The Files panel's worker: the shared folder's work, off the page's thread.
// It opens the same IndexedDB folder the machine's I/O worker serves
// (src/web/share-idb.ts) and hears the guest's changes on its channel.
// Imports stream each File into the folder (never read whole; quota checked
// first); downloads are Blobs folded from pieces (the browser keeps a large
// Blob on disk, not in the tab's memory), a folder's as a zip streamed by
// client-zip.
import { makeZip } from "client-zip";
import { IdbShare, SHARE_DB } from "../web/share-idb.js";
import { FsError, ECANCELED, ENOSPC, EEXIST, ENOTDIR, EISDIR, EINVAL, ENAMETOOLONG, EPERM } from "../9p/errno.js";
import { childPath, type FileRow, type FromFilesWorker, type IncomingFile, type ToFilesWorker } from "./files-protocol.js";

const post = (m: FromFilesWorker) => self.postMessage(m);
let opened: Promise<IdbShare> | undefined;
const cancels = new Map<number, AbortController>();

function share(): Promise<IdbShare> {
  opened ??= IdbShare.open(SHARE_DB).then((s) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    s.onChange(() => {
      // Many changes in a burst (an import of a folder, the guest untarring): one "changed".
      timer ??= setTimeout(() => { timer = undefined; post({ type: "changed" }); }, 150);
    });
    return s;
  });
  opened.catch(() => { opened = undefined; });
  return opened;
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

// A dropped file the browser would not read (moved, deleted or changed on
// disk since it was picked; Chromium says "network error"). Kept apart from
// the folder's own errors to tell the user which side failed.
class FileReadError extends Error {}

async function* fileBytes(file: File): AsyncGenerator<Uint8Array> {
  const reader = (file.stream() as ReadableStream<Uint8Array>).getReader();
  try {
    for (;;) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try { r = await reader.read(); } catch (e) { throw new FileReadError(messageOf(e)); }
      if (r.done) return;
      yield r.value;
    }
  } finally {
    reader.releaseLock();
  }
}

async function storageFigures() {
  const st = navigator.storage;
  if (!st?.estimate) return undefined;
  const { usage = 0, quota = 0 } = await st.estimate();
  return { usage, quota, persisted: st.persisted ? await st.persisted() : false };
}

function fmt(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 1024) return `${Math.ceil(n / 1024)} KiB`;
  return `${n} bytes`;
}

// What went wrong, in words for the user.
function explain(e: unknown, what: string): string {
  if (e instanceof FsError) {
    switch (e.errno) {
      case ENOSPC: return `${what}: not enough space (${e.message}). Nothing of it was kept.`;
      case ECANCELED: return `${what}: cancelled. Nothing of it was kept.`;
      case EEXIST: return `${what}: something of that name is there already.`;
      case ENOTDIR: case EISDIR: return `${what}: ${e.message}.`;
      case EINVAL: case ENAMETOOLONG: case EPERM: return `${what}: that name cannot be used in the shared folder (${e.message}).`;
    }
    return `${what}: ${e.message}.`;
  }
  if (e instanceof FileReadError) {
    return `${what}: the browser could not read it (${e.message}; was it moved, deleted or changed since it was picked?). Nothing of it was kept.`;
  }
  return `${what}: ${messageOf(e)}. Nothing of it was kept.`;
}

// Some files of a drop went in, some could not: the message says which.
class PartialImport extends Error {}

async function list(dir: string): Promise<void> {
  let s: IdbShare;
  try { s = await share(); } catch (e) {
    post({ type: "list", dir, entries: [], used: 0, unavailable: `this browser will not let the page keep data (${messageOf(e)})` });
    return;
  }
  let entries: FileRow[] = [];
  let missing = false;
  try {
    entries = (await s.list(dir)).map(({ name, attr }) => ({ name, kind: attr.kind, size: attr.size, mtimeMs: Number(attr.mtimeNs / 1_000_000n) }));
  } catch {
    missing = true;
  }
  entries.sort((a, b) => (a.kind === "dir") === (b.kind === "dir") ? a.name.localeCompare(b.name) : a.kind === "dir" ? -1 : 1);
  post({ type: "list", dir, entries, used: await s.usedBytes(), storage: await storageFigures(), missing });
}

// Files one by one, each streamed in and linked only when whole. The total
// is checked against the browser's quota before anything is written.
async function importFiles(req: number, dir: string, files: IncomingFile[], dirs: string[]): Promise<string> {
  const s = await share();
  const total = files.reduce((n, f) => n + f.file.size, 0);
  const fig = await storageFigures();
  if (fig && fig.quota > 0 && total > fig.quota - fig.usage) {
    throw new FsError(ENOSPC, `${files.length === 1 ? `'${files[0].path}' is` : `these ${files.length} files are`} ${fmt(total)} and this site may store only ${fmt(Math.max(0, fig.quota - fig.usage))} more: delete something from the shared folder or the disks, or free space on this computer`);
  }
  const ac = new AbortController();
  cancels.set(req, ac);
  let done = 0, added = 0;
  const failed: string[] = [];
  try {
    for (const d of dirs) await s.mkdirs(childPath(dir, d));
    for (const f of files) {
      if (ac.signal.aborted) throw new FsError(ECANCELED, "cancelled");
      const base = done;
      try {
        post({ type: "progress", req, done, total, file: f.path });
        await s.importFile(childPath(dir, f.path), fileBytes(f.file), {
          signal: ac.signal, mtimeMs: f.file.lastModified,
          onProgress: (n) => post({ type: "progress", req, done: base + n, total, file: f.path }),
        });
        added++;
      } catch (e) {
        // Out of space or cancelled: stop here. A file that cannot be read: skip it, go on.
        if (e instanceof FsError && (e.errno === ENOSPC || e.errno === ECANCELED)) {
          throw new FsError(e.errno, `${added} of ${files.length} added before '${f.path}': ${e.message}`);
        }
        failed.push(explain(e, `'${f.path}'`));
      }
      done = base + f.file.size;
    }
  } finally {
    cancels.delete(req);
  }
  if (failed.length) throw new PartialImport(`${added} of ${files.length} added. ${failed.join(" ")}`);
  return files.length === 1 ? `added '${files[0].path}' (${fmt(total)})` : `added ${added} files (${fmt(total)})`;
}

// Pieces are folded into Blobs as they come so that no array of them grows.
async function foldBlob(pieces: AsyncIterable<Uint8Array>, onBytes?: (n: number) => void): Promise<Blob> {
  let parts: Blob[] = [];
  let acc: BlobPart[] = [];
  let n = 0;
  for await (const b of pieces) {
    acc.push(b as Uint8Array<ArrayBuffer>);
    n += b.length;
    onBytes?.(n);
    if (acc.length >= 64) { parts.push(new Blob(acc)); acc = []; } // 64 chunks of 64 KiB: 4 MiB per Blob
    if (parts.length >= 16) parts = [new Blob(parts)];
  }
  parts.push(new Blob(acc));
  return new Blob(parts, { type: "application/octet-stream" });
}

async function* streamPieces(s: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const r = s.getReader();
  for (;;) {
    const { done, value } = await r.read();
    if (done) return;
    yield value;
  }
}

async function download(req: number, path: string): Promise<void> {
  const s = await share();
  const size = (await s.stat(path)).size;
  const blob = await foldBlob(s.exportFile(path), (n) => post({ type: "progress", req, done: n, total: size, file: path }));
  post({ type: "blob", req, blob, name: path.split("/").pop() || "file" });
}

// A folder as a zip: every file and folder under it, streamed file by file.
async function zip(req: number, path: string): Promise<void> {
  const s = await share();
  const all = await s.walk(path);
  const total = all.reduce((n, e) => n + (e.attr.kind === "file" ? e.attr.size : 0), 0);
  const top = path === "/" ? "shared" : path.split("/").pop()!;
  const rel = (p: string) => `${top}/${p.slice(path === "/" ? 1 : path.length + 1)}`;
  async function* entries() {
    for (const e of all) {
      const lastModified = new Date(Number(e.attr.mtimeNs / 1_000_000n));
      if (e.attr.kind === "dir") yield { name: `${rel(e.path)}/`, lastModified };
      else if (e.attr.kind === "file") yield { name: rel(e.path), lastModified, size: e.attr.size, input: s.exportFile(e.path) };
      // Symlinks have no place in a zip made for another computer: left out.
    }
  }
  const blob = await foldBlob(streamPieces(makeZip(entries())), (n) => post({ type: "progress", req, done: Math.min(n, total), total, file: `${top}.zip` }));
  post({ type: "blob", req, blob: new Blob([blob], { type: "application/zip" }), name: `${top}.zip` });
}

async function handle(m: ToFilesWorker): Promise<void> {
  if (m.type === "list") { await list(m.dir); return; }
  if (m.type === "cancel") { cancels.get(m.req)?.abort(); return; }
  try {
    let message = "";
    const s = await share();
    switch (m.type) {
      case "import": message = await importFiles(m.req, m.dir, m.files, m.dirs); break;
      case "download": await download(m.req, m.path); message = "downloaded"; break;
      case "zip": await zip(m.req, m.path); message = "downloaded as a zip"; break;
      case "mkdir": await s.mkdirs(m.path); message = `made ${m.path}`; break;
      case "delete": await s.remove(m.path); message = `deleted ${m.path}`; break;
    }
    post({ type: "done", req: m.req, message });
  } catch (e) {
    const what = m.type === "import" ? (m.files.length === 1 ? `'${m.files[0].path}'` : "the files") : m.path;
    post({ type: "failed", req: m.req, message: e instanceof PartialImport ? e.message : explain(e, what) });
  }
}

self.addEventListener("message", (ev: MessageEvent<ToFilesWorker>) => { void handle(ev.data); });
