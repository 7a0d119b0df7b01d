// Checking the user's own boot files before the machine is touched: each
// gzip file is unpacked (DecompressionStream, so a corrupt one is reported
// by name), the kernel and firmware must be RISC-V boot images
// (identifyBootImage), and everything must fit the guest RAM chosen, laid
// out as VirtMachine.load does (tests/ui/boot-check.test.ts holds the two
// in step by asking the machine itself near each limit). A running machine
// keeps running while this happens, and a refusal leaves it untouched.
// No DOM: the machine worker and Node's unit tests run it.
import * as B from "../../wasm-core/board.js";
import { identifyBootImage, isGzip, ImageError, type BootImage } from "../machine/boot-images.js";

export type Slot = "kernel" | "initrd" | "firmware" | "disk";

export interface Problem { slot: Slot; message: string }

// A boot file that cannot be used; `slot` says which.
export class BootFileError extends Error {
  constructor(readonly slot: Slot, message: string) { super(message); }
}

const MiB = 1024 * 1024;
// Where Debian's OpenSBI fw_jump copies the DTB, below which the kernel must
// end (FW_JUMP_FDT_OFFSET in src/machine/virt-machine.ts).
export const FW_JUMP_FDT_OFFSET = 0x2200000;
// The DTB takes the top 2 MiB of RAM; the initrd goes just below it, above
// fw_jump's DTB copy and its 2 MiB (VirtMachine.load).
const DTB_SPACE = 2 * MiB;
// The disk is held in the machine worker's memory.
export const MAX_DISK_BYTES = 2048 * MiB;
const RAM_BASE = BigInt(B.RAM_BASE);

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

// Where an image placed at `at` ends once loaded (for a Linux Image, its
// image_size at 0x10 counts: the memory it occupies while it runs), or a
// message when a segment lies outside RAM. As VirtMachine's place().
function extent(img: BootImage, at: bigint, ramBytes: number, what: string): { end: bigint } | { error: string } {
  const ramEnd = RAM_BASE + BigInt(ramBytes);
  const inRam = (start: bigint, len: bigint) => start >= RAM_BASE && start + len <= ramEnd;
  if (img.kind === "elf") {
    let end = at;
    let entryLoaded = false;
    for (const seg of img.elf.segments) {
      if (seg.paddr < at) {
        return { error: `the ${what} ELF has a segment at 0x${seg.paddr.toString(16)}, below its place at 0x${at.toString(16)}` +
          (what === "kernel" ? " (it would overwrite the firmware)" : "") };
      }
      if (!inRam(seg.paddr, seg.memsz)) {
        return { error: `the ${what} is an ELF whose segment at 0x${seg.paddr.toString(16)} (${seg.memsz} bytes) is not in guest RAM (0x${RAM_BASE.toString(16)}..0x${ramEnd.toString(16)})` };
      }
      if (img.elf.entry >= seg.paddr && img.elf.entry < seg.paddr + BigInt(seg.data.length)) entryLoaded = true;
      if (seg.paddr + seg.memsz > end) end = seg.paddr + seg.memsz;
    }
    if (!entryLoaded) return { error: `the ${what} ELF's entry point 0x${img.elf.entry.toString(16)} is not in any of its loaded segments` };
    return { end };
  }
  let end = at + BigInt(img.bytes.length);
  if (!inRam(at, BigInt(img.bytes.length))) return { error: `the ${what} (${formatSize(img.bytes.length)}) does not fit in ${ramBytes / MiB} MiB of guest RAM` };
  if (img.kind === "linux" && img.bytes.length >= 0x18) {
    const size = new DataView(img.bytes.buffer, img.bytes.byteOffset).getBigUint64(0x10, true);
    if (at + size > end) end = at + size;
  }
  return { end };
}

// Every reason these files cannot boot in `ramMiB` of guest RAM (none: they can).
export function checkBootFiles(f: BootBytes, ramMiB: number): Problem[] {
  const problems: Problem[] = [];
  const ramBytes = ramMiB * MiB;
  const identify = (slot: Slot, bytes: Uint8Array): BootImage | undefined => {
    try {
      return identifyBootImage(bytes, slot);
    } catch (e) {
      if (e instanceof ImageError) { problems.push({ slot, message: e.message }); return undefined; }
      throw e;
    }
  };
  const kernelBase = RAM_BASE + BigInt(B.KERNEL_OFFSET);
  const fw = identify("firmware", f.firmware);
  if (fw) {
    const x = extent(fw, RAM_BASE, ramBytes, "firmware");
    if ("error" in x) problems.push({ slot: "firmware", message: x.error });
    else if (x.end > kernelBase) {
      problems.push({ slot: "firmware", message: `the firmware takes ${formatSize(Number(x.end - RAM_BASE))} from the start of RAM, but the kernel starts ${formatSize(B.KERNEL_OFFSET)} in: it must be smaller (OpenSBI fw_jump is about 260 KiB)` });
    }
  }
  const kernel = identify("kernel", f.kernel);
  // fw_jump jumps to the kernel's place: an ELF must start there.
  if (kernel?.kind === "elf" && kernel.elf.entry !== kernelBase) {
    problems.push({ slot: "kernel", message: `the kernel ELF's entry point 0x${kernel.elf.entry.toString(16)} is not 0x${kernelBase.toString(16)}, where the firmware (OpenSBI fw_jump) jumps` });
  } else if (kernel) {
    const x = extent(kernel, kernelBase, ramBytes, "kernel");
    const limit = RAM_BASE + BigInt(FW_JUMP_FDT_OFFSET);
    if ("error" in x) problems.push({ slot: "kernel", message: x.error });
    else if (x.end > limit) {
      problems.push({ slot: "kernel", message: `the kernel needs ${formatSize(Number(x.end - kernelBase))} once loaded, but at most ${formatSize(Number(limit - kernelBase))} fit below where the firmware puts the device tree (0x${limit.toString(16)})` });
    }
  }
  if (f.initrd) {
    const dtb = RAM_BASE + BigInt(ramBytes - DTB_SPACE);
    const start = (dtb - BigInt(f.initrd.length)) & ~0xfffn;
    const lowest = RAM_BASE + BigInt(FW_JUMP_FDT_OFFSET + DTB_SPACE);
    if (f.initrd.length === 0) problems.push({ slot: "initrd", message: "the initrd file is empty" });
    else if (start < lowest) {
      const need = Math.ceil((FW_JUMP_FDT_OFFSET + 2 * DTB_SPACE + f.initrd.length + 0x1000) / MiB);
      problems.push({ slot: "initrd", message: `the initrd (${formatSize(f.initrd.length)}) is too large for ${ramMiB} MiB of guest RAM: it needs at least ${need} MiB` });
    }
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

export function formatSize(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < MiB) return `${(n / 1024).toFixed(0)} KiB`;
  return `${(n / MiB).toFixed(1)} MiB`;
}
