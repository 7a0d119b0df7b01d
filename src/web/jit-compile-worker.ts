// Browser entry of a JIT compile worker (a module Web Worker started by a
// hart worker); see machine/jit/region-compiler.ts.
import { compilerServer, type CompilerMessage } from "../machine/jit/region-compiler.js";

// The worker's global scope, typed locally (the DOM and WebWorker libs clash).
const scope = self as unknown as {
  onmessage: ((ev: MessageEvent<CompilerMessage>) => void) | null;
  postMessage(m: unknown): void;
};
const serve = compilerServer((r) => scope.postMessage(r));
scope.onmessage = (ev: MessageEvent<CompilerMessage>) => serve(ev.data);
