// Recognising what the user gives us as a kernel or firmware, so that a
// wrong file gets a clear message instead of a guest that silently hangs.
import { parseElf, ElfError, type ElfImage } from "./elf.js";

export type BootSlot = "firmware" | "kernel" | "initrd" | "disk";

// A boot file that cannot be used; `slot` says which, when one does.
export class ImageError extends Error {
  constructor(message: string, readonly slot?: BootSlot) { super(message); }
}

export function formatSize(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

export type BootImage =
  | { kind: "linux"; bytes: Uint8Array }   // RISC-V Linux Image (boot header)
  | { kind: "elf"; elf: ElfImage }          // RISC-V ELF: loaded by segment
  | { kind: "raw"; bytes: Uint8Array };     // flat binary (U-Boot, OpenSBI .bin)

const ascii = (b: Uint8Array, at: number, s: string) =>
  b.length >= at + s.length && [...s].every((c, i) => b[at + i] === c.charCodeAt(0));

export function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

// Identify a kernel or firmware file (already decompressed). `what` names it
// in messages ("kernel", "firmware").
export function identifyBootImage(b: Uint8Array, what: string): BootImage {
  try {
    return identify(b, what);
  } catch (e) {
    if (e instanceof ImageError && (what === "firmware" || what === "kernel" || what === "initrd")) throw new ImageError(e.message, what);
    throw e;
  }
}

function identify(b: Uint8Array, what: string): BootImage {
  if (b.length === 0) throw new ImageError(`the ${what} file is empty`);
  if (ascii(b, 0, "\x7fELF")) {
    try {
      return { kind: "elf", elf: parseElf(b) };
    } catch (e) {
      if (e instanceof ElfError) throw new ImageError(`the ${what} is an ELF file but not usable: ${e.message}`);
      throw e;
    }
  }
  // RISC-V Linux boot image header (Documentation/riscv/boot-image-header.rst):
  // magic "RISCV\0\0\0" at 0x30 (deprecated) and magic2 "RSC\x05" at 0x38.
  if (ascii(b, 0x38, "RSC\x05") || ascii(b, 0x30, "RISCV\0\0\0")) return { kind: "linux", bytes: b };
  if (ascii(b, 0x38, "ARM\x64")) throw new ImageError(`the ${what} is an ARM64 Linux image, not a RISC-V one`);
  if (ascii(b, 0x202, "HdrS")) throw new ImageError(`the ${what} is an x86 Linux bzImage, not a RISC-V image`);
  if (ascii(b, 0, "MZ")) throw new ImageError(`the ${what} is a PE/EFI file without a RISC-V Linux header`);
  if (ascii(b, 0, "PK\x03\x04")) throw new ImageError(`the ${what} is a zip archive, not a boot image`);
  const head = b.subarray(0, Math.min(b.length, 512));
  const texty = head.every((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127));
  if (texty) throw new ImageError(`the ${what} looks like a text file, not a boot image`);
  return { kind: "raw", bytes: b };
}
