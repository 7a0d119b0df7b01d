// Where a boot puts what in guest RAM: a pure function of the configuration
// (no memory touched), so that a bad file or a layout that cannot fit is
// refused before the machine is. QEMU virt's conventions with Debian's
// OpenSBI (fw_dynamic for the sample; fw_jump works too): firmware at the RAM
// base, kernel at +2 MiB (fw_dynamic is told so by the boot ROM, fw_jump
// jumps there by itself), the DTB in the top 2 MiB of RAM, an initrd just
// below it; the boot ROM at 0x1000 puts a0 = hartid, a1 = DTB, a2 =
// fw_dynamic_info and jumps to the firmware.
import * as B from "../../wasm-core/board.js";
import { MiB } from "./core.js";
import { identifyBootImage, formatSize, ImageError, type BootImage, type BootSlot } from "./boot-images.js";

// fw_jump (Debian's OpenSBI generic build) moves the DTB here before it
// jumps to the kernel, so the kernel must end below it (kept for every
// firmware: a user's own fw_jump must boot the same kernels).
export const FW_JUMP_FDT_OFFSET = 0x2200000;
// The DTB takes the top 2 MiB of RAM; an initrd goes just below it, and
// above fw_jump's DTB copy and its 2 MiB.
const DTB_SPACE = 2n * BigInt(MiB);

export interface BootFiles {
  ramBytes: number;
  firmware: Uint8Array; // decompressed
  kernel: Uint8Array; // decompressed
  initrd?: Uint8Array;
}

export interface Placement { addr: bigint; bytes: Uint8Array }

export interface BootLayout {
  placements: Placement[]; // what to copy where (guest physical); RAM is zero elsewhere
  firmwareEntry: bigint; // where the boot ROM jumps
  dtbAddr: bigint; // where the DTB goes (the caller builds it: it needs the initrd range)
  initrd?: { start: bigint; end: bigint };
}

export function planBoot(f: BootFiles): BootLayout {
  const ramBase = BigInt(B.RAM_BASE);
  const ramEnd = ramBase + BigInt(f.ramBytes);
  const placements: Placement[] = [];
  const place = (img: BootImage, at: bigint, what: BootSlot): bigint => {
    const fits = (start: bigint, len: bigint) => {
      if (start < ramBase || start + len > ramEnd) {
        throw new ImageError(img.kind === "elf"
          ? `the ${what} is an ELF whose segment at 0x${start.toString(16)} (${len} bytes) is not in guest RAM (0x${ramBase.toString(16)}..0x${ramEnd.toString(16)})`
          : `the ${what} (${formatSize(Number(len))}) does not fit in ${f.ramBytes / MiB} MiB of guest RAM`, what);
      }
    };
    if (img.kind === "elf") {
      let end = at;
      let entryLoaded = false;
      for (const seg of img.elf.segments) {
        if (seg.paddr < at) {
          throw new ImageError(`the ${what} ELF has a segment at 0x${seg.paddr.toString(16)}, below its place at 0x${at.toString(16)}` +
            (what === "kernel" ? " (it would overwrite the firmware)" : ""), what);
        }
        fits(seg.paddr, seg.memsz);
        if (img.elf.entry >= seg.paddr && img.elf.entry < seg.paddr + BigInt(seg.data.length)) entryLoaded = true;
        placements.push({ addr: seg.paddr, bytes: seg.data });
        const e = seg.paddr + seg.memsz;
        if (e > end) end = e;
      }
      if (!entryLoaded) throw new ImageError(`the ${what} ELF's entry point 0x${img.elf.entry.toString(16)} is not in any of its loaded segments`, what);
      return end;
    }
    fits(at, BigInt(img.bytes.length));
    placements.push({ addr: at, bytes: img.bytes });
    let end = at + BigInt(img.bytes.length);
    if (img.kind === "linux") {
      // image_size at 0x10: the memory the kernel occupies once running.
      const size = new DataView(img.bytes.buffer, img.bytes.byteOffset).getBigUint64(0x10, true);
      if (at + size > end) end = at + size;
    }
    return end;
  };

  const firmware = identifyBootImage(f.firmware, "firmware");
  const fwEnd = place(firmware, ramBase, "firmware");
  const kernelBase = ramBase + BigInt(B.KERNEL_OFFSET);
  if (fwEnd > kernelBase) {
    throw new ImageError(`the firmware takes ${formatSize(Number(fwEnd - ramBase))} from the start of RAM, but the kernel starts ` +
      `${formatSize(B.KERNEL_OFFSET)} in: it must be smaller (OpenSBI fw_jump is about 260 KiB)`, "firmware");
  }
  const kernel = identifyBootImage(f.kernel, "kernel");
  // fw_jump jumps to the kernel's place: an ELF must start there.
  if (kernel.kind === "elf" && kernel.elf.entry !== kernelBase) {
    throw new ImageError(`the kernel ELF's entry point 0x${kernel.elf.entry.toString(16)} is not 0x${kernelBase.toString(16)}, where the firmware (OpenSBI fw_jump) jumps`, "kernel");
  }
  const kernelEnd = place(kernel, kernelBase, "kernel");
  const fdtCopy = ramBase + BigInt(FW_JUMP_FDT_OFFSET);
  if (kernelEnd > fdtCopy) {
    throw new ImageError(`the kernel needs ${formatSize(Number(kernelEnd - kernelBase))} once loaded, but at most ` +
      `${formatSize(Number(fdtCopy - kernelBase))} fit below where the firmware puts the device tree (0x${fdtCopy.toString(16)})`, "kernel");
  }
  const dtbAddr = ramEnd - DTB_SPACE;
  let initrd: BootLayout["initrd"];
  if (f.initrd) {
    if (f.initrd.length === 0) throw new ImageError("the initrd file is empty", "initrd");
    const start = (dtbAddr - BigInt(f.initrd.length)) & ~0xfffn;
    if (start < fdtCopy + DTB_SPACE) {
      const need = Math.ceil((FW_JUMP_FDT_OFFSET + 2 * Number(DTB_SPACE) + f.initrd.length + 0x1000) / MiB);
      throw new ImageError(`the initrd (${formatSize(f.initrd.length)}) is too large for ${f.ramBytes / MiB} MiB of guest RAM: ` +
        `it needs at least ${need} MiB`, "initrd");
    }
    placements.push({ addr: start, bytes: f.initrd });
    initrd = { start, end: start + BigInt(f.initrd.length) };
  }
  // The reset vector jumps to the firmware's entry: an ELF's own, else its first byte.
  const firmwareEntry = firmware.kind === "elf" ? firmware.elf.entry : ramBase;
  return { placements, firmwareEntry, dtbAddr, initrd };
}

// Boot ROM at 0x1000 (as QEMU's reset vector):
//   auipc t0, 0 ; csrr a0, mhartid ; ld a1, 32(t0) ; addi a2, t0, 40 ;
//   ld t0, 24(t0) ; jr t0
//   .dword entry (at +24) ; .dword dtb (at +32) ; struct fw_dynamic_info (at +40)
// a2 points at OpenSBI's fw_dynamic_info (include/sbi/fw_dynamic.h, version
// 2): the next stage is the kernel in S-mode, any hart may boot, and
// `quiet` sets SBI_SCRATCH_NO_BOOT_PRINTS so that OpenSBI's banner stays off
// a quiet first screen. fw_jump and other firmware ignore a2.
export const FW_DYNAMIC_INFO_MAGIC = 0x4942534fn; // "OSBI"
export const FW_DYNAMIC_NO_BOOT_PRINTS = 1n;
export function bootRom(entry: bigint, dtb: bigint, opts: { next: bigint; quiet: boolean }): Uint8Array {
  const rom = new Uint8Array(88);
  const dv = new DataView(rom.buffer);
  [0x00000297, 0xf1402573, 0x0202b583, 0x02828613, 0x0182b283, 0x00028067].forEach((w, i) => dv.setUint32(i * 4, w, true));
  dv.setBigUint64(24, entry, true);
  dv.setBigUint64(32, dtb, true);
  const info = [FW_DYNAMIC_INFO_MAGIC, 2n, opts.next, 1n /* S-mode */, opts.quiet ? FW_DYNAMIC_NO_BOOT_PRINTS : 0n, 0xffffffffffffffffn /* any hart */];
  info.forEach((v, i) => dv.setBigUint64(40 + i * 8, v, true));
  return rom;
}

// Whether a kernel command line asks for a quiet boot (the word `quiet`).
export function quietBootargs(bootargs: string): boolean {
  return bootargs.split(/\s+/).includes("quiet");
}
