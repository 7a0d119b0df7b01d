// The storage interface of the snapshot service: immutable objects named by
// the SHA-256 of their bytes, in two namespaces (blobs, manifests). Two back
// ends implement it: disk-store.ts (default) and s3-store.ts.
//
// Rules every back end keeps:
// - a name is checked with assertContentHash before any path or key is built;
// - an object becomes visible only whole, and only after the caller verified
//   its hash (commit* take bytes already verified); writes are create-only;
// - failures of the store itself are StorageError (503 to the client).
import type { Readable } from "node:stream";
import { isContentHash } from "../src/snapshot/share-api.js";

export type Namespace = "blobs" | "manifests";

export interface StoredObject {
  size: number;
  /** The stored bytes, unverified: the caller hashes them while sending. */
  stream: Readable;
}

export type CommitResult = "created" | "exists";

export interface BlobStore {
  /** For logs and the start-up line: "disk /var/lib/...", "s3 bucket ... at ...". */
  readonly description: string;
  /** Reachable and writable, or a StorageError saying why not. */
  check(): Promise<void>;
  /** The stored size, or undefined when there is no such object. */
  stat(ns: Namespace, hash: string): Promise<number | undefined>;
  read(ns: Namespace, hash: string): Promise<StoredObject | undefined>;
  /** A fresh path for an upload to be spooled to while it is hashed. */
  tempFile(): Promise<string>;
  /**
   * Makes the temp file (already verified to hash to `hash`, `size` bytes)
   * visible as `hash`, create-only, and removes the temp file in every case.
   */
  commitFile(ns: Namespace, hash: string, tempPath: string, size: number): Promise<CommitResult>;
  /** The same for a small object held in memory (a manifest). */
  commitBytes(ns: Namespace, hash: string, bytes: Uint8Array): Promise<CommitResult>;
  /**
   * Called when a stored object failed its hash on the way out: set it aside so
   * it is no longer served and a good copy can be uploaded again.
   */
  quarantine(ns: Namespace, hash: string): Promise<void>;
  close(): Promise<void>;
}

/** The guard before any path or key is built from a name that came from a client. */
export function assertContentHash(hash: string): void {
  if (!isContentHash(hash)) throw new Error(`refusing to build a storage name from ${JSON.stringify(hash)}`);
}
