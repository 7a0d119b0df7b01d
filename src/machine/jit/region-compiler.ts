// Translating and compiling a region, on the hart's thread or in a compile
// worker. A hart worker that has a compile worker (its platform entry spawns
// one: src/node/jit-compile-worker.ts, src/web/jit-compile-worker.ts) only
// watches the page and copies its bytes (hart-jit.ts), posts them here, and
// goes on interpreting; the compile worker translates (translate.ts) and
// compiles the WebAssembly, and posts the WebAssembly.Module back (modules
// can be posted between workers); the hart instantiates it between two
// slices. Boot code that is hot for a moment then costs the hart nothing
// (measured in the report of issue 12). run-elf.ts, which has no workers,
// translates on its own thread: every page at its first entry, as the ISA
// tests want.
import * as L from "../../../wasm-core/layout.js";
import { translatePage } from "./translate.js";

export interface CompileJob {
  id: number;
  page: number;
  gen: number;
  code: Uint8Array; // the page's bytes, as watched
  entries: number[];
  hartBase: number;
  next16: number;
  sweep: boolean;
  exact: boolean; // deterministic mode: blocks stop exactly at the slice's budget
}

export interface CompileResult {
  id: number;
  module?: WebAssembly.Module; // absent: nothing to translate there
  blocks: number[];
  insns: number;
  bytes: number; // WebAssembly bytes
  translateMs: number;
  compileMs: number;
  error?: string; // the translator's failure (a bug: the page stays interpreted)
}

// Translate and compile one job; `rvc` expands a 16-bit encoding (the
// core's table in the shared memory).
export function compileRegion(job: CompileJob, rvc: (half: number) => number): CompileResult {
  const t0 = performance.now();
  const t = translatePage({
    code: job.code, rvc, entries: job.entries, hartBase: job.hartBase,
    genAddr: L.JIT_GEN + job.page * 4, gen: job.gen, next16: job.next16, sweep: job.sweep, exact: job.exact,
  });
  const t1 = performance.now();
  if (!t) return { id: job.id, blocks: [], insns: 0, bytes: 0, translateMs: t1 - t0, compileMs: 0 };
  const module = new WebAssembly.Module(t.bytes as Uint8Array<ArrayBuffer>);
  return { id: job.id, module, blocks: t.blocks, insns: t.insns, bytes: t.bytes.length, translateMs: t1 - t0, compileMs: performance.now() - t1 };
}

// The hart's end of a compile worker.
export interface CompilerLink {
  post(job: CompileJob): void;
  onResult(cb: (r: CompileResult) => void): void;
  // The worker failed (it could not start, or died): the hart translates on
  // its own thread from then on.
  onError(cb: (message: string) => void): void;
  close(): void;
}

// A link that starts its worker at the first job (a machine whose code never
// gets hot enough starts none; starting one costs ~0.1 s of CPU).
export function lazyCompiler(spawn: () => CompilerLink): CompilerLink {
  let link: CompilerLink | undefined;
  let onResult: ((r: CompileResult) => void) | undefined;
  let onError: ((message: string) => void) | undefined;
  return {
    post: (job) => {
      if (!link) {
        link = spawn();
        if (onResult) link.onResult(onResult);
        if (onError) link.onError(onError);
      }
      link.post(job);
    },
    onResult: (cb) => { onResult = cb; link?.onResult(cb); },
    onError: (cb) => { onError = cb; link?.onError(cb); },
    close: () => link?.close(),
  };
}

// The messages a compile worker receives: the machine's memory once, then jobs.
export type CompilerMessage = { type: "memory"; memory: WebAssembly.Memory } | { type: "job"; job: CompileJob };

// The body of a compile worker: `post` sends a result back to the hart.
export function compilerServer(post: (r: CompileResult) => void): (m: CompilerMessage) => void {
  let u32: Uint32Array | undefined;
  const rvc = (h: number) => u32![(L.RVC_TABLE >> 2) + h];
  return (m) => {
    if (m.type === "memory") { u32 = new Uint32Array(m.memory.buffer); return; }
    try {
      post(compileRegion(m.job, rvc));
    } catch (e) {
      post({ id: m.job.id, blocks: [], insns: 0, bytes: 0, translateMs: 0, compileMs: 0, error: e instanceof Error ? e.message : String(e) });
    }
  };
}

// One turn of the worker's event loop (a compile worker's answers arrive as
// messages; the hart loop itself never returns to the event loop otherwise).
// Under Node, setImmediate: a message to oneself would not do there, as
// Node hands a port all its queued messages at once, and the hart's next
// turn would be one of them; the worker's answers would wait behind them
// (measured: no region installed for seconds). In a browser each message is
// a task of its own; one channel serves all turns (a new MessageChannel
// costs ~40 us, a message on an old one ~4 us).
let turnChannel: MessageChannel | undefined;
let turnDone: (() => void) | undefined;
export function nextTurn(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (cb: () => void) => unknown }).setImmediate;
  if (immediate) return new Promise((resolve) => { immediate(resolve); });
  if (!turnChannel) {
    turnChannel = new MessageChannel();
    turnChannel.port1.onmessage = () => turnDone?.();
    // Under Node an open port keeps a thread alive: this one must not.
    (turnChannel.port1 as unknown as { unref?: () => void }).unref?.();
  }
  const ch = turnChannel;
  return new Promise((resolve) => { turnDone = resolve; ch.port2.postMessage(null); });
}
