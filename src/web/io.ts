// The I/O worker in the browser (a nested module worker). Vite bundles the
// worker from this URL.
import type { IoSpawner } from "../devices/io-host.js";

export const spawnWebIo: IoSpawner = () => {
  const w = new Worker(new URL("./io-worker.ts", import.meta.url), { type: "module", name: "rvplay io" });
  return {
    post: (m, transfer) => w.postMessage(m, { transfer: transfer ?? [] }),
    onMessage: (cb) => {
      w.onmessage = (ev) => cb(ev.data);
      w.onerror = (ev) => {
        ev.preventDefault(); // reported through the machine, not as an uncaught page error
        cb({ type: "error", message: ev.message || "the I/O worker failed to load" });
      };
    },
    terminate: () => w.terminate(),
  };
};
