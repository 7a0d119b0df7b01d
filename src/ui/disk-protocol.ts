// Messages between the Disks panel (disks-panel.tsx) and its worker
// (disk-worker.ts), which does the store's work off the page's thread:
// uploads streamed into chunks, downloads, resets, deletes.
import type { DiskRecord } from "../disks/store-backend.js";

export const MAX_ATTACHED = 4; // virtio-blk disks: /dev/vda..vdd

export interface DiskView extends DiskRecord { baseLabel?: string; inUseElsewhere: boolean }

export interface StorageFigures { usage: number; quota: number; persisted: boolean }

export type ToDiskWorker =
  | { type: "list" }
  | { type: "upload"; req: number; file: File; name: string }
  | { type: "cancel"; req: number }
  | { type: "create"; req: number; name: string; size: number }
  | { type: "attach"; req: number; ids: string[] }
  | { type: "reset"; req: number; id: string }
  | { type: "delete"; req: number; id: string }
  | { type: "download"; req: number; id: string };

export type FromDiskWorker =
  // The store: its disks, which are attached (in /dev/vd? order), storage
  // figures; `unavailable` when IndexedDB cannot be used at all.
  | { type: "list"; disks: DiskView[]; attached: string[]; storage?: StorageFigures; unavailable?: string }
  | { type: "progress"; req: number; read: number; unpacked: number; total: number }
  | { type: "done"; req: number; message: string }
  | { type: "failed"; req: number; message: string }
  | { type: "blob"; req: number; blob: Blob; name: string };

// What an upload may need at most: a gzip file's size field (ISIZE, the
// unpacked size modulo 2^32) or the file's own size; undefined if unknown.
export function neededBytes(fileSize: number, gzip: boolean, isize?: number): number {
  if (!gzip || isize === undefined) return fileSize;
  // ISIZE wraps at 4 GiB: take the smallest size that fits, at least the compressed one.
  let n = isize;
  while (n < fileSize) n += 2 ** 32;
  return n;
}
