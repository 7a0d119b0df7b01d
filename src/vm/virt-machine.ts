// The virt machine on the host side: lays out firmware, kernel, initrd and
// DTB in guest RAM, writes the boot ROM, attaches virtio devices, and runs
// the hart in slices, moving console bytes and serving I/O between them.
// No Node or DOM APIs: the CLI and (later) the browser's workers use it.
import * as L from "../../wasm-core/layout.js";
import * as B from "../../wasm-core/board.js";
import { CoreView, createMemory, initMachineState, instantiateCore, MiB, CoreError, type CoreExports } from "./core.js";
import { buildVirtDtb } from "./virt-dtb.js";
import { identifyBootImage, ImageError, type BootImage } from "./boot-images.js";
import { VirtioMmioHost, type VirtioDevice } from "./virtio.js";
import { VirtioBlock, VirtioEntropy, type BlockBackend } from "./virtio-devices.js";

export interface VirtConfig {
  ramBytes: number;
  harts: number;
  firmware: Uint8Array; // decompressed
  kernel: Uint8Array;   // decompressed
  initrd?: Uint8Array;
  bootargs: string;
  disk?: BlockBackend;
}

export type PowerEvent = { kind: "poweroff" } | { kind: "fail"; code: number };

export const MIN_RAM_BYTES = 64 * MiB;
const SLICE = 1_000_000;
// fw_jump (Debian's OpenSBI generic build) moves the DTB here before it
// jumps to the kernel, so the kernel must end below it.
const FW_JUMP_FDT_OFFSET = 0x2200000;

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

export class VirtMachine {
  readonly view: CoreView;
  private readonly io: VirtioMmioHost;
  private readonly i32: Int32Array;
  onOutput: (bytes: Uint8Array) => void = () => {};
  private wake: (() => void) | undefined;
  private stopped = false;
  // Instructions retired by each hart since power-on.
  readonly instructions: number[];
  // Fraction of full speed the harts may use (0 < speed <= 1), applied live.
  private speed = 1;

  private constructor(private readonly core: CoreExports, readonly memory: WebAssembly.Memory, readonly cfg: VirtConfig) {
    this.view = new CoreView(memory);
    this.i32 = new Int32Array(memory.buffer);
    this.io = new VirtioMmioHost(this.view, (slot) => core.virtioInterrupt(slot, 1));
    this.instructions = new Array<number>(cfg.harts).fill(0);
  }

  setSpeedCap(fraction: number): void {
    if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`speed cap must be in (0, 1], got ${fraction}`);
    this.speed = fraction;
  }

  // Guest time since power-on, in seconds (mtime at 10 MHz).
  uptimeSeconds(): number { return Number(this.core.mtime()) / B.TIMEBASE_HZ; }

  static async create(module: WebAssembly.Module, cfg: VirtConfig): Promise<VirtMachine> {
    if (cfg.harts !== 1) throw new CoreError("only 1 hart is supported so far (--cpus 1)");
    if (cfg.ramBytes < MIN_RAM_BYTES) {
      throw new ImageError(`guest RAM of ${cfg.ramBytes / MiB} MiB is too small: the boot layout needs at least ${MIN_RAM_BYTES / MiB} MiB`);
    }
    const memory = createMemory(cfg.ramBytes);
    const core = await instantiateCore(module, memory);
    const m = new VirtMachine(core, memory, cfg);
    const devices: VirtioDevice[] = [];
    if (cfg.disk) devices.push(new VirtioBlock(cfg.disk));
    devices.push(new VirtioEntropy());
    devices.forEach((d, slot) => m.io.attach(slot, d));
    m.load();
    return m;
  }

  // Place everything in RAM and reset the harts (power-on and reboot).
  private load(): void {
    const { cfg, view, core } = this;
    initMachineState(view, cfg.ramBytes, cfg.harts);
    view.bytes.fill(0, L.RAM_OFFSET, L.RAM_OFFSET + cfg.ramBytes);
    this.instructions.fill(0);
    view.setDev64(L.D_RTC_OFFSET_NS, BigInt(Date.now()) * 1_000_000n);
    const ramBase = BigInt(B.RAM_BASE);
    const ramEnd = ramBase + BigInt(cfg.ramBytes);

    const firmware = identifyBootImage(cfg.firmware, "firmware");
    const fwEnd = this.place(firmware, ramBase, "firmware");
    const kernelBase = ramBase + BigInt(B.KERNEL_OFFSET);
    if (fwEnd > kernelBase) throw new ImageError(`the firmware (${fwEnd - ramBase} bytes) overlaps the kernel at 0x${kernelBase.toString(16)}`);
    const kernel = identifyBootImage(cfg.kernel, "kernel");
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
    view.bytes.set(bootRom(ramBase, dtbAddr), L.DEVICE_BASE + L.D_ROM);

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
      for (const seg of img.elf.segments) {
        fits(seg.paddr, Number(seg.memsz));
        this.view.writePhys(seg.paddr, seg.data);
        const e = seg.paddr + seg.memsz;
        if (e > end) end = e;
      }
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

  // Console input: bytes for the UART's receiver.
  sendInput(bytes: Uint8Array): void {
    const u = L.DEVICE_BASE + L.D_UART;
    let head = Atomics.load(this.i32, (u + L.UART_RX_HEAD) >> 2);
    const tail = Atomics.load(this.i32, (u + L.UART_RX_TAIL) >> 2);
    for (const b of bytes) {
      if (head - tail >= L.UART_RX_SIZE) break; // full: the rest is dropped, like a real UART overrun
      this.view.bytes[L.DEVICE_BASE + L.D_UART_RX + (head & (L.UART_RX_SIZE - 1))] = b;
      head++;
    }
    Atomics.store(this.i32, (u + L.UART_RX_HEAD) >> 2, head);
    this.core.uartHostPoll();
    this.wake?.();
  }

  private drainOutput(): void {
    const u = L.DEVICE_BASE + L.D_UART;
    const head = Atomics.load(this.i32, (u + L.UART_TX_HEAD) >> 2);
    let tail = Atomics.load(this.i32, (u + L.UART_TX_TAIL) >> 2);
    if (head === tail) return;
    const out = new Uint8Array(head - tail);
    for (let i = 0; tail !== head; i++, tail++) {
      out[i] = this.view.bytes[L.DEVICE_BASE + L.D_UART_TX + (tail & (L.UART_TX_SIZE - 1))];
    }
    Atomics.store(this.i32, (u + L.UART_TX_TAIL) >> 2, tail);
    this.core.uartHostPoll();
    this.onOutput(out);
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  // Run until the guest powers off (or stop() is called: then undefined).
  async run(): Promise<PowerEvent | undefined> {
    let lastYield = performance.now();
    while (!this.stopped) {
      const t0 = performance.now();
      const reason = this.core.run(SLICE);
      this.instructions[0] += this.core.lastRetired();
      if (this.speed < 1) {
        // Capped: idle for the share of wall time the cap takes away.
        const busy = performance.now() - t0;
        await new Promise((r) => setTimeout(r, busy * (1 / this.speed - 1)));
        lastYield = performance.now();
      }
      this.drainOutput();
      if (reason === L.EXIT_IO) this.io.service();
      else if (reason === L.EXIT_POWER) {
        const req = Atomics.exchange(this.i32, (L.DEVICE_BASE + L.D_POWER) >> 2, L.POWER_NONE);
        if (req === L.POWER_OFF) return { kind: "poweroff" };
        if (req === L.POWER_FAIL) return { kind: "fail", code: this.view.dv.getInt32(L.DEVICE_BASE + L.D_POWER_CODE, true) };
        if (req === L.POWER_RESET) { this.load(); continue; }
      } else if (reason === L.EXIT_WFI) {
        await this.idle();
        lastYield = performance.now();
        continue;
      }
      // Let the event loop deliver input and timers now and then.
      if (performance.now() - lastYield > 15) {
        await new Promise((r) => setTimeout(r, 0));
        lastYield = performance.now();
      }
    }
    return undefined;
  }

  // The hart waits for an interrupt: sleep until its timer or new input.
  private async idle(): Promise<void> {
    const cmp = this.view.dev64(L.D_CLINT_MTIMECMP);
    const now = this.core.mtime();
    if (cmp <= now) return;
    const ms = Math.min(100, Number(cmp - now) / (B.TIMEBASE_HZ / 1000));
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => { this.wake = undefined; resolve(); }, ms);
      this.wake = () => { clearTimeout(t); this.wake = undefined; resolve(); };
    });
  }
}
