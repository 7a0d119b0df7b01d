// Browser entry of a hart worker (a module Web Worker); see hart-loop.ts.
import { hartMain, type HartStart } from "../machine/hart-loop.js";
import type { CompileResult, CompilerLink } from "../machine/jit/region-compiler.js";

// The worker's global scope, typed locally (the DOM and WebWorker libs clash).
const scope = self as unknown as {
  onmessage: ((ev: MessageEvent<HartStart>) => void) | null;
  postMessage(m: unknown): void;
};

// The JIT's compile worker, a worker of this hart worker.
function spawnCompiler(memory: WebAssembly.Memory): CompilerLink {
  const w = new Worker(new URL("./jit-compile-worker.ts", import.meta.url), { type: "module", name: "rvplay jit compiler" });
  w.postMessage({ type: "memory", memory });
  return {
    post: (job) => w.postMessage({ type: "job", job }, [job.code.buffer as ArrayBuffer]),
    onResult: (cb) => { w.onmessage = (ev: MessageEvent<CompileResult>) => cb(ev.data); },
    onError: (cb) => { w.onerror = (ev: ErrorEvent) => cb(ev.message || "could not start"); },
    close: () => w.terminate(),
  };
}

scope.onmessage = (ev: MessageEvent<HartStart>) => {
  scope.onmessage = null;
  void hartMain(ev.data, (m) => scope.postMessage(m), spawnCompiler);
};
