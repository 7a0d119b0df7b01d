// Browser entry of a hart worker (a module Web Worker); see hart-loop.ts.
import { hartMain, type HartStart } from "../machine/hart-loop.js";

// The worker's global scope, typed locally (the DOM and WebWorker libs clash).
const scope = self as unknown as {
  onmessage: ((ev: MessageEvent<HartStart>) => void) | null;
  postMessage(m: unknown): void;
};
scope.onmessage = (ev: MessageEvent<HartStart>) => {
  scope.onmessage = null;
  void hartMain(ev.data, (m) => scope.postMessage(m));
};
