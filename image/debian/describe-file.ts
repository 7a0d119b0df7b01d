// The Node half of image.json: a file's entry, measured.
import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { ImageFile } from "./image-file.js";

// Size and SHA-256 of a file, streamed.
export function describeFile(path: string, name: string): ImageFile {
  const fd = openSync(path, "r");
  try {
    const h = createHash("sha256");
    const buf = new Uint8Array(1 << 20);
    const size = fstatSync(fd).size;
    for (let off = 0; off < size;) {
      const n = readSync(fd, buf, 0, buf.length, off);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      off += n;
    }
    return { file: name, size, sha256: h.digest("hex") };
  } finally {
    closeSync(fd);
  }
}
