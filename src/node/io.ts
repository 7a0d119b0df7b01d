// The I/O worker under Node (worker_threads), and the disk back ends only
// Node has.
import { Worker } from "node:worker_threads";
import type { IoSpawner } from "../devices/io-host.js";
import type { DevicePlatform } from "../devices/specs.js";
import { FileDisk } from "./file-disk.js";
import { openStoreDisk } from "./disk-files.js";
import { makeNodeNet } from "./net-link.js";
import { NodeFsBackend } from "../9p/node-fs-backend.js";

// What the I/O worker builds under Node beyond the shared devices.
export const nodeDevices: DevicePlatform = {
  openDisk: (d) => d.type === "file" ? FileDisk.open(d.path, d.writable)
    : d.type === "store" ? openStoreDisk(d.store, d.id, d.readOnly ?? false)
    : undefined,
  makeNet: makeNodeNet,
  openShare: (s) => s.type === "host" ? NodeFsBackend.create(s.path, { readOnly: s.readOnly }) : undefined,
};

export const spawnNodeIo: IoSpawner = () => {
  const w = new Worker(new URL("./io-worker.js", import.meta.url));
  w.unref(); // the controller's own loop keeps the process alive
  return {
    post: (m, transfer) => w.postMessage(m, transfer as never),
    onMessage: (cb) => {
      w.on("message", cb);
      w.on("error", (e) => cb({ type: "error", message: e.message }));
    },
    terminate: () => { void w.terminate(); },
  };
};
