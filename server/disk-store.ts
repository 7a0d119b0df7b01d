// Local-disk back end: DATA/blobs/ab/<hash>, DATA/manifests/ab/<id> (sharded
// by the first two hex digits), uploads spooled in DATA/tmp/ and made visible
// with link(2), which fails if the name exists: create-only, and never a
// partial object under a final name (the temp file is fsync'd first).
import { createReadStream } from "node:fs";
import { link, mkdir, open, readdir, rename, stat, unlink } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { assertContentHash, type BlobStore, type CommitResult, type Namespace, type StoredObject } from "./blob-store.js";
import { StorageError } from "./http-error.js";

const STALE_TEMP_MS = 60 * 60 * 1000;  // far beyond any request timeout

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

function storageError(what: string, e: unknown): StorageError {
  return new StorageError(`disk store: ${what}: ${(e as Error).message}`, { cause: e });
}

export class DiskStore implements BlobStore {
  readonly description: string;
  private readonly tmpDir: string;
  private readonly quarantineDir: string;

  constructor(readonly root: string) {
    this.description = `disk ${root}`;
    this.tmpDir = join(root, "tmp");
    this.quarantineDir = join(root, "quarantine");
  }

  path(ns: Namespace, hash: string): string {
    assertContentHash(hash);
    return join(this.root, ns, hash.slice(0, 2), hash);
  }

  async check(): Promise<void> {
    try {
      await mkdir(this.tmpDir, { recursive: true });
      const probe = await this.tempFile();
      const fh = await open(probe, "wx");
      await fh.close();
      await unlink(probe);
    } catch (e) {
      throw storageError(`cannot write in ${this.root}`, e);
    }
    await this.removeStaleTemps();
  }

  /** Temp files left by a crash; only old ones, since another process may share the directory. */
  private async removeStaleTemps(): Promise<void> {
    const now = Date.now();
    for (const name of await readdir(this.tmpDir).catch(() => [] as string[])) {
      const p = join(this.tmpDir, name);
      const s = await stat(p).catch(() => undefined);
      if (s && now - s.mtimeMs > STALE_TEMP_MS) await unlink(p).catch(() => {});
    }
  }

  async stat(ns: Namespace, hash: string): Promise<number | undefined> {
    try {
      const s = await stat(this.path(ns, hash));
      return s.isFile() ? s.size : undefined;
    } catch (e) {
      if (code(e) === "ENOENT" || code(e) === "ENOTDIR") return undefined;
      throw storageError("stat", e);
    }
  }

  async read(ns: Namespace, hash: string): Promise<StoredObject | undefined> {
    let fh;
    try {
      fh = await open(this.path(ns, hash), "r");
    } catch (e) {
      if (code(e) === "ENOENT" || code(e) === "ENOTDIR") return undefined;
      throw storageError("open", e);
    }
    try {
      const s = await fh.stat();
      if (!s.isFile()) { await fh.close(); return undefined; }
      // The stream owns the handle from here and closes it at end or destroy.
      return { size: s.size, stream: createReadStream("", { fd: fh, highWaterMark: 256 * 1024 }) };
    } catch (e) {
      await fh.close().catch(() => {});
      throw storageError("stat", e);
    }
  }

  async tempFile(): Promise<string> {
    try {
      await mkdir(this.tmpDir, { recursive: true });
    } catch (e) {
      throw storageError("mkdir tmp", e);
    }
    return join(this.tmpDir, `${process.pid}-${randomBytes(12).toString("hex")}`);
  }

  async commitFile(ns: Namespace, hash: string, tempPath: string, _size: number): Promise<CommitResult> {
    const final = this.path(ns, hash);
    try {
      // Durable bytes before the name: after a crash the name holds all of them or is absent.
      const fh = await open(tempPath, "r+");
      try { await fh.sync(); } finally { await fh.close(); }
      await mkdir(join(this.root, ns, hash.slice(0, 2)), { recursive: true });
      try {
        await link(tempPath, final);
        return "created";
      } catch (e) {
        if (code(e) === "EEXIST") return "exists";
        // A file system without hard links: rename is atomic too. It would replace
        // an existing object, but only with the same verified bytes.
        if (code(e) === "EPERM" || code(e) === "ENOTSUP" || code(e) === "EOPNOTSUPP") {
          const existed = (await this.stat(ns, hash)) !== undefined;
          await rename(tempPath, final);
          return existed ? "exists" : "created";
        }
        throw e;
      }
    } catch (e) {
      throw e instanceof StorageError ? e : storageError("commit", e);
    } finally {
      await unlink(tempPath).catch(() => {});
    }
  }

  async commitBytes(ns: Namespace, hash: string, bytes: Uint8Array): Promise<CommitResult> {
    assertContentHash(hash);
    const temp = await this.tempFile();
    try {
      const fh = await open(temp, "wx");
      try { await fh.writeFile(bytes); } finally { await fh.close(); }
    } catch (e) {
      await unlink(temp).catch(() => {});
      throw storageError("write", e);
    }
    return this.commitFile(ns, hash, temp, bytes.length);
  }

  async quarantine(ns: Namespace, hash: string): Promise<void> {
    const from = this.path(ns, hash);
    try {
      await mkdir(this.quarantineDir, { recursive: true });
      await rename(from, join(this.quarantineDir, `${ns}-${hash}-${Date.now()}`));
    } catch (e) {
      if (code(e) === "ENOENT") return;  // already set aside by a concurrent reader
      throw storageError("quarantine", e);
    }
  }

  async close(): Promise<void> {}
}
