// The I/O side of a machine: it builds the virtio devices from their specs,
// then serves their queues whenever a hart notifies (it sleeps on
// D_IO_PENDING), so that a slow back end never holds the controller or the
// console. It runs in an I/O worker (src/node/io-worker.ts,
// src/web/io-worker.ts), or in the controller's thread (inThreadIo, for
// tests); either way it talks to the controller in messages.
import * as L from "../../wasm-core/layout.js";
import { CoreView, instantiateCore } from "../machine/core.js";
import { VirtioMmioHost } from "./virtio.js";
import { makeDevice, type DeviceSpec, type DevicePlatform } from "./specs.js";

export interface IoStart { module: WebAssembly.Module; memory: WebAssembly.Memory; devices: { slot: number; spec: DeviceSpec }[] }

export type ToIo =
  | ({ type: "start" } & IoStart)
  | { type: "drain"; id: number } // finish what is in flight, then hold still
  | { type: "save"; id: number; owner: string } // drained: each device's snapshot state
  | { type: "resume" }
  | { type: "command"; slot: number; command: unknown } // to one device (VirtioDevice.command)
  | { type: "stop" };

export type FromIo =
  | { type: "ready" }
  | { type: "error"; message: string }
  | { type: "drained"; id: number }
  | { type: "saved"; id: number; states: { slot: number; state: unknown }[] }
  | { type: "event"; slot: number; event: unknown }
  | { type: "stopped" };

export interface IoPort {
  post(m: ToIo, transfer?: Transferable[]): void;
  onMessage(cb: (m: FromIo) => void): void;
  terminate(): void;
}
export type IoSpawner = () => IoPort;

// Longest the I/O side sleeps before looking again (a safety net only:
// every notify wakes it).
const TICK_MS = 1000;

// The body of an I/O worker: `post` sends to the controller; the returned
// function takes the controller's messages.
export function ioMain(post: (m: FromIo) => void, platform: DevicePlatform = {}): (m: ToIo) => void {
  let host: VirtioMmioHost | undefined;
  let i32: Int32Array | undefined;
  let held = false;
  let stopped = false;
  // Device commands that come before the devices are attached (a cable
  // pulled as a restored machine starts): kept, then given in order.
  let early: { slot: number; command: unknown }[] | undefined = [];
  let wake: (() => void) | undefined;
  const fail = (e: unknown) => post({ type: "error", message: e instanceof Error ? e.message : String(e) });

  const sleep = (until?: Promise<unknown>) => {
    const woken = new Promise<void>((resolve) => { wake = resolve; });
    return (until ? Promise.race([until, woken]) : woken).then(() => { wake = undefined; });
  };
  const loop = async () => {
    const idx = (L.DEVICE_BASE + L.D_IO_PENDING) >> 2;
    const req = (L.DEVICE_BASE + L.D_IO_SETTLE_REQ) >> 2;
    const ack = (L.DEVICE_BASE + L.D_IO_SETTLE_ACK) >> 2;
    while (!stopped) {
      if (held) { await sleep(); continue; } // until resume or stop
      // A hart in deterministic mode waits for what it notified (before it
      // counted req up) to complete: serve, finish everything in flight, then
      // say so.
      const asked = Atomics.load(i32!, req);
      host!.service();
      if (asked !== Atomics.load(i32!, ack)) {
        await host!.drain();
        if (held || stopped) continue; // a pause came meanwhile: it resumes the devices; settle after it
        host!.resume();
        host!.flushInterrupts();
        Atomics.store(i32!, ack, asked);
        Atomics.notify(i32!, ack);
        continue;
      }
      if (Atomics.load(i32!, idx) === 0) {
        const r = Atomics.waitAsync(i32!, idx, 0, TICK_MS);
        if (r.async) await sleep(r.value);
      }
    }
  };

  const start = async (s: IoStart) => {
    const core = await instantiateCore(s.module, s.memory);
    const view = new CoreView(s.memory);
    i32 = new Int32Array(s.memory.buffer);
    host = new VirtioMmioHost(view, core);
    host.onEvent = (slot, event) => post({ type: "event", slot, event });
    for (const d of s.devices) host.attach(d.slot, await makeDevice(d.spec, platform));
    for (const c of early ?? []) host.device(c.slot)?.command?.(c.command);
    early = undefined;
    post({ type: "ready" });
    loop().catch(fail);
  };

  return (m: ToIo) => {
    switch (m.type) {
      case "start": start(m).catch(fail); break;
      case "drain":
        held = true;
        wake?.();
        host!.drain().then(() => post({ type: "drained", id: m.id }), fail);
        break;
      case "save":
        host!.save(m.owner).then((states) => post({ type: "saved", id: m.id, states }), fail);
        break;
      case "resume":
        held = false;
        host!.resume();
        wake?.();
        break;
      case "command":
        if (early) early.push({ slot: m.slot, command: m.command });
        else host?.device(m.slot)?.command?.(m.command);
        break;
      case "stop":
        stopped = true;
        held = true;
        wake?.();
        (host ? host.drain().then(() => host!.close()) : Promise.resolve())
          .then(() => post({ type: "stopped" }), fail);
        break;
    }
  };
}

// The I/O side in the controller's own thread.
export function inThreadIo(platform: DevicePlatform = {}): IoSpawner {
  return () => {
    let toController: (m: FromIo) => void = () => {};
    const handle = ioMain((m) => queueMicrotask(() => toController(m)), platform);
    return {
      post: (m) => queueMicrotask(() => handle(m)),
      onMessage: (cb) => { toController = cb; },
      terminate: () => {},
    };
  };
}
