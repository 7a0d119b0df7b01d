// S3-compatible back end, so that several server instances share one store.
// Client: @aws-sdk/client-s3 (AWS's own, kept current, streams bodies, signs
// with SigV4, retries, and knows the conditional-write parameters).
//
// Create-only: PutObject with `If-None-Match: *` (S3 answers 412 when the key
// exists; AWS S3 since 2024-08, MinIO, moto 5.2.1 (tested) honour it). A store
// that ignores the header overwrites the object with the same verified bytes:
// harmless, since the name is the hash. Objects are PUT whole from a verified
// spool file, and S3 makes a PUT visible only when complete, so a wrong-hash or
// partial object never appears under a final key.
import { createReadStream } from "node:fs";
import { mkdir, unlink } from "node:fs/promises";
import { createHash, randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import {
  S3Client, HeadBucketCommand, HeadObjectCommand, GetObjectCommand, PutObjectCommand, DeleteObjectCommand,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { assertContentHash, type BlobStore, type CommitResult, type Namespace, type StoredObject } from "./blob-store.js";
import { StorageError } from "./http-error.js";

export interface S3StoreOptions {
  bucket: string;
  /** e.g. http://127.0.0.1:9000 for MinIO or moto; AWS when undefined. */
  endpoint?: string;
  region: string;
  /** Key prefix inside the bucket, e.g. "rvplay/". */
  prefix: string;
  /** Path-style URLs (endpoint/bucket/key), which most S3-compatible stores need. */
  forcePathStyle: boolean;
  /** Where uploads are spooled while hashed (local disk). */
  spoolDir?: string;
  /** Explicit credentials; otherwise the SDK's chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, profiles...). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

interface S3Failure { name?: string; $metadata?: { httpStatusCode?: number } }

function status(e: unknown): number | undefined {
  return (e as S3Failure | undefined)?.$metadata?.httpStatusCode;
}

/** No such object. (A missing bucket is a broken store, not a missing object.) */
function isNotFound(e: unknown): boolean {
  const name = (e as S3Failure | undefined)?.name;
  if (name === "NoSuchBucket") return false;
  return status(e) === 404 || name === "NotFound" || name === "NoSuchKey";
}

export class S3Store implements BlobStore {
  readonly description: string;
  readonly client: S3Client;
  readonly spoolDir: string;

  constructor(private readonly opts: S3StoreOptions) {
    this.description = `s3 bucket ${opts.bucket}${opts.prefix ? ` prefix ${opts.prefix}` : ""}` +
      (opts.endpoint ? ` at ${opts.endpoint}` : ` in ${opts.region}`);
    this.spoolDir = opts.spoolDir ?? join(tmpdir(), "rvplay-server-spool");
    const config: S3ClientConfig = {
      region: opts.region,
      endpoint: opts.endpoint,
      forcePathStyle: opts.forcePathStyle,
      credentials: opts.credentials,
      // S3-compatible stores do not all know the SDK's default CRC32 trailers;
      // integrity is ours anyway: every object is named by, and checked against, its SHA-256.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
      logger: {
        debug() {}, info() {},
        // The SDK warns on every failed PUT of a stream, including the 412 that
        // create-only writes expect when two uploads of one blob race.
        warn: (...a: unknown[]) => {
          if (!String(a[0]).startsWith("An error was encountered in a non-retryable streaming request")) console.warn(...a);
        },
        // Every failed command also reaches us as an exception, which we handle or report.
        error() {},
      },
    };
    this.client = new S3Client(config);
  }

  private key(ns: Namespace, hash: string): string {
    assertContentHash(hash);
    return `${this.opts.prefix}${ns}/${hash}`;
  }

  private fail(what: string, e: unknown): StorageError {
    const s = status(e);
    return new StorageError(`s3 store: ${what}: ${(e as Error).name ?? "Error"}${s ? ` (HTTP ${s})` : ""}: ${(e as Error).message}`,
      { cause: e });
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.opts.bucket }));
    } catch (e) {
      throw this.fail(`bucket ${this.opts.bucket} is not reachable`, e);
    }
  }

  async stat(ns: Namespace, hash: string): Promise<number | undefined> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.opts.bucket, Key: this.key(ns, hash) }));
      return r.ContentLength;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw this.fail("head", e);
    }
  }

  async read(ns: Namespace, hash: string): Promise<StoredObject | undefined> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.opts.bucket, Key: this.key(ns, hash) }));
      if (r.ContentLength === undefined || !r.Body) throw new Error("GetObject answered without a length or body");
      return { size: r.ContentLength, stream: r.Body as Readable };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw this.fail("get", e);
    }
  }

  async tempFile(): Promise<string> {
    try {
      await mkdir(this.spoolDir, { recursive: true });
    } catch (e) {
      throw new StorageError(`s3 store: cannot create the spool directory ${this.spoolDir}: ${(e as Error).message}`);
    }
    return join(this.spoolDir, `${process.pid}-${randomBytes(12).toString("hex")}`);
  }

  private async put(ns: Namespace, hash: string, body: () => Uint8Array | Readable, size: number): Promise<CommitResult> {
    const input = () => new PutObjectCommand({
      Bucket: this.opts.bucket, Key: this.key(ns, hash), Body: body(), ContentLength: size,
      ContentType: ns === "manifests" ? "application/json" : "application/octet-stream",
      IfNoneMatch: "*",
    });
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(input());
        return "created";
      } catch (e) {
        if (status(e) === 412) return "exists";
        // 409 ConditionalRequestConflict: another conditional PUT of this key is in
        // flight. Its bytes are the same as ours, so once it lands we are done.
        if (status(e) === 409 && attempt < 3) {
          await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
          if ((await this.stat(ns, hash)) !== undefined) return "exists";
          continue;
        }
        throw this.fail("put", e);
      }
    }
  }

  async commitFile(ns: Namespace, hash: string, tempPath: string, size: number): Promise<CommitResult> {
    try {
      return await this.put(ns, hash, () => createReadStream(tempPath), size);
    } finally {
      await unlink(tempPath).catch(() => {});
    }
  }

  async commitBytes(ns: Namespace, hash: string, bytes: Uint8Array): Promise<CommitResult> {
    return this.put(ns, hash, () => bytes, bytes.length);
  }

  /**
   * Deletes an object that failed its hash, but only after a second full read
   * fails too: a fault on the way from the store must not destroy a good object.
   */
  async quarantine(ns: Namespace, hash: string): Promise<void> {
    const obj = await this.read(ns, hash);
    if (!obj) return;
    const h = createHash("sha256");
    let n = 0;
    try {
      for await (const chunk of obj.stream) { h.update(chunk as Buffer); n += (chunk as Buffer).length; }
    } catch (e) {
      throw this.fail("re-read before quarantine", e);
    }
    if (n === obj.size && h.digest("hex") === hash) return;
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.opts.bucket, Key: this.key(ns, hash) }));
    } catch (e) {
      throw this.fail("delete", e);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
