// The page's shared folder for the machine: what the browser's I/O worker
// builds for a {type: "store"} share (the IndexedDB folder, src/web/share-idb.ts),
// and the device spec the machine worker adds when IndexedDB can be used.
import type { DevicePlatform, DeviceSpec } from "../devices/specs.js";
import { IdbShare, SHARE_DB, openShareDb } from "./share-idb.js";

export const webSharePlatform: DevicePlatform = {
  openShare: (s) => s.type === "store" ? IdbShare.open(s.store) : undefined,
};

// The virtio-9p device over the page's folder (mount tag "host": the sample
// image mounts it at /mnt/host), or why there is none.
export async function pageShareSpec(): Promise<{ spec: DeviceSpec } | { note: string }> {
  try {
    (await openShareDb(SHARE_DB)).close();
    return { spec: { kind: "9p", tag: "host", share: { type: "store", store: SHARE_DB } } };
  } catch (e) {
    return { note: `This browser will not let the page keep data (${e instanceof Error ? e.message : String(e)}): the machine has no shared folder.` };
  }
}
