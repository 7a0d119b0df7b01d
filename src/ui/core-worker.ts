// The machine worker: everything of the emulator that is not a hart runs
// here, off the page's main thread. It fetches and decompresses the boot
// files (reporting progress), compiles the core, creates the VirtMachine
// (whose controller loop runs in this worker and spawns one hart worker per
// vCPU), batches console output to the page, feeds keyboard input to the
// UART as it has room, and posts statistics twice a second.
import { DEFAULT_JIT_CONFIG } from "../machine/jit/hart-jit.js";
import coreUrl from "../../dist/wasm/core.wasm?url";
import { MiB } from "../machine/core.js";
import { VirtMachine, type PowerEvent } from "../machine/virt-machine.js";
import { spawnWebHart } from "../web/harts.js";
import { spawnWebIo } from "../web/io.js";
import { BootFileError, checkBootFiles, inflateIfGzip, type BootBytes, type Problem, type Slot } from "./boot-check.js";
import { fetchBootFiles, fetchGzip, fetchManifest, type BootFiles, type FileProgress } from "./image-loader.js";
import { OutputBatcher } from "./output-batcher.js";
import type { NetCommand, NetStatsEvent } from "../devices/virtio-net.js";
import type { BootedFile, BootSource, FileRef, FromWorker, MachineShape, OwnFiles, PowerState, ToWorker } from "./protocol.js";
import type { DeviceSpec } from "../devices/specs.js";
import { DiskStore } from "../disks/disk-store.js";
import { DISK_DB, diskInUse, IdbStoreBackend } from "../web/disk-idb.js";
import { pageShareSpec } from "../web/share-platform.js";
import { SnapshotDisk } from "../snapshot/snapshot-disk.js";
import { SnapshotTaker, type BootImage, type ConsoleScreen } from "../snapshot/take-snapshot.js";
import { prepareRestore, restoreMachine, type DeferredImage, type ImageCandidate } from "../snapshot/restore-snapshot.js";
import { useWebBrotli } from "../web/brotli.js";
import { readSnapshotFile } from "../snapshot/snapshot-file.js";
import { storeDiskTarget } from "../disks/restore-target.js";
import { SnapshotError } from "../snapshot/snapshot-error.js";
import { sha256Hex } from "../snapshot/blob-codec.js";
import { FILE_EXTENSION, type Snapshot } from "../snapshot/snapshot-file.js";
import { SnapshotStore } from "./snapshot-store.js";
import { openLinkJob, shareJob, type ShareHost } from "./share-jobs.js";

// The kernel command line: quiet by default, so that the first screen is the
// welcome banner and the prompt; "Show boot log" (?log=1) drops `quiet`. A
// command line the user gives is used whole.
import { defaultBootargs } from "../machine/bootargs.js";
import { ImageManifestError, parseImageManifest, type ImageManifest } from "../../image/debian/image-manifest.js";
const STATS_MS = 500;
useWebBrotli(); // version 2 snapshots' packs (a built image's instant start)

const post = (m: FromWorker, transfer: Transferable[] = []) => self.postMessage(m, { transfer });

let module: Promise<WebAssembly.Module> | undefined;
let files: Promise<BootFiles> | undefined;
let sampleFirmware: Promise<Uint8Array> | undefined;
// The session's disk, per boot source: guest writes survive resets, not a
// reload or a change of source. Its bytes are in a SharedArrayBuffer (the
// I/O worker writes into it, and it outlives each machine of the session);
// the image it started from stays pristine beside it: a snapshot stores what
// differs and names the image by hash, and a restore starts from it.
let disk: { key: string; snap: SnapshotDisk } | undefined;
const pristineHashes = new WeakMap<Uint8Array, Promise<string>>();
function pristineHash(b: Uint8Array): Promise<string> {
  if (!pristineHashes.has(b)) pristineHashes.set(b, sha256Hex(b));
  return pristineHashes.get(b)!;
}
function sessionDisk(key: string, pristine: Uint8Array): { key: string; snap: SnapshotDisk } {
  return { key, snap: new SnapshotDisk(pristine, pristineHash(pristine).then((sha256) => ({ sha256, size: pristine.length }))) };
}
// The user's own files, unpacked, kept while the same source boots again.
let own: { key: string; bytes: BootBytes; names: BootedFile[] } | undefined;
let machine: VirtMachine | undefined;
let running: Promise<void> | undefined;
let shape: MachineShape | undefined;
let userPaused = false;
let held = false;                       // flow control: the page is behind on output
let early: Uint8Array[] = [];           // input that arrived before the machine

const batcher = new OutputBatcher((data) => post({ type: "output", data }, [data.buffer as ArrayBuffer]));
batcher.onHold = (hold) => { held = hold; enqueue(applyPause); };

function setState(state: PowerState, message?: string): void {
  post({ type: "state", state, shape, message });
}

// Power commands run one after another.
let queue: Promise<void> = Promise.resolve();
function enqueue(job: () => Promise<void>): void {
  queue = queue.then(job).catch((e) => {
    setState("error", e instanceof Error ? e.message : String(e));
  });
}

function loadFiles(imagesUrl: string): Promise<BootFiles> {
  if (!files) {
    files = fetchBootFiles(imagesUrl, (progress) => post({ type: "progress", files: progress }));
    files.catch(() => { files = undefined; }); // a retry fetches again
  }
  return files;
}

// The sample's OpenSBI alone, for your own kernel without firmware.
function loadSampleFirmware(imagesUrl: string): Promise<Uint8Array> {
  if (files) return files.then((f) => f.firmware);
  if (!sampleFirmware) {
    sampleFirmware = fetchManifest(imagesUrl).then((m) => {
      const f = m.files.find((x) => x.name === "fw_dynamic.bin");
      if (!f) throw new BootFileError("firmware", "the sample image names no fw_dynamic.bin");
      return fetchGzip(new URL(f.file, imagesUrl), f, () => {});
    });
    sampleFirmware.catch(() => { sampleFirmware = undefined; });
  }
  return sampleFirmware;
}

function refName(ref: FileRef): string {
  if ("blob" in ref) return ref.name;
  try { return decodeURIComponent(new URL(ref.url).pathname.split("/").pop() || ref.url); } catch { return ref.url; }
}

function sourceKey(f: OwnFiles): string {
  // A picked file by name, size and time (a disk image rebuilt at the same
  // size must not boot the old bytes); a URL by itself.
  const k = (r?: FileRef) => !r ? "-" : "blob" in r ? `file:${r.name}:${r.blob.size}:${(r.blob as File).lastModified ?? ""}` : `url:${r.url}`;
  return [k(f.kernel), k(f.initrd), k(f.firmware), k(f.disk)].join("|");
}

// One of the user's files: read (or fetched, with progress) and unpacked.
async function readRef(ref: FileRef, slot: Slot, imagesUrl: string, progress: (p: FileProgress) => void): Promise<Uint8Array> {
  const name = refName(ref);
  const label = `${slot} '${name}'`;
  const p: FileProgress = { name: `${slot}: ${name}`, fetched: 0, gzSize: 0, inflated: 0, size: 0, done: false };
  let raw: Uint8Array;
  if ("blob" in ref) {
    try { raw = new Uint8Array(await ref.blob.arrayBuffer()); } catch (e) {
      throw new BootFileError(slot, `cannot read the ${label}: ${(e as Error).message} (was it moved or deleted?)`);
    }
  } else {
    const url = new URL(ref.url, imagesUrl);
    let res: Response;
    try { res = await fetch(url, { mode: "cors" }); } catch {
      throw new BootFileError(slot, `cannot fetch the ${slot} from ${url.href}: the network failed, or that server does not allow other sites to fetch it (it must send Access-Control-Allow-Origin)`);
    }
    if (!res.ok || !res.body) throw new BootFileError(slot, `cannot fetch the ${slot} from ${url.href}: HTTP ${res.status}`);
    // A web server that answers a missing file with its home page (a
    // single-page app's fallback) sends HTML with status 200.
    if (/^text\/html\b/i.test(res.headers.get("Content-Type") ?? "")) {
      void res.body.cancel();
      throw new BootFileError(slot, `the server answered ${url.href} with a web page (text/html), not a ${slot} file: is the URL right?`);
    }
    p.gzSize = Number(res.headers.get("Content-Length")) || 0;
    const chunks: Uint8Array[] = [];
    const reader = res.body.getReader();
    let last = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      p.fetched += value.length;
      if (Date.now() - last > 100) { last = Date.now(); progress({ ...p }); }
    }
    raw = new Uint8Array(p.fetched);
    let at = 0;
    for (const c of chunks) { raw.set(c, at); at += c.length; }
  }
  const bytes = await inflateIfGzip(raw, slot, label);
  progress({ ...p, fetched: raw.length, gzSize: raw.length, inflated: bytes.length, size: bytes.length, done: true });
  return bytes;
}

interface Prepared { key: string; bytes: BootBytes; names: BootedFile[]; bootargs: string; image?: { url: string; manifest: ImageManifest } }

// A built image's kernel and initrd, kept while it boots again.
let built: { key: string; bytes: BootBytes; names: BootedFile[]; manifest: ImageManifest } | undefined;

// A built image's image.json.
async function imageManifest(name: string, imagesUrl: string): Promise<{ url: string; manifest: ImageManifest } | Problem[]> {
  const url = new URL(`${encodeURIComponent(name)}/`, imagesUrl).href;
  try {
    const res = await fetch(new URL("image.json", url));
    if (!res.ok) return [{ slot: "kernel", message: `the image '${name}' is not on this server (${url}image.json: HTTP ${res.status}): build it with npm run image:${name}` }];
    return { url, manifest: parseImageManifest(new Uint8Array(await res.arrayBuffer())) };
  } catch (e) {
    if (e instanceof ImageManifestError) return [{ slot: "kernel", message: `the image '${name}': ${e.message}` }];
    return [{ slot: "kernel", message: `cannot fetch the image '${name}' (${url}image.json): ${(e as Error).message}` }];
  }
}

// A built image's firmware (the sample's), kernel and initrd, fetched once
// and kept while it boots again.
async function imageBootFiles(name: string, url: string, manifest: ImageManifest, imagesUrl: string): Promise<NonNullable<typeof built> | Problem[]> {
  const key = `image:${url}:${manifest.kernel.sha256}:${manifest.initrd.sha256}:${manifest.disk.sha256}`;
  if (built?.key === key) return built;
  const progress: FileProgress[] = [];
  const problems: Problem[] = [];
  // The kernel gzip'd where the image has it (a third of the bytes).
  const refs = [["kernel", manifest.kernelGzip?.file ?? manifest.kernel.file], ["initrd", manifest.initrd.file]] as const;
  const got = await Promise.all(refs.map(async ([slot, file], i) => {
    try {
      const bytes = await readRef({ url: new URL(file, url).href }, slot, imagesUrl, (p) => { progress[i] = p; post({ type: "progress", files: progress.filter(Boolean), own: true }); });
      // The kernel is stored uncompressed: a cut-off or different one is refused
      // (the initrd is gzip, unpacked on the way, so its size differs).
      if (slot === "kernel" && bytes.length !== manifest.kernel.size) throw new BootFileError(slot, `the kernel of '${name}' is ${bytes.length} bytes, image.json says ${manifest.kernel.size}`);
      return bytes;
    } catch (e) {
      if (e instanceof BootFileError) { problems.push({ slot: e.slot, message: e.message }); return undefined; }
      throw e;
    }
  }));
  if (problems.length) return problems;
  let firmware: Uint8Array;
  try { firmware = await loadSampleFirmware(imagesUrl); } catch (e) {
    return [{ slot: "firmware", message: `cannot fetch the sample's firmware (OpenSBI): ${(e as Error).message}` }];
  }
  const bytes: BootBytes = { firmware, kernel: got[0]!, initrd: got[1]! };
  built = { key, bytes, manifest, names: refs.map(([slot, file], i) => ({ slot, name: `${name}/${file}`, bytes: got[i]!.length })) };
  return built;
}

// A built image's kernel and initrd as a restore's deferred images: fetched
// (imageBootFiles) only when the restore or a reboot needs them.
function imageDeferred(name: string, url: string, manifest: ImageManifest, imagesUrl: string): DeferredImage[] {
  return (["kernel", "initrd"] as const).map((role) => ({
    role,
    load: async () => {
      const f = await imageBootFiles(name, url, manifest, imagesUrl);
      if (Array.isArray(f)) throw new Error(f.map((p) => p.message).join("; "));
      return role === "kernel" ? f.bytes.kernel : f.bytes.initrd!;
    },
  }));
}

async function prepareImage(name: string, next: MachineShape, imagesUrl: string): Promise<Prepared | Problem[]> {
  const img = await imageManifest(name, imagesUrl);
  if (Array.isArray(img)) return img;
  const { url, manifest } = img;
  const files = await imageBootFiles(name, url, manifest, imagesUrl);
  if (Array.isArray(files)) return files;
  const problems = checkBootFiles(files.bytes, next.memMiB);
  if (next.memMiB < 256) problems.push({ slot: "kernel", message: `${manifest.title} needs at least 256 MiB of RAM (it is made for ${manifest.memMiB} MiB): raise RAM` });
  if (problems.length) return problems;
  return { key: files.key, bytes: files.bytes, names: files.names, bootargs: manifest.append, image: img };
}

// A built image's disk base in this browser's store (its chunks fetched as
// the guest reads them, kept, checked). A string says why not.
async function imageBase(url: string, manifest: ImageManifest) {
  let st;
  try {
    storeOpen ??= IdbStoreBackend.open(DISK_DB).then((backend) => ({ backend, store: new DiskStore(backend) }));
    st = await storeOpen;
  } catch (e) {
    storeOpen = undefined;
    return `this browser will not let the page keep data (${e instanceof Error ? e.message : String(e)}), and ${manifest.title} reads its disk through it`;
  }
  try {
    const base = await st.store.addRemoteBase(new URL(manifest.disk.base, url).href.replace(/[^/]*$/, ""), `${manifest.title} (${url})`);
    if (base.sha256 !== manifest.disk.sha256) return `the disk base at ${url} is not the one image.json names`;
    return { st, base };
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

// A built image's disk: a disk of this browser's store over its remote base
// (chunks fetched as the guest reads them, kept, checked), made on the
// first boot and kept with its changes afterwards. A string says why not.
async function imageDisk(name: string, url: string, manifest: ImageManifest): Promise<{ spec: DeviceSpec; id: string; name: string } | string> {
  const b = await imageBase(url, manifest);
  if (typeof b === "string") return b;
  const { st, base } = b;
  try {
    const diskName = name;
    let d = (await st.store.list()).find((r) => r.name === diskName && r.base === base.sha256);
    if (!d) {
      // An older build's disk of that name stays, renamed out of the way.
      const old = (await st.store.list()).find((r) => r.name === diskName);
      if (old) await st.store.rename(old.id, `${diskName} ${new Date(old.createdAt).toISOString().slice(0, 10)} ${old.id.slice(0, 6)}`.slice(0, 63));
      d = await st.store.createFromBase(diskName, base.sha256);
    }
    if (await diskInUse(DISK_DB, d.id)) return `the ${diskName} disk is in use in another tab`;
    return { spec: { kind: "blk", disk: { type: "store", store: DISK_DB, id: d.id }, serial: diskName.slice(0, 20) }, id: d.id, name: diskName };
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

// The files a boot needs, loaded and checked: a list of problems when they
// cannot boot in this shape. Nothing of a running machine is touched.
async function prepare(source: BootSource, next: MachineShape, log: boolean, imagesUrl: string): Promise<Prepared | Problem[]> {
  if (source.kind === "image") return prepareImage(source.name, next, imagesUrl);
  if (source.kind === "sample") {
    const f = await loadFiles(imagesUrl);
    if (disk?.key !== "sample" && f.disk) disk = sessionDisk("sample", f.disk);
    return {
      key: "sample", bytes: { firmware: f.firmware, kernel: f.kernel, disk: f.disk },
      names: [{ slot: "kernel", name: "Image", bytes: f.kernel.length }], bootargs: defaultBootargs({ sample: true, verbose: log }),
    };
  }
  const key = sourceKey(source.files);
  let loaded = own?.key === key ? own : undefined;
  if (!loaded) {
    const slots = (["kernel", "initrd", "firmware", "disk"] as const).filter((s) => source.files[s]);
    const progress: FileProgress[] = [];
    const problems: Problem[] = [];
    const got = await Promise.all(slots.map(async (slot, i) => {
      try {
        return await readRef(source.files[slot]!, slot, imagesUrl, (p) => { progress[i] = p; post({ type: "progress", files: progress.filter(Boolean), own: true }); });
      } catch (e) {
        if (e instanceof BootFileError) { problems.push({ slot: e.slot, message: e.message }); return undefined; }
        throw e;
      }
    }));
    if (problems.length) return problems;
    const by = (s: Slot) => got[slots.indexOf(s)];
    let firmware = by("firmware");
    if (!firmware) {
      try { firmware = await loadSampleFirmware(imagesUrl); } catch (e) {
        return [{ slot: "firmware", message: `cannot fetch the sample's firmware (OpenSBI): ${(e as Error).message}` }];
      }
    }
    const bytes: BootBytes = { firmware, kernel: by("kernel")!, initrd: by("initrd"), disk: by("disk") };
    const names = slots.map((slot) => ({ slot, name: refName(source.files[slot]!), bytes: by(slot)!.length }));
    loaded = { key, bytes, names };
  }
  const problems = checkBootFiles(loaded.bytes, next.memMiB);
  if (problems.length) return problems;
  own = loaded; // checked: kept for the next reset
  if (loaded.bytes.disk && disk?.key !== key) disk = sessionDisk(key, loaded.bytes.disk);
  // Your own kernel: the UART, which every virt kernel has.
  const bootargs = source.files.append ?? defaultBootargs({ sample: false, verbose: log });
  return { key, bytes: loaded.bytes, names: loaded.names, bootargs };
}

// The disks kept in this browser (src/web/disk-idb.ts) that the next boot
// attaches. On the first visit the sample disk is imported and attached:
// it is persistent by default. A disk another tab is using is left out (the
// page offers to take it over). Undefined when IndexedDB cannot be used: the
// caller falls back to a disk in memory.
let storeOpen: Promise<{ store: DiskStore; backend: IdbStoreBackend }> | undefined;
async function storeDisks(sample: Uint8Array | undefined): Promise<{ specs: DeviceSpec[]; attached: { id: string; name: string }[]; busy: { id: string; name: string }[] } | string> {
  let st;
  try {
    storeOpen ??= IdbStoreBackend.open(DISK_DB).then((backend) => ({ backend, store: new DiskStore(backend) }));
    st = await storeOpen;
  } catch (e) {
    storeOpen = undefined;
    return e instanceof Error ? e.message : String(e);
  }
  try {
    let ids = await st.backend.getConfig<string[]>("attached");
    if (ids === undefined && sample) {
      const existing = (await st.store.list()).find((d) => d.name === "sample");
      // Pieces copied out of the (shared) buffer as the import takes them.
      let at = 0;
      const pieces = new ReadableStream<Uint8Array>({
        pull(ctl) { if (at >= sample.length) ctl.close(); else { ctl.enqueue(sample.slice(at, at + 2 ** 20)); at += 2 ** 20; } },
      });
      const d = existing ?? await st.store.importImage("sample", pieces, { label: "the sample disk (disk.img)" });
      ids = [d.id];
      await st.backend.setConfig("attached", ids);
    }
    const specs: DeviceSpec[] = [], attached: { id: string; name: string }[] = [], busy: { id: string; name: string }[] = [];
    for (const id of ids ?? []) {
      const d = await st.backend.getDisk(id);
      if (!d) continue;
      if (await diskInUse(DISK_DB, id)) { busy.push({ id, name: d.name }); continue; }
      specs.push({ kind: "blk", disk: { type: "store", store: DISK_DB, id }, serial: d.name.slice(0, 20) });
      attached.push({ id, name: d.name });
    }
    return { specs, attached, busy };
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

async function shutDown(): Promise<void> {
  const m = machine;
  if (!m) return;
  machine = undefined;
  m.stop();
  await running;
  running = undefined;
  batcher.flushNow();
}

async function boot(msg: Extract<ToWorker, { type: "boot" }>): Promise<void> {
  const next = msg.shape;
  // While the files load and are checked, a running machine goes on.
  if (!machine) { shape = next; setState("loading"); }
  module ??= WebAssembly.compileStreaming(fetch(coreUrl));
  // A built image's instant start comes first: it fetches the image's
  // snapshot, not its kernel and initrd (a reboot of the resumed machine
  // fetches them). When it cannot resume, the image boots, below.
  let resumeNote: string | undefined;
  if (msg.source.kind === "image" && !msg.source.fromScratch) {
    const img = await imageManifest(msg.source.name, msg.imagesUrl);
    const firmware = Array.isArray(img) ? undefined : await loadSampleFirmware(msg.imagesUrl).catch(() => undefined);
    if (!Array.isArray(img) && firmware) {
      const mod = await module;
      await shutDown();
      const d = await imageDisk(msg.source.name, img.url, img.manifest);
      if (typeof d === "string") {
        post({ type: "refused", request: msg.request, problems: [{ slot: "disk", message: `${img.manifest.title} cannot start: ${d}` }] });
        setState("off");
        return;
      }
      const r = await resumeImage(msg, img, firmware, imageDeferred(msg.source.name, img.url, img.manifest, msg.imagesUrl), d, mod);
      if (r === true) return;
      if (r) resumeNote = r;
    }
  }
  let ready: Prepared | Problem[];
  try {
    ready = await prepare(msg.source, next, msg.log, msg.imagesUrl);
  } catch (e) {
    if (!machine) throw e;
    ready = [{ slot: "kernel", message: e instanceof Error ? e.message : String(e) }];
  }
  const mod = await module;
  if (Array.isArray(ready)) {
    post({ type: "refused", request: msg.request, problems: ready });
    if (!machine) setState("off");
    return;
  }
  await shutDown();
  // Disks: the source's own disk (in memory), then the ones kept here.
  const devices: DeviceSpec[] = [];
  // A built image's disk is /dev/vda (its root=), the kept ones after it.
  let imageDiskId: string | undefined;
  let imageDiskRef: { id: string; name: string } | undefined;
  if (msg.source.kind === "image" && ready.image) {
    const d = await imageDisk(msg.source.name, ready.image.url, ready.image.manifest);
    if (typeof d === "string") {
      post({ type: "refused", request: msg.request, problems: [{ slot: "disk", message: `${ready.image.manifest.title} cannot start: ${d}` }] });
      if (!machine) setState("off");
      return;
    }
    devices.push(d.spec);
    imageDiskId = d.id;
    imageDiskRef = { id: d.id, name: d.name };
  }
  const sampleBytes = msg.source.kind === "sample" ? ready.bytes.disk : undefined;
  // Your own disk, and the sample's where this browser cannot keep it, run
  // in memory (the session's disk: a snapshot can take it).
  if (msg.source.kind === "own" && ready.bytes.disk && disk) devices.push(disk.snap.spec);
  const kept = await storeDisks(sampleBytes);
  if (typeof kept === "string") {
    if (sampleBytes && disk) devices.push(disk.snap.spec);
    post({ type: "disks", attached: [], busy: [], persistent: false, note: `This browser will not let the page keep data (${kept}): the disk runs in memory and changes will not be kept.` });
  } else {
    const keep = kept.specs.filter((sp) => !(sp.kind === "blk" && sp.disk.type === "store" && sp.disk.id === imageDiskId));
    devices.push(...keep);
    const attached = kept.attached.filter((a) => a.id !== imageDiskId);
    post({ type: "disks", attached: imageDiskRef ? [imageDiskRef, ...attached] : attached, busy: kept.busy, persistent: true });
  }
  const share = await pageShareSpec();
  if ("spec" in share) devices.push(share.spec);
  post({ type: "share", attached: "spec" in share, note: "note" in share ? share.note : undefined });
  shape = next;
  userPaused = false;
  setState("starting");
  batcher.reset();
  const m = await VirtMachine.create(mod, {
    ramBytes: next.memMiB * MiB, harts: next.cpus, firmware: ready.bytes.firmware, kernel: ready.bytes.kernel,
    initrd: ready.bytes.initrd, bootargs: ready.bootargs,
    devices: [{ kind: "console" }, ...devices, ...(msg.net ? [msg.net] : [])],
    jit: msg.jit ? DEFAULT_JIT_CONFIG : undefined,
  }, spawnWebHart, spawnWebIo);
  const name = (slot: string, fallback: string) => ready.names.find((n) => n.slot === slot)?.name ?? fallback;
  taker = new SnapshotTaker([
    { role: "firmware", name: name("firmware", "fw_dynamic.bin"), bytes: ready.bytes.firmware },
    { role: "kernel", name: name("kernel", "Image"), bytes: ready.bytes.kernel },
    ...(ready.bytes.initrd ? [{ role: "initrd" as const, name: name("initrd", "initrd"), bytes: ready.bytes.initrd }] : []),
  ]);
  startMachine(m, next);
  // Hashed now, in the background, so that a restore finds them at once.
  for (const b of [ready.bytes.firmware, ready.bytes.kernel, ready.bytes.initrd]) if (b) void pristineHash(b);
  post({ type: "booted", request: msg.request, source: msg.source.kind, files: ready.names, bootargs: ready.bootargs, note: resumeNote });
  setState("running");
}

// A built image's instant start: its snapshot of itself booted
// (snapshot.rvsnap beside it, the recipe's snapshot step) resumed onto this
// browser's disk of the image, when that disk is as the snapshot left it
// (new, or reset in Disks): the snapshot's disk pages are written into the
// disk first, the rest is read from the base on demand. true: it runs;
// undefined: the image has no snapshot; a string: why it boots instead. A
// failure leaves the disk as it was (reset) and nothing of a running
// machine touched until the new one is ready.
async function resumeImage(msg: Extract<ToWorker, { type: "boot" }>, img: { url: string; manifest: ImageManifest }, firmware: Uint8Array,
  deferred: DeferredImage[], d: { spec: DeviceSpec; id: string; name: string }, mod: WebAssembly.Module): Promise<true | string | undefined> {
  const t0 = performance.now();
  const title = img.manifest.title;
  let res: Response;
  try { res = await fetch(new URL("snapshot.rvsnap", img.url)); } catch { return undefined; }
  if (!res.ok || /^text\/html\b/i.test(res.headers.get("Content-Type") ?? "")) { void res.body?.cancel(); return undefined; }
  const st = await storeOpen!;
  if ((await st.store.overlayChunks(d.id)).size > 0) {
    void res.body?.cancel();
    return `Your ${title} disk has changes of its own, so it boots (about a minute or two). To start instantly again from the ready-made snapshot, reset the '${d.name}' disk in Disks (its changes are lost).`;
  }
  let bytes: Uint8Array, snap: Snapshot;
  try {
    bytes = new Uint8Array(await res.arrayBuffer());
    snap = await readSnapshotFile(bytes);
  } catch (e) {
    return `${title}'s snapshot (${img.url}snapshot.rvsnap) cannot be used (${why(e)}): it boots instead.`;
  }
  const hasNic = snap.manifest.devices.some((x) => x.type === "virtio-net");
  const net = msg.net?.kind === "net" ? msg.net.net : undefined;
  if (hasNic && net?.type !== "user") {
    return `${title}'s snapshot has a network card on the Internet network, and the Network panel says ${net ? "a LAN" : "none"}: it boots instead.`;
  }
  const base = await st.backend.getBase(img.manifest.disk.sha256);
  if (!base) return `the disk base of ${title} is not in this browser's store`;
  const target = storeDiskTarget(st.store, d.id, { sha256: base.sha256, size: base.size }, d.spec);
  const candidates: ImageCandidate[] = [{ name: "fw_dynamic.bin", bytes: firmware, sha256: pristineHash(firmware) }];
  let m: VirtMachine;
  let prepared;
  try {
    prepared = await prepareRestore(snap, candidates, [], target, deferred);
    await target.close();
    m = await restoreMachine(prepared, mod, spawnWebHart, spawnWebIo, { net });
  } catch (e) {
    await target.close().catch(() => {});
    await st.store.reset(d.id).catch(() => {});
    return `${title}'s snapshot could not be resumed (${why(e)}): it boots instead.`;
  }
  await shutDown();
  const sh: MachineShape = { cpus: prepared.manifest.machine.harts, memMiB: prepared.manifest.machine.ramBytes / MiB, speed: msg.shape.speed };
  shape = sh;
  userPaused = false;
  batcher.reset();
  disk = undefined;
  taker = new SnapshotTaker(prepared.images);
  void taker.remember(prepared.packs).catch(() => {});
  post({ type: "disks", attached: [{ id: d.id, name: d.name }], busy: [], persistent: true });
  post({ type: "share", attached: false, note: `${title}'s snapshot has no shared folder: boot it from scratch to have one` });
  post({ type: "screen-restore", data: prepared.console?.bytes ?? new Uint8Array(0), shape: sh });
  startMachine(m, sh);
  // The network behind the card is new, and the guest's clock is the
  // snapshot's: pull the cable and plug it back, so that the guest asks
  // for its address again (and its DHCP hook sets the clock from the RTC).
  const nic = m.deviceSlots.find((x) => x.kind === "net");
  if (nic) {
    m.deviceCommand(nic.slot, { kind: "net-link", up: false } satisfies NetCommand);
    setTimeout(() => { if (machine === m) m.deviceCommand(nic.slot, { kind: "net-link", up: true } satisfies NetCommand); }, 2000);
  }
  post({ type: "booted", request: msg.request, source: "image", files: [], bootargs: prepared.manifest.machine.bootargs,
    resumed: { ms: performance.now() - t0, bytes: bytes.length } });
  setState("running");
  return true;
}

function startMachine(m: VirtMachine, next: MachineShape): void {
  // A booted or a restored machine's disks and network card report here.
  m.onDeviceEvent = (_slot, e) => {
    const ev = e as { kind?: string; message?: string };
    if (ev.kind === "store-failed" || ev.kind === "lock-lost" || ev.kind === "io-error") post({ type: "disk-event", kind: ev.kind, message: ev.message ?? "" });
    else if (ev.kind === "net-stats") post({ type: "net", stats: e as NetStatsEvent });
  };
  m.setSpeedCap(next.speed / 100);
  m.onOutput = (bytes) => batcher.push(bytes);
  m.onReset = () => post({ type: "reboot", uptime: m.uptimeSeconds() });
  m.onStall = (hart, ms) => post({ type: "stall", hart, ms });
  machine = m;
  for (const b of early.splice(0)) m.sendInput(b);
  running = m.run().then((ev) => ended(m, ev), (e) => ended(m, { kind: "error", message: e instanceof Error ? e.message : String(e) }));
}

// ---- snapshots ----

let taker: SnapshotTaker | undefined;
let store: SnapshotStore | undefined;
const snapshots = () => (store ??= new SnapshotStore());
let screenRequests = 0;
const screenWaits = new Map<number, (s: ConsoleScreen | undefined) => void>();

const snapshotStatus = (kind: "busy" | "done" | "error", message: string) => post({ type: "snapshot-status", kind, message });
const why = (e: unknown) => e instanceof Error ? e.message : String(e);

async function postList(): Promise<void> {
  post({ type: "snapshots", list: await snapshots().list() });
}

// The page's screen as of now: every output byte before this request is on
// it (the batcher posts them first; the page answers after drawing them).
function requestScreen(): Promise<ConsoleScreen | undefined> {
  batcher.flushNow();
  const request = ++screenRequests;
  post({ type: "screen-request", request });
  return new Promise((resolve) => {
    screenWaits.set(request, resolve);
    setTimeout(() => { if (screenWaits.delete(request)) resolve(undefined); }, 5000);
  });
}

// A snapshot of the running machine (not kept anywhere yet).
async function snapshotNow(): Promise<Awaited<ReturnType<SnapshotTaker["take"]>>> {
  const m = machine;
  if (!m || !taker) throw new SnapshotError("unsupported", "no machine is running: there is nothing to snapshot");
  // The store's disks pinned their chunks for the snapshot: read them here.
  const stores = storeOpen && {
    read: async (hash: string) => (await storeOpen!).store.getChunk(hash),
    unpin: async (owner: string) => (await storeOpen!).store.unpin(owner),
  };
  return taker.take(m, requestScreen, disk ? [disk.snap] : [], stores);
}

async function takeSnapshot(name?: string): Promise<void> {
  if (!machine || !taker) { snapshotStatus("error", "No machine is running: there is nothing to snapshot."); return; }
  snapshotStatus("busy", "Taking a snapshot…");
  const { snapshot, stats } = await snapshotNow();
  const when = new Date(snapshot.manifest.created);
  const item = await snapshots().put(snapshot, name ?? `Snapshot ${when.toLocaleDateString()} ${when.toLocaleTimeString()}`);
  await postList();
  snapshotStatus("done", `Saved "${item.name}" (${(stats.bytes / 1e6).toFixed(2)} MB, ${(stats.newBytes / 1e6).toFixed(2)} MB new; the machine paused ${stats.pauseMs.toFixed(0)} ms).`);
}

// The built image (app.tsx's BUILT_IMAGES, served beside the app) whose
// disk base a snapshot's disk started from, if any.
const BUILT_IMAGES = ["debian"];
async function builtImageOf(snap: Snapshot, imagesUrl: string): Promise<{ name: string; url: string; manifest: ImageManifest } | undefined> {
  const base = snap.manifest.disks[0]?.base;
  if (!base) return undefined;
  for (const name of BUILT_IMAGES) {
    const img = await imageManifest(name, imagesUrl);
    if (!Array.isArray(img) && img.manifest.disk.sha256 === base.sha256 && img.manifest.disk.size === base.size) return { name, ...img };
  }
  return undefined;
}

// A new disk of this browser's store over a built image's base, for a
// snapshot's disk to be written into; `drop` deletes it (a failed restore).
async function builtTarget(img: { name: string; url: string; manifest: ImageManifest }, snap: Snapshot) {
  const b = await imageBase(img.url, img.manifest);
  if (typeof b === "string") return `${img.manifest.title}'s disk cannot be had here: ${b}`;
  const { st } = b;
  const when = new Date(snap.manifest.created).toISOString().slice(0, 16).replace("T", " ").replace(":", ""); // (no ':' in a disk's name)
  const rec = await st.store.createFromBase(`${img.name} snapshot ${when}`.slice(0, 63), img.manifest.disk.sha256);
  const spec: DeviceSpec = { kind: "blk", disk: { type: "store", store: DISK_DB, id: rec.id }, serial: img.name.slice(0, 20) };
  return {
    id: rec.id, name: rec.name,
    target: storeDiskTarget(st.store, rec.id, { sha256: img.manifest.disk.sha256, size: img.manifest.disk.size }, spec),
    drop: () => st.store.remove(rec.id).catch(() => {}),
  };
}

async function restoreSnapshot(id: string, imagesUrl: string, nic?: DeviceSpec): Promise<void> {
  const t0 = performance.now();
  snapshotStatus("busy", "Restoring the snapshot…");
  await restoreFrom(await snapshots().load(id), imagesUrl, nic);
  snapshotStatus("done", `Restored in ${Math.round(performance.now() - t0)} ms.`);
}

// Resume a snapshot in hand. Everything is checked and the new machine
// built before the running one gives way: a failure leaves it running.
// nic: the Network panel's card; a snapshot's card goes onto its network.
async function restoreFrom(snap: Snapshot, imagesUrl: string, nic?: DeviceSpec): Promise<void> {
  // The boot images it names: the sample's, or files booted in this tab.
  const candidates: ImageCandidate[] = [];
  const disks: ImageCandidate[] = [];
  let sample: BootFiles | undefined;
  try { sample = await loadFiles(imagesUrl); } catch { /* offline: only own files can match */ }
  if (sample) {
    candidates.push({ name: "fw_dynamic.bin", bytes: sample.firmware }, { name: "Image", bytes: sample.kernel });
    if (sample.disk) disks.push({ name: "disk.img", bytes: sample.disk });
  }
  if (own) {
    for (const b of [own.bytes.firmware, own.bytes.kernel, own.bytes.initrd]) if (b) candidates.push({ name: "own", bytes: b });
    if (own.bytes.disk) disks.push({ name: "own disk", bytes: own.bytes.disk });
  }
  for (const c of [...candidates, ...disks]) c.sha256 = pristineHash(c.bytes);
  // A snapshot of a built image's machine (Debian): its kernel and initrd
  // are the image's (fetched if its pages need them, else at a reboot), and
  // its disk a new disk of this browser's store over the image's base,
  // holding the snapshot's changes (the image's own disk keeps its own).
  const built = await builtImageOf(snap, imagesUrl);
  let target: Exclude<Awaited<ReturnType<typeof builtTarget>>, string> | undefined;
  if (built) {
    const t = await builtTarget(built, snap);
    if (typeof t === "string") throw new SnapshotError("missing_image", t);
    target = t;
  }
  const deferred = built ? imageDeferred(built.name, built.url, built.manifest, imagesUrl) : [];
  let prepared: Awaited<ReturnType<typeof prepareRestore>>;
  try {
    prepared = await prepareRestore(snap, candidates, disks, target?.target, deferred);
    await target?.target.close();
  } catch (e) {
    await target?.target.close().catch(() => {});
    await target?.drop();
    throw e;
  }
  const mod = await (module ??= WebAssembly.compileStreaming(fetch(coreUrl)));
  // A machine that had the shared folder takes up its session over the page's Files folder.
  const hadShare = prepared.manifest.devices.some((d) => d.type === "virtio-9p");
  const share = hadShare ? await pageShareSpec() : undefined;
  if (share && "note" in share) throw new SnapshotError("missing_share", `the snapshot's machine had the shared folder, and this page cannot give it one: ${share.note}`);
  let m: VirtMachine;
  try {
    m = await restoreMachine(prepared, mod, spawnWebHart, spawnWebIo,
      { share: share && "spec" in share && share.spec.kind === "9p" ? share.spec.share : undefined, net: nic?.kind === "net" ? nic.net : undefined });
  } catch (e) {
    await target?.drop();
    throw e;
  }
  // Checked and loaded: only now does the running machine give way.
  await shutDown();
  const sh: MachineShape = { cpus: prepared.manifest.machine.harts, memMiB: prepared.manifest.machine.ramBytes / MiB, speed: shape?.speed ?? 100 };
  shape = sh;
  userPaused = false;
  batcher.reset();
  // The restored disk is the session's from now on (a Reset keeps it when
  // it started as the sample's, as a reboot keeps a disk).
  if (prepared.disk) {
    const d = prepared.manifest.disks[0].base;
    const fromSample = sample?.disk !== undefined && (await pristineHash(sample.disk)) === d.sha256;
    disk = { key: fromSample ? "sample" : own?.key ?? "restored", snap: prepared.disk };
  }
  if (target) {
    disk = undefined;
    post({ type: "disks", attached: [{ id: target.id, name: target.name }], busy: [], persistent: true });
  }
  taker = new SnapshotTaker(prepared.images);
  void taker.remember(prepared.packs).catch(() => {});
  post({ type: "screen-restore", data: prepared.console?.bytes ?? new Uint8Array(0), shape: sh });
  post({ type: "share", attached: hadShare });
  startMachine(m, sh);
  setState("running");
}

async function exportSnapshot(id: string): Promise<void> {
  const list = await snapshots().list();
  const name = list.find((x) => x.id === id)?.name ?? "snapshot";
  const data = await snapshots().exportFile(id);
  post({ type: "snapshot-file", name: name.replace(/[^\w.-]+/g, "-") + FILE_EXTENSION, data }, [data.buffer as ArrayBuffer]);
}

async function importSnapshot(file: Blob, name: string): Promise<void> {
  snapshotStatus("busy", "Importing the snapshot…");
  const item = await snapshots().importFile(new Uint8Array(await file.arrayBuffer()), name.replace(/\.rvsnap$/i, ""));
  await postList();
  snapshotStatus("done", `Imported "${item.name}".`);
}

// Snapshot work runs in the power queue (never beside a boot); a failure is
// shown and leaves the machine as it was.
function snapshotJob(job: () => Promise<void>): void {
  enqueue(async () => {
    try { await job(); } catch (e) {
      const message = e instanceof SnapshotError ? e.message : `Snapshot failed: ${why(e)}`;
      snapshotStatus("error", message[0].toUpperCase() + message.slice(1));
    }
  });
}

// Share links (share-jobs.ts) use the machine through this.
const shareHost: ShareHost = {
  post,
  running: () => machine !== undefined,
  loading: () => { if (!machine) setState("loading"); },
  idle: () => { if (!machine) setState("off"); },
  take: async () => (await snapshotNow()).snapshot,
  restore: restoreFrom,
  // What a restore needs, started early: the core compiled, the sample's
  // files fetched and hashed (a restore finds images by hash).
  prefetchImages: (imagesUrl) => {
    module ??= WebAssembly.compileStreaming(fetch(coreUrl));
    void module.catch(() => {}); // a failure is the restore's to report
    void loadFiles(imagesUrl).then((f) => { for (const b of [f.firmware, f.kernel, f.disk]) if (b) void pristineHash(b); }, () => {});
  },
  store: snapshots,
  postList,
  boot,
};

function ended(m: VirtMachine, ev: PowerEvent | undefined): void {
  if (machine !== m) return; // we stopped it ourselves
  machine = undefined;
  batcher.flushNow();
  if (!ev) setState("off");
  else if (ev.kind === "poweroff") setState("off", "The guest powered the machine off.");
  else if (ev.kind === "fail") setState("off", `The guest powered off reporting failure (code ${ev.code}).`);
  else setState("error", ev.message);
}

// Pause when the user asks, or while the page is behind on output.
async function applyPause(): Promise<void> {
  const m = machine;
  if (!m) return;
  const want = userPaused || held;
  if (want && !m.isPaused) await m.pause();
  else if (!want && m.isPaused) m.resume();
  if (machine === m) setState(userPaused ? "paused" : "running");
}

setInterval(() => {
  const m = machine;
  if (!m) return;
  post({
    type: "stats", t: performance.timeOrigin + performance.now(), instructions: m.instructions, uptime: m.uptimeSeconds(),
    memoryBytes: m.memory.buffer.byteLength, ramBytes: m.cfg.ramBytes, held,
  });
}, STATS_MS);

self.addEventListener("message", (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  switch (msg.type) {
    case "boot": enqueue(() => boot(msg)); break;
    case "stop":
      enqueue(async () => { await shutDown(); early = []; setState("off"); });
      break;
    case "pause": userPaused = true; enqueue(applyPause); break;
    case "resume": userPaused = false; enqueue(applyPause); break;
    case "speed":
      if (shape) shape = { ...shape, speed: msg.percent };
      machine?.setSpeedCap(msg.percent / 100);
      break;
    // The machine queues input and feeds it as the guest reads, so a large
    // paste arrives whole.
    // Typed while loading: kept for the machine being started.
    case "input": if (machine) machine.sendInput(msg.data); else early.push(msg.data); break;
    case "ack": batcher.ack(msg.bytes); break;
    case "snapshot-take": snapshotJob(() => takeSnapshot(msg.name)); break;
    case "snapshot-list": snapshotJob(postList); break;
    case "snapshot-restore": snapshotJob(() => restoreSnapshot(msg.id, msg.imagesUrl, msg.net)); break;
    case "snapshot-rename": snapshotJob(async () => { await snapshots().rename(msg.id, msg.name); await postList(); }); break;
    case "snapshot-delete": snapshotJob(async () => { await snapshots().delete(msg.id); await postList(); }); break;
    case "snapshot-export": snapshotJob(() => exportSnapshot(msg.id)); break;
    case "snapshot-import": snapshotJob(() => importSnapshot(msg.file, msg.name)); break;
    case "share": enqueue(() => shareJob(shareHost, msg)); break;
    case "link-open": enqueue(() => openLinkJob(shareHost, msg)); break;
    case "screen": {
      const resolve = screenWaits.get(msg.request);
      screenWaits.delete(msg.request);
      resolve?.({ bytes: new TextEncoder().encode(msg.data), cols: msg.cols, rows: msg.rows });
      break;
    }
    case "net-cable": {
      const nic = machine?.deviceSlots.find((d) => d.kind === "net");
      if (nic) machine!.deviceCommand(nic.slot, { kind: "net-link", up: msg.up } satisfies NetCommand);
      break;
    }
  }
});
