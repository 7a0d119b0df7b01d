// The C extension (unprivileged spec, "C" Standard Extension, RV64C table):
// every 16-bit encoding is expanded once, at start-up, into the 32-bit
// instruction it stands for, so the run loop executes compressed code with
// one table load and no second decoder. Reserved encodings expand to
// RVC_ILLEGAL, whose major opcode no instruction uses.
import { RVC_TABLE } from "../../layout";

export const RVC_ILLEGAL: u32 = 0xffffffff;

const OP_LOAD: u32 = 0x03;
const OP_LOAD_FP: u32 = 0x07;
const OP_IMM: u32 = 0x13;
const OP_IMM_32: u32 = 0x1b;
const OP_STORE: u32 = 0x23;
const OP_STORE_FP: u32 = 0x27;
const OP_OP: u32 = 0x33;
const OP_LUI: u32 = 0x37;
const OP_OP_32: u32 = 0x3b;
const OP_BRANCH: u32 = 0x63;
const OP_JALR: u32 = 0x67;
const OP_JAL: u32 = 0x6f;

@inline function bits(x: u32, hi: u32, lo: u32): u32 { return (x >> lo) & ((1 << (hi - lo + 1)) - 1); }
@inline function sext(x: u32, width: u32): i32 { return (<i32>(x << (32 - width))) >> (32 - width); }

function iType(imm: i32, rs1: u32, f3: u32, rd: u32, op: u32): u32 {
  return ((<u32>imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
}
function sType(imm: i32, rs2: u32, rs1: u32, f3: u32, op: u32): u32 {
  const u = <u32>imm;
  return (bits(u, 11, 5) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (bits(u, 4, 0) << 7) | op;
}
function rType(f7: u32, rs2: u32, rs1: u32, f3: u32, rd: u32, op: u32): u32 {
  return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
}
function bType(imm: i32, rs2: u32, rs1: u32, f3: u32): u32 {
  const u = <u32>imm;
  return (bits(u, 12, 12) << 31) | (bits(u, 10, 5) << 25) | (rs2 << 20) | (rs1 << 15) |
    (f3 << 12) | (bits(u, 4, 1) << 8) | (bits(u, 11, 11) << 7) | OP_BRANCH;
}
function jType(imm: i32, rd: u32): u32 {
  const u = <u32>imm;
  return (bits(u, 20, 20) << 31) | (bits(u, 10, 1) << 21) | (bits(u, 11, 11) << 20) |
    (bits(u, 19, 12) << 12) | (rd << 7) | OP_JAL;
}

// Expand one 16-bit instruction (low two bits != 11).
export function expandRvc(c: u32): u32 {
  const op = c & 3;
  const f3 = bits(c, 15, 13);
  const rdp = bits(c, 4, 2) + 8; // rd' / rs2'
  const rs1p = bits(c, 9, 7) + 8; // rs1' / rd'
  const rd = bits(c, 11, 7);
  const rs2 = bits(c, 6, 2);
  if (op == 0) {
    switch (f3) {
      case 0: { // C.ADDI4SPN
        const imm = (bits(c, 12, 11) << 4) | (bits(c, 10, 7) << 6) | (bits(c, 6, 6) << 2) | (bits(c, 5, 5) << 3);
        if (imm == 0) return RVC_ILLEGAL;
        return iType(<i32>imm, 2, 0, rdp, OP_IMM);
      }
      case 1: return iType(<i32>((bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6)), rs1p, 3, rdp, OP_LOAD_FP); // C.FLD
      case 2: return iType(<i32>((bits(c, 12, 10) << 3) | (bits(c, 6, 6) << 2) | (bits(c, 5, 5) << 6)), rs1p, 2, rdp, OP_LOAD); // C.LW
      case 3: return iType(<i32>((bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6)), rs1p, 3, rdp, OP_LOAD); // C.LD
      case 5: return sType(<i32>((bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6)), rdp, rs1p, 3, OP_STORE_FP); // C.FSD
      case 6: return sType(<i32>((bits(c, 12, 10) << 3) | (bits(c, 6, 6) << 2) | (bits(c, 5, 5) << 6)), rdp, rs1p, 2, OP_STORE); // C.SW
      case 7: return sType(<i32>((bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6)), rdp, rs1p, 3, OP_STORE); // C.SD
      default: return RVC_ILLEGAL;
    }
  }
  const imm6 = sext((bits(c, 12, 12) << 5) | bits(c, 6, 2), 6);
  if (op == 1) {
    switch (f3) {
      case 0: return iType(imm6, rd, 0, rd, OP_IMM); // C.ADDI (C.NOP, hints)
      case 1: if (rd == 0) return RVC_ILLEGAL; return iType(imm6, rd, 0, rd, OP_IMM_32); // C.ADDIW
      case 2: return iType(imm6, 0, 0, rd, OP_IMM); // C.LI
      case 3: {
        if (rd == 2) { // C.ADDI16SP
          const imm = sext((bits(c, 12, 12) << 9) | (bits(c, 6, 6) << 4) | (bits(c, 5, 5) << 6) |
            (bits(c, 4, 3) << 7) | (bits(c, 2, 2) << 5), 10);
          if (imm == 0) return RVC_ILLEGAL;
          return iType(imm, 2, 0, 2, OP_IMM);
        }
        if (imm6 == 0) return RVC_ILLEGAL; // C.LUI
        return ((<u32>imm6 << 12) & 0xfffff000) | (rd << 7) | OP_LUI;
      }
      case 4: {
        const f2 = bits(c, 11, 10);
        const shamt = (bits(c, 12, 12) << 5) | bits(c, 6, 2);
        if (f2 == 0) return iType(<i32>shamt, rs1p, 5, rs1p, OP_IMM); // C.SRLI
        if (f2 == 1) return iType(<i32>(shamt | 0x400), rs1p, 5, rs1p, OP_IMM); // C.SRAI
        if (f2 == 2) return iType(imm6, rs1p, 7, rs1p, OP_IMM); // C.ANDI
        const f = bits(c, 6, 5);
        if (bits(c, 12, 12) == 0) {
          if (f == 0) return rType(0x20, rdp, rs1p, 0, rs1p, OP_OP); // C.SUB
          if (f == 1) return rType(0, rdp, rs1p, 4, rs1p, OP_OP); // C.XOR
          if (f == 2) return rType(0, rdp, rs1p, 6, rs1p, OP_OP); // C.OR
          return rType(0, rdp, rs1p, 7, rs1p, OP_OP); // C.AND
        }
        if (f == 0) return rType(0x20, rdp, rs1p, 0, rs1p, OP_OP_32); // C.SUBW
        if (f == 1) return rType(0, rdp, rs1p, 0, rs1p, OP_OP_32); // C.ADDW
        return RVC_ILLEGAL;
      }
      case 5: { // C.J
        const off = sext((bits(c, 12, 12) << 11) | (bits(c, 11, 11) << 4) | (bits(c, 10, 9) << 8) |
          (bits(c, 8, 8) << 10) | (bits(c, 7, 7) << 6) | (bits(c, 6, 6) << 7) |
          (bits(c, 5, 3) << 1) | (bits(c, 2, 2) << 5), 12);
        return jType(off, 0);
      }
      default: { // C.BEQZ / C.BNEZ
        const off = sext((bits(c, 12, 12) << 8) | (bits(c, 11, 10) << 3) | (bits(c, 6, 5) << 6) |
          (bits(c, 4, 3) << 1) | (bits(c, 2, 2) << 5), 9);
        return bType(off, 0, rs1p, f3 == 6 ? 0 : 1);
      }
    }
  }
  if (op == 2) {
    switch (f3) {
      case 0: return iType(<i32>((bits(c, 12, 12) << 5) | rs2), rd, 1, rd, OP_IMM); // C.SLLI
      case 1: return iType(<i32>((bits(c, 12, 12) << 5) | (bits(c, 6, 5) << 3) | (bits(c, 4, 2) << 6)), 2, 3, rd, OP_LOAD_FP); // C.FLDSP
      case 2: // C.LWSP
        if (rd == 0) return RVC_ILLEGAL;
        return iType(<i32>((bits(c, 12, 12) << 5) | (bits(c, 6, 4) << 2) | (bits(c, 3, 2) << 6)), 2, 2, rd, OP_LOAD);
      case 3: // C.LDSP
        if (rd == 0) return RVC_ILLEGAL;
        return iType(<i32>((bits(c, 12, 12) << 5) | (bits(c, 6, 5) << 3) | (bits(c, 4, 2) << 6)), 2, 3, rd, OP_LOAD);
      case 4:
        if (bits(c, 12, 12) == 0) {
          if (rs2 == 0) { // C.JR
            if (rd == 0) return RVC_ILLEGAL;
            return iType(0, rd, 0, 0, OP_JALR);
          }
          return rType(0, rs2, 0, 0, rd, OP_OP); // C.MV
        }
        if (rs2 == 0) {
          if (rd == 0) return 0x00100073; // C.EBREAK
          return iType(0, rd, 0, 1, OP_JALR); // C.JALR
        }
        return rType(0, rs2, rd, 0, rd, OP_OP); // C.ADD
      case 5: return sType(<i32>((bits(c, 12, 10) << 3) | (bits(c, 9, 7) << 6)), rs2, 2, 3, OP_STORE_FP); // C.FSDSP
      case 6: return sType(<i32>((bits(c, 12, 9) << 2) | (bits(c, 8, 7) << 6)), rs2, 2, 2, OP_STORE); // C.SWSP
      default: return sType(<i32>((bits(c, 12, 10) << 3) | (bits(c, 9, 7) << 6)), rs2, 2, 3, OP_STORE); // C.SDSP
    }
  }
  return RVC_ILLEGAL;
}

// Fill the shared table (done once by the host, before any hart runs).
export function buildRvcTable(): void {
  for (let c: u32 = 0; c < 0x10000; c++) {
    store<u32>(<usize>RVC_TABLE + (<usize>c << 2), (c & 3) == 3 ? RVC_ILLEGAL : expandRvc(c));
  }
}
