// Spawning hart workers in the browser (from the page or from a worker:
// nested workers are fine). Vite bundles the worker from this URL.
import type { HartSpawner } from "../machine/virt-machine.js";

export const spawnWebHart: HartSpawner = () => {
  const w = new Worker(new URL("./hart-worker.ts", import.meta.url), { type: "module", name: "rvplay hart" });
  return {
    start: (s) => w.postMessage(s),
    onMessage: (cb) => {
      w.onmessage = (ev) => cb(ev.data);
      w.onerror = (ev) => {
        ev.preventDefault(); // reported through the machine, not as an uncaught page error
        cb({ type: "error", message: ev.message || "a hart worker failed to load" });
      };
    },
    terminate: () => w.terminate(),
  };
};
