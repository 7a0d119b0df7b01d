// Reading boot files under Node: gzip-compressed or not, with clear errors.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { isGzip, ImageError } from "./boot-images.js";

// public/images/ of this checkout (dist/src/vm -> repo root).
export const SAMPLE_DIR = fileURLToPath(new URL("../../../public/images/", import.meta.url));

export function readBootFile(path: string, what: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === "ENOENT" ? "no such file" : err.code === "EISDIR" ? "is a directory" : err.message;
    throw new ImageError(`cannot read the ${what} '${path}': ${why}`);
  }
  if (!isGzip(bytes)) return bytes;
  try {
    return new Uint8Array(gunzipSync(bytes));
  } catch {
    throw new ImageError(`the ${what} '${path}' is a corrupt gzip file`);
  }
}
