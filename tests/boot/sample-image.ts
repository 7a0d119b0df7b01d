// The sample image unpacked into a temporary directory, for QEMU (which
// takes no gzip) and for tests that need a writable copy of the disk; and
// where QEMU is, for the tests that boot the same image there.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

export const SAMPLE_IMAGES = fileURLToPath(new URL("../../../public/images/", import.meta.url));

export function unpackSampleImage(files = ["fw_dynamic.bin", "Image", "disk.img"], prefix = "rvplay-sample-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const f of files) writeFileSync(join(dir, f), gunzipSync(readFileSync(join(SAMPLE_IMAGES, `${f}.gz`))));
  return dir;
}

// qemu-system-riscv64: $QEMU_SYSTEM_RISCV64, else Debian's path; undefined if neither exists.
export function qemuSystem(): string | undefined {
  return [process.env.QEMU_SYSTEM_RISCV64, "/usr/bin/qemu-system-riscv64"].find((p): p is string => !!p && existsSync(p));
}
