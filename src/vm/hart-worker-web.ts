// Browser entry of a hart worker (a module Web Worker); see hart-loop.ts.
import { hartMain, type HartStart } from "./hart-loop.js";

const scope = self as unknown as DedicatedWorkerGlobalScope;
scope.onmessage = (ev: MessageEvent<HartStart>) => {
  scope.onmessage = null;
  void hartMain(ev.data, (m) => scope.postMessage(m));
};
