// The Disks panel's worker: the disk store's work, off the page's thread.
// Uploads stream from the File through gunzip (when gzip'd) into chunks
// (never read whole); quota is checked before they start; downloads are
// built as a Blob from pieces (the browser keeps a large Blob on disk, not
// in the tab's memory).
import { DiskStore } from "../disks/disk-store.js";
import { DiskFormatError } from "../disks/base-format.js";
import { IdbStoreBackend, diskInUse, DISK_DB } from "../web/disk-idb.js";
import { MAX_ATTACHED, neededBytes, type DiskView, type FromDiskWorker, type ToDiskWorker } from "./disk-protocol.js";

const post = (m: FromDiskWorker) => self.postMessage(m);
let opened: Promise<{ backend: IdbStoreBackend; store: DiskStore }> | undefined;
const cancels = new Map<number, AbortController>();

function store() {
  opened ??= IdbStoreBackend.open(DISK_DB).then((backend) => ({ backend, store: new DiskStore(backend) }));
  opened.catch(() => { opened = undefined; });
  return opened;
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function storageFigures() {
  const s = navigator.storage;
  if (!s?.estimate) return undefined;
  const { usage = 0, quota = 0 } = await s.estimate();
  const persisted = s.persisted ? await s.persisted() : false;
  return { usage, quota, persisted };
}

async function list(): Promise<void> {
  let st;
  try { st = await store(); } catch (e) {
    post({ type: "list", disks: [], attached: [], unavailable: `this browser will not let the page keep data (${messageOf(e)})` });
    return;
  }
  const disks = await st.store.list();
  const views: DiskView[] = [];
  for (const d of disks) {
    const b = d.base ? await st.backend.getBase(d.base) : undefined;
    views.push({ ...d, baseLabel: b?.label, inUseElsewhere: await diskInUse(DISK_DB, d.id) });
  }
  const attached = ((await st.backend.getConfig<string[]>("attached")) ?? []).filter((id) => disks.some((d) => d.id === id));
  post({ type: "list", disks: views, attached, storage: await storageFigures() });
}

async function upload(req: number, file: File, name: string): Promise<string> {
  const { store: s } = await store();
  const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
  const isize = gzip && file.size >= 18 ? new DataView(await file.slice(file.size - 4).arrayBuffer()).getUint32(0, true) : undefined;
  const need = neededBytes(file.size, gzip, isize);
  const fig = await storageFigures();
  if (fig && fig.quota > 0 && need > fig.quota - fig.usage) {
    throw new DiskFormatError(`'${file.name}' needs up to ${fmt(need)} and this site may use only ${fmt(Math.max(0, fig.quota - fig.usage))} more: delete a disk or free space on this computer`);
  }
  const ac = new AbortController();
  cancels.set(req, ac);
  try {
    const d = await s.importImage(name, file.stream() as ReadableStream<Uint8Array>, {
      label: file.name, total: file.size, signal: ac.signal,
      onProgress: (p) => post({ type: "progress", req, read: p.read, unpacked: p.unpacked, total: file.size }),
    });
    return `added '${d.name}' (${fmt(d.size)})`;
  } finally {
    cancels.delete(req);
  }
}

function fmt(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  return `${Math.ceil(n / 1024)} KiB`;
}

async function download(req: number, id: string): Promise<void> {
  const { store: s } = await store();
  const d = await s.get(id);
  // Pieces are folded into Blobs as they come so that no array of them grows.
  let parts: Blob[] = [];
  let acc: BlobPart[] = [];
  await s.exportImage(id, (b) => {
    acc.push(b as Uint8Array<ArrayBuffer>);
    if (acc.length >= 16) { parts.push(new Blob(acc)); acc = []; }
    if (parts.length >= 16) parts = [new Blob(parts)];
  }, (done, total) => post({ type: "progress", req, read: done, unpacked: done, total }));
  parts.push(new Blob(acc));
  post({ type: "blob", req, blob: new Blob(parts, { type: "application/octet-stream" }), name: `${d.name}.img` });
}

async function handle(m: ToDiskWorker): Promise<void> {
  if (m.type === "list") { await list(); return; }
  if (m.type === "cancel") { cancels.get(m.req)?.abort(); return; }
  try {
    let message = "";
    const { store: s, backend } = await store();
    switch (m.type) {
      case "upload": message = await upload(m.req, m.file, m.name); break;
      case "create": { const d = await s.create(m.name, m.size); message = `created '${d.name}'`; break; }
      case "attach":
        if (m.ids.length > MAX_ATTACHED) throw new DiskFormatError(`at most ${MAX_ATTACHED} disks can be attached (/dev/vda..vdd)`);
        await backend.setConfig("attached", m.ids);
        message = "attached disks change at the next boot";
        break;
      case "reset": { const d = await s.reset(m.id); message = `'${d.name}' is back to its first state`; break; }
      case "delete": {
        const d = await s.get(m.id);
        await s.remove(m.id);
        const att = (await backend.getConfig<string[]>("attached")) ?? [];
        if (att.includes(m.id)) await backend.setConfig("attached", att.filter((x) => x !== m.id));
        message = `deleted '${d.name}'`;
        break;
      }
      case "download": await download(m.req, m.id); message = "downloaded"; break;
    }
    post({ type: "done", req: m.req, message });
  } catch (e) {
    const msg = e instanceof DiskFormatError ? e.message : `failed: ${messageOf(e)}`;
    post({ type: "failed", req: m.req, message: msg.replace("in use in another tab of this browser", "in use (by the running machine, or another tab): power it off first") });
  }
  await list().catch(() => {});
}

self.addEventListener("message", (ev: MessageEvent<ToDiskWorker>) => { void handle(ev.data); });
