// Checking the user's own boot files before the machine is touched: each
// gzip file is unpacked (DecompressionStream, so a corrupt one is reported
// by name), the kernel and firmware must be RISC-V boot images
// (identifyBootImage), and everything must fit the guest RAM chosen, laid
// out by the machine's own planner (src/machine/boot-layout.ts). A running machine
// keeps running while this happens, and a refusal leaves it untouched.
// No DOM: the machine worker and Node's unit tests run it.
import { identifyBootImage, isGzip, formatSize, ImageError } from "../machine/boot-images.js";
import { planBoot } from "../machine/boot-layout.js";

export { FW_JUMP_FDT_OFFSET } from "../machine/boot-layout.js";

export type Slot = "kernel" | "initrd" | "firmware" | "disk";

export interface Problem { slot: Slot; message: string }

// A boot file that cannot be used; `slot` says which.
export class BootFileError extends Error {
  constructor(readonly slot: Slot, message: string) { super(message); }
}

const MiB = 1024 * 1024;
// The disk is held in the machine worker's memory.
export const MAX_DISK_BYTES = 2048 * MiB;

export interface BootBytes {
  firmware: Uint8Array;  // decompressed
  kernel: Uint8Array;
  initrd?: Uint8Array;
  disk?: Uint8Array;
}

// Unpacks `bytes` if it is gzip; a corrupt or truncated stream is a
// BootFileError naming the file.
export async function inflateIfGzip(bytes: Uint8Array, slot: Slot, label: string = slot): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
      .pipeThrough(new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>);
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
      if (total > MAX_DISK_BYTES) throw new BootFileError(slot, `the ${label} unpacks to more than ${MAX_DISK_BYTES / MiB} MiB`);
    }
  } catch (e) {
    if (e instanceof BootFileError) throw e;
    throw new BootFileError(slot, `the ${label} is a corrupt gzip file: ${(e as Error).message || "it does not unpack"}`);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

// Every reason these files cannot boot in `ramMiB` of guest RAM (none: they
// can). Each kernel and firmware file is identified on its own, so that
// both can be named at once; then the machine's own boot planner
// (planBoot, which VirtMachine.create runs) lays them out.
export function checkBootFiles(f: BootBytes, ramMiB: number): Problem[] {
  const problems: Problem[] = [];
  const refuse = (slot: Slot) => (e: unknown) => {
    if (!(e instanceof ImageError)) throw e;
    problems.push({ slot: e.slot ?? slot, message: e.message });
  };
  for (const slot of ["firmware", "kernel"] as const) {
    try { identifyBootImage(f[slot], slot); } catch (e) { refuse(slot)(e); }
  }
  if (f.initrd?.length === 0) problems.push({ slot: "initrd", message: "the initrd file is empty" });
  if (problems.length === 0) {
    try { planBoot({ ramBytes: ramMiB * MiB, firmware: f.firmware, kernel: f.kernel, initrd: f.initrd }); } catch (e) { refuse("kernel")(e); }
  }
  if (f.disk) {
    if (f.disk.length < 512) problems.push({ slot: "disk", message: `the disk image (${f.disk.length} bytes) is smaller than one 512-byte sector` });
    else if (f.disk.length > MAX_DISK_BYTES) problems.push({ slot: "disk", message: `the disk image (${formatSize(f.disk.length)}) is larger than the ${MAX_DISK_BYTES / MiB} MiB the page can hold` });
  }
  return problems;
}

// For a fuzzer: the same bytes as every file. Never throws; bad input is
// a list of problems.
export function fuzzBootCheck(bytes: Uint8Array): Problem[] {
  return checkBootFiles({ firmware: bytes, kernel: bytes, initrd: bytes, disk: bytes }, 64);
}

export { formatSize };
