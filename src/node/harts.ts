// Spawning hart workers under Node.
import { Worker } from "node:worker_threads";
import type { HartSpawner } from "../machine/virt-machine.js";

export const spawnNodeHart: HartSpawner = () => {
  const w = new Worker(new URL("./hart-worker.js", import.meta.url));
  w.unref(); // the controller's own loop keeps the process alive
  return {
    start: (s) => w.postMessage(s),
    onMessage: (cb) => {
      w.on("message", cb);
      w.on("error", (e) => cb({ type: "error", message: e.message }));
    },
    terminate: () => { void w.terminate(); },
  };
};
