// Builds tiny RISC-V ELF executables in memory for the CLI tests: code at
// 0x80000000 and a `tohost` symbol at 0x80001000 (one PT_LOAD segment).
export const TOHOST = 0x80001000n;

export function makeElf(code: number[], machine = 243): Uint8Array {
  const codeBytes = new Uint8Array(new Uint32Array(code).buffer);
  const EH = 64, PH = 56, SH = 64;
  const segOff = 0x1000;
  const segSize = 0x1000 + 16; // code page, then tohost and fromhost
  const strtab = new TextEncoder().encode("\0tohost\0fromhost\0");
  const shstr = new TextEncoder().encode("\0.symtab\0.strtab\0.shstrtab\0");
  const symOff = segOff + segSize;
  const syms = 3 * 24;
  const strOff = symOff + syms;
  const shstrOff = strOff + strtab.length;
  const shOff = (shstrOff + shstr.length + 7) & ~7;
  const total = shOff + 4 * SH;
  const b = new Uint8Array(total);
  const dv = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  dv.setUint16(16, 2, true); // ET_EXEC
  dv.setUint16(18, machine, true);
  dv.setUint32(20, 1, true);
  dv.setBigUint64(24, 0x80000000n, true); // entry
  dv.setBigUint64(32, BigInt(EH), true); // phoff
  dv.setBigUint64(40, BigInt(shOff), true);
  dv.setUint16(52, EH, true);
  dv.setUint16(54, PH, true);
  dv.setUint16(56, 1, true);
  dv.setUint16(58, SH, true);
  dv.setUint16(60, 4, true);
  dv.setUint16(62, 3, true); // shstrndx
  // PT_LOAD RWX
  dv.setUint32(EH, 1, true);
  dv.setUint32(EH + 4, 7, true);
  dv.setBigUint64(EH + 8, BigInt(segOff), true);
  dv.setBigUint64(EH + 16, 0x80000000n, true);
  dv.setBigUint64(EH + 24, 0x80000000n, true);
  dv.setBigUint64(EH + 32, BigInt(segSize), true);
  dv.setBigUint64(EH + 40, BigInt(segSize), true);
  b.set(codeBytes, segOff);
  // symbols: null, tohost, fromhost
  dv.setUint32(symOff + 24, 1, true);
  dv.setBigUint64(symOff + 24 + 8, TOHOST, true);
  dv.setUint32(symOff + 48, 8, true);
  dv.setBigUint64(symOff + 48 + 8, TOHOST + 8n, true);
  b.set(strtab, strOff);
  b.set(shstr, shstrOff);
  const sh = (i: number, name: number, type: number, off: number, size: number, link = 0, entsize = 0) => {
    const o = shOff + i * SH;
    dv.setUint32(o, name, true);
    dv.setUint32(o + 4, type, true);
    dv.setBigUint64(o + 24, BigInt(off), true);
    dv.setBigUint64(o + 32, BigInt(size), true);
    dv.setUint32(o + 40, link, true);
    dv.setBigUint64(o + 56, BigInt(entsize), true);
  };
  sh(1, 1, 2, symOff, syms, 2, 24); // .symtab -> .strtab
  sh(2, 9, 3, strOff, strtab.length);
  sh(3, 17, 3, shstrOff, shstr.length);
  return b;
}

// Machine code helpers (RV64I encodings).
export const lui = (rd: number, imm20: number) => ((imm20 & 0xfffff) << 12) | (rd << 7) | 0x37;
export const addi = (rd: number, rs1: number, imm: number) => ((imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13;
export const sd = (rs2: number, rs1: number, imm: number) =>
  (((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (3 << 12) | ((imm & 31) << 7) | 0x23;
export const jalSelf = () => 0x0000006f; // j .

// Program: store `value` to tohost, then spin. RV64 lui sign-extends, so
// t0 = 0x80001000 takes lui then a shift left and right by 32.
export function reportProgram(value: number): number[] {
  const slli = (rd: number, rs1: number, sh: number) => (sh << 20) | (rs1 << 15) | (1 << 12) | (rd << 7) | 0x13;
  const srli = (rd: number, rs1: number, sh: number) => (sh << 20) | (rs1 << 15) | (5 << 12) | (rd << 7) | 0x13;
  return [
    lui(5, 0x80001), // t0 = 0xffffffff80001000
    slli(5, 5, 32), srli(5, 5, 32), // t0 = 0x80001000
    addi(6, 0, value), // t1 = value
    sd(6, 5, 0), // sd t1, 0(t0)
    jalSelf(),
  ];
}

// More RV64I encodings for the test programs.
export const sw = (rs2: number, rs1: number, imm: number) =>
  (((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (2 << 12) | ((imm & 31) << 7) | 0x23;
export const ld = (rd: number, rs1: number, imm: number) => ((imm & 0xfff) << 20) | (rs1 << 15) | (3 << 12) | (rd << 7) | 0x03;
export const slli = (rd: number, rs1: number, sh: number) => (sh << 20) | (rs1 << 15) | (1 << 12) | (rd << 7) | 0x13;
export const srli = (rd: number, rs1: number, sh: number) => (sh << 20) | (rs1 << 15) | (5 << 12) | (rd << 7) | 0x13;
export const jalr = (rd: number, rs1: number, imm: number) => ((imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x67;
// bne rs1, rs2, by `off` bytes (B-type: imm[12|10:5] rs2 rs1 001 imm[4:1|11] 1100011).
export const bne = (rs1: number, rs2: number, off: number) =>
  (((off >> 12) & 1) << 31) | (((off >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (1 << 12) |
  (((off >> 1) & 0xf) << 8) | (((off >> 11) & 1) << 7) | 0x63;
// rd = a 32-bit address with bit 31 set (lui sign-extends on RV64: clear the top).
export const la32 = (rd: number, addr: number) => [lui(rd, addr >>> 12), slli(rd, rd, 32), srli(rd, rd, 32)];
