// Messages of the Share button and of opening a share link, between the page
// and the machine worker (protocol.ts carries them; share-jobs.ts does the
// work; share-panel.tsx draws it).
import type { MachineShape } from "./protocol.js";

/** Bytes and blobs of an upload or download under way. */
export interface Transfer { blobs: number; blobsDone: number; bytes: number; bytesDone: number }

export type ShareStatus =
  | { kind: "idle" }
  | { kind: "busy"; phase: "snapshot" | "upload" | "publish"; message: string; transfer?: Transfer }
  | {
    kind: "done"; link: string; id: string; message: string;
    uploadedBytes: number; uploadedBlobs: number; totalBytes: number; blobs: number; ms: number;
    /** the parts of ms: taking the snapshot, then uploading and publishing */
    snapshotMs: number; uploadMs: number;
  }
  | { kind: "error"; message: string };

export type LinkStatus =
  | { kind: "idle" }
  | { kind: "busy"; id: string; phase: "manifest" | "blobs" | "restore"; message: string; transfer?: Transfer; localBytes?: number }
  | {
    kind: "done"; id: string; message: string; shape: Pick<MachineShape, "cpus" | "memMiB">;
    fetchedBytes: number; fetchedBlobs: number; localBytes: number; manifestBytes: number; ms: number;
    /** the parts of ms: the snapshot in hand (store or service), then the restore */
    fetchMs: number; restoreMs: number;
    /** the page's clock (ms since it was opened) when it got this */
    pageAt?: number;
  }
  | { kind: "error"; id?: string; message: string };

/** What the page may run: a link to a larger machine is refused before anything is fetched. */
export interface PageLimits { maxCpus: number; maxMemMiB: number }
