// A small ELF64 reader: enough to load a bare-metal RISC-V program
// (PT_LOAD segments, entry point) and find a few named symbols (HTIF's
// tohost / fromhost). Every offset and size it reads is checked against the
// file first, so a corrupt file gets an ElfError, never a RangeError.

export class ElfError extends Error {}

export interface ElfSegment {
  paddr: bigint;
  data: Uint8Array; // file bytes; memsz beyond them is zero-filled
  memsz: bigint;
}

export interface ElfImage {
  entry: bigint;
  segments: ElfSegment[];
  symbols: Map<string, bigint>; // only the names asked for that were found
}

const EM_RISCV = 243;
const ET_EXEC = 2;
const PT_LOAD = 1;
const SHT_SYMTAB = 2;
// Sizes of the ELF64 structures (ELF-64 Object File Format 1.5, sections 3-5).
const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;

// `wanted`: the symbol names to look up. Only those are compared, byte by
// byte, so a large or corrupt symbol table costs one linear pass.
export function parseElf(bytes: Uint8Array, wanted: readonly string[] = []): ElfImage {
  if (bytes.length < EHDR_SIZE || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfError("not an ELF file");
  }
  if (bytes[4] !== 2) throw new ElfError("not a 64-bit ELF (ELFCLASS32): rvplay runs RV64 programs");
  if (bytes[5] !== 1) throw new ElfError("not a little-endian ELF");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const machine = dv.getUint16(18, true);
  if (machine !== EM_RISCV) throw new ElfError(`not a RISC-V ELF (e_machine ${machine})`);
  const type = dv.getUint16(16, true);
  if (type !== ET_EXEC) throw new ElfError(`not an executable ELF (e_type ${type})`);
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

  if (phnum > 0 && phentsize < PHDR_SIZE) throw new ElfError(`corrupt ELF: program header size ${phentsize} (ELF64 needs ${PHDR_SIZE})`);
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
  if (wanted.length > 0 && shoff !== 0 && shnum !== 0) {
    if (shentsize < SHDR_SIZE) throw new ElfError(`corrupt ELF: section header size ${shentsize} (ELF64 needs ${SHDR_SIZE})`);
    within(shoff, shnum * shentsize, "section headers");
    const names = wanted.map((w) => new TextEncoder().encode(w));
    for (let i = 0; i < shnum && symbols.size < wanted.length; i++) {
      const s = shoff + i * shentsize;
      if (dv.getUint32(s + 4, true) !== SHT_SYMTAB) continue;
      const off = Number(dv.getBigUint64(s + 24, true));
      const size = Number(dv.getBigUint64(s + 32, true));
      const link = dv.getUint32(s + 40, true);
      const entsize = Number(dv.getBigUint64(s + 56, true)) || SYM_SIZE;
      if (entsize < SYM_SIZE) throw new ElfError(`corrupt ELF: symbol size ${entsize} (ELF64 needs ${SYM_SIZE})`);
      if (link >= shnum) throw new ElfError("corrupt ELF: bad string table link");
      const strSec = shoff + link * shentsize;
      const strOff = Number(dv.getBigUint64(strSec + 24, true));
      const strSize = Number(dv.getBigUint64(strSec + 32, true));
      within(off, size, "symbol table");
      within(strOff, strSize, "string table");
      for (let e = off; e + entsize <= off + size; e += entsize) {
        const nameOff = dv.getUint32(e, true);
        if (nameOff === 0 || nameOff >= strSize) continue;
        const at = strOff + nameOff, room = strSize - nameOff;
        for (let w = 0; w < names.length; w++) {
          const n = names[w];
          // The name, then its NUL, inside the string table.
          if (n.length >= room || bytes[at + n.length] !== 0) continue;
          let same = true;
          for (let k = 0; k < n.length && same; k++) same = bytes[at + k] === n[k];
          if (same && !symbols.has(wanted[w])) symbols.set(wanted[w], dv.getBigUint64(e + 8, true));
        }
      }
    }
  }
  return { entry, segments, symbols };
}
