// A 9P2000.L file server: one T-message in, one R-message out, over any
// FsBackend. The virtio-9p device hands it the bytes the guest queued and
// copies the reply back; the server never throws, every failure is an
// Rlerror with a Linux errno.
//
// Requests may be handled concurrently (v9fs keeps several tags in flight):
// fid-table changes are made synchronously after the last await, and Tflush
// resolves only after the request it names has produced its reply, so a
// device that queues replies in the order handle() settles them keeps 9P's
// flush rule (Plan 9 flush(5): the old reply, if any, comes first).
import {
  decode, decodeHeader, encode, rlerror, P9ProtocolError, Writer,
  HEADER_SIZE, MAXWELEM, NOFID, NOTAG, QTDIR, QTFILE, QTSYMLINK, RREAD_HEADER, TYPE_NUMBER, VERSION_9P2000L,
  type Message, type Qid,
} from "./codec.js";
import {
  EBADF, EBUSY, EFBIG, EINVAL, EIO, EISDIR, ELOOP, EMFILE, EMSGSIZE, ENOTDIR, EOPNOTSUPP, EPERM, EPROTO, EROFS,
  FsError, errnoOf,
} from "./errno.js";
import { S_IFMT, S_IFREG, type FsAttr, type FsBackend, type FsDirEntry, type FsFile, type FsOpenFlags, type FsSetAttr } from "./backend.js";
import { checkName, checkSymlinkTarget, NAME_MAX } from "./names.js";
import { P9SessionError, type P9SessionState } from "./session-state.js";

export const DEFAULT_MSIZE_CAP = 512 * 1024;
export const MIN_MSIZE = 4096; // as QEMU: smaller cannot carry a readdir or a path
export const DEFAULT_MAX_FIDS = 16384;
const utf8 = new TextEncoder();
const V9FS_MAGIC = 0x01021997; // statfs f_type of a 9p mount (Linux fs/9p)

// Tlopen/Tlcreate flags: Linux's P9_DOTL_* values (include/net/9p/9p.h).
const O_ACCMODE = 0o3, O_WRONLY = 0o1, O_RDWR = 0o2;
const O_TRUNC = 0o1000, O_APPEND = 0o2000, O_DIRECTORY = 0o200000;
const AT_REMOVEDIR = 0x200;
// Tsetattr valid bits (P9_SETATTR_*).
const SETATTR_MODE = 0x1, SETATTR_UID = 0x2, SETATTR_GID = 0x4, SETATTR_SIZE = 0x8;
const SETATTR_ATIME = 0x10, SETATTR_MTIME = 0x20, SETATTR_CTIME = 0x40;
const SETATTR_ATIME_SET = 0x80, SETATTR_MTIME_SET = 0x100;
const GETATTR_BASIC = 0x7ffn; // mode .. blocks: what Rgetattr fills in
const LOCK_UNLCK = 2, LOCK_SUCCESS = 0;
// readdir d_type values (Linux DT_*).
const DT_UNKNOWN = 0, DT_DIR = 4, DT_REG = 8, DT_LNK = 10;

export interface P9ServerOptions {
  msizeCap?: number; // the largest msize agreed to (default 512 KiB)
  maxFids?: number; // fids one session may hold (default 16384); more is EMFILE
}

interface OpenState {
  file?: FsFile; // regular files
  isDir: boolean;
  read: boolean;
  write: boolean;
  append?: boolean; // kept so that a restored session opens the file the same way
  listing?: FsDirEntryWithOffset[]; // a directory's entries, read at offset 0
}
interface FsDirEntryWithOffset extends FsDirEntry { offset: bigint }

interface Fid {
  kind: "node" | "xattr"; // xattr: the empty attribute list Txattrwalk "" opens
  path: string[];
  qid: Qid;
  open?: OpenState;
}

function qidOf(a: { kind: FsAttr["kind"]; ino: bigint }): Qid {
  // version 0: Linux's v9fs (cache=none) does not use it, and a version that
  // changed with every write would only make the guest drop its inodes.
  return { type: a.kind === "dir" ? QTDIR : a.kind === "symlink" ? QTSYMLINK : QTFILE, version: 0, path: a.ino };
}

function splitNs(ns: bigint): [bigint, bigint] {
  const sec = ns >= 0n ? ns / 1_000_000_000n : -((-ns + 999_999_999n) / 1_000_000_000n);
  return [sec, ns - sec * 1_000_000_000n];
}

function timeNs(sec: bigint, nsec: bigint): bigint {
  if (nsec >= 1_000_000_000n) throw new FsError(EINVAL, "nanoseconds out of range");
  return BigInt.asIntN(64, sec) * 1_000_000_000n + nsec;
}

const MAX_OFFSET = BigInt(Number.MAX_SAFE_INTEGER);

function openFlags(flags: number): FsOpenFlags {
  const acc = flags & O_ACCMODE;
  if (acc === O_ACCMODE) throw new FsError(EINVAL, "bad access mode");
  return { read: acc !== O_WRONLY, write: acc !== 0, truncate: (flags & O_TRUNC) !== 0, append: (flags & O_APPEND) !== 0 };
}

export class P9Server {
  private readonly msizeCap: number;
  private readonly maxFids: number;
  private msize = 0; // 0 until a Tversion agrees on one
  private readonly fids = new Map<number, Fid>();
  private readonly inflight = new Map<number, Promise<unknown>>();

  constructor(private readonly fs: FsBackend, options: P9ServerOptions = {}) {
    this.msizeCap = Math.max(MIN_MSIZE, Math.floor(options.msizeCap ?? DEFAULT_MSIZE_CAP));
    this.maxFids = options.maxFids ?? DEFAULT_MAX_FIDS;
  }

  // The agreed msize (0 before Tversion); the device may size buffers by it.
  get negotiatedMsize(): number { return this.msize; }
  get fidCount(): number { return this.fids.size; }

  // One T-message in, one R-message out. Never throws.
  async handle(request: Uint8Array): Promise<Uint8Array> {
    let tag: number;
    try {
      tag = decodeHeader(request).tag;
    } catch (e) {
      return e instanceof P9ProtocolError ? rlerror(e.tag, e.errno) : rlerror(NOTAG, EINVAL);
    }
    return this.track(tag, this.dispatch(request), (e) => rlerror(tag, errnoOf(e)));
  }

  // One T-message in, its reply written into `out` (a device's writable
  // buffers, in order); returns the reply's length. A Tread's data is read
  // from the file straight into the buffers past the reply's 11-byte header,
  // with no copy: the layout of Linux's zero-copy reads (an 11-byte header
  // buffer, then the reader's pages). A reply larger than `out` is replaced
  // by Rlerror EMSGSIZE; `out` must hold at least RREAD_HEADER (11) bytes,
  // which any Rlerror fits. Never throws.
  async handleInto(request: Uint8Array, out: Uint8Array[]): Promise<number> {
    const room = out.reduce((n, b) => n + b.length, 0);
    if (room < RREAD_HEADER) throw new RangeError("a reply needs at least 11 bytes of room");
    let head;
    try {
      head = decodeHeader(request);
    } catch (e) {
      return scatterReply(out, e instanceof P9ProtocolError ? rlerror(e.tag, e.errno) : rlerror(NOTAG, EINVAL));
    }
    const tag = head.tag;
    if (head.type === TYPE_NUMBER.Tread && this.msize !== 0) {
      const written = this.track(tag, this.readInto(request, out, room), (e) => scatterReply(out, rlerror(tag, errnoOf(e))));
      return written;
    }
    let reply = await this.handle(request);
    if (reply.length > room) reply = rlerror(tag, EMSGSIZE);
    return scatterReply(out, reply);
  }

  // Registers a request in flight under its tag (Tflush waits for it).
  private async track<T>(tag: number, work: Promise<T>, failed: (e: unknown) => T): Promise<T> {
    this.inflight.set(tag, work);
    try {
      return await work;
    } catch (e) {
      return failed(e); // the handlers answer every error themselves; this is only a last guard
    } finally {
      if (this.inflight.get(tag) === work) this.inflight.delete(tag);
    }
  }

  // Drops every fid (a Tversion or a device reset): open files are closed.
  async reset(): Promise<void> {
    const open = [...this.fids.values()].map((f) => f.open?.file).filter((f): f is FsFile => !!f);
    this.fids.clear();
    this.msize = 0;
    await Promise.all(open.map((f) => f.close().catch(() => undefined)));
  }

  // The session as plain data, for a snapshot: the agreed msize and every
  // fid by path (fids hold paths, not host handles), with how it was opened.
  // Call it with no request in flight (the device is drained).
  exportSession(): P9SessionState {
    return {
      msize: this.msize,
      fids: [...this.fids].map(([fid, f]) => ({
        fid, kind: f.kind, path: [...f.path], qid: { type: f.qid.type, path: f.qid.path.toString() },
        ...(f.open ? { open: { dir: f.open.isDir, read: f.open.read, write: f.open.write, append: f.open.append ?? false } } : {}),
      })),
    };
  }

  // Take up a session a snapshot saved, over the same folder (or another:
  // its root stands for the saved root): each open file is opened again by
  // its path. A fid whose file is gone (or is no longer what it was: another
  // inode) is dropped, so the guest's next use of it gets EBADF rather than
  // another file's bytes. Returns the fids dropped. The state must have
  // passed parseP9Session (src/9p/session-state.ts).
  async importSession(state: P9SessionState): Promise<number[]> {
    if (state.msize > this.msizeCap) throw new P9SessionError(`the saved session's msize ${state.msize} is above this server's ${this.msizeCap}`);
    if (state.fids.length > this.maxFids) throw new P9SessionError(`the saved session holds ${state.fids.length} fids; this server allows ${this.maxFids}`);
    await this.reset();
    const dropped: number[] = [];
    for (const s of state.fids) {
      const qid: Qid = { type: s.qid.type, version: 0, path: BigInt(s.qid.path) };
      const fid: Fid = { kind: s.kind, path: [...s.path], qid };
      try {
        // A fid below the root must still name the file it named; the root
        // is the folder's root whatever folder the restore was given (the
        // page's snapshot restored in the CLI over --share DIR).
        const attr = await this.fs.getattr(fid.path);
        if (fid.path.length === 0) fid.qid = qidOf(attr);
        else if (s.kind === "node" && attr.ino !== qid.path) throw new FsError(EBADF, "another file now");
        if (s.open) {
          if (s.open.dir || s.kind === "xattr") {
            fid.open = { isDir: s.open.dir, read: s.open.read, write: s.open.write };
          } else {
            if (s.open.write && this.fs.readOnly) throw new FsError(EROFS, "read-only share");
            const file = await this.fs.open(fid.path, { read: s.open.read, write: s.open.write, truncate: false, append: s.open.append });
            fid.open = { file, isDir: false, read: s.open.read, write: s.open.write, append: s.open.append };
          }
        }
        this.fids.set(s.fid, fid);
      } catch {
        dropped.push(s.fid);
      }
    }
    this.msize = state.msize;
    return dropped;
  }

  private async dispatch(request: Uint8Array): Promise<Uint8Array> {
    let msg: Message;
    try {
      msg = decode(request);
    } catch (e) {
      if (e instanceof P9ProtocolError) return rlerror(e.tag, e.errno);
      return rlerror(NOTAG, EINVAL);
    }
    try {
      const limit = this.msize || this.msizeCap;
      if (decodeHeader(request).size > limit) throw new FsError(EMSGSIZE, "message larger than msize");
      if (this.msize === 0 && msg.type !== "Tversion") throw new FsError(EPROTO, "no Tversion yet");
      const reply = await this.serve(msg);
      if (this.msize !== 0 && reply.length > this.msize) return rlerror(msg.tag, EMSGSIZE);
      return reply;
    } catch (e) {
      return rlerror(msg.tag, errnoOf(e));
    }
  }

  private fid(n: number): Fid {
    const f = this.fids.get(n);
    if (!f) throw new FsError(EBADF, `unknown fid ${n}`);
    return f;
  }
  private nodeFid(n: number): Fid {
    const f = this.fid(n);
    if (f.kind !== "node") throw new FsError(EBADF, "not a file fid");
    return f;
  }
  private dirFid(n: number): Fid {
    const f = this.nodeFid(n);
    if (!(f.qid.type & QTDIR)) throw new FsError(ENOTDIR, "fid is not a directory");
    return f;
  }
  private checkFree(n: number): void {
    if (this.fids.has(n)) throw new FsError(EINVAL, `fid ${n} in use`);
    if (n === NOFID) throw new FsError(EINVAL, "NOFID is not a fid");
  }
  // Called after the last await of a request, so no other request interleaves.
  private insert(n: number, f: Fid): void {
    this.checkFree(n);
    if (this.fids.size >= this.maxFids) throw new FsError(EMFILE, "too many fids");
    this.fids.set(n, f);
  }
  private writable(): void {
    if (this.fs.readOnly) throw new FsError(EROFS, "read-only share");
  }

  private async serve(m: Message): Promise<Uint8Array> {
    const tag = m.tag;
    switch (m.type) {
      case "Tversion": {
        await this.reset();
        if (m.version !== VERSION_9P2000L) {
          return encode("Rversion", tag, { msize: Math.min(m.msize, this.msizeCap), version: "unknown" });
        }
        if (m.msize < MIN_MSIZE) throw new FsError(EMSGSIZE, "msize below 4096");
        this.msize = Math.min(m.msize, this.msizeCap);
        return encode("Rversion", tag, { msize: this.msize, version: VERSION_9P2000L });
      }
      case "Tauth":
        throw new FsError(EOPNOTSUPP, "no authentication"); // diod protocol.md: Rlerror when auth is not required
      case "Tattach": {
        this.checkFree(m.fid);
        if (m.afid !== NOFID) throw new FsError(EBADF, "no auth fids exist");
        const attr = await this.fs.getattr([]);
        const qid = qidOf(attr);
        this.insert(m.fid, { kind: "node", path: [], qid });
        return encode("Rattach", tag, { qid });
      }
      case "Tflush": {
        const pending = m.oldtag === tag ? undefined : this.inflight.get(m.oldtag);
        if (pending) await pending.catch(() => undefined);
        return encode("Rflush", tag, {});
      }
      case "Twalk": return this.walk(m);
      case "Tclunk": {
        const f = this.fid(m.fid);
        this.fids.delete(m.fid);
        await f.open?.file?.close();
        return encode("Rclunk", tag, {});
      }
      case "Tremove": {
        // remove(5): the fid is clunked even when the remove fails.
        const f = this.fid(m.fid);
        this.fids.delete(m.fid);
        try {
          if (f.kind !== "node") throw new FsError(EBADF, "not a file fid");
          if (f.path.length === 0) throw new FsError(EBUSY, "the share's root");
          this.writable();
          const attr = await this.fs.getattr(f.path);
          await this.fs.unlink(f.path.slice(0, -1), f.path[f.path.length - 1], attr.kind === "dir");
        } finally {
          await f.open?.file?.close().catch(() => undefined);
        }
        return encode("Rremove", tag, {});
      }
      case "Tlopen": return this.lopen(m);
      case "Tlcreate": return this.lcreate(m);
      case "Tread": return this.read(m);
      case "Twrite": {
        const f = this.fid(m.fid);
        if (!f.open) throw new FsError(EBADF, "fid not open");
        if (f.open.isDir) throw new FsError(EISDIR, "write to a directory");
        if (!f.open.write || !f.open.file) throw new FsError(EBADF, "fid not open for writing");
        if (m.offset + BigInt(m.data.length) > MAX_OFFSET) throw new FsError(EFBIG, "offset too large");
        const count = await f.open.file.write(Number(m.offset), m.data);
        return encode("Rwrite", tag, { count });
      }
      case "Tgetattr": {
        const f = this.nodeFid(m.fid);
        const a = f.open?.file ? await f.open.file.getattr() : await this.fs.getattr(f.path);
        const [as, an] = splitNs(a.atimeNs), [ms, mn] = splitNs(a.mtimeNs), [cs, cn] = splitNs(a.ctimeNs);
        return encode("Rgetattr", tag, {
          valid: GETATTR_BASIC, qid: qidOf(a), mode: a.mode, uid: a.uid, gid: a.gid, nlink: BigInt(a.nlink),
          rdev: 0n, size: BigInt(a.size), blksize: BigInt(a.blksize), blocks: BigInt(a.blocks),
          atimeSec: as, atimeNsec: an, mtimeSec: ms, mtimeNsec: mn, ctimeSec: cs, ctimeNsec: cn,
          btimeSec: 0n, btimeNsec: 0n, gen: 0n, dataVersion: 0n,
        });
      }
      case "Tsetattr": return this.setattr(m);
      case "Treaddir": return this.readdir(m);
      case "Tstatfs": {
        this.nodeFid(m.fid);
        const s = await this.fs.statfs();
        return encode("Rstatfs", tag, {
          fsType: V9FS_MAGIC, bsize: s.bsize, blocks: BigInt(s.blocks), bfree: BigInt(s.bfree), bavail: BigInt(s.bavail),
          files: BigInt(s.files), ffree: BigInt(s.ffree), fsid: 0n, namelen: NAME_MAX,
        });
      }
      case "Tmkdir": {
        const d = this.dirFid(m.dfid);
        checkName(m.name, "create");
        this.writable();
        const attr = await this.fs.mkdir(d.path, m.name, m.mode & 0o7777);
        return encode("Rmkdir", tag, { qid: qidOf(attr) });
      }
      case "Tsymlink": {
        const d = this.dirFid(m.fid);
        checkName(m.name, "create");
        checkSymlinkTarget(m.symtgt);
        this.writable();
        const attr = await this.fs.symlink(d.path, m.name, m.symtgt);
        return encode("Rsymlink", tag, { qid: qidOf(attr) });
      }
      case "Tmknod": {
        const d = this.dirFid(m.dfid);
        checkName(m.name, "create");
        const type = m.mode & S_IFMT;
        // Device files, FIFOs and sockets are never made in a shared folder;
        // mknod(2) says EPERM when the file system does not support the type.
        if (type !== 0 && type !== S_IFREG) throw new FsError(EPERM, "only regular files can be made");
        this.writable();
        const { file, attr } = await this.fs.create(d.path, m.name, m.mode & 0o7777,
          { read: true, write: false, truncate: false, append: false });
        await file.close();
        return encode("Rmknod", tag, { qid: qidOf(attr) });
      }
      case "Treadlink": {
        const f = this.nodeFid(m.fid);
        return encode("Rreadlink", tag, { target: await this.fs.readlink(f.path) });
      }
      case "Tlink": {
        const d = this.dirFid(m.dfid);
        const target = this.nodeFid(m.fid);
        checkName(m.name, "create");
        if (target.qid.type & QTDIR) throw new FsError(EPERM, "hard link to a directory");
        this.writable();
        await this.fs.link(target.path, d.path, m.name);
        return encode("Rlink", tag, {});
      }
      case "Trename": {
        const f = this.nodeFid(m.fid);
        const d = this.dirFid(m.dfid);
        checkName(m.name, "remove");
        if (f.path.length === 0) throw new FsError(EBUSY, "the share's root");
        this.writable();
        await this.rename(f.path.slice(0, -1), f.path[f.path.length - 1], d.path, m.name);
        return encode("Rrename", tag, {});
      }
      case "Trenameat": {
        const from = this.dirFid(m.olddirfid);
        const to = this.dirFid(m.newdirfid);
        checkName(m.oldname, "remove");
        checkName(m.newname, "remove");
        this.writable();
        await this.rename(from.path, m.oldname, to.path, m.newname);
        return encode("Rrenameat", tag, {});
      }
      case "Tunlinkat": {
        const d = this.dirFid(m.dirfid);
        checkName(m.name, "remove");
        if ((m.flags & ~AT_REMOVEDIR) !== 0) throw new FsError(EINVAL, "unknown unlinkat flags");
        this.writable();
        await this.fs.unlink(d.path, m.name, (m.flags & AT_REMOVEDIR) !== 0);
        return encode("Runlinkat", tag, {});
      }
      case "Tfsync": {
        const f = this.nodeFid(m.fid);
        if (!f.open) throw new FsError(EBADF, "fid not open");
        await f.open.file?.fsync(m.datasync !== 0);
        return encode("Rfsync", tag, {});
      }
      case "Tlock": {
        // The guest's own lock manager arbitrates between its processes
        // (v9fs takes the lock locally first); the guest is the share's only
        // 9P client, so the server grants every valid request, as QEMU does.
        this.nodeFid(m.fid);
        if (m.lockType > LOCK_UNLCK) throw new FsError(EINVAL, "bad lock type");
        return encode("Rlock", tag, { status: LOCK_SUCCESS });
      }
      case "Tgetlock": {
        this.nodeFid(m.fid);
        if (m.lockType > LOCK_UNLCK) throw new FsError(EINVAL, "bad lock type");
        return encode("Rgetlock", tag, { lockType: LOCK_UNLCK, start: m.start, length: m.length, procId: m.procId, clientId: m.clientId });
      }
      case "Txattrwalk": {
        // No extended attributes are served: the list is empty, a named one is unsupported.
        const f = this.nodeFid(m.fid);
        this.checkFree(m.newfid);
        if (m.name !== "") throw new FsError(EOPNOTSUPP, "no extended attributes");
        this.insert(m.newfid, { kind: "xattr", path: f.path, qid: f.qid, open: { isDir: false, read: true, write: false } });
        return encode("Rxattrwalk", tag, { size: 0n });
      }
      case "Txattrcreate":
        this.nodeFid(m.fid);
        throw new FsError(EOPNOTSUPP, "no extended attributes");
      default:
        // R-messages, and 9P2000/9P2000.u requests (Topen, Tstat...) a .L
        // session does not use: QEMU answers what it has no handler for so.
        throw new FsError(EOPNOTSUPP, `${m.type} is not served`);
    }
  }

  private async walk(m: Message<"Twalk">): Promise<Uint8Array> {
    const from = this.nodeFid(m.fid);
    if (m.wnames.length > MAXWELEM) throw new FsError(EINVAL, "more than 16 walk elements");
    if (m.newfid !== m.fid) this.checkFree(m.newfid);
    else if (from.open) throw new FsError(EBADF, "walk would replace an open fid");
    for (const name of m.wnames) checkName(name, "walk");
    let path = from.path;
    let qid = from.qid;
    const wqids: Qid[] = [];
    let failure = 0;
    for (const name of m.wnames) {
      if (!(qid.type & QTDIR)) { failure = ENOTDIR; break; } // a symlink is never walked through here
      try {
        const attr = await this.fs.lookup(path, name);
        path = [...path, name];
        qid = qidOf(attr);
        wqids.push(qid);
      } catch (e) {
        failure = errnoOf(e);
        break;
      }
    }
    // walk(5): an error only if the first element fails; otherwise the qids
    // walked so far, and newfid is not made.
    if (wqids.length === 0 && m.wnames.length > 0) throw new FsError(failure, "walk failed");
    if (wqids.length === m.wnames.length) {
      const fresh: Fid = { kind: "node", path: [...path], qid };
      if (m.newfid === m.fid) {
        if (this.fids.get(m.fid) !== from || from.open) throw new FsError(EBADF, "fid changed during the walk");
        this.fids.set(m.fid, fresh);
      } else {
        this.insert(m.newfid, fresh);
      }
    }
    return encode("Rwalk", m.tag, { wqids });
  }

  private async lopen(m: Message<"Tlopen">): Promise<Uint8Array> {
    const f = this.nodeFid(m.fid);
    if (f.open) throw new FsError(EBADF, "fid already open");
    const flags = openFlags(m.flags);
    const attr = await this.fs.getattr(f.path);
    let open: OpenState;
    if (attr.kind === "dir") {
      if (flags.write || flags.truncate) throw new FsError(EISDIR, "directory opened for writing");
      open = { isDir: true, read: true, write: false };
    } else if (attr.kind === "symlink") {
      throw new FsError(ELOOP, "symlinks are not opened"); // as open(2) with O_NOFOLLOW
    } else if (attr.kind === "other") {
      throw new FsError(EPERM, "device files, FIFOs and sockets are not opened");
    } else {
      if (m.flags & O_DIRECTORY) throw new FsError(ENOTDIR, "O_DIRECTORY on a file");
      if ((flags.write || flags.truncate) && this.fs.readOnly) throw new FsError(EROFS, "read-only share");
      const file = await this.fs.open(f.path, flags);
      open = { file, isDir: false, read: flags.read, write: flags.write, append: flags.append };
    }
    if (this.fids.get(m.fid) !== f || f.open) {
      await open.file?.close();
      throw new FsError(EBADF, "fid changed while opening");
    }
    f.open = open;
    f.qid = qidOf(attr);
    return encode("Rlopen", m.tag, { qid: f.qid, iounit: 0 }); // 0: the client uses msize - 24
  }

  private async lcreate(m: Message<"Tlcreate">): Promise<Uint8Array> {
    const d = this.dirFid(m.fid);
    if (d.open) throw new FsError(EBADF, "fid already open");
    checkName(m.name, "create");
    const flags = openFlags(m.flags);
    this.writable();
    const { file, attr } = await this.fs.create(d.path, m.name, m.mode & 0o7777, flags);
    if (this.fids.get(m.fid) !== d || d.open) {
      await file.close();
      throw new FsError(EBADF, "fid changed while creating");
    }
    d.path = [...d.path, m.name];
    d.qid = qidOf(attr);
    d.open = { file, isDir: false, read: flags.read, write: flags.write, append: flags.append };
    return encode("Rlcreate", m.tag, { qid: d.qid, iounit: 0 });
  }

  private async read(m: Message<"Tread">): Promise<Uint8Array> {
    const f = this.fid(m.fid);
    if (!f.open) throw new FsError(EBADF, "fid not open");
    if (f.open.isDir) throw new FsError(EISDIR, "read of a directory (use Treaddir)");
    if (!f.open.read) throw new FsError(EBADF, "fid not open for reading");
    // read(5): the server may return fewer bytes than asked; never more than fits msize.
    const count = Math.min(m.count, this.msize - RREAD_HEADER);
    const reply = new Uint8Array(RREAD_HEADER + count);
    let n = 0;
    // An xattr fid reads as the empty list; no file holds bytes past 2^53.
    if (f.kind === "node" && f.open.file && m.offset < MAX_OFFSET && count > 0) {
      n = await f.open.file.read(Number(m.offset), reply.subarray(RREAD_HEADER, RREAD_HEADER + count));
    }
    const view = new DataView(reply.buffer);
    view.setUint32(0, RREAD_HEADER + n, true);
    view.setUint8(4, TYPE_NUMBER.Rread);
    view.setUint16(5, m.tag, true);
    view.setUint32(7, n, true);
    return reply.subarray(0, RREAD_HEADER + n);
  }

  // Tread answered into the device's buffers (see handleInto). The same
  // checks and errors as read(); the data goes from the file into `out`
  // past the 11-byte header, which is written last.
  private async readInto(request: Uint8Array, out: Uint8Array[], room: number): Promise<number> {
    let m: Message;
    try {
      m = decode(request);
    } catch (e) {
      return scatterReply(out, e instanceof P9ProtocolError ? rlerror(e.tag, e.errno) : rlerror(NOTAG, EINVAL));
    }
    const tag = m.tag;
    try {
      if (m.type !== "Tread") throw new FsError(EINVAL, "not a Tread");
      if (decodeHeader(request).size > this.msize) throw new FsError(EMSGSIZE, "message larger than msize");
      const f = this.fid(m.fid);
      if (!f.open) throw new FsError(EBADF, "fid not open");
      if (f.open.isDir) throw new FsError(EISDIR, "read of a directory (use Treaddir)");
      if (!f.open.read) throw new FsError(EBADF, "fid not open for reading");
      const count = Math.min(m.count, this.msize - RREAD_HEADER);
      if (RREAD_HEADER + count > room) throw new FsError(EMSGSIZE, "reply larger than the buffers given");
      let n = 0;
      if (f.kind === "node" && f.open.file && m.offset < MAX_OFFSET && count > 0) {
        const views = sliceViews(out, RREAD_HEADER, count);
        const file = f.open.file;
        if (file.readv) {
          n = await file.readv(Number(m.offset), views);
        } else {
          for (const v of views) {
            const got = await file.read(Number(m.offset) + n, v);
            n += got;
            if (got < v.length) break;
          }
        }
      }
      const header = new Uint8Array(RREAD_HEADER);
      const view = new DataView(header.buffer);
      view.setUint32(0, RREAD_HEADER + n, true);
      view.setUint8(4, TYPE_NUMBER.Rread);
      view.setUint16(5, tag, true);
      view.setUint32(7, n, true);
      scatterReply(out, header);
      return RREAD_HEADER + n;
    } catch (e) {
      return scatterReply(out, rlerror(tag, errnoOf(e)));
    }
  }

  private async setattr(m: Message<"Tsetattr">): Promise<Uint8Array> {
    const f = this.nodeFid(m.fid);
    const v = m.valid;
    // Ownership is not changed: files keep the owner the back end shows
    // (QEMU's security_model=none likewise ignores a failed chown). Accepting
    // it lets tar and cp -a in the guest work.
    const changes = v & ~(SETATTR_UID | SETATTR_GID | SETATTR_CTIME);
    if (changes !== 0 || (v & (SETATTR_UID | SETATTR_GID))) this.writable();
    const attr: FsSetAttr = {};
    if (v & SETATTR_MODE) attr.mode = m.mode & 0o7777;
    if (v & SETATTR_ATIME) attr.atimeNs = v & SETATTR_ATIME_SET ? timeNs(m.atimeSec, m.atimeNsec) : "now";
    if (v & SETATTR_MTIME) attr.mtimeNs = v & SETATTR_MTIME_SET ? timeNs(m.mtimeSec, m.mtimeNsec) : "now";
    if (v & SETATTR_SIZE) {
      if (m.size > MAX_OFFSET) throw new FsError(EFBIG, "size too large");
      const size = Number(m.size);
      // A file open for writing is truncated through its handle: it may be unlinked already.
      if (f.open?.file && f.open.write) await f.open.file.truncate(size);
      else attr.size = size;
    }
    if (attr.mode !== undefined || attr.size !== undefined || attr.atimeNs !== undefined || attr.mtimeNs !== undefined) {
      await this.fs.setattr(f.path, attr);
    }
    return encode("Rsetattr", m.tag, {});
  }

  private async readdir(m: Message<"Treaddir">): Promise<Uint8Array> {
    const f = this.nodeFid(m.fid);
    if (!f.open) throw new FsError(EBADF, "fid not open");
    if (!f.open.isDir) throw new FsError(ENOTDIR, "readdir of a file");
    // Offsets are cookies: entry i carries i + 1, the offset of the next one.
    // The listing is read once per pass (offset 0) and served from memory.
    if (m.offset === 0n || !f.open.listing) f.open.listing = await this.listing(f);
    const listing = f.open.listing;
    const count = Math.min(m.count, this.msize - RREAD_HEADER);
    const w = new Writer(Math.min(count + RREAD_HEADER, 64 * 1024));
    w.u32(0); w.u8(TYPE_NUMBER.Rreaddir); w.u16(m.tag); w.u32(0);
    let used = 0;
    for (let i = m.offset; i < BigInt(listing.length); i++) {
      const e = listing[Number(i)];
      const nameBytes = utf8.encode(e.name);
      const size = 13 + 8 + 1 + 2 + nameBytes.length;
      if (used + size > count) {
        if (used === 0) throw new FsError(EINVAL, "count too small for one entry");
        break;
      }
      w.qid(qidOf(e));
      w.u64(e.offset);
      w.u8(e.kind === "dir" ? DT_DIR : e.kind === "file" ? DT_REG : e.kind === "symlink" ? DT_LNK : DT_UNKNOWN);
      w.u16(nameBytes.length);
      w.bytes(nameBytes);
      used += size;
    }
    w.patchU32(0, w.length);
    w.patchU32(HEADER_SIZE, used);
    return w.finish();
  }

  private async listing(f: Fid): Promise<FsDirEntryWithOffset[]> {
    const self = await this.fs.getattr(f.path);
    const parent = f.path.length === 0 ? self : await this.fs.getattr(f.path.slice(0, -1));
    const entries: FsDirEntry[] = [
      { name: ".", kind: "dir", ino: self.ino },
      { name: "..", kind: "dir", ino: parent.ino }, // the root's parent is itself: nothing above the share
      ...await this.fs.readdir(f.path),
    ];
    return entries.map((e, i) => ({ ...e, offset: BigInt(i + 1) }));
  }

  private async rename(fromDir: string[], fromName: string, toDir: string[], toName: string): Promise<void> {
    await this.fs.rename(fromDir, fromName, toDir, toName);
    // Fids hold paths: every fid at or under the old name now lives under the new one.
    const from = [...fromDir, fromName];
    const to = [...toDir, toName];
    for (const f of this.fids.values()) {
      if (f.path.length >= from.length && from.every((c, i) => f.path[i] === c)) {
        f.path = [...to, ...f.path.slice(from.length)];
      }
    }
  }
}

// Copy a reply into the buffers in order; returns its length.
function scatterReply(out: Uint8Array[], reply: Uint8Array): number {
  let at = 0;
  for (const b of out) {
    if (at >= reply.length) break;
    const n = Math.min(b.length, reply.length - at);
    b.set(reply.subarray(at, at + n));
    at += n;
  }
  return reply.length;
}

// Views of bytes [skip, skip + len) of the buffers taken end to end.
function sliceViews(out: Uint8Array[], skip: number, len: number): Uint8Array[] {
  const views: Uint8Array[] = [];
  for (const b of out) {
    if (len <= 0) break;
    if (skip >= b.length) { skip -= b.length; continue; }
    const n = Math.min(b.length - skip, len);
    views.push(b.subarray(skip, skip + n));
    len -= n;
    skip = 0;
  }
  return views;
}
