// Node entry of a hart worker (worker_threads); see hart-loop.ts.
import { parentPort, Worker } from "node:worker_threads";
(globalThis as { RVPLAY_JIT_REPORT_MS?: unknown }).RVPLAY_JIT_REPORT_MS = process.env.RVPLAY_JIT_REPORT_MS;
const { hartMain } = await import("../machine/hart-loop.js");
import type { HartStart } from "../machine/hart-loop.js";
import type { CompileResult, CompilerLink } from "../machine/jit/region-compiler.js";

// The JIT's compile worker, started by this hart worker when its JIT wants one.
function spawnCompiler(memory: WebAssembly.Memory): CompilerLink {
  const w = new Worker(new URL("./jit-compile-worker.js", import.meta.url));
  w.unref();
  w.postMessage({ type: "memory", memory });
  let closed = false;
  return {
    post: (job) => w.postMessage({ type: "job", job }, [job.code.buffer as ArrayBuffer]),
    onResult: (cb) => w.on("message", (r: CompileResult) => cb(r)),
    onError: (cb) => {
      w.on("error", (e) => { if (!closed) cb(e.message); });
      w.on("exit", (code) => { if (!closed) cb(`exited with ${code}`); });
    },
    close: () => { closed = true; void w.terminate(); },
  };
}

const port = parentPort!;
port.once("message", (start: HartStart) => {
  void hartMain(start, (m) => port.postMessage(m), spawnCompiler);
});
