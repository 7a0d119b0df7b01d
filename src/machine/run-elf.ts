// Runs a bare-metal RISC-V ELF on one hart with HTIF (the riscv-tests and
// Spike convention): the program writes to its `tohost` word; 1 = pass,
// (n << 1) | 1 = test n failed, device 1 command 1 = print a character,
// device 0 with an even value = a syscall block (SYS_write / SYS_exit).
import * as L from "../../wasm-core/layout.js";
import { CoreView, coreTable, createMemory, initMachineState, instantiateCore, setJitService, MiB } from "./core.js";
import { HartJit, type JitConfig } from "./jit/hart-jit.js";
import { parseElf } from "./elf.js";
import { clintDevice, writeBusMap } from "./virt-board.js";
import { MIP_MTIP } from "../../wasm-core/spec/riscv.js";

export interface ElfRunOptions {
  maxInstructions?: number;
  ramBytes?: number;
  sliceInstructions?: number;
  // Wall-clock limit for a program that waits (WFI) for an interrupt that never comes.
  maxSeconds?: number;
  onOutput?: (text: string) => void;
  // The JIT's configuration; undefined runs the interpreter alone.
  jit?: JitConfig;
  // Deterministic mode: mtime counts instructions, a slice stops exactly at
  // its budget, WFI skips to the timer's deadline (as in a deterministic
  // virt machine; tests/deterministic/).
  deterministic?: boolean;
  // The budget of slice i (default: sliceInstructions), and a look at the
  // hart after each slice (tests compare runs slice by slice).
  sliceBudget?: (i: number) => number;
  onSlice?: (view: CoreView, reason: number) => void;
}

export type ElfOutcome =
  | { kind: "pass" }
  | { kind: "fail"; test: number }
  | { kind: "timeout" };

export interface ElfRunResult {
  outcome: ElfOutcome;
  instructions: number; // retired plus trapped
  seconds: number;
  output: string; // the last 64 KiB of console output
  jit?: HartJit; // its statistics, when the JIT ran
}

const SYS_WRITE = 64n;
const MAX_KEPT_OUTPUT = 64 * 1024;
const SYS_EXIT = 93n;

export async function runElf(module: WebAssembly.Module, bytes: Uint8Array, opts: ElfRunOptions = {}): Promise<ElfRunResult> {
  const elf = parseElf(bytes, ["tohost", "fromhost"]);
  const tohost = elf.symbols.get("tohost");
  if (tohost === undefined) throw new Error("the ELF has no 'tohost' symbol (HTIF)");
  const fromhost = elf.symbols.get("fromhost");

  const ramBytes = opts.ramBytes ?? 64 * MiB;
  const memory = createMemory(ramBytes);
  const view = new CoreView(memory);
  initMachineState(view, ramBytes, 1);
  for (const seg of elf.segments) {
    view.writePhys(seg.paddr, seg.data);
    const rest = Number(seg.memsz) - seg.data.length;
    if (rest > 0) view.fillPhys(seg.paddr + BigInt(seg.data.length), rest, 0);
  }
  view.ramOffset(tohost, 8); // must lie in RAM
  view.setDev64(L.D_HTIF_TOHOST, tohost);
  writeBusMap(view, [clintDevice]); // the test machine: RAM, the boot ROM and a CLINT
  if (opts.deterministic) view.setDevI32(L.D_CLOCK_MODE, L.CLOCK_INSTRUCTIONS);

  const core = await instantiateCore(module, memory);
  core.resetMachine();
  core.buildRvcTable();
  core.initHart(0);
  core.resetHart(elf.entry, 0n);
  const jit = opts.jit ? new HartJit(core, coreTable(core), memory, 0, opts.jit) : undefined;
  if (jit) setJitService(core, () => jit.service());

  const limit = opts.maxInstructions ?? 200_000_000;
  const slice = opts.sliceInstructions ?? 2_000_000;
  const maxMs = (opts.maxSeconds ?? 60) * 1000;
  // The program's console output streams to onOutput; the result keeps only
  // its last MAX_KEPT_OUTPUT characters, so a program printing its whole RAM
  // cannot drive the host out of memory.
  let output = "";
  const emit = (s: string) => {
    opts.onOutput?.(s);
    output += s;
    if (output.length > 2 * MAX_KEPT_OUTPUT) output = output.slice(-MAX_KEPT_OUTPUT);
  };
  const t0 = performance.now();
  let total = 0;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));

  const finish = (outcome: ElfOutcome): ElfRunResult =>
    ({ outcome, instructions: total, seconds: (performance.now() - t0) / 1000, output: output.slice(-MAX_KEPT_OUTPUT), jit });

  for (let i = 0; ; i++) {
    const reason = core.run(Math.min(opts.sliceBudget?.(i) ?? slice, limit - total));
    opts.onSlice?.(view, reason);
    // Trapped instructions count toward the limit too: a program that only
    // traps still ends.
    total += view.sliceRetired() + view.sliceTraps();
    jit?.service();
    if (reason === L.EXIT_HTIF) {
      const v = view.dev64(L.D_HTIF_VALUE);
      const device = v >> 56n;
      const cmd = (v >> 48n) & 0xffn;
      const payload = v & 0xffff_ffff_ffffn;
      if (device === 0n && (payload & 1n) === 1n) {
        const code = Number(payload >> 1n);
        return finish(code === 0 ? { kind: "pass" } : { kind: "fail", test: code });
      }
      if (device === 0n) {
        // A pointer to eight 64-bit words: syscall number, then arguments.
        const n = view.readPhys64(payload);
        if (n === SYS_WRITE) {
          const buf = view.readPhys64(payload + 16n);
          const len = Number(view.readPhys64(payload + 24n));
          const off = view.ramOffset(buf, len);
          emit(new TextDecoder().decode(view.bytes.slice(off, off + len)));
          view.writePhys64(payload, BigInt(len));
        } else if (n === SYS_EXIT) {
          const code = Number(view.readPhys64(payload + 8n));
          return finish(code === 0 ? { kind: "pass" } : { kind: "fail", test: code });
        } else {
          view.writePhys64(payload, -38n & 0xffff_ffff_ffff_ffffn); // -ENOSYS
        }
        view.writePhys64(tohost, 0n);
        if (fromhost !== undefined) view.writePhys64(fromhost, 1n);
      } else if (device === 1n && cmd === 1n) {
        emit(String.fromCharCode(Number(v & 0xffn)));
        view.writePhys64(tohost, 0n);
        if (fromhost !== undefined) view.writePhys64(fromhost, (1n << 56n) | (1n << 48n));
      } else {
        view.writePhys64(tohost, 0n);
      }
    } else if (reason === L.EXIT_WFI && opts.deterministic) {
      // The clock skips to the timer's deadline (if the timer is enabled).
      const mie = view.dv.getBigUint64(view.hartBase(0) + L.C_MIE, true);
      const cmp = view.dev64(L.D_CLINT_MTIMECMP), now = core.mtime();
      if ((mie & BigInt(MIP_MTIP)) !== 0n && cmp > now) view.setDev64(L.D_MTIME_WARP, view.dev64(L.D_MTIME_WARP) + cmp - now);
    } else if (reason === L.EXIT_WFI) {
      // Sleep until the timer can be due (at most 10 ms at a time, so the
      // wall-time limit holds); with the timer disabled nothing can wake
      // this single hart, and it sleeps until the limit.
      const ms = Math.min(10, view.wfiSleepMs(0, core.mtime()));
      if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
    }
    if (total >= limit || performance.now() - t0 > maxMs) return finish({ kind: "timeout" });
  }
}
