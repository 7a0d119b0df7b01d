// The machine worker: everything of the emulator that is not a hart runs
// here, off the page's main thread. It fetches and decompresses the boot
// files (reporting progress), compiles the core, creates the VirtMachine
// (whose controller loop runs in this worker and spawns one hart worker per
// vCPU), batches console output to the page, feeds keyboard input to the
// UART as it has room, and posts statistics twice a second.
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

// The kernel command line: quiet by default, so that the first screen is the
// welcome banner and the prompt; "Show boot log" (?log=1) drops `quiet`. A
// command line the user gives is used whole.
export const BOOTARGS = "console=ttyS0 quiet";
export const BOOTARGS_LOG = "console=ttyS0";
const STATS_MS = 500;

const post = (m: FromWorker, transfer: Transferable[] = []) => self.postMessage(m, { transfer });

let module: Promise<WebAssembly.Module> | undefined;
let files: Promise<BootFiles> | undefined;
let sampleFirmware: Promise<Uint8Array> | undefined;
// The session's disk, per boot source: guest writes survive resets, not a
// reload or a change of source.
let disk: { key: string; bytes: Uint8Array } | undefined;
// The disk's bytes in a SharedArrayBuffer: the I/O worker writes into it,
// and it outlives each machine of the session.
function shared(bytes: Uint8Array): Uint8Array {
  if (bytes.buffer instanceof SharedArrayBuffer) return bytes;
  const out = new Uint8Array(new SharedArrayBuffer(bytes.length));
  out.set(bytes);
  return out;
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
      const f = m.files.find((x) => x.name === "fw_jump.bin");
      if (!f) throw new BootFileError("firmware", "the sample image names no fw_jump.bin");
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

interface Prepared { key: string; bytes: BootBytes; names: BootedFile[]; bootargs: string }

// The files a boot needs, loaded and checked: a list of problems when they
// cannot boot in this shape. Nothing of a running machine is touched.
async function prepare(source: BootSource, next: MachineShape, log: boolean, imagesUrl: string): Promise<Prepared | Problem[]> {
  if (source.kind === "sample") {
    const f = await loadFiles(imagesUrl);
    if (disk?.key !== "sample" && f.disk) disk = { key: "sample", bytes: shared(f.disk) };
    return {
      key: "sample", bytes: { firmware: f.firmware, kernel: f.kernel, disk: f.disk ? disk!.bytes : undefined },
      names: [{ slot: "kernel", name: "Image", bytes: f.kernel.length }], bootargs: log ? BOOTARGS_LOG : BOOTARGS,
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
  if (loaded.bytes.disk && disk?.key !== key) disk = { key, bytes: shared(loaded.bytes.disk) };
  const bootargs = source.files.append ?? (log ? BOOTARGS_LOG : BOOTARGS);
  return { key, bytes: { ...loaded.bytes, disk: loaded.bytes.disk ? disk!.bytes : undefined }, names: loaded.names, bootargs };
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
  shape = next;
  userPaused = false;
  setState("starting");
  batcher.reset();
  const m = await VirtMachine.create(mod, {
    ramBytes: next.memMiB * MiB, harts: next.cpus, firmware: ready.bytes.firmware, kernel: ready.bytes.kernel,
    initrd: ready.bytes.initrd, bootargs: ready.bootargs,
    devices: [
      ...(ready.bytes.disk ? [{ kind: "blk", disk: { type: "memory", buffer: ready.bytes.disk.buffer as SharedArrayBuffer } } as const] : []),
      ...(msg.net ? [msg.net] : []),
    ],
  }, spawnWebHart, spawnWebIo);
  m.onDeviceEvent = (_slot, e) => { if ((e as NetStatsEvent).kind === "net-stats") post({ type: "net", stats: e as NetStatsEvent }); };
  m.setSpeedCap(next.speed / 100);
  m.onOutput = (bytes) => batcher.push(bytes);
  m.onReset = () => post({ type: "reboot", uptime: m.uptimeSeconds() });
  machine = m;
  for (const b of early.splice(0)) m.sendInput(b);
  running = m.run().then((ev) => ended(m, ev), (e) => ended(m, { kind: "error", message: e instanceof Error ? e.message : String(e) }));
  post({ type: "booted", request: msg.request, source: msg.source.kind, files: ready.names, bootargs: ready.bootargs });
  setState("running");
}

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
    case "net-cable": {
      const nic = machine?.deviceSlots.find((d) => d.kind === "net");
      if (nic) machine!.deviceCommand(nic.slot, { kind: "net-link", up: msg.up } satisfies NetCommand);
      break;
    }
  }
});
