// A small ELF64 reader: enough to load a bare-metal RISC-V program
// (PT_LOAD segments, entry point) and find its HTIF symbols.

export class ElfError extends Error {}

export interface ElfSegment {
  paddr: bigint;
  data: Uint8Array; // file bytes; memsz beyond them is zero-filled
  memsz: bigint;
}

export interface ElfImage {
  entry: bigint;
  segments: ElfSegment[];
  symbols: Map<string, bigint>;
}

const EM_RISCV = 243;
const PT_LOAD = 1;
const SHT_SYMTAB = 2;

export function parseElf(bytes: Uint8Array): ElfImage {
  if (bytes.length < 64 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfError("not an ELF file");
  }
  if (bytes[4] !== 2) throw new ElfError("not a 64-bit ELF (ELFCLASS32): rvplay runs RV64 programs");
  if (bytes[5] !== 1) throw new ElfError("not a little-endian ELF");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const machine = dv.getUint16(18, true);
  if (machine !== EM_RISCV) throw new ElfError(`not a RISC-V ELF (e_machine ${machine})`);
  const type = dv.getUint16(16, true);
  if (type !== 2) throw new ElfError(`not an executable ELF (e_type ${type})`);
  const entry = dv.getBigUint64(24, true);
  const phoff = Number(dv.getBigUint64(32, true));
  const shoff = Number(dv.getBigUint64(40, true));
  const phentsize = dv.getUint16(54, true);
  const phnum = dv.getUint16(56, true);
  const shentsize = dv.getUint16(58, true);
  const shnum = dv.getUint16(60, true);

  const within = (off: number, len: number, what: string) => {
    if (!Number.isSafeInteger(off) || !Number.isSafeInteger(len) || off < 0 || len < 0 || off + len > bytes.length) {
      throw new ElfError(`truncated or corrupt ELF: ${what} lies outside the file`);
    }
  };

  const segments: ElfSegment[] = [];
  within(phoff, phnum * phentsize, "program headers");
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (dv.getUint32(p, true) !== PT_LOAD) continue;
    const offset = Number(dv.getBigUint64(p + 8, true));
    const paddr = dv.getBigUint64(p + 24, true);
    const filesz = Number(dv.getBigUint64(p + 32, true));
    const memsz = dv.getBigUint64(p + 40, true);
    if (BigInt(filesz) > memsz) throw new ElfError("corrupt ELF: segment file size exceeds memory size");
    within(offset, filesz, `segment ${i}`);
    segments.push({ paddr, data: bytes.subarray(offset, offset + filesz), memsz });
  }
  if (segments.length === 0) throw new ElfError("ELF has no loadable segments");

  const symbols = new Map<string, bigint>();
  if (shoff !== 0 && shnum !== 0) {
    within(shoff, shnum * shentsize, "section headers");
    for (let i = 0; i < shnum; i++) {
      const s = shoff + i * shentsize;
      if (dv.getUint32(s + 4, true) !== SHT_SYMTAB) continue;
      const off = Number(dv.getBigUint64(s + 24, true));
      const size = Number(dv.getBigUint64(s + 32, true));
      const link = dv.getUint32(s + 40, true);
      const entsize = Number(dv.getBigUint64(s + 56, true)) || 24;
      if (link >= shnum) throw new ElfError("corrupt ELF: bad string table link");
      const strSec = shoff + link * shentsize;
      const strOff = Number(dv.getBigUint64(strSec + 24, true));
      const strSize = Number(dv.getBigUint64(strSec + 32, true));
      within(off, size, "symbol table");
      within(strOff, strSize, "string table");
      for (let e = off; e + entsize <= off + size; e += entsize) {
        const nameOff = dv.getUint32(e, true);
        if (nameOff === 0 || nameOff >= strSize) continue;
        let end = strOff + nameOff;
        while (end < strOff + strSize && bytes[end] !== 0) end++;
        const name = new TextDecoder().decode(bytes.subarray(strOff + nameOff, end));
        symbols.set(name, dv.getBigUint64(e + 8, true));
      }
    }
  }
  return { entry, segments, symbols };
}
