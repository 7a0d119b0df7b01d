// The virt machine's controller: lays out firmware, kernel, initrd and DTB
// in guest RAM, writes the boot ROM, attaches virtio devices, starts one
// worker per hart (hart-loop.ts) over the shared memory, and then serves
// what the harts signal through shared words: virtqueue notifies (I/O),
// console output, power-off and reset. Pause and resume act on all harts at
// instruction boundaries. No Node or DOM APIs: the CLI runs it on Node's main
// thread, the browser in a Web Worker; each passes its way to spawn harts.
import * as L from "../../wasm-core/layout.js";
import * as B from "../../wasm-core/board.js";
import { CoreView, createMemory, initMachineState, instantiateCore, hostNowMs, MiB, CoreError, type CoreExports } from "./core.js";
import { buildVirtDtb } from "./dtb.js";
import { identifyBootImage, ImageError, type BootImage } from "./boot-images.js";
import { VirtioMmioHost, type VirtioDevice } from "../devices/virtio.js";
import type { HartStart, HartMessage } from "./hart-loop.js";
import { VirtioBlock, VirtioEntropy, type BlockBackend } from "../devices/virtio-blk.js";

export interface VirtConfig {
  ramBytes: number;
  harts: number;
  firmware: Uint8Array; // decompressed
  kernel: Uint8Array;   // decompressed
  initrd?: Uint8Array;
  bootargs: string;
  disk?: BlockBackend;
}

export interface HartWorker {
  start(s: HartStart): void;
  onMessage(cb: (m: HartMessage) => void): void;
  terminate(): void;
}
export type HartSpawner = () => HartWorker;

export type PowerEvent = { kind: "poweroff" } | { kind: "fail"; code: number } | { kind: "error"; message: string };

export const MIN_RAM_BYTES = 64 * MiB;
export const MAX_HARTS = L.MAX_HARTS;
// fw_jump (Debian's OpenSBI generic build) moves the DTB here before it
// jumps to the kernel, so the kernel must end below it.
const FW_JUMP_FDT_OFFSET = 0x2200000;
// The controller sleeps until a hart signals I/O, power or console output;
// this is only the longest it sleeps regardless (a safety net).
const TICK_MS = 1000;

// Boot ROM at 0x1000 (as QEMU's reset vector):
//   auipc t0, 0 ; csrr a0, mhartid ; ld a1, 32(t0) ; ld t0, 24(t0) ; jr t0
//   .dword entry (at +24) ; .dword dtb (at +32)
function bootRom(entry: bigint, dtb: bigint): Uint8Array {
  const rom = new Uint8Array(40);
  const dv = new DataView(rom.buffer);
  [0x00000297, 0xf1402573, 0x0202b583, 0x0182b283, 0x00028067].forEach((w, i) => dv.setUint32(i * 4, w, true));
  dv.setBigUint64(24, entry, true);
  dv.setBigUint64(32, dtb, true);
  return rom;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class VirtMachine {
  readonly view: CoreView;
  private readonly io: VirtioMmioHost;
  private readonly i32: Int32Array;
  onOutput: (bytes: Uint8Array) => void = () => {};
  // Called after the guest reset the machine (e.g. `reboot`) and it restarted.
  onReset: () => void = () => {};
  private loadedOnce = false;
  private wake: (() => void) | undefined;
  private stopped = false;
  private paused = false;
  private workers: HartWorker[] = [];
  private failure: string | undefined;
  private input: Uint8Array[] = [];

  private constructor(private readonly core: CoreExports, readonly memory: WebAssembly.Memory,
    readonly cfg: VirtConfig, private readonly spawnHart: HartSpawner, private readonly module: WebAssembly.Module) {
    this.view = new CoreView(memory);
    this.i32 = new Int32Array(memory.buffer);
    this.io = new VirtioMmioHost(this.view, (slot) => core.virtioInterrupt(slot, 1));
  }

  // spawnHart starts one hart worker: spawnNodeHart (node-harts.ts) under
  // Node, spawnWebHart (web-harts.ts) in the browser.
  static async create(module: WebAssembly.Module, cfg: VirtConfig, spawnHart: HartSpawner): Promise<VirtMachine> {
    if (!Number.isInteger(cfg.harts) || cfg.harts < 1 || cfg.harts > MAX_HARTS) {
      throw new CoreError(`the machine has 1 to ${MAX_HARTS} harts (asked for ${cfg.harts})`);
    }
    if (cfg.ramBytes < MIN_RAM_BYTES) {
      throw new ImageError(`guest RAM of ${cfg.ramBytes / MiB} MiB is too small: the boot layout needs at least ${MIN_RAM_BYTES / MiB} MiB`);
    }
    const memory = createMemory(cfg.ramBytes);
    const core = await instantiateCore(module, memory);
    const m = new VirtMachine(core, memory, cfg, spawnHart, module);
    const devices: VirtioDevice[] = [];
    if (cfg.disk) devices.push(new VirtioBlock(cfg.disk));
    devices.push(new VirtioEntropy());
    devices.forEach((d, slot) => m.io.attach(slot, d));
    m.setRunState(L.RUN_PAUSE);
    m.load();
    return m;
  }

  // Instructions retired by each hart since power-on (host statistics).
  get instructions(): number[] {
    return Array.from({ length: this.cfg.harts }, (_, h) =>
      Number(this.view.dv.getBigUint64(this.view.hartBase(h) + L.H_EXECUTED, true)));
  }

  // Guest time since power-on, in seconds (mtime at 10 MHz).
  uptimeSeconds(): number { return Number(this.core.mtime()) / B.TIMEBASE_HZ; }

  setSpeedCap(fraction: number): void {
    if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`speed cap must be in (0, 1], got ${fraction}`);
    this.view.dv.setFloat64(L.DEVICE_BASE + L.D_SPEED, fraction, true);
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
  async pause(): Promise<void> {
    this.paused = true;
    this.setRunState(L.RUN_PAUSE);
    const deadline = performance.now() + 5000;
    for (let h = 0; h < this.workers.length; h++) {
      const parked = (this.view.hartBase(h) + L.H_PARKED) >> 2;
      while (Atomics.load(this.i32, parked) !== 1 && this.failure === undefined) {
        if (performance.now() > deadline) throw new CoreError(`hart ${h} did not pause within 5 s`);
        await sleep(1);
      }
    }
    // The guest's clock stands still while it is paused.
    if (this.view.dev64(L.D_MTIME_FROZEN) === 0xffffffffffffffffn) this.view.setDev64(L.D_MTIME_FROZEN, this.core.mtime());
  }

  resume(): void {
    const frozen = this.view.dev64(L.D_MTIME_FROZEN);
    if (frozen !== 0xffffffffffffffffn) {
      this.view.setDevF64(L.D_MTIME_BASE, hostNowMs() - Number(frozen) / (B.TIMEBASE_HZ / 1000));
      this.view.setDev64(L.D_MTIME_FROZEN, 0xffffffffffffffffn);
    }
    this.paused = false;
    if (!this.stopped) this.setRunState(L.RUN_GO);
    this.wake?.();
  }

  get isPaused(): boolean { return this.paused; }

  // Place everything in RAM and reset the harts (power-on and reboot).
  // The harts must be parked.
  private load(): void {
    const { cfg, view, core } = this;
    initMachineState(view, cfg.ramBytes, cfg.harts);
    view.setDev64(L.D_RTC_OFFSET_NS, BigInt(Date.now()) * 1_000_000n);
    view.dv.setFloat64(L.DEVICE_BASE + L.D_SPEED, view.dv.getFloat64(L.DEVICE_BASE + L.D_SPEED, true) || 1, true);
    // A new memory is zero already; clearing it would commit every page.
    if (this.loadedOnce) view.bytes.fill(0, L.RAM_OFFSET, L.RAM_OFFSET + cfg.ramBytes);
    this.loadedOnce = true;
    const ramBase = BigInt(B.RAM_BASE);
    const ramEnd = ramBase + BigInt(cfg.ramBytes);

    const firmware = identifyBootImage(cfg.firmware, "firmware");
    const fwEnd = this.place(firmware, ramBase, "firmware");
    const kernelBase = ramBase + BigInt(B.KERNEL_OFFSET);
    if (fwEnd > kernelBase) throw new ImageError(`the firmware (${fwEnd - ramBase} bytes) overlaps the kernel at 0x${kernelBase.toString(16)}`);
    const kernel = identifyBootImage(cfg.kernel, "kernel");
    // fw_jump jumps to the kernel's place: an ELF must start there.
    if (kernel.kind === "elf" && kernel.elf.entry !== kernelBase) {
      throw new ImageError(`the kernel ELF's entry point 0x${kernel.elf.entry.toString(16)} is not 0x${kernelBase.toString(16)}, where the firmware (OpenSBI fw_jump) jumps`);
    }
    const kernelEnd = this.place(kernel, kernelBase, "kernel");
    if (kernelEnd > ramBase + BigInt(FW_JUMP_FDT_OFFSET)) {
      throw new ImageError(`the kernel (${kernelEnd - kernelBase} bytes) does not fit below the firmware's DTB at 0x${(ramBase + BigInt(FW_JUMP_FDT_OFFSET)).toString(16)}`);
    }
    // DTB in the top 2 MiB, the initrd just below it.
    const dtbAddr = ramEnd - 2n * BigInt(MiB);
    let initrd: { start: bigint; end: bigint } | undefined;
    if (cfg.initrd) {
      const start = (dtbAddr - BigInt(cfg.initrd.length)) & ~0xfffn;
      if (start < ramBase + BigInt(FW_JUMP_FDT_OFFSET) + 2n * BigInt(MiB)) {
        throw new ImageError(`guest RAM of ${cfg.ramBytes / MiB} MiB is too small for an initrd of ${cfg.initrd.length} bytes`);
      }
      view.writePhys(start, cfg.initrd);
      initrd = { start, end: start + BigInt(cfg.initrd.length) };
    }
    const dtb = buildVirtDtb({
      harts: cfg.harts, ramBytes: cfg.ramBytes, bootargs: cfg.bootargs, initrd,
      virtio: this.io.slots().map((slot) => ({ slot, kind: "" })),
    });
    view.writePhys(dtbAddr, dtb);
    // The reset vector jumps to the firmware's entry: an ELF's own, else its first byte.
    const fwEntry = firmware.kind === "elf" ? firmware.elf.entry : ramBase;
    view.bytes.set(bootRom(fwEntry, dtbAddr), L.DEVICE_BASE + L.D_ROM);

    core.resetMachine();
    core.buildRvcTable();
    for (let h = 0; h < cfg.harts; h++) {
      core.initHart(h);
      core.resetHart(BigInt(B.BOOTROM_BASE), 0n);
    }
    core.initHart(0);
  }

  // Copy an image into RAM; returns the end of what it occupies.
  private place(img: BootImage, at: bigint, what: string): bigint {
    const fits = (start: bigint, len: number) => {
      try { this.view.ramOffset(start, len); } catch {
        throw new ImageError(`the ${what} does not fit in guest RAM at 0x${start.toString(16)} (${len} bytes)`);
      }
    };
    if (img.kind === "elf") {
      let end = at;
      let entryLoaded = false;
      for (const seg of img.elf.segments) {
        if (seg.paddr < at) {
          throw new ImageError(`the ${what} ELF has a segment at 0x${seg.paddr.toString(16)}, below its place at 0x${at.toString(16)}` +
            (what === "kernel" ? " (it would overwrite the firmware)" : ""));
        }
        fits(seg.paddr, Number(seg.memsz));
        if (img.elf.entry >= seg.paddr && img.elf.entry < seg.paddr + BigInt(seg.data.length)) entryLoaded = true;
        this.view.writePhys(seg.paddr, seg.data);
        const e = seg.paddr + seg.memsz;
        if (e > end) end = e;
      }
      if (!entryLoaded) throw new ImageError(`the ${what} ELF's entry point 0x${img.elf.entry.toString(16)} is not in any of its loaded segments`);
      return end;
    }
    fits(at, img.bytes.length);
    this.view.writePhys(at, img.bytes);
    let end = at + BigInt(img.bytes.length);
    if (img.kind === "linux") {
      // image_size at 0x10: the memory the kernel occupies once running.
      const size = new DataView(img.bytes.buffer, img.bytes.byteOffset).getBigUint64(0x10, true);
      if (at + size > end) end = at + size;
    }
    return end;
  }

  // Console input for the UART's receiver. Everything is queued and fed to
  // the receive ring (UART_RX_SIZE bytes) as the guest reads it, so a large
  // paste arrives whole.
  sendInput(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.input.push(bytes.slice());
    this.feedInput();
    this.wake?.(); // the controller now also waits for the guest to read
  }

  // Bytes queued for the guest that it has not read into the ring yet.
  get inputPending(): number { return this.input.reduce((n, b) => n + b.length, 0); }

  // Move queued input into the receive ring as far as it has room. Ring
  // indices are free-running int32 byte counts: differences are taken
  // modulo 2^32 (`| 0`), so they stay right when the counts wrap.
  private feedInput(): void {
    if (this.input.length === 0) return;
    const u = L.DEVICE_BASE + L.D_UART;
    let head = Atomics.load(this.i32, (u + L.UART_RX_HEAD) >> 2);
    const tail = Atomics.load(this.i32, (u + L.UART_RX_TAIL) >> 2);
    let room = L.UART_RX_SIZE - ((head - tail) | 0);
    const ring = this.view.bytes;
    const at = L.DEVICE_BASE + L.D_UART_RX;
    while (room > 0 && this.input.length > 0) {
      const first = this.input[0];
      const n = Math.min(room, first.length);
      for (let i = 0; i < n; i++) ring[at + ((head + i) & (L.UART_RX_SIZE - 1))] = first[i];
      head = (head + n) | 0;
      room -= n;
      if (n === first.length) this.input.shift();
      else this.input[0] = first.subarray(n);
    }
    Atomics.store(this.i32, (u + L.UART_RX_HEAD) >> 2, head);
    this.core.uartHostPoll();
  }

  private drainOutput(): void {
    const u = L.DEVICE_BASE + L.D_UART;
    const head = Atomics.load(this.i32, (u + L.UART_TX_HEAD) >> 2);
    const tail = Atomics.load(this.i32, (u + L.UART_TX_TAIL) >> 2);
    const n = (head - tail) | 0; // wrap-safe, see feedInput
    if (n <= 0) return;
    const at = L.DEVICE_BASE + L.D_UART_TX;
    const start = tail & (L.UART_TX_SIZE - 1);
    const first = Math.min(n, L.UART_TX_SIZE - start);
    const out = new Uint8Array(n);
    out.set(this.view.bytes.subarray(at + start, at + start + first));
    out.set(this.view.bytes.subarray(at, at + n - first), first);
    Atomics.store(this.i32, (u + L.UART_TX_TAIL) >> 2, (tail + n) | 0);
    this.core.uartHostPoll();
    this.onOutput(out);
  }

  // End the machine: run() resolves with undefined.
  stop(): void {
    this.stopped = true;
    this.setRunState(L.RUN_STOP);
    this.wake?.();
  }

  private startHarts(): Promise<void> {
    const ready: Promise<void>[] = [];
    for (let h = 0; h < this.cfg.harts; h++) {
      const w = this.spawnHart();
      this.workers.push(w);
      ready.push(new Promise<void>((resolve) => {
        w.onMessage((m) => {
          if (m.type === "ready") resolve();
          else if (m.type === "error") {
            this.failure = `hart ${h} stopped: ${m.message}`;
            resolve();
            this.setRunState(L.RUN_STOP);
            this.wake?.();
          }
        });
      }));
      w.start({ module: this.module, memory: this.memory, hartId: h });
    }
    return Promise.all(ready).then(() => undefined);
  }

  // Run until the guest powers off, a hart fails, or stop() is called
  // (then undefined). Console output flows to onOutput meanwhile.
  async run(): Promise<PowerEvent | undefined> {
    await this.startHarts();
    if (!this.paused) this.setRunState(L.RUN_GO);
    const ioIdx = (L.DEVICE_BASE + L.D_IO_PENDING) >> 2;
    const powerIdx = (L.DEVICE_BASE + L.D_POWER) >> 2;
    try {
      while (!this.stopped && this.failure === undefined) {
        if (Atomics.load(this.i32, ioIdx) === 0 && Atomics.load(this.i32, powerIdx) === 0) {
          await this.waitForSignal(ioIdx, powerIdx);
        }
        this.io.service();
        this.drainOutput();
        this.feedInput();
        const req = Atomics.exchange(this.i32, powerIdx, L.POWER_NONE);
        if (req === L.POWER_OFF) return { kind: "poweroff" };
        if (req === L.POWER_FAIL) return { kind: "fail", code: this.view.dv.getInt32(L.DEVICE_BASE + L.D_POWER_CODE, true) };
        if (req === L.POWER_RESET) {
          const wasPaused = this.paused;
          await this.pause();
          this.load();
          if (!wasPaused) this.resume();
          this.onReset();
        }
      }
      if (this.failure !== undefined) return { kind: "error", message: this.failure };
      return undefined;
    } finally {
      this.drainOutput();
      this.setRunState(L.RUN_STOP);
      for (const w of this.workers) w.terminate();
      this.workers = [];
    }
  }

  // Sleep until a hart signals I/O, power or console output (each notifies
  // its word), or stop/pause/resume wakes us.
  private async waitForSignal(ioIdx: number, powerIdx: number): Promise<void> {
    const txIdx = (L.DEVICE_BASE + L.D_UART + L.UART_TX_HEAD) >> 2;
    const txTail = Atomics.load(this.i32, (L.DEVICE_BASE + L.D_UART + L.UART_TX_TAIL) >> 2);
    const watch: [number, number][] = [[ioIdx, 0], [powerIdx, 0], [txIdx, txTail]];
    if (this.input.length > 0) {
      // Input is waiting for room: wake when the guest reads (the UART
      // notifies its RX tail).
      const rxIdx = (L.DEVICE_BASE + L.D_UART + L.UART_RX_TAIL) >> 2;
      watch.push([rxIdx, Atomics.load(this.i32, rxIdx)]);
    }
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
