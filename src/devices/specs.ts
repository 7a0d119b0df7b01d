// What the controller asks the I/O side to build, as plain data that can
// cross to a worker: a device kind and its back end. Each platform's I/O
// worker knows how to make the back ends it can (files under Node;
// IndexedDB in the browser); the shared ones are made here.
import { MemoryDisk, VirtioBlock, type BlockBackend } from "./virtio-blk.js";
import { VirtioEntropy } from "./virtio-rng.js";
import { VirtioConsole } from "./virtio-console.js";
import type { VirtioDevice } from "./virtio.js";

export type DiskSpec =
  // The whole image in memory. A SharedArrayBuffer stays the caller's: the
  // guest's writes land in it and outlive the machine.
  | { type: "memory"; buffer: SharedArrayBuffer | ArrayBuffer; readOnly?: boolean }
  // A raw image file (Node): read on demand; writes go to the file when
  // writable, else to an overlay in memory.
  | { type: "file"; path: string; writable: boolean }
  // A disk of a disk store (src/disks/): `store` is where the store is (a
  // directory under Node; the IndexedDB database's name in the browser),
  // `id` the disk. Writes persist in its overlay; readOnly takes no lock.
  | { type: "store"; store: string; id: string; readOnly?: boolean };

export type DeviceSpec =
  | { kind: "blk"; disk: DiskSpec; serial?: string }
  | { kind: "rng" }
  | { kind: "console" } // virtio-console on the console's rings (hvc0)
  // A device object built by the caller: only for an I/O side running in
  // the controller's own thread (tests); a worker refuses it.
  | { kind: "object"; device: VirtioDevice };

export class DeviceSpecError extends Error {}

// What a platform's I/O worker can build beyond the shared devices (files
// under Node, IndexedDB in the browser, ...). Each returns undefined for a
// spec it cannot serve.
export interface DevicePlatform {
  openDisk?(disk: DiskSpec): Promise<BlockBackend> | undefined;
}

export async function makeDevice(spec: DeviceSpec, platform: DevicePlatform = {}): Promise<VirtioDevice> {
  switch (spec.kind) {
    case "rng": return new VirtioEntropy();
    case "console": return new VirtioConsole();
    case "object": return spec.device;
    case "blk": {
      const d = spec.disk;
      const backend = d.type === "memory"
        ? new MemoryDisk(new Uint8Array(d.buffer), d.readOnly ?? false)
        : await platform.openDisk?.(d);
      if (!backend) throw new DeviceSpecError(`no back end here for a ${d.type} disk`);
      return new VirtioBlock(backend, spec.serial);
    }
  }
}
