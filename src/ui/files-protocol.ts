// Messages between the Files panel (files-panel.tsx) and its worker
// (files-worker.ts), which does the shared folder's work off the page's
// thread: listings, imports streamed from the dropped files, downloads
// (a file, or a folder as a zip), deletes.
import type { StorageFigures } from "./disk-protocol.js";

export interface FileRow { name: string; kind: "file" | "dir" | "symlink" | "other"; size: number; mtimeMs: number }

// One dropped or picked file, at its path inside the folder it goes to.
export interface IncomingFile { path: string; file: File }

export type ToFilesWorker =
  | { type: "list"; dir: string }
  | { type: "import"; req: number; dir: string; files: IncomingFile[]; dirs: string[] }
  | { type: "cancel"; req: number }
  | { type: "download"; req: number; path: string }
  | { type: "zip"; req: number; path: string }
  | { type: "mkdir"; req: number; path: string }
  | { type: "delete"; req: number; path: string };

export type FromFilesWorker =
  // The directory's entries (dirs first, then by name); `missing` when it is
  // gone (the guest removed it: the panel goes up); `unavailable` when the
  // browser keeps no data.
  | { type: "list"; dir: string; entries: FileRow[]; used: number; storage?: StorageFigures; missing?: boolean; unavailable?: string }
  // The folder changed (the guest, another tab, an import): list again.
  | { type: "changed" }
  | { type: "progress"; req: number; done: number; total: number; file: string }
  | { type: "done"; req: number; message: string }
  | { type: "failed"; req: number; message: string }
  | { type: "blob"; req: number; blob: Blob; name: string };

// "/a/b" + "c" -> "/a/b/c"; the root is "/".
export function childPath(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}
export function parentPath(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}
