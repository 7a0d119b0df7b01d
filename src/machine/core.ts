// The host's view of the AssemblyScript core: the shared memory it runs
// over, the module's exports, and typed access to the layout. Free of DOM
// and of Node APIs, so the browser and Node use it alike.
import * as L from "../../wasm-core/layout.js";
import { TIMEBASE_HZ, MAX_RAM_MIB } from "../../wasm-core/limits.js";
import { MIP_MTIP } from "../../wasm-core/spec/riscv.js";

// What the core exports (wasm-core/assembly/index.ts); a unit test checks
// this list against the compiled module's real exports.
export const CORE_EXPORTS = [
  "run", "initHart", "resetHart", "resetMachine", "buildRvcTable", "expandRvc", "mtime",
  "uartHostPoll", "virtioInterrupt", "hostLock", "hostUnlock", "loadSlow", "storeSlow", "memory",
] as const;

export interface CoreExports {
  // Run this instance's hart for about `budget` instructions; returns an
  // EXIT_ reason (also left in H_EXIT; the slice's counts are in
  // H_SLICE_RETIRED / H_SLICE_TRAPS).
  run(budget: number): number;
  initHart(id: number): void;
  resetHart(pc: bigint, a1: bigint): void;
  resetMachine(): void;
  buildRvcTable(): void;
  expandRvc(c: number): number;
  mtime(): bigint;
  uartHostPoll(): void;
  virtioInterrupt(slot: number, bits: number): void;
  // The device lock, for the host's own accesses to device state (never
  // held across a call to uartHostPoll or virtioInterrupt, which take it).
  hostLock(): void;
  hostUnlock(): void;
  loadSlow(va: bigint, size: number): bigint;
  storeSlow(va: bigint, size: number, v: bigint): number;
  memory: WebAssembly.Memory;
}

export const MiB = 1024 * 1024;

export class CoreError extends Error {}

// Pages of WebAssembly memory for a machine with `ramBytes` of guest RAM.
export function memoryPages(ramBytes: number): number {
  return Math.ceil((L.RAM_OFFSET + ramBytes + L.RAM_GUARD) / L.WASM_PAGE);
}

// The memory for `ramBytes` of guest RAM: at most MAX_RAM_MIB; smaller than
// MIN_RAM_MIB is allowed here (test-elf's bare machines) but not for a virt
// machine (shape.ts).
export function createMemory(ramBytes: number): WebAssembly.Memory {
  if (!Number.isInteger(ramBytes) || ramBytes < MiB || ramBytes > MAX_RAM_MIB * MiB || ramBytes % 4096 !== 0) {
    throw new CoreError(`guest RAM must be a whole number of pages between 1 MiB and ${MAX_RAM_MIB} MiB (got ${ramBytes} bytes)`);
  }
  const pages = memoryPages(ramBytes);
  // Fixed size: a shared memory cannot move, and the guest never grows it.
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
}

// The host clock every thread of a machine agrees on, in ms. Each worker's
// performance.now() counts from that worker's own start, so mtime (kept as
// an offset from this clock in shared memory) needs the absolute form.
export function hostNowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function hostImports(memory: WebAssembly.Memory): WebAssembly.Imports {
  return {
    env: {
      memory,
      hostClockMs: hostNowMs,
      abort: (_msg: number, _file: number, line: number, col: number) => {
        throw new CoreError(`core aborted at ${line}:${col}`);
      },
    },
  };
}

export async function instantiateCore(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<CoreExports> {
  const instance = await WebAssembly.instantiate(module, hostImports(memory));
  return instance.exports as unknown as CoreExports;
}

// Typed windows on the shared memory at the layout's offsets.
export class CoreView {
  readonly dv: DataView;
  constructor(readonly memory: WebAssembly.Memory) {
    this.dv = new DataView(memory.buffer);
  }
  get bytes(): Uint8Array { return new Uint8Array(this.memory.buffer); }

  hartBase(h: number): number { return L.HART_BASE + h * L.HART_STRIDE; }
  pc(h = 0): bigint { return this.dv.getBigUint64(this.hartBase(h) + L.H_PC, true); }
  x(h: number, r: number): bigint { return this.dv.getBigUint64(this.hartBase(h) + L.H_X + r * 8, true); }
  priv(h = 0): number { return this.dv.getInt32(this.hartBase(h) + L.H_PRIV, true); }
  instret(h = 0): bigint { return this.dv.getBigUint64(this.hartBase(h) + L.H_INSTRET, true); }
  // What hart h's last slice did: instructions retired, and trapped.
  sliceRetired(h = 0): number { return this.dv.getInt32(this.hartBase(h) + L.H_SLICE_RETIRED, true); }
  sliceTraps(h = 0): number { return this.dv.getInt32(this.hartBase(h) + L.H_SLICE_TRAPS, true); }

  // How long hart h, stopped in WFI with nothing enabled pending, may sleep
  // before an interrupt can be due, in ms: until its mtimecmp if the machine
  // timer interrupt is enabled in mie, else Infinity (only a notify on its
  // attn word can wake it: an IPI, a PLIC line, a pause). A timer already
  // due gives 0: the next slice takes the interrupt.
  wfiSleepMs(h: number, mtimeNow: bigint): number {
    const mie = this.dv.getBigUint64(this.hartBase(h) + L.C_MIE, true);
    if ((mie & BigInt(MIP_MTIP)) === 0n) return Infinity;
    const cmp = this.dev64(L.D_CLINT_MTIMECMP + h * 8);
    return cmp > mtimeNow ? Number(cmp - mtimeNow) / (TIMEBASE_HZ / 1000) : 0;
  }

  dev64(off: number): bigint { return this.dv.getBigUint64(L.DEVICE_BASE + off, true); }
  setDev64(off: number, v: bigint): void { this.dv.setBigUint64(L.DEVICE_BASE + off, v, true); }
  setDevI32(off: number, v: number): void { this.dv.setInt32(L.DEVICE_BASE + off, v, true); }
  setDevF64(off: number, v: number): void { this.dv.setFloat64(L.DEVICE_BASE + off, v, true); }

  ramBytes(): number { return Number(this.dev64(L.D_RAM_SIZE)); }

  // Host offset of guest physical [pa, pa + len) in RAM, or throws.
  ramOffset(pa: bigint, len: number): number {
    const base = BigInt(L.RAM_PHYS_BASE);
    const size = BigInt(this.ramBytes());
    if (pa < base || pa + BigInt(len) > base + size) {
      throw new CoreError(`guest address range 0x${pa.toString(16)}+${len} is not in RAM ` +
        `(0x${base.toString(16)}..0x${(base + size).toString(16)})`);
    }
    return L.RAM_OFFSET + Number(pa - base);
  }
  readPhys64(pa: bigint): bigint { return this.dv.getBigUint64(this.ramOffset(pa, 8), true); }
  writePhys64(pa: bigint, v: bigint): void { this.dv.setBigUint64(this.ramOffset(pa, 8), v, true); }
  writePhys(pa: bigint, data: Uint8Array): void { this.bytes.set(data, this.ramOffset(pa, data.length)); }
  fillPhys(pa: bigint, len: number, v: number): void {
    const o = this.ramOffset(pa, len);
    this.bytes.fill(v, o, o + len);
  }
}

// Prepare the device block for a machine of `harts` harts and `ramBytes` RAM.
export function initMachineState(view: CoreView, ramBytes: number, harts: number): void {
  view.setDev64(L.D_RAM_SIZE, BigInt(ramBytes));
  view.setDevI32(L.D_NHARTS, harts);
  view.setDev64(L.D_HTIF_TOHOST, 0n);
  view.setDevF64(L.D_MTIME_BASE, hostNowMs());
  view.setDev64(L.D_MTIME_FROZEN, 0xffffffffffffffffn); // -1: running
}
