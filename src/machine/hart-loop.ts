// The body of a hart worker (Node worker_threads or a Web Worker): one
// instance of the core over the machine's shared memory, bound to one hart,
// running slices until the controller says stop. Between slices it tells the
// controller about I/O and power requests through shared words and
// Atomics.notify; in WFI it parks on its attn word (Atomics.wait) until an
// interrupt, its timer deadline or the controller wakes it: an idle hart
// costs no CPU.
import * as L from "../../wasm-core/layout.js";
import { CoreView, coreTable, instantiateCore, setJitService } from "./core.js";
import { HartJit, type JitConfig } from "./jit/hart-jit.js";
import { DeterministicHart, type DeterministicHartConfig } from "./deterministic-hart.js";
import { lazyCompiler, nextTurn, type CompilerLink } from "./jit/region-compiler.js";

export interface HartStart {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  hartId: number;
  jit?: JitConfig; // undefined: the interpreter alone
  // Deterministic mode (one hart; the clock counts instructions): the
  // rules for idling, I/O and console input (deterministic-hart.ts).
  deterministic?: DeterministicHartConfig;
}
export type HartMessage = { type: "ready" } | { type: "exited" } | { type: "error"; message: string };

const SLICE = 1_000_000;
// Debugging aid: every so many ms a hart with a JIT prints its statistics
// (globalThis.RVPLAY_JIT_REPORT_MS, set by the Node hart worker from the
// environment).
const REPORT_MS = Number((globalThis as { RVPLAY_JIT_REPORT_MS?: unknown }).RVPLAY_JIT_REPORT_MS ?? 0);
// Longest a parked hart sleeps before looking again (a safety net only:
// every wake-up source notifies).
const MAX_PARK_MS = 1000;

// `spawnCompiler`: the platform's way to start a compile worker for the JIT
// (jit/region-compiler.ts); without it the hart translates on its own thread.
export async function hartMain(start: HartStart, post: (m: HartMessage) => void,
  spawnCompiler?: (memory: WebAssembly.Memory) => CompilerLink): Promise<void> {
  let compiler: CompilerLink | undefined;
  try {
    const core = await instantiateCore(start.module, start.memory);
    core.initHart(start.hartId);
    if (start.jit && start.jit.compileWorker && spawnCompiler) compiler = lazyCompiler(() => spawnCompiler(start.memory));
    const jit = start.jit ? new HartJit(core, coreTable(core), start.memory, start.hartId, start.jit, compiler) : undefined;
    if (jit) setJitService(core, () => jit.service());
    // For a debugger, and the browser test that reads the JIT's figures
    // (e2e/jit.test.ts).
    (globalThis as { rvplayJit?: HartJit }).rvplayJit = jit;
    const i32 = new Int32Array(start.memory.buffer);
    const f64 = new Float64Array(start.memory.buffer);
    const view = new CoreView(start.memory);
    const hb = L.HART_BASE + start.hartId * L.HART_STRIDE;
    const attn = (hb + L.H_ATTN) >> 2;
    const parked = (hb + L.H_PARKED) >> 2;
    const runstate = (L.DEVICE_BASE + L.D_RUNSTATE) >> 2;
    const beat = (hb + L.H_BEAT) >> 2;
    const sleeper = new Int32Array(new SharedArrayBuffer(4));
    const det = start.deterministic ? new DeterministicHart(core, start.memory, start.hartId, start.deterministic) : undefined;
    let lastReport = performance.now();
    post({ type: "ready" });
    while (true) {
      Atomics.add(i32, beat, 1); // the watchdog's sign of life
      const state = Atomics.load(i32, runstate);
      if (state === L.RUN_STOP) break;
      if (state === L.RUN_PAUSE) {
        // Tell the controller this hart is between instructions, then sleep.
        Atomics.store(i32, parked, 1);
        Atomics.notify(i32, parked);
        Atomics.wait(i32, runstate, L.RUN_PAUSE, MAX_PARK_MS);
        Atomics.store(i32, parked, 0);
        continue;
      }
      const t0 = performance.now();
      const reason = core.run(SLICE);
      jit?.service();
      // Compiled regions come back as messages: let them in.
      if (jit && jit.waiting > 0) await nextTurn();
      if (jit && REPORT_MS > 0 && performance.now() - lastReport > REPORT_MS) {
        lastReport = performance.now();
        console.error(`hart ${start.hartId} jit: ${JSON.stringify({ ...jit.stats, inCode: Number(jit.retiredInCode), calls: Number(jit.calls), executed: Number(view.dv.getBigUint64(hb + L.H_EXECUTED, true)) })}`);
      }
      if (det) {
        // Everything the slice asked of the host is done before the next
        // slice, at the instruction that asked: I/O completed, output
        // drained, idle time skipped or input delivered. No speed cap.
        if (!det.afterSlice(reason)) break;
        continue;
      }
      if (reason === L.EXIT_IO) {
        Atomics.notify(i32, (L.DEVICE_BASE + L.D_IO_PENDING) >> 2);
      } else if (reason === L.EXIT_POWER) {
        // The controller decides what happens next (power off, reset).
        Atomics.notify(i32, (L.DEVICE_BASE + L.D_POWER) >> 2);
      } else if (reason === L.EXIT_WFI) {
        // Park until something that can wake the hart: its timer deadline if
        // the timer interrupt is enabled, else only a notify on attn. (A hart
        // whose mtimecmp has passed with the timer disabled in mie must not
        // spin.)
        const ms = Math.min(MAX_PARK_MS, view.wfiSleepMs(start.hartId, core.mtime()));
        if (ms > 0) Atomics.wait(i32, attn, 0, ms);
      }
      const speed = f64[(L.DEVICE_BASE + L.D_SPEED) >> 3];
      if (speed > 0 && speed < 1 && reason !== L.EXIT_WFI) {
        // Capped: idle for the share of wall time the cap takes away.
        const busy = performance.now() - t0;
        Atomics.wait(sleeper, 0, 0, busy * (1 / speed - 1));
      }
    }
    compiler?.close();
    post({ type: "exited" });
  } catch (e) {
    compiler?.close();
    post({ type: "error", message: e instanceof Error ? `${e.message}\n${e.stack ?? ""}` : String(e) });
  }
}
