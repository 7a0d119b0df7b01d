// The configured back end: S3 when a bucket is given, else local disk. The S3
// client is loaded only when used.
import type { BlobStore } from "./blob-store.js";
import { DiskStore } from "./disk-store.js";
import type { S3Config } from "./config.js";

export async function openStore(cfg: { dataDir: string; s3: S3Config | undefined }): Promise<BlobStore> {
  if (!cfg.s3) return new DiskStore(cfg.dataDir);
  const { S3Store } = await import("./s3-store.js");
  return new S3Store(cfg.s3);
}
