// The sample image unpacked into a temporary directory, for QEMU (which
// takes no gzip) and for tests that need a writable copy of the disk.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

export const SAMPLE_IMAGES = fileURLToPath(new URL("../../../public/images/", import.meta.url));

export function unpackSampleImage(files = ["fw_jump.bin", "Image", "disk.img"], prefix = "rvplay-sample-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const f of files) writeFileSync(join(dir, f), gunzipSync(readFileSync(join(SAMPLE_IMAGES, `${f}.gz`))));
  return dir;
}
