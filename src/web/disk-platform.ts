// What the browser's I/O worker builds for a store disk: the disk of the
// IndexedDB store named in the spec (src/web/disk-idb.ts), holding its Web
// Lock while the machine runs.
import type { DevicePlatform } from "../devices/specs.js";
import { DiskStore } from "../disks/disk-store.js";
import { IdbStoreBackend } from "./disk-idb.js";

export const webDiskPlatform: DevicePlatform = {
  openDisk: (d) => d.type === "store"
    ? IdbStoreBackend.open(d.store).then(async (b) => {
      const store = new DiskStore(b);
      return store.enableSnapshots(d.id, await store.open(d.id, { readOnly: d.readOnly }));
    })
    : undefined,
};
