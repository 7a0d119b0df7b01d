// The one place a name from the guest is checked before any back end sees it.
// A 9P name is one path element (Plan 9 walk(5)): never a path.
import { byteLength } from "./codec.js";
import { EEXIST, EINVAL, ENAMETOOLONG, ENOENT, EPERM, FsError } from "./errno.js";

export const NAME_MAX = 255; // bytes, Linux's limit for one element
export const SYMLINK_MAX = 4095; // bytes of a symlink target (PATH_MAX less the NUL)

// walk: "." and ".." are refused (EPERM): the server never moves up, and
//   Linux's v9fs never sends them (the guest's dcache resolves "..").
// create: "." and ".." already exist (EEXIST, as mkdir(2) says).
// remove: unlinkat or rename of "." or ".." is invalid (EINVAL).
export type NameUse = "walk" | "create" | "remove";

export function checkName(name: string, use: NameUse): void {
  if (name.length === 0) throw new FsError(EINVAL, "empty name");
  if (name.includes("/") || name.includes("\0")) throw new FsError(EINVAL, "name holds '/' or NUL");
  if (name === "." || name === "..") {
    throw new FsError(use === "walk" ? EPERM : use === "create" ? EEXIST : EINVAL, `name '${name}'`);
  }
  // UTF-16 length is a lower bound of the UTF-8 length; count bytes only when it could matter.
  if (name.length > NAME_MAX / 3 && byteLength(name) > NAME_MAX) throw new FsError(ENAMETOOLONG, "name too long");
}

export function checkSymlinkTarget(target: string): void {
  if (target.length === 0) throw new FsError(ENOENT, "empty symlink target"); // as symlink(2)
  if (target.includes("\0")) throw new FsError(EINVAL, "symlink target holds NUL");
  if (target.length > SYMLINK_MAX / 3 && byteLength(target) > SYMLINK_MAX) throw new FsError(ENAMETOOLONG, "symlink target too long");
}
