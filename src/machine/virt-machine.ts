// The virt machine's controller: builds the machine from its configuration
// (boot-layout.ts places the files, virt-board.ts lists the devices), starts
// one worker per hart (hart-pool.ts) over the shared memory, and then runs
// the loop that serves what the harts signal through shared words: virtqueue
// notifies (I/O), console output and input (serial.ts), power-off and reset.
// Pause and resume act on all harts at instruction boundaries. No Node or
// DOM APIs: the CLI runs it on Node's main thread, the browser in a Web
// Worker; each passes its way to spawn harts.
import * as L from "../../wasm-core/layout.js";
import * as B from "../../wasm-core/board.js";
import { TIMEBASE_HZ } from "../../wasm-core/limits.js";
import { CoreView, createMemory, initMachineState, instantiateCore, hostNowMs, MiB, CoreError, type CoreExports } from "./core.js";
import { buildVirtDtb } from "./dtb.js";
import { virtBoard, writeBusMap } from "./virt-board.js";
import { checkHarts, checkRamMiB } from "./shape.js";
import { planBoot, bootRom, quietBootargs, type BootLayout } from "./boot-layout.js";
import { SerialRings } from "./serial.js";
import { HartPool, type HartSpawner } from "./hart-pool.js";
import { inThreadIo, type IoSpawner } from "../devices/io-host.js";
import type { DeviceSpec } from "../devices/specs.js";
import { IoLink } from "./io-link.js";
import type { JitConfig } from "./jit/hart-jit.js";
import { retireAllCode } from "./jit/code-watch.js";
import { DEFAULT_PROMPT } from "./deterministic-hart.js";
import { machineState, type MachineState } from "./machine-state.js";

export type { HartSpawner, HartWorker } from "./hart-pool.js";
export type { IoSpawner } from "../devices/io-host.js";
export type { DeviceSpec, DiskSpec } from "../devices/specs.js";

export interface VirtConfig {
  ramBytes: number;
  harts: number;
  firmware: Uint8Array; // decompressed
  kernel?: Uint8Array;  // decompressed; absent only with `later`
  initrd?: Uint8Array;
  // A restored machine whose kernel and initrd were not fetched (its
  // snapshot holds every page): they are loaded when the guest first
  // reboots. A failure then ends the run with an error saying why.
  later?: () => Promise<{ kernel: Uint8Array; initrd?: Uint8Array }>;
  bootargs: string;
  // virtio devices, in slot order (virtio-rng is added after them if none
  // is given).
  devices?: DeviceSpec[];
  // The JIT (src/machine/jit/): its configuration; absent or false, the
  // interpreter alone (the default until the JIT has earned it).
  jit?: JitConfig | false;
  // Deterministic mode (QEMU's -icount): the same image and input give the
  // same output and state at the same instruction count every run. See
  // DeterministicConfig.
  deterministic?: DeterministicConfig;
}

// Deterministic mode: one hart; mtime counts its instructions (INSNS_PER_TICK
// per 100 ns tick) and WFI skips to the next timer deadline at once; virtio
// requests complete at the instruction that notified them; console input is
// delivered a line at a time when the guest waits for it (deterministic-
// hart.ts); the RTC starts at a fixed date; virtio-rng is a seeded stream.
// A NIC or a shared folder bring the host's timing back (leave them out).
export interface DeterministicConfig {
  // The guest's wall clock at power-on, ms since the epoch (default
  // 2026-01-01T00:00:00Z).
  startMs?: number;
  // virtio-rng's seed (default 0).
  seed?: number;
  // A regular expression that the end of the console output matches at the
  // guest's prompt (default "[#$] $"): a line of input is delivered when the
  // guest idles there.
  prompt?: string;
  // Hold a line until its newline has come (default true); false delivers
  // whatever was typed (a person at a terminal, whose timing is not
  // deterministic anyway).
  wholeLines?: boolean;
}

export const DETERMINISTIC_START_MS = Date.UTC(2026, 0, 1);

export type PowerEvent = { kind: "poweroff" } | { kind: "fail"; code: number } | { kind: "error"; message: string };

// The controller sleeps until a hart signals I/O, power or console output;
// this is only the longest it sleeps regardless (a safety net).
const TICK_MS = 1000;
const PAUSE_TIMEOUT_MS = 5000;
// A hart whose worker has not gone round its loop for this long is stuck
// (it does so at least once a second, even parked): the watchdog says so.
export const STALL_MS = 5000;

export class VirtMachine {
  readonly view: CoreView;
  private readonly io: IoLink;
  private readonly slots: { slot: number; spec: DeviceSpec }[];
  private readonly serial: SerialRings;
  private readonly harts: HartPool;
  private readonly i32: Int32Array;
  onOutput: (bytes: Uint8Array) => void = () => {};
  // Called after the guest reset the machine (e.g. `reboot`) and it restarted.
  onReset: () => void = () => {};
  // The watchdog: hart `hart` has not answered for `ms` (a bug, or a hart
  // worker the host starved); stop() still ends the machine. Called again
  // with ms = 0 when it answers again.
  onStall: (hart: number, ms: number) => void = () => {};
  // What a device reports (a disk's I/O error, statistics), by its slot.
  onDeviceEvent: (slot: number, event: unknown) => void = () => {};
  private loadedOnce = false;
  private inputEnded = false;
  private wake: (() => void) | undefined;
  private stopped = false;
  private paused = false;

  private constructor(private readonly core: CoreExports, readonly memory: WebAssembly.Memory,
    readonly cfg: VirtConfig, private boot: BootLayout | undefined, spawnHart: HartSpawner,
    spawnIo: IoSpawner, private readonly module: WebAssembly.Module) {
    this.view = new CoreView(memory);
    this.i32 = new Int32Array(memory.buffer);
    const det = cfg.deterministic;
    const specs = (cfg.devices ?? []).map((d) => det && d.kind === "rng" ? { ...d, seed: d.seed ?? det.seed ?? 0 } : d);
    this.slots = [...specs, ...(specs.some((d) => d.kind === "rng") ? [] : [{ kind: "rng", seed: det ? det.seed ?? 0 : undefined } as const])]
      .map((spec, slot) => ({ slot, spec }));
    if (this.slots.length > B.VIRTIO_SLOTS) throw new CoreError(`the machine has ${B.VIRTIO_SLOTS} virtio slots, not ${this.slots.length}`);
    const fail = () => { this.setRunState(L.RUN_STOP); this.wake?.(); };
    this.io = new IoLink(spawnIo, fail, (slot, e) => this.onDeviceEvent(slot, e));
    this.serial = new SerialRings(this.view, core, this.slots.find((d) => d.spec.kind === "console")?.slot, det !== undefined);
    this.harts = new HartPool(this.view, spawnHart, fail);
  }

  // spawnHart starts one hart worker: spawnNodeHart (src/node/harts.ts)
  // under Node, spawnWebHart (src/web/harts.ts) in the browser; spawnIo the
  // I/O worker (spawnNodeIo, spawnWebIo; by default the I/O side runs in
  // this thread). The shape and the boot files are checked before any memory
  // is taken.
  static async create(module: WebAssembly.Module, cfg: VirtConfig, spawnHart: HartSpawner,
    spawnIo: IoSpawner = inThreadIo()): Promise<VirtMachine> {
    if (!cfg.kernel) throw new CoreError("a machine boots with a kernel: none was given");
    const m = await VirtMachine.build(module, cfg, spawnHart, spawnIo);
    m.load();
    return m;
  }

  // The machine of `cfg`, its devices given slots, harts not started.
  private static async build(module: WebAssembly.Module, cfg: VirtConfig, spawnHart: HartSpawner,
    spawnIo: IoSpawner): Promise<VirtMachine> {
    const problem = checkHarts(cfg.harts) ?? checkRamMiB(cfg.ramBytes / MiB);
    if (problem) throw new CoreError(problem);
    if (cfg.deterministic && cfg.harts !== 1) {
      throw new CoreError(`deterministic mode runs one hart (its clock counts that hart's instructions), not ${cfg.harts}`);
    }
    if (!cfg.kernel && !cfg.later) throw new CoreError("the machine has no kernel");
    const boot = cfg.kernel ? planBoot({ ...cfg, kernel: cfg.kernel }) : undefined;
    const memory = createMemory(cfg.ramBytes);
    const core = await instantiateCore(module, memory);
    const m = new VirtMachine(core, memory, cfg, boot, spawnHart, spawnIo, module);
    m.setRunState(L.RUN_PAUSE);
    return m;
  }

  // ---- snapshots (the format and the rest are src/snapshot/'s) ----

  // Stop every hart at an instruction boundary (pause() also lets the
  // device requests in flight complete) and hand the console output so far
  // to onOutput, so that nothing is in flight; let `copy` read the memory
  // while nothing runs; resume (unless the machine was paused already).
  // pauseMs: how long the harts stood still.
  // With `owner`, the devices' own state is saved too, in the pause (disks
  // pin what they hold for that owner).
  async capture<T>(copy: (view: CoreView, devices: { slot: number; state: unknown }[]) => T, owner?: string):
    Promise<{ value: T; pauseMs: number }> {
    const wasPaused = this.paused;
    const t0 = hostNowMs();
    await this.pause();
    let value: T;
    try {
      this.drainOutput();
      const devices = owner === undefined ? [] : await this.io.save(owner);
      value = copy(this.view, devices);
    } finally {
      if (!wasPaused) this.resume();
    }
    return { value, pauseMs: hostNowMs() - t0 };
  }

  // A machine of `cfg` resumed from saved state instead of booted: `load`
  // writes the saved records and RAM into the new memory (and throws if
  // they cannot be run); the caches and the host's control words are
  // rebuilt here. The guest clock stands at `mtime` until run() starts the
  // harts. Nothing of any other machine is touched, so a refused snapshot
  // leaves a running one as it was.
  static async restore(module: WebAssembly.Module, cfg: VirtConfig, spawnHart: HartSpawner,
    load: (view: CoreView) => void, mtime: bigint, spawnIo: IoSpawner = inThreadIo()): Promise<VirtMachine> {
    if (cfg.deterministic) throw new CoreError("a snapshot cannot be resumed in deterministic mode (its clock and devices ran on the host's time)");
    const m = await VirtMachine.build(module, cfg, spawnHart, spawnIo);
    const { view, core } = m;
    initMachineState(view, cfg.ramBytes, cfg.harts);
    view.setDevF64(L.D_SPEED, 1);
    writeBusMap(view, virtBoard(m.slots.map((d) => d.slot)));
    load(view);
    if (view.ramBytes() !== cfg.ramBytes || view.dv.getInt32(L.DEVICE_BASE + L.D_NHARTS, true) !== cfg.harts) {
      throw new CoreError("the saved machine record does not match the machine's shape");
    }
    m.loadedOnce = true; // a reboot must clear RAM
    core.buildRvcTable();
    core.initHart(0); // this instance's view of the RAM size
    for (let h = 0; h < cfg.harts; h++) {
      const hb = view.hartBase(h);
      view.bytes.fill(0xff, hb + L.H_TLB, hb + L.H_TLB + L.TLB_SIZE); // every TLB entry invalid (tag -1)
      view.dv.setInt32(hb + L.H_EXC_CAUSE, -1, true); // no exception pending
    }
    view.setDev64(L.D_MTIME_FROZEN, mtime);
    // The RTC is the host's wall clock, whenever the snapshot was taken (the
    // guest's own clock continues from the snapshot; it can read the RTC
    // to catch up): its offset is re-based on now at the saved mtime
    // (10 MHz ticks, 100 ns each).
    view.setDev64(L.D_RTC_OFFSET_NS, BigInt(Date.now()) * 1_000_000n - mtime * 100n);
    // Queue notifies the harts made before the snapshot are served first.
    let pending = 0;
    for (const { slot } of m.slots) {
      if (view.dv.getUint32(L.DEVICE_BASE + L.D_VIRTIO + slot * L.VIRTIO_SLOT_SIZE + L.VQ_NOTIFIED, true) !== 0) pending |= 1 << slot;
    }
    view.setDevI32(L.D_IO_PENDING, pending);
    return m;
  }

  // Instructions retired by each hart since power-on (host statistics).
  get instructions(): number[] {
    return Array.from({ length: this.cfg.harts }, (_, h) =>
      Number(this.view.dv.getBigUint64(this.view.hartBase(h) + L.H_EXECUTED, true)));
  }

  // Guest time since power-on, in seconds (mtime).
  uptimeSeconds(): number { return Number(this.core.mtime()) / TIMEBASE_HZ; }

  setSpeedCap(fraction: number): void {
    if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`speed cap must be in (0, 1], got ${fraction}`);
    this.view.setDevF64(L.D_SPEED, fraction);
  }

  private setRunState(state: number): void {
    Atomics.store(this.i32, (L.DEVICE_BASE + L.D_RUNSTATE) >> 2, state);
    Atomics.notify(this.i32, (L.DEVICE_BASE + L.D_RUNSTATE) >> 2);
    // Make running harts leave their inner loop and parked ones look up.
    for (let h = 0; h < this.cfg.harts; h++) {
      const attn = (this.view.hartBase(h) + L.H_ATTN) >> 2;
      Atomics.store(this.i32, attn, 1);
      Atomics.notify(this.i32, attn);
    }
  }

  // Stop all harts between instructions; resolves once every worker parked.
  // The guest's clock stands still while it is paused: this is the one
  // place that freezes it (resume() thaws it).
  // Device requests in flight complete first, and the devices then hold
  // still, so no request is half done in a paused (or saved) machine.
  async pause(): Promise<void> {
    this.paused = true;
    this.setRunState(L.RUN_PAUSE);
    try {
      await this.harts.waitParked(PAUSE_TIMEOUT_MS);
    } catch (e) {
      throw new CoreError((e as Error).message);
    }
    await this.io.drain();
    if (this.view.dev64(L.D_MTIME_FROZEN) === 0xffffffffffffffffn) this.view.setDev64(L.D_MTIME_FROZEN, this.core.mtime());
  }

  resume(): void {
    const frozen = this.view.dev64(L.D_MTIME_FROZEN);
    if (frozen !== 0xffffffffffffffffn) {
      this.view.setDevF64(L.D_MTIME_BASE, hostNowMs() - Number(frozen) / (TIMEBASE_HZ / 1000));
      this.view.setDev64(L.D_MTIME_FROZEN, 0xffffffffffffffffn);
    }
    this.paused = false;
    this.io.resume();
    if (!this.stopped) this.setRunState(L.RUN_GO);
    this.wake?.();
  }

  get isPaused(): boolean { return this.paused; }

  // Tell the device in `slot` something (e.g. a NIC's cable pulled); the
  // I/O side hands it over, devices ignore what they do not know.
  deviceCommand(slot: number, command: unknown): void { this.io.command(slot, command); }

  // The slot each device is in, in the order cfg.devices gave them (the
  // virtio-rng the machine adds comes last).
  get deviceSlots(): { slot: number; kind: DeviceSpec["kind"] }[] { return this.slots.map((d) => ({ slot: d.slot, kind: d.spec.kind })); }

  // Place everything in RAM and reset the harts (power-on and reboot).
  // The harts must be parked.
  private load(): void {
    const { cfg, view, core } = this;
    const boot = this.boot!;
    initMachineState(view, cfg.ramBytes, cfg.harts);
    const det = cfg.deterministic;
    view.setDev64(L.D_RTC_OFFSET_NS, BigInt(det ? det.startMs ?? DETERMINISTIC_START_MS : Date.now()) * 1_000_000n);
    view.setDevI32(L.D_CLOCK_MODE, det ? L.CLOCK_INSTRUCTIONS : L.CLOCK_HOST);
    view.setDevF64(L.D_SPEED, view.dv.getFloat64(L.DEVICE_BASE + L.D_SPEED, true) || 1);
    // A new memory is zero already; clearing it would commit every page.
    if (this.loadedOnce) {
      view.bytes.fill(0, L.RAM_OFFSET, L.RAM_OFFSET + cfg.ramBytes);
      retireAllCode(this.i32, cfg.ramBytes);
    }
    this.loadedOnce = true;
    for (const p of boot.placements) view.writePhys(p.addr, p.bytes);
    const devices = virtBoard(this.slots.map((d) => d.slot));
    writeBusMap(view, devices);
    view.writePhys(boot.dtbAddr, buildVirtDtb({
      harts: cfg.harts, ramBytes: cfg.ramBytes, bootargs: cfg.bootargs, initrd: boot.initrd, devices,
    }));
    view.bytes.set(bootRom(boot.firmwareEntry, boot.dtbAddr, { next: BigInt(B.RAM_BASE + B.KERNEL_OFFSET), quiet: quietBootargs(cfg.bootargs) }),
      L.DEVICE_BASE + L.D_ROM);

    core.resetMachine();
    core.buildRvcTable();
    for (let h = 0; h < cfg.harts; h++) {
      core.initHart(h);
      core.resetHart(BigInt(B.BOOTROM_BASE), 0n);
    }
    core.initHart(0);
  }

  // Console input for the UART's receiver: queued, and fed to the receive
  // ring as the guest reads it, so a large paste arrives whole.
  sendInput(bytes: Uint8Array): void {
    this.serial.send(bytes);
    this.wake?.(); // the controller now also waits for the guest to read
  }

  // No more input will come (deterministic mode: the guest's idle time then
  // passes without waiting for any).
  endInput(): void {
    this.inputEnded = true;
    this.wake?.();
  }

  // The architectural state (registers, CSRs, instret, RAM and device
  // digests: machine-state.ts), for comparing runs. Only while no hart runs:
  // after run() resolved, or paused.
  state(): Promise<MachineState> {
    return machineState(this.view, this.cfg.harts, this.core.mtime());
  }

  // Bytes queued for the guest that it has not read into the ring yet.
  get inputPending(): number { return this.serial.pending; }

  private drainOutput(): void {
    const out = this.serial.drain();
    if (out) this.onOutput(out);
  }

  // End the machine: run() resolves with undefined.
  stop(): void {
    this.stopped = true;
    this.setRunState(L.RUN_STOP);
    this.wake?.();
  }

  // Run until the guest powers off, a hart fails, or stop() is called
  // (then undefined). Console output flows to onOutput meanwhile.
  // The I/O side serves the virtqueues by itself; this loop sees to the
  // console and to power requests.
  async run(): Promise<PowerEvent | undefined> {
    await this.io.start(this.module, this.memory, this.slots);
    const det = this.cfg.deterministic;
    if (this.io.failure === undefined) {
      await this.harts.start(this.module, this.cfg.harts, this.cfg.jit || undefined,
        det ? { prompt: det.prompt ?? DEFAULT_PROMPT } : undefined);
    }
    const failure = () => this.io.failure ?? this.harts.failure;
    // resume() also starts the clock of a restored machine.
    if (!this.paused && failure() === undefined) this.resume();
    const powerIdx = (L.DEVICE_BASE + L.D_POWER) >> 2;
    const idleIdx = (L.DEVICE_BASE + L.D_IDLE_WAIT) >> 2;
    const watchdog = this.watchdog();
    try {
      while (!this.stopped && failure() === undefined) {
        if (Atomics.load(this.i32, powerIdx) === 0) {
          // A hart waiting for input it cannot have yet is not watched (input wakes us).
          const idle: [number, number][] = det && Atomics.load(this.i32, idleIdx) === 0 ? [[idleIdx, 0]] : [];
          await this.waitForSignal([[powerIdx, 0], ...idle, ...this.serial.watchWords()]);
        }
        this.drainOutput();
        if (det) this.serveIdle(det.wholeLines ?? true);
        else this.serial.feed();
        const req = Atomics.exchange(this.i32, powerIdx, L.POWER_NONE);
        if (req === L.POWER_OFF) return { kind: "poweroff" };
        if (req === L.POWER_FAIL) return { kind: "fail", code: this.view.dv.getInt32(L.DEVICE_BASE + L.D_POWER_CODE, true) };
        if (req === L.POWER_RESET) {
          const wasPaused = this.paused;
          await this.pause();
          if (!this.boot) {
            // A restored machine's first reboot: its kernel (and initrd) now.
            try {
              const f = await this.cfg.later!();
              this.boot = planBoot({ ramBytes: this.cfg.ramBytes, firmware: this.cfg.firmware, ...f });
            } catch (e) {
              return { kind: "error", message: `the guest rebooted, and its kernel could not be loaded: ${e instanceof Error ? e.message : String(e)}` };
            }
          }
          this.load();
          if (!wasPaused) this.resume();
          this.onReset();
        }
      }
      const f = failure();
      if (f !== undefined) return { kind: "error", message: f };
      return undefined;
    } finally {
      clearInterval(watchdog);
      this.drainOutput();
      this.setRunState(L.RUN_STOP);
      this.harts.terminate();
      await this.io.stop();
    }
  }

  // Deterministic mode: the hart idles where the guest waits for input
  // (D_IDLE_WAIT): give it the next line, or say that none will come; with
  // input still to come but no line yet, answer later (sendInput and
  // endInput wake the loop).
  private serveIdle(wholeLines: boolean): void {
    const idx = (L.DEVICE_BASE + L.D_IDLE_WAIT) >> 2;
    if (Atomics.load(this.i32, idx) !== 1) return;
    const r = this.serial.deliver(this.inputEnded, wholeLines);
    if (r === "wait") return;
    const reply = r === "delivered" ? L.IDLE_INPUT : r === "ended" ? L.IDLE_ENDED : L.IDLE_NO_INPUT;
    Atomics.store(this.i32, (L.DEVICE_BASE + L.D_IDLE_REPLY) >> 2, reply);
    Atomics.store(this.i32, idx, 0);
    Atomics.notify(this.i32, idx);
  }

  // Every second: has each hart's worker gone round its loop (H_BEAT)?
  private watchdog(): ReturnType<typeof setInterval> {
    const seen = Array.from({ length: this.cfg.harts }, () => ({ beat: -1, at: performance.now(), stalled: false }));
    return setInterval(() => {
      const now = performance.now();
      seen.forEach((s, h) => {
        const beat = Atomics.load(this.i32, (this.view.hartBase(h) + L.H_BEAT) >> 2);
        if (beat !== s.beat) {
          if (s.stalled) this.onStall(h, 0);
          s.beat = beat; s.at = now; s.stalled = false;
        } else if (!s.stalled && now - s.at > STALL_MS) {
          s.stalled = true;
          this.onStall(h, now - s.at);
        }
      });
    }, 1000);
  }

  // Sleep until one of the words changes from the value given (each is
  // notified by whoever changes it), or stop/pause/resume/input wakes us.
  private async waitForSignal(watch: [number, number][]): Promise<void> {
    const waits: Promise<unknown>[] = [];
    for (const [idx, value] of watch) {
      const r = Atomics.waitAsync(this.i32, idx, value, TICK_MS);
      if (!r.async) return; // already changed
      waits.push(r.value);
    }
    waits.push(new Promise<void>((resolve) => { this.wake = resolve; }));
    await Promise.race(waits);
    this.wake = undefined;
  }
}
