// A shared folder that lives in memory: the page's back end (the Files panel
// will persist it). Plain data a page can walk and store: directories are Maps
// of names to nodes, a file's bytes are chunks of at most CHUNK bytes keyed by
// index, so a 1 GiB file is 16384 small allocations and a sparse file holds
// only what was written. Every change the guest (or the page) makes is
// reported to listeners, so a UI can follow the guest live.
import {
  allowedMode, S_IFDIR, S_IFLNK, S_IFREG,
  type FileKind, type FsAttr, type FsBackend, type FsDirEntry, type FsFile, type FsOpenFlags, type FsPath, type FsSetAttr, type FsStatfs,
} from "./backend.js";
import {
  EBADF, EEXIST, EFBIG, EINVAL, EISDIR, ELOOP, ENOENT, ENOSPC, ENOTDIR, ENOTEMPTY, EPERM, EROFS, FsError,
} from "./errno.js";
import { byteLength } from "./codec.js";
import { checkName } from "./names.js";

export const CHUNK = 64 * 1024;
const MAX_FILE_SIZE = 2 ** 43; // 8 TiB: far past memory, well inside a double's exact integers
const BLOCK = 4096;

interface Link { dir: DirNode; name: string }
interface NodeBase {
  ino: bigint;
  mode: number; // permission bits; the type is the node's kind
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  links: Link[]; // where the node is named; [] for the root and for unlinked files
}
export interface DirNode extends NodeBase { kind: "dir"; entries: Map<string, MemNode>; subdirs: number }
export interface FileNode extends NodeBase {
  kind: "file";
  size: number;
  chunks: Map<number, Uint8Array>;
  held: number; // bytes of its chunks
  openCount: number;
}
export interface SymlinkNode extends NodeBase { kind: "symlink"; target: string }
export type MemNode = DirNode | FileNode | SymlinkNode;

// What a listener hears. Paths are "/"-separated from the share's root.
export type FsChange =
  | { type: "created"; path: string; kind: FileKind }
  | { type: "written"; path: string; size: number } // contents changed (write or truncate)
  | { type: "removed"; path: string; kind: FileKind }
  | { type: "renamed"; from: string; to: string };

export interface MemoryBackendOptions {
  readOnly?: boolean;
  capacity?: number; // bytes of file contents (default 1 GiB); writes past it fail with ENOSPC
  maxNodes?: number; // files, directories and symlinks (default 1,000,000)
  uid?: number; // owner shown to the guest (default 0: root, who runs the sample image's shell)
  gid?: number;
}

function nowNs(): bigint { return BigInt(Date.now()) * 1_000_000n; }

export class MemoryBackend implements FsBackend {
  readonly readOnly: boolean;
  readonly root: DirNode;
  private readonly capacity: number;
  private readonly maxNodes: number;
  private readonly uid: number;
  private readonly gid: number;
  private nextIno = 1n; // 0 is never used: some libcs skip dirents with d_ino 0
  private nodes = 0;
  private used = 0; // bytes held by chunks
  private readonly listeners = new Set<(c: FsChange) => void>();

  constructor(options: MemoryBackendOptions = {}) {
    this.readOnly = options.readOnly ?? false;
    this.capacity = options.capacity ?? 2 ** 30;
    this.maxNodes = options.maxNodes ?? 1_000_000;
    this.uid = options.uid ?? 0;
    this.gid = options.gid ?? 0;
    this.root = this.newDir(0o755);
  }

  // Listen to changes; returns the function that stops listening.
  onChange(listener: (c: FsChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  get usedBytes(): number { return this.used; }

  private emit(c: FsChange): void {
    for (const l of this.listeners) {
      try { l(c); } catch { /* a listener's failure must not fail the guest's operation */ }
    }
  }

  // --- nodes -------------------------------------------------------------

  private base(mode: number): NodeBase {
    if (this.nodes >= this.maxNodes) throw new FsError(ENOSPC, "too many files");
    this.nodes++;
    const t = nowNs();
    return { ino: this.nextIno++, mode, atimeNs: t, mtimeNs: t, ctimeNs: t, links: [] };
  }
  private newDir(mode: number): DirNode {
    return { ...this.base(allowedMode(mode, true)), kind: "dir", entries: new Map(), subdirs: 0 };
  }
  private newFile(mode: number): FileNode {
    return { ...this.base(allowedMode(mode, false)), kind: "file", size: 0, chunks: new Map(), held: 0, openCount: 0 };
  }

  private resolve(path: FsPath): MemNode {
    let node: MemNode = this.root;
    for (const name of path) {
      if (node.kind !== "dir") throw new FsError(ENOTDIR, "not a directory"); // symlinks are never followed
      const next = node.entries.get(name);
      if (!next) throw new FsError(ENOENT, "no such file");
      node = next;
    }
    return node;
  }
  private resolveDir(path: FsPath): DirNode {
    const d = this.resolve(path);
    if (d.kind !== "dir") throw new FsError(ENOTDIR, "not a directory");
    return d;
  }
  private writable(): void { if (this.readOnly) throw new FsError(EROFS, "read-only share"); }

  pathOf(node: MemNode): string {
    const parts: string[] = [];
    let n: MemNode = node;
    while (n.links.length > 0) {
      parts.push(n.links[0].name);
      n = n.links[0].dir;
    }
    return "/" + parts.reverse().join("/");
  }
  private childPath(dir: DirNode, name: string): string {
    const p = this.pathOf(dir);
    return p === "/" ? `/${name}` : `${p}/${name}`;
  }

  private attrOf(n: MemNode): FsAttr {
    const size = n.kind === "file" ? n.size : n.kind === "symlink" ? byteLength(n.target) : BLOCK;
    const nlink = n.kind === "dir" ? 2 + n.subdirs : n.links.length; // a directory: ".", its name, each child's ".."
    const held = n.kind === "file" ? n.held : 0;
    const type = n.kind === "dir" ? S_IFDIR : n.kind === "file" ? S_IFREG : S_IFLNK;
    return {
      kind: n.kind, mode: type | n.mode, ino: n.ino, nlink, uid: this.uid, gid: this.gid, size,
      blksize: BLOCK, blocks: Math.ceil(held / 512), atimeNs: n.atimeNs, mtimeNs: n.mtimeNs, ctimeNs: n.ctimeNs,
    };
  }

  private addLink(dir: DirNode, name: string, node: MemNode): void {
    dir.entries.set(name, node);
    node.links.push({ dir, name });
    if (node.kind === "dir") dir.subdirs++;
    dir.mtimeNs = dir.ctimeNs = nowNs();
  }
  private dropLink(dir: DirNode, name: string, node: MemNode): void {
    dir.entries.delete(name);
    if (node.kind === "dir") dir.subdirs--;
    const i = node.links.findIndex((l) => l.dir === dir && l.name === name);
    if (i >= 0) node.links.splice(i, 1);
    dir.mtimeNs = dir.ctimeNs = node.ctimeNs = nowNs();
    if (node.links.length === 0) this.release(node);
  }
  // A node no directory names: its bytes are freed once no open file holds it.
  private release(node: MemNode): void {
    if (node.kind === "file" && node.openCount > 0) return;
    this.nodes--;
    if (node.kind === "file") {
      this.used -= node.held;
      node.held = 0;
      node.chunks.clear();
    }
  }

  // --- file contents -----------------------------------------------------

  private readInto(f: FileNode, offset: number, into: Uint8Array): number {
    if (offset >= f.size) return 0;
    const n = Math.min(into.length, f.size - offset);
    let done = 0;
    while (done < n) {
      const pos = offset + done;
      const idx = Math.floor(pos / CHUNK);
      const within = pos - idx * CHUNK;
      const span = Math.min(CHUNK - within, n - done);
      const chunk = f.chunks.get(idx);
      const have = chunk ? Math.max(0, Math.min(span, chunk.length - within)) : 0;
      if (have > 0) into.set(chunk!.subarray(within, within + have), done);
      into.fill(0, done + have, done + span); // holes and the unallocated tail of a chunk read as zeros
      done += span;
    }
    return n;
  }

  private writeAt(f: FileNode, offset: number, data: Uint8Array): void {
    const end = offset + data.length;
    if (end > MAX_FILE_SIZE) throw new FsError(EFBIG, "file too large");
    // Reserve the whole write first: a write that does not fit changes nothing.
    let grow = 0;
    const plan: [number, number][] = [];
    for (let idx = Math.floor(offset / CHUNK); idx * CHUNK < end; idx++) {
      const need = Math.min(CHUNK, end - idx * CHUNK);
      const old = f.chunks.get(idx)?.length ?? 0;
      if (need > old) {
        const len = Math.min(CHUNK, Math.max(need, old * 2, 64)); // small files stay small; appends grow geometrically
        plan.push([idx, len]);
        grow += len - old;
      }
    }
    if (this.used + grow > this.capacity) throw new FsError(ENOSPC, "shared folder full");
    for (const [idx, len] of plan) {
      const next = new Uint8Array(len);
      const old = f.chunks.get(idx);
      if (old) next.set(old);
      f.chunks.set(idx, next);
    }
    this.used += grow;
    f.held += grow;
    let done = 0;
    while (done < data.length) {
      const pos = offset + done;
      const idx = Math.floor(pos / CHUNK);
      const within = pos - idx * CHUNK;
      const span = Math.min(CHUNK - within, data.length - done);
      f.chunks.get(idx)!.set(data.subarray(done, done + span), within);
      done += span;
    }
    if (end > f.size) f.size = end;
    f.mtimeNs = f.ctimeNs = nowNs();
  }

  private truncateTo(f: FileNode, size: number): void {
    if (size > MAX_FILE_SIZE) throw new FsError(EFBIG, "file too large");
    if (size < f.size) {
      for (const [idx, chunk] of f.chunks) {
        const start = idx * CHUNK;
        if (start >= size) {
          f.chunks.delete(idx);
          this.used -= chunk.length;
          f.held -= chunk.length;
        } else if (start + chunk.length > size) {
          chunk.fill(0, size - start); // bytes past the end must read as zeros if the file grows again
        }
      }
    }
    f.size = size;
    f.mtimeNs = f.ctimeNs = nowNs();
  }

  private handle(f: FileNode, flags: FsOpenFlags): FsFile {
    f.openCount++;
    let closed = false;
    const live = () => { if (closed) throw new FsError(EBADF, "file closed"); };
    return {
      read: async (offset, into) => {
        live();
        if (!flags.read) throw new FsError(EBADF, "not open for reading");
        f.atimeNs = nowNs();
        return this.readInto(f, offset, into);
      },
      write: async (offset, data) => {
        live();
        if (!flags.write) throw new FsError(EBADF, "not open for writing");
        if (data.length === 0) return 0;
        const at = flags.append ? f.size : offset;
        this.writeAt(f, at, data);
        if (f.links.length > 0) this.emit({ type: "written", path: this.pathOf(f), size: f.size });
        return data.length;
      },
      getattr: async () => this.attrOf(f),
      truncate: async (size) => {
        live();
        this.writable();
        this.truncateTo(f, size);
        if (f.links.length > 0) this.emit({ type: "written", path: this.pathOf(f), size: f.size });
      },
      fsync: async () => { live(); },
      close: async () => {
        if (closed) return;
        closed = true;
        f.openCount--;
        if (f.openCount === 0 && f.links.length === 0) this.release(f);
      },
    };
  }

  // --- FsBackend ---------------------------------------------------------

  async getattr(path: FsPath): Promise<FsAttr> { return this.attrOf(this.resolve(path)); }

  async lookup(dir: FsPath, name: string): Promise<FsAttr> {
    const n = this.resolveDir(dir).entries.get(name);
    if (!n) throw new FsError(ENOENT, "no such file");
    return this.attrOf(n);
  }

  async setattr(path: FsPath, a: FsSetAttr): Promise<void> {
    this.writable();
    const n = this.resolve(path);
    if (a.size !== undefined) {
      if (n.kind === "dir") throw new FsError(EISDIR, "truncate of a directory");
      if (n.kind !== "file") throw new FsError(EINVAL, "truncate of a symlink");
    }
    if (a.mode !== undefined && n.kind !== "symlink") n.mode = allowedMode(a.mode, n.kind === "dir"); // a symlink's mode means nothing (chmod(2) follows it; lchmod is not supported)
    if (a.size !== undefined && n.kind === "file") {
      this.truncateTo(n, a.size);
      if (n.links.length > 0) this.emit({ type: "written", path: this.pathOf(n), size: n.size });
    }
    const t = nowNs();
    if (a.atimeNs !== undefined) n.atimeNs = a.atimeNs === "now" ? t : a.atimeNs;
    if (a.mtimeNs !== undefined) n.mtimeNs = a.mtimeNs === "now" ? t : a.mtimeNs;
    n.ctimeNs = t;
  }

  async readdir(path: FsPath): Promise<FsDirEntry[]> {
    const d = this.resolveDir(path);
    d.atimeNs = nowNs();
    return [...d.entries].map(([name, n]) => ({ name, kind: n.kind, ino: n.ino }));
  }

  async open(path: FsPath, flags: FsOpenFlags): Promise<FsFile> {
    const n = this.resolve(path);
    if (n.kind === "dir") throw new FsError(EISDIR, "is a directory");
    if (n.kind === "symlink") throw new FsError(ELOOP, "symlinks are not opened");
    if (flags.write || flags.truncate) this.writable();
    const file = this.handle(n, flags);
    if (flags.truncate && n.size > 0) {
      this.truncateTo(n, 0);
      this.emit({ type: "written", path: this.pathOf(n), size: 0 });
    }
    return file;
  }

  private freeName(dir: FsPath, name: string): DirNode {
    this.writable();
    const d = this.resolveDir(dir);
    if (d.entries.has(name)) throw new FsError(EEXIST, "file exists");
    return d;
  }

  async create(dir: FsPath, name: string, mode: number, flags: FsOpenFlags): Promise<{ file: FsFile; attr: FsAttr }> {
    const d = this.freeName(dir, name);
    const f = this.newFile(mode);
    this.addLink(d, name, f);
    this.emit({ type: "created", path: this.pathOf(f), kind: "file" });
    return { file: this.handle(f, flags), attr: this.attrOf(f) };
  }

  async mkdir(dir: FsPath, name: string, mode: number): Promise<FsAttr> {
    const d = this.freeName(dir, name);
    const n = this.newDir(mode);
    this.addLink(d, name, n);
    this.emit({ type: "created", path: this.pathOf(n), kind: "dir" });
    return this.attrOf(n);
  }

  async symlink(dir: FsPath, name: string, target: string): Promise<FsAttr> {
    const d = this.freeName(dir, name);
    const n: SymlinkNode = { ...this.base(0o777), kind: "symlink", target };
    this.addLink(d, name, n);
    this.emit({ type: "created", path: this.pathOf(n), kind: "symlink" });
    return this.attrOf(n);
  }

  async link(target: FsPath, dir: FsPath, name: string): Promise<FsAttr> {
    const n = this.resolve(target);
    if (n.kind === "dir") throw new FsError(EPERM, "hard link to a directory");
    if (n.links.length === 0) throw new FsError(ENOENT, "the file was removed");
    const d = this.freeName(dir, name);
    this.addLink(d, name, n);
    n.ctimeNs = nowNs();
    this.emit({ type: "created", path: this.childPath(d, name), kind: n.kind });
    return this.attrOf(n);
  }

  async readlink(path: FsPath): Promise<string> {
    const n = this.resolve(path);
    if (n.kind !== "symlink") throw new FsError(EINVAL, "not a symlink");
    return n.target;
  }

  async unlink(dir: FsPath, name: string, isDir: boolean): Promise<void> {
    this.writable();
    const d = this.resolveDir(dir);
    const n = d.entries.get(name);
    if (!n) throw new FsError(ENOENT, "no such file");
    if (isDir && n.kind !== "dir") throw new FsError(ENOTDIR, "not a directory");
    if (!isDir && n.kind === "dir") throw new FsError(EISDIR, "is a directory");
    if (n.kind === "dir" && n.entries.size > 0) throw new FsError(ENOTEMPTY, "directory not empty");
    const path = this.childPath(d, name);
    this.dropLink(d, name, n);
    this.emit({ type: "removed", path, kind: n.kind });
  }

  async rename(fromDir: FsPath, fromName: string, toDir: FsPath, toName: string): Promise<void> {
    this.writable();
    const sd = this.resolveDir(fromDir);
    const n = sd.entries.get(fromName);
    if (!n) throw new FsError(ENOENT, "no such file");
    const td = this.resolveDir(toDir);
    if (n.kind === "dir") {
      // rename(2): EINVAL when a directory would move under itself.
      for (let p: MemNode = td; ; p = p.links[0].dir) {
        if (p === n) throw new FsError(EINVAL, "directory moved into itself");
        if (p.links.length === 0) break;
      }
    }
    const existing = td.entries.get(toName);
    if (existing === n) return; // rename(2): the same file, nothing to do
    if (existing) {
      if (n.kind === "dir" && existing.kind !== "dir") throw new FsError(ENOTDIR, "target is not a directory");
      if (n.kind !== "dir" && existing.kind === "dir") throw new FsError(EISDIR, "target is a directory");
      if (existing.kind === "dir" && existing.entries.size > 0) throw new FsError(ENOTEMPTY, "target directory not empty");
    }
    const from = this.pathOf(n);
    if (existing) this.dropLink(td, toName, existing);
    sd.entries.delete(fromName);
    if (n.kind === "dir") { sd.subdirs--; td.subdirs++; }
    const link = n.links.find((l) => l.dir === sd && l.name === fromName)!;
    link.dir = td;
    link.name = toName;
    td.entries.set(toName, n);
    const t = nowNs();
    sd.mtimeNs = sd.ctimeNs = td.mtimeNs = td.ctimeNs = n.ctimeNs = t;
    this.emit({ type: "renamed", from, to: this.childPath(td, toName) });
  }

  async statfs(): Promise<FsStatfs> {
    const blocks = Math.floor(this.capacity / BLOCK);
    const free = Math.max(0, Math.floor((this.capacity - this.used) / BLOCK));
    return { bsize: BLOCK, blocks, bfree: free, bavail: free, files: this.maxNodes, ffree: this.maxNodes - this.nodes };
  }

  // --- the page's side ---------------------------------------------------

  private parse(path: string): string[] {
    const parts = path.split("/").filter((p) => p !== "");
    for (const p of parts) checkName(p, "walk");
    return parts;
  }

  // Brings a file in from the page (a dropped file, read as a stream). The
  // bytes go into a file no directory names yet; only when the last chunk is
  // in is it linked at `path` (replacing a file there), so neither the guest
  // nor the panel ever sees half a file. Parent directories are made as needed.
  async importFile(path: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, mode = 0o644): Promise<void> {
    this.writable();
    const parts = this.parse(path);
    if (parts.length === 0) throw new FsError(EISDIR, "the root is a directory");
    const f = this.newFile(mode);
    f.openCount = 1; // held by this import until it is linked
    try {
      let offset = 0;
      for await (const c of chunks) {
        this.writeAt(f, offset, c);
        offset += c.length;
      }
      let d = this.root;
      for (const name of parts.slice(0, -1)) {
        let next = d.entries.get(name);
        if (!next) {
          next = this.newDir(0o755);
          this.addLink(d, name, next);
          this.emit({ type: "created", path: this.pathOf(next), kind: "dir" });
        }
        if (next.kind !== "dir") throw new FsError(ENOTDIR, `${this.pathOf(next)} is not a directory`);
        d = next;
      }
      const name = parts[parts.length - 1];
      const existing = d.entries.get(name);
      if (existing?.kind === "dir") throw new FsError(EISDIR, `${path} is a directory`);
      if (existing) this.dropLink(d, name, existing);
      this.addLink(d, name, f);
      this.emit({ type: "created", path: this.pathOf(f), kind: "file" });
    } finally {
      f.openCount = 0;
      if (f.links.length === 0) this.release(f);
    }
  }

  // Streams a file out to the page (a Download button), CHUNK bytes at a time.
  async *exportFile(path: string): AsyncGenerator<Uint8Array> {
    const n = this.resolve(this.parse(path));
    if (n.kind !== "file") throw new FsError(n.kind === "dir" ? EISDIR : EINVAL, `${path} is not a file`);
    for (let offset = 0; offset < n.size; offset += CHUNK) {
      const buf = new Uint8Array(Math.min(CHUNK, n.size - offset));
      this.readInto(n, offset, buf);
      yield buf;
    }
  }

  // One directory's entries with their attributes, for a file browser.
  async list(path: string): Promise<{ name: string; attr: FsAttr }[]> {
    const d = this.resolveDir(this.parse(path));
    return [...d.entries].map(([name, n]) => ({ name, attr: this.attrOf(n) }));
  }

  async stat(path: string): Promise<FsAttr> { return this.attrOf(this.resolve(this.parse(path))); }
}
