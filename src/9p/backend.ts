// The one interface every shared-folder back end implements: an asynchronous
// file system addressed by paths of checked names relative to the share's
// root. The 9P server (server.ts) holds a path per fid and calls these; a back
// end never sees a name that is empty, ".", "..", longer than NAME_MAX, or
// that holds "/" or NUL (names.ts checks them first), and it must never
// follow a symlink on its side: symlinks are resolved by the guest.
//
// Errors are thrown as FsError(errno) (errno.ts); a back end may also let a
// host error with a `code` through (errnoOf maps it).

// A path inside the share: [] is the root, ["a", "b"] is a/b.
export type FsPath = readonly string[];

// "other" is a FIFO, socket or device file found in a host folder: listed and
// stat-able, never opened.
export type FileKind = "file" | "dir" | "symlink" | "other";

export interface FsAttr {
  kind: FileKind;
  mode: number; // st_mode: type bits and permissions
  ino: bigint; // stable per file while the share is served: the qid's path
  nlink: number;
  uid: number; // as shown to the guest (see the back end's notes), not the host's
  gid: number;
  size: number;
  blksize: number;
  blocks: number; // 512-byte blocks
  atimeNs: bigint; // since the epoch
  mtimeNs: bigint;
  ctimeNs: bigint;
}

export interface FsDirEntry { name: string; kind: FileKind; ino: bigint }

export interface FsStatfs {
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
}

// What setattr may change; absent fields stay as they are. Ownership is not
// in here: the guest's chown is accepted and changes nothing (server.ts).
export interface FsSetAttr {
  mode?: number; // permission bits only; a back end masks out setuid/setgid
  size?: number;
  atimeNs?: bigint | "now";
  mtimeNs?: bigint | "now";
}

export interface FsOpenFlags {
  read: boolean;
  write: boolean;
  truncate: boolean;
  append: boolean; // writes go to the end of the file whatever their offset
}

// An open regular file. Reads and writes go to the file at an offset; nothing
// holds the file whole.
export interface FsFile {
  // Fill `into` from `offset`; returns the bytes read (fewer only at the end of the file).
  read(offset: number, into: Uint8Array): Promise<number>;
  // The same into several buffers in turn (a device's pages); optional: the
  // server reads them one by one where a back end has no such call.
  readv?(offset: number, into: Uint8Array[]): Promise<number>;
  write(offset: number, data: Uint8Array): Promise<number>;
  getattr(): Promise<FsAttr>; // of the open file, even once it is unlinked
  truncate(size: number): Promise<void>;
  fsync(datasync: boolean): Promise<void>;
  close(): Promise<void>;
}

export interface FsBackend {
  readonly readOnly: boolean;
  getattr(path: FsPath): Promise<FsAttr>; // like lstat: a symlink is reported as one
  lookup(dir: FsPath, name: string): Promise<FsAttr>; // dir must be a directory
  setattr(path: FsPath, attr: FsSetAttr): Promise<void>;
  readdir(path: FsPath): Promise<FsDirEntry[]>; // without "." and ".."
  open(path: FsPath, flags: FsOpenFlags): Promise<FsFile>; // regular files only
  create(dir: FsPath, name: string, mode: number, flags: FsOpenFlags): Promise<{ file: FsFile; attr: FsAttr }>;
  mkdir(dir: FsPath, name: string, mode: number): Promise<FsAttr>;
  symlink(dir: FsPath, name: string, target: string): Promise<FsAttr>;
  link(target: FsPath, dir: FsPath, name: string): Promise<FsAttr>;
  readlink(path: FsPath): Promise<string>;
  unlink(dir: FsPath, name: string, isDir: boolean): Promise<void>; // isDir: rmdir
  rename(fromDir: FsPath, fromName: string, toDir: FsPath, toName: string): Promise<void>;
  statfs(): Promise<FsStatfs>;
  // The device is done with the back end (the machine stopped).
  close?(): Promise<void>;
}

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;

// Mode bits a guest may set on a host file: permissions and, on directories,
// the sticky bit. Setuid and setgid are dropped: a guest must not be able to
// leave a set-id program in a host folder for a host user to run.
export function allowedMode(mode: number, isDir: boolean): number {
  return mode & (isDir ? 0o1777 : 0o777);
}
