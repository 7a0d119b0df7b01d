// Reading boot files under Node: gzip-compressed or not, with clear errors,
// and never more than the caller says can fit (a gzip bomb is refused when
// its output passes the cap, not after it has filled the host's memory).
import { openSync, fstatSync, readSync, closeSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { isGzip, ImageError } from "../machine/boot-images.js";
import { MiB } from "../machine/core.js";

// public/images/ of this checkout (dist/src/node -> repo root).
export const SAMPLE_DIR = fileURLToPath(new URL("../../../public/images/", import.meta.url));

// The largest disk image held whole in memory (a raw --disk FILE).
export const MAX_MEMORY_DISK_BYTES = 2048 * MiB - 4096;

const size = (n: number) => n >= MiB ? `${(n / MiB).toFixed(n % MiB ? 1 : 0)} MiB` : `${n} bytes`;

// Read `path` (gunzipping it if it is gzip) as the `what` ("kernel", ...),
// refusing anything whose (uncompressed) size exceeds `maxBytes`; `limitWhy`
// says where the cap comes from ("the guest's RAM").
export function readBootFile(path: string, what: string, maxBytes = MAX_MEMORY_DISK_BYTES, limitWhy = "what rvplay holds in memory"): Uint8Array {
  let bytes: Uint8Array;
  const tooLarge = (n: string) => new ImageError(`the ${what} '${path}' is too large: ${n}, more than ${limitWhy} (${size(maxBytes)})`);
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw unreadable(e, what, path);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new ImageError(`cannot read the ${what} '${path}': is a directory`);
    // A gzip file can be at most about 1032 times smaller than its output,
    // so only its own size bounds a raw read.
    const head = new Uint8Array(2);
    readSync(fd, head, 0, 2, 0);
    if (!isGzip(head) && st.size > maxBytes) throw tooLarge(size(st.size));
    if (isGzip(head) && st.size > maxBytes) throw tooLarge(`${size(st.size)} even compressed`);
    bytes = new Uint8Array(st.size);
    let got = 0;
    while (got < st.size) {
      const n = readSync(fd, bytes, got, st.size - got, got);
      if (n === 0) break;
      got += n;
    }
    bytes = bytes.subarray(0, got);
  } catch (e) {
    if (e instanceof ImageError) throw e;
    throw unreadable(e, what, path);
  } finally {
    closeSync(fd);
  }
  return unpackBootBytes(bytes, what, path, maxBytes, limitWhy);
}

// Gunzip `bytes` if they are gzip, stopping at `maxBytes` of output.
export function unpackBootBytes(bytes: Uint8Array, what: string, path: string, maxBytes = MAX_MEMORY_DISK_BYTES, limitWhy = "what rvplay holds in memory"): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return new Uint8Array(gunzipSync(bytes, { maxOutputLength: maxBytes }));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      throw new ImageError(`the ${what} '${path}' is too large: its uncompressed contents are larger, more than ${limitWhy} (${size(maxBytes)})`);
    }
    throw new ImageError(`the ${what} '${path}' is a corrupt gzip file`);
  }
}

function unreadable(e: unknown, what: string, path: string): ImageError {
  const err = e as NodeJS.ErrnoException;
  const why = err.code === "ENOENT" ? "no such file" : err.code === "EISDIR" ? "is a directory" : err.message;
  return new ImageError(`cannot read the ${what} '${path}': ${why}`);
}
