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
import { MemoryDisk } from "../devices/virtio-blk.js";
import { fetchBootFiles, type BootFiles } from "./image-loader.js";
import { OutputBatcher } from "./output-batcher.js";
import type { FromWorker, MachineShape, PowerState, ToWorker } from "./protocol.js";

const BOOTARGS = "console=ttyS0";
const STATS_MS = 500;

const post = (m: FromWorker, transfer: Transferable[] = []) => self.postMessage(m, { transfer });

let module: Promise<WebAssembly.Module> | undefined;
let files: Promise<BootFiles> | undefined;
let disk: Uint8Array | undefined;      // the session's disk: guest writes survive resets, not a reload
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

async function shutDown(): Promise<void> {
  const m = machine;
  if (!m) return;
  machine = undefined;
  m.stop();
  await running;
  running = undefined;
  batcher.flushNow();
}

async function boot(next: MachineShape, imagesUrl: string): Promise<void> {
  await shutDown();
  shape = next;
  userPaused = false;
  setState("loading");
  module ??= WebAssembly.compileStreaming(fetch(coreUrl));
  const [mod, f] = await Promise.all([module, loadFiles(imagesUrl)]);
  disk ??= f.disk; // written in place by the guest
  setState("starting");
  batcher.reset();
  const m = await VirtMachine.create(mod, {
    ramBytes: next.memMiB * MiB, harts: next.cpus, firmware: f.firmware, kernel: f.kernel,
    bootargs: BOOTARGS, disk: disk ? new MemoryDisk(disk) : undefined,
  }, spawnWebHart);
  m.setSpeedCap(next.speed / 100);
  m.onOutput = (bytes) => batcher.push(bytes);
  m.onReset = () => post({ type: "reboot", uptime: m.uptimeSeconds() });
  machine = m;
  for (const b of early.splice(0)) m.sendInput(b);
  running = m.run().then((ev) => ended(m, ev), (e) => ended(m, { kind: "error", message: e instanceof Error ? e.message : String(e) }));
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
    case "boot": enqueue(() => boot(msg.shape, msg.imagesUrl)); break;
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
  }
});
