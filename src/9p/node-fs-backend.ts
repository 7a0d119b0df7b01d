// A host directory as the guest's shared folder (`rvplay boot --share DIR`).
//
// The guest must never reach outside DIR. The rules, each enforced here:
// - Names arrive checked (names.ts): one element each, never "", ".", "..",
//   nor holding "/" or NUL. Host paths are DIR + "/" + the names, nothing else.
// - Symlinks are never followed on the host: every step of a path is
//   lstat()ed and must be a real directory, the last element is lstat()ed or
//   opened with O_NOFOLLOW, and the calls used (rename, unlink, rmdir, link,
//   symlink, readlink, lutimes) do not follow a final symlink. A symlink is
//   shown to the guest as a symlink, and the guest resolves it in its own
//   namespace (v9fs does that), where "/etc" is the guest's own /etc.
// - Node has no openat(), so a path is resolved again by name for each call.
//   To keep the guest from swapping a checked directory for a symlink between
//   the check and the use, calls that check-then-use hold a shared lock and
//   the calls that can replace a name (unlink, rmdir, rename) take it
//   exclusively. (Other host processes are trusted not to race us: QEMU's
//   openat()-per-element walk also covers them; this cannot.)
// - FIFOs, sockets and device files are listed but never opened, and cannot
//   be made (Tmknod: EPERM). Files are opened O_NONBLOCK and checked with
//   fstat after opening, so nothing can block the server or touch a device.
// - Ownership: every file is shown as owned by `uid`:`gid` (default 0:0,
//   root:root). The files are really accessed with the rights of the host
//   user running rvplay, whatever the guest believes; the sample image's
//   shell is root, so showing root:root with the host's permission bits lets
//   it use every file the host user can, and keeps the host's account
//   numbers out of the guest (QEMU's security_model=none shows them as they
//   are; "mapped" stores the guest's in xattrs; we do neither). A guest chown
//   is accepted and changes nothing; chmod drops setuid/setgid bits.
import { promises as fsp, constants as C, lstatSync, readvSync, type BigIntStats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import {
  allowedMode,
  type FsAttr, type FsBackend, type FsDirEntry, type FsFile, type FsOpenFlags, type FsPath, type FsSetAttr, type FsStatfs,
} from "./backend.js";
import { EILSEQ, EINVAL, EISDIR, ELOOP, ENOENT, ENOTDIR, EPERM, EROFS, FsError } from "./errno.js";
import { NAME_MAX } from "./names.js";
import { RwLock } from "./rw-lock.js";

export interface NodeFsBackendOptions {
  readOnly?: boolean;
  uid?: number; // owner shown to the guest (default 0)
  gid?: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const LSTAT_BATCH = 64;

export class NodeFsBackend implements FsBackend {
  readonly readOnly: boolean;
  private readonly uid: number;
  private readonly gid: number;
  private readonly lock = new RwLock();
  // qid paths: the inode number for files on the share's own device; files on
  // other devices (mounts inside the folder) get numbers of their own above 2^63.
  private readonly foreign = new Map<string, bigint>();
  private nextForeign = 1n << 63n;

  private constructor(readonly root: string, private readonly rootDev: bigint, options: NodeFsBackendOptions) {
    this.readOnly = options.readOnly ?? false;
    this.uid = options.uid ?? 0;
    this.gid = options.gid ?? 0;
  }

  // `dir` is resolved once (symlinks in the path the host user gave are fine);
  // from then on nothing is followed.
  static async create(dir: string, options: NodeFsBackendOptions = {}): Promise<NodeFsBackend> {
    const root = await fsp.realpath(dir);
    const st = await fsp.stat(root, { bigint: true });
    if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
    return new NodeFsBackend(root, st.dev, options);
  }

  private host(path: FsPath): string {
    return path.length === 0 ? this.root : `${this.root}/${path.join("/")}`;
  }

  // Every directory above the last element must be a real directory now.
  // Called under the lock (see the header). Synchronous on purpose: these
  // directories were just walked, so each lstat is a dentry-cache hit of a
  // microsecond or two, where a trip through libuv's thread pool costs tens;
  // and no other request runs between the checks and the call that follows.
  private async checkParents(path: FsPath): Promise<void> {
    let p = this.root;
    for (let i = 0; i < path.length - 1; i++) {
      p += "/" + path[i];
      const st = lstatSync(p, { throwIfNoEntry: false });
      if (!st) throw new FsError(ENOENT, "no such directory");
      if (!st.isDirectory()) throw new FsError(ENOTDIR, "not a directory (symlinks are not followed)");
    }
  }

  private async lstat(path: FsPath): Promise<BigIntStats> {
    await this.checkParents(path);
    return fsp.lstat(this.host(path), { bigint: true });
  }

  private qidPath(st: BigIntStats): bigint {
    if (st.dev === this.rootDev && st.ino < 1n << 63n) return st.ino;
    const key = `${st.dev}:${st.ino}`;
    let p = this.foreign.get(key);
    if (p === undefined) {
      p = this.nextForeign++;
      this.foreign.set(key, p);
    }
    return p;
  }

  attrOf(st: BigIntStats): FsAttr {
    const kind = st.isDirectory() ? "dir" : st.isFile() ? "file" : st.isSymbolicLink() ? "symlink" : "other";
    return {
      kind, mode: Number(st.mode), ino: this.qidPath(st), nlink: Number(st.nlink), uid: this.uid, gid: this.gid,
      size: Number(st.size), blksize: Number(st.blksize), blocks: Number(st.blocks),
      atimeNs: st.atimeNs, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs,
    };
  }

  private writable(): void { if (this.readOnly) throw new FsError(EROFS, "read-only share"); }

  getattr(path: FsPath): Promise<FsAttr> {
    return this.lock.shared(async () => this.attrOf(await this.lstat(path)));
  }

  lookup(dir: FsPath, name: string): Promise<FsAttr> {
    return this.lock.shared(async () => this.attrOf(await this.lstat([...dir, name]))); // checks dir itself too
  }

  setattr(path: FsPath, a: FsSetAttr): Promise<void> {
    this.writable();
    return this.lock.shared(async () => {
      const st = await this.lstat(path);
      const p = this.host(path);
      if (a.size !== undefined) {
        if (st.isDirectory()) throw new FsError(EISDIR, "truncate of a directory");
        if (!st.isFile()) throw new FsError(EINVAL, "truncate of a non-regular file");
      }
      // chmod and truncate follow a final symlink; lstat just said there is
      // none, and no guest call can replace it while we hold the lock.
      if (a.mode !== undefined && !st.isSymbolicLink()) await fsp.chmod(p, allowedMode(a.mode, st.isDirectory()));
      if (a.size !== undefined) await fsp.truncate(p, a.size);
      if (a.atimeNs !== undefined || a.mtimeNs !== undefined) {
        const now = Date.now() / 1000;
        const secs = (t: bigint | "now" | undefined, old: bigint) => t === "now" ? now : Number(t ?? old) / 1e9;
        await fsp.lutimes(p, secs(a.atimeNs, st.atimeNs), secs(a.mtimeNs, st.mtimeNs));
      }
    });
  }

  readdir(path: FsPath): Promise<FsDirEntry[]> {
    return this.lock.shared(async () => {
      const st = await this.lstat(path);
      if (!st.isDirectory()) throw new FsError(ENOTDIR, "not a directory");
      const dir = this.host(path);
      const names: string[] = [];
      for (const raw of await fsp.readdir(dir, { encoding: "buffer" })) {
        // A host name that is not UTF-8 or is too long cannot be named over 9P: left out.
        if (raw.length > NAME_MAX) continue;
        try { names.push(utf8.decode(raw)); } catch { /* not UTF-8 */ }
      }
      const out: FsDirEntry[] = [];
      for (let i = 0; i < names.length; i += LSTAT_BATCH) {
        const batch = await Promise.all(names.slice(i, i + LSTAT_BATCH).map(async (name) => {
          try {
            const a = this.attrOf(await fsp.lstat(`${dir}/${name}`, { bigint: true }));
            return { name, kind: a.kind, ino: a.ino };
          } catch {
            return undefined; // removed meanwhile by the host
          }
        }));
        for (const e of batch) if (e) out.push(e);
      }
      return out;
    });
  }

  private static openMode(flags: FsOpenFlags): number {
    const acc = flags.write ? (flags.read ? C.O_RDWR : C.O_WRONLY) : C.O_RDONLY;
    return acc | C.O_NOFOLLOW | C.O_NONBLOCK | (flags.truncate ? C.O_TRUNC : 0) | (flags.append ? C.O_APPEND : 0);
  }

  // Opened with O_NOFOLLOW and O_NONBLOCK, then checked to be a regular file.
  private async openChecked(p: string, mode: number, perm?: number): Promise<{ fh: FileHandle; st: BigIntStats }> {
    const fh = await fsp.open(p, mode, perm);
    try {
      const st = await fh.stat({ bigint: true });
      if (!st.isFile()) throw new FsError(st.isDirectory() ? EISDIR : EPERM, "not a regular file");
      return { fh, st };
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  open(path: FsPath, flags: FsOpenFlags): Promise<FsFile> {
    if (flags.write || flags.truncate) this.writable();
    return this.lock.shared(async () => {
      // Check the type before open(2): opening a device can act on it.
      const st = await this.lstat(path);
      if (st.isDirectory()) throw new FsError(EISDIR, "is a directory");
      if (st.isSymbolicLink()) throw new FsError(ELOOP, "symlinks are not opened");
      if (!st.isFile()) throw new FsError(EPERM, "device files, FIFOs and sockets are not opened");
      const { fh } = await this.openChecked(this.host(path), NodeFsBackend.openMode(flags));
      return new NodeFile(fh, this, flags);
    });
  }

  create(dir: FsPath, name: string, mode: number, flags: FsOpenFlags): Promise<{ file: FsFile; attr: FsAttr }> {
    this.writable();
    return this.lock.shared(async () => {
      await this.checkParents([...dir, name]);
      // O_EXCL: never opens what is already there, symlink or not.
      const { fh, st } = await this.openChecked(this.host([...dir, name]),
        NodeFsBackend.openMode(flags) | C.O_CREAT | C.O_EXCL, allowedMode(mode, false));
      return { file: new NodeFile(fh, this, flags), attr: this.attrOf(st) };
    });
  }

  mkdir(dir: FsPath, name: string, mode: number): Promise<FsAttr> {
    this.writable();
    return this.lock.shared(async () => {
      await this.checkParents([...dir, name]);
      const p = this.host([...dir, name]);
      await fsp.mkdir(p, { mode: allowedMode(mode, true) });
      return this.attrOf(await fsp.lstat(p, { bigint: true }));
    });
  }

  symlink(dir: FsPath, name: string, target: string): Promise<FsAttr> {
    this.writable();
    return this.lock.shared(async () => {
      await this.checkParents([...dir, name]);
      const p = this.host([...dir, name]);
      // The target is only text: nothing on the host follows it (see the header).
      await fsp.symlink(target, p);
      return this.attrOf(await fsp.lstat(p, { bigint: true }));
    });
  }

  link(target: FsPath, dir: FsPath, name: string): Promise<FsAttr> {
    this.writable();
    return this.lock.shared(async () => {
      const st = await this.lstat(target);
      if (st.isDirectory()) throw new FsError(EPERM, "hard link to a directory");
      await this.checkParents([...dir, name]);
      const p = this.host([...dir, name]);
      await fsp.link(this.host(target), p); // link(2) does not follow a symlink given as the target
      return this.attrOf(await fsp.lstat(p, { bigint: true }));
    });
  }

  readlink(path: FsPath): Promise<string> {
    return this.lock.shared(async () => {
      const st = await this.lstat(path);
      if (!st.isSymbolicLink()) throw new FsError(EINVAL, "not a symlink");
      const raw = await fsp.readlink(this.host(path), { encoding: "buffer" });
      try { return utf8.decode(raw); } catch { throw new FsError(EILSEQ, "symlink target is not UTF-8"); }
    });
  }

  unlink(dir: FsPath, name: string, isDir: boolean): Promise<void> {
    this.writable();
    return this.lock.exclusive(async () => {
      const path = [...dir, name];
      const st = await this.lstat(path);
      const p = this.host(path);
      if (isDir) {
        if (!st.isDirectory()) throw new FsError(ENOTDIR, "not a directory");
        await fsp.rmdir(p);
      } else {
        if (st.isDirectory()) throw new FsError(EISDIR, "is a directory");
        await fsp.unlink(p);
      }
    });
  }

  rename(fromDir: FsPath, fromName: string, toDir: FsPath, toName: string): Promise<void> {
    this.writable();
    return this.lock.exclusive(async () => {
      await this.checkParents([...fromDir, fromName]);
      await this.checkParents([...toDir, toName]);
      // rename(2) acts on the names themselves and follows neither.
      await fsp.rename(this.host([...fromDir, fromName]), this.host([...toDir, toName]));
    });
  }

  async statfs(): Promise<FsStatfs> {
    const s = await fsp.statfs(this.root);
    return { bsize: s.bsize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail, files: s.files, ffree: s.ffree };
  }
}

// An open host file: reads and writes go straight to the descriptor at the
// offset asked, so a file of any size streams through.
class NodeFile implements FsFile {
  constructor(private readonly fh: FileHandle, private readonly backend: NodeFsBackend, private readonly flags: FsOpenFlags) {}

  async read(offset: number, into: Uint8Array): Promise<number> {
    let done = 0;
    while (done < into.length) {
      const { bytesRead } = await this.fh.read(into, done, into.length - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }

  // One preadv(2) straight into the guest's pages, as many times as it
  // takes (a short read before the end of the file is retried for the rest).
  // Synchronous, on the I/O worker's thread: a read the page cache answers
  // (the usual case: 256 KiB in tens of microseconds) costs less than the
  // two thread hops of libuv's pool, and those hops were a third of the
  // host's time per read on the loaded 2-core machine (sequential 64 MiB
  // reads: about 175 to 270 MB/s, alternating runs). A read from a slow disk holds the
  // I/O worker (and so the other devices) for its duration; the harts run on.
  async readv(offset: number, into: Uint8Array[]): Promise<number> {
    let views = into.filter((v) => v.length > 0);
    let done = 0;
    while (views.length > 0) {
      const bytesRead = readvSync(this.fh.fd, views, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
      let skip = bytesRead;
      while (views.length > 0 && skip >= views[0].length) { skip -= views[0].length; views = views.slice(1); }
      if (skip > 0) views = [views[0].subarray(skip), ...views.slice(1)];
    }
    return done;
  }

  async write(offset: number, data: Uint8Array): Promise<number> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.fh.write(data, done, data.length - done, offset + done);
      done += bytesWritten;
    }
    return done;
  }

  async getattr(): Promise<FsAttr> { return this.backend.attrOf(await this.fh.stat({ bigint: true })); }

  async truncate(size: number): Promise<void> {
    if (this.backend.readOnly) throw new FsError(EROFS, "read-only share");
    if (!this.flags.write) throw new FsError(EINVAL, "file not open for writing"); // as ftruncate(2)
    await this.fh.truncate(size);
  }

  async fsync(datasync: boolean): Promise<void> {
    if (datasync) await this.fh.datasync();
    else await this.fh.sync();
  }

  async close(): Promise<void> { await this.fh.close(); }
}
