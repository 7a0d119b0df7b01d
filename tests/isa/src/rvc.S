/* rvc.S - the C extension on RV64: every RV64C instruction
 *   quadrant 0: c.addi4spn, c.fld, c.lw, c.ld, c.fsd, c.sw, c.sd
 *   quadrant 1: c.nop, c.addi, c.addiw, c.li, c.addi16sp, c.lui, c.srli,
 *               c.srai, c.andi, c.sub, c.xor, c.or, c.and, c.subw, c.addw,
 *               c.j, c.beqz, c.bnez
 *   quadrant 2: c.slli, c.fldsp, c.lwsp, c.ldsp, c.jr, c.mv, c.ebreak,
 *               c.jalr, c.add, c.fsdsp, c.swsp, c.sdsp
 * with immediate extremes (c.addi16sp -512/496, c.addi4spn 1020, c.lui
 * negative, shifts by 63, largest load/store offsets), link values of c.jalr
 * (pc + 2); a 32-bit instruction at a 2-byte aligned address that straddles
 * a 4 KiB boundary; illegal / reserved encodings (0x0000, and c.addi4spn,
 * c.addi16sp, c.lui with a zero immediate, c.ldsp / c.addiw with rd = x0,
 * c.jr with rs1 = x0) trapping with mtval = the 16 instruction bits;
 * c.fld / c.fsdsp illegal with mstatus.FS = Off; c.ebreak (mepc, 2-byte skip).
 */
#include "rvtest.h"

#define C(...) .option rvc; __VA_ARGS__; .option norvc

/* Check that instruction at 99b is 16 bits long. */
#define CHECK_LEN16(l) la t5, l; lhu t5, 0(t5); andi t5, t5, 3; li t6, 3; beq t5, t6, fail

RVTEST_BEGIN
  la sp, sbuf
  /* ---- c.li / c.addi / c.addiw / c.lui / c.addi16sp / c.addi4spn ---- */
  TEST_CASE(1, a0, 31, C(c.li a0, 31))
  TEST_CASE(2, a0, -32, C(c.li a0, -32))
  TEST_CASE(3, a0, 0, li a0, 5; C(c.li a0, 0))
  TEST_CASE(4, a0, 0x100000000 + 31, li a0, 0x100000000; C(c.addi a0, 31))
  TEST_CASE(5, a0, -33, li a0, -1; C(c.addi a0, -32))
  TEST_CASE(6, a0, 0xffffffff80000000, li a0, 0x7fffffff; C(c.addiw a0, 1))
  TEST_CASE(7, a0, 0x7fffffff, li a0, 0x17fffffff; C(c.addiw a0, 0))   /* sext.w */
  TEST_CASE(8, a0, 0xffffffffffffffe0, li a0, 0x100000000; C(c.addiw a0, -32))
  TEST_CASE(9, s1, 0x1f000, C(c.lui s1, 31))
  TEST_CASE(10, s1, 0xfffffffffffe0000, C(c.lui s1, 0xfffe0))
  TEST_CASE(11, s1, 0xfffffffffffff000, C(c.lui s1, 0xfffff))
  TEST_CASE(12, s1, 0x1000, C(c.lui s1, 1))
  li gp, 13
  la sp, sbuf
  C(c.addi16sp sp, -512)
  la a0, sbuf - 512
  CHECK_EQ sp, a0
  C(c.addi16sp sp, 496)
  la a0, sbuf - 16
  CHECK_EQ sp, a0
  C(c.addi16sp sp, 16)
  la a0, sbuf
  CHECK_EQ sp, a0
  li gp, 14
  C(c.addi4spn a5, sp, 1020)
  la a0, sbuf + 1020
  CHECK_EQ a5, a0
  C(c.addi4spn s0, sp, 4)
  la a0, sbuf + 4
  CHECK_EQ s0, a0

  /* ---- shifts ---- */
  TEST_CASE(20, a0, 0x8000000000000000, li a0, 1; C(c.slli a0, 63))
  TEST_CASE(21, a0, 0x100000000, li a0, 1; C(c.slli a0, 32))
  TEST_CASE(22, a0, 0x8000000000000000, li a0, 0x4000000000000000; C(c.slli a0, 1))
  TEST_CASE(23, s0, 1, li s0, 0x8000000000000000; C(c.srli s0, 63))
  TEST_CASE(24, s0, 0x80000000, li s0, 0x8000000000000000; C(c.srli s0, 32))
  TEST_CASE(25, s0, 0xffffffffffffffff, li s0, 0x8000000000000000; C(c.srai s0, 63))
  TEST_CASE(26, s0, 0xffffffff80000000, li s0, 0x8000000000000000; C(c.srai s0, 32))
  TEST_CASE(27, s0, 0x3fffffffffffffff, li s0, 0x7fffffffffffffff; C(c.srai s0, 1))

  /* ---- c.andi / CA format ---- */
  TEST_CASE(30, a1, 0x00ff00ff00ff00e0, li a1, 0x00ff00ff00ff00ff; C(c.andi a1, -32))
  TEST_CASE(31, a1, 0x0f, li a1, 0xffff; C(c.andi a1, 15))
  TEST_CASE(32, a1, 0xfffffffffffffffe, li a1, 3; li a2, 5; C(c.sub a1, a2))
  TEST_CASE(33, a1, 0x0ff00ff00ff00ff0, li a1, 0xff00ff00ff00ff00; li a2, 0xf0f0f0f0f0f0f0f0; C(c.xor a1, a2))
  TEST_CASE(34, a1, 0xfff0fff0fff0fff0, li a1, 0xff00ff00ff00ff00; li a2, 0xf0f0f0f0f0f0f0f0; C(c.or a1, a2))
  TEST_CASE(35, a1, 0xf000f000f000f000, li a1, 0xff00ff00ff00ff00; li a2, 0xf0f0f0f0f0f0f0f0; C(c.and a1, a2))
  TEST_CASE(36, a1, 0xffffffff80000000, li a1, 0x7fffffff; li a2, -1; C(c.subw a1, a2))
  TEST_CASE(37, a1, 0x1, li a1, 0x100000003; li a2, 0x200000002; C(c.subw a1, a2))
  TEST_CASE(38, a1, 0xffffffff80000000, li a1, 0x7fffffff; li a2, 1; C(c.addw a1, a2))
  TEST_CASE(39, a1, 0x5, li a1, 0x1234567800000002; li a2, 0x8765432100000003; C(c.addw a1, a2))

  /* ---- CR format: c.mv, c.add ---- */
  TEST_CASE(40, t4, 0x123456789abcdef0, li t3, 0x123456789abcdef0; C(c.mv t4, t3))
  TEST_CASE(41, t4, 0x123456789abcdef1, li t4, 1; C(c.add t4, t3))
  TEST_CASE(42, ra, 0x2468acf13579bde0, li ra, 0; C(c.add ra, t3); C(c.add ra, t3))

  /* ---- c.nop ---- */
  TEST_CASE(43, a0, 7, li a0, 7; C(c.nop); C(c.nop))

  /* ---- loads and stores, register-based (x8..x15, scaled offsets) ---- */
  li gp, 50
  la s0, cbuf
  li a0, 0xfedcba9876543210
  C(c.sd a0, 0(s0))
  C(c.sd a0, 248(s0))
  li a0, 0x89abcdef
  C(c.sw a0, 124(s0))
  C(c.sw a0, 8(s0))
  ld a1, 0(s0)
  CHECK_IMM a1, 0xfedcba9876543210
  ld a1, 248(s0)
  CHECK_IMM a1, 0xfedcba9876543210
  lwu a1, 124(s0)
  CHECK_IMM a1, 0x89abcdef
  ld a1, 8(s0)
  CHECK_IMM a1, 0x89abcdef       /* upper word was zero */
  li gp, 51
  C(c.lw a2, 124(s0))
  CHECK_IMM a2, 0xffffffff89abcdef
  C(c.lw a2, 4(s0))
  CHECK_IMM a2, 0xfffffffffedcba98
  C(c.ld a3, 248(s0))
  CHECK_IMM a3, 0xfedcba9876543210
  C(c.ld s1, 0(s0))
  CHECK_IMM s1, 0xfedcba9876543210
  li gp, 52        /* c.lw with rd = base */
  mv a4, s0
  C(c.lw a4, 0(a4))
  CHECK_IMM a4, 0x76543210
  li gp, 53        /* FP: c.fsd / c.fld (f8..f15) */
  li a0, 0x400921fb54442d18
  fmv.d.x fs1, a0
  C(c.fsd fs1, 240(s0))
  ld a1, 240(s0)
  CHECK_EQ a1, a0
  C(c.fld fa5, 240(s0))
  fmv.x.d a1, fa5
  CHECK_EQ a1, a0
  C(c.fld fs0, 0(s0))
  fmv.x.d a1, fs0
  CHECK_IMM a1, 0xfedcba9876543210

  /* ---- loads and stores, sp-based ---- */
  li gp, 60
  la sp, sbuf
  li t0, 0x0123456789abcdef
  C(c.sdsp t0, 504(sp))
  C(c.sdsp t0, 0(sp))
  li t1, 0xcafef00d
  C(c.swsp t1, 252(sp))
  ld a0, 504(sp)
  CHECK_EQ a0, t0
  ld a0, 0(sp)
  CHECK_EQ a0, t0
  lwu a0, 252(sp)
  CHECK_IMM a0, 0xcafef00d
  li gp, 61
  C(c.ldsp t2, 504(sp))
  CHECK_EQ t2, t0
  C(c.lwsp t2, 252(sp))
  CHECK_IMM t2, 0xffffffffcafef00d
  C(c.lwsp t2, 4(sp))
  CHECK_IMM t2, 0x01234567
  li gp, 62
  li a0, 0xc00921fb54442d18
  fmv.d.x ft7, a0
  C(c.fsdsp ft7, 496(sp))
  ld a1, 496(sp)
  CHECK_EQ a1, a0
  C(c.fldsp ft9, 496(sp))
  fmv.x.d a1, ft9
  CHECK_EQ a1, a0

  /* ---- control transfer ---- */
  li gp, 70
  C(c.j 1f)
  j fail
1:
  li gp, 71        /* backward c.j */
  j 2f
1:j 3f
2:C(c.j 1b)
  j fail
3:
  li gp, 72
  li s0, 0
  C(c.beqz s0, 1f)
  j fail
1:li s0, 1
  C(c.beqz s0, fail_near)
  C(c.bnez s0, 1f)
  j fail
1:li s0, 0x100000000    /* all 64 bits are compared */
  C(c.beqz s0, fail_near)
  li s0, 0
  C(c.bnez s0, fail_near)
  li s0, -1
  C(c.bnez s0, 1f)
  j fail
1:
  li gp, 73        /* c.jr */
  la a0, 1f
  C(c.jr a0)
  j fail
1:
  li gp, 74        /* c.jalr links pc + 2 */
  la a0, 2f
1:C(c.jalr a0)
  j fail
2:la a1, 1b + 2
  CHECK_EQ ra, a1
  li gp, 75        /* c.jalr ra: target uses the old ra */
  la ra, 2f
1:C(c.jalr ra)
  j fail
2:la a1, 1b + 2
  CHECK_EQ ra, a1
  li gp, 76        /* a loop of compressed instructions */
  li a0, 0
  li a1, 10
1:C(c.addi a0, 3)
  C(c.addi a1, -1)
  C(c.bnez a1, 1b)
  CHECK_IMM a0, 30
  li gp, 77        /* c.jr ra as a return from a compressed call */
  li a0, 0
  call cfunc
  CHECK_IMM a0, 42
  j 1f
fail_near:
  j fail
1:

  /* ---- a 32-bit instruction crossing a 4 KiB boundary ---- */
  li gp, 80
  li a0, 0
  call cross_start
  CHECK_IMM a0, 0x7ff
  la a1, cross_insn
  li a2, 0xfff
  and a1, a1, a2
  CHECK_IMM a1, 0xffe   /* (the layout is right) */

  /* ---- c.ebreak ---- */
  li gp, 90
  TRAP_EXPECT
1:C(c.ebreak)
  li a0, 1         /* the handler skipped 2 bytes: this runs */
  CHECK_TRAP CAUSE_BREAKPOINT
  CHECK_TRAP_EPC 1b
  CHECK_IMM a0, 1
  /* mtval for ebreak: rvplay writes the pc; the spec also allows 0 */
  TRAP_LOAD t5, TV_TVAL
  beqz t5, 2f
  la t6, 1b
  CHECK_EQ t5, t6
2:

  /* ---- illegal and reserved encodings: mtval = the 16 bits ---- */
  TEST_ILLEGAL(100, C(.hword 0x0000))
  TEST_TRAP(101, CAUSE_ILLEGAL_INSTRUCTION, 0, C(.hword 0x0000))
  TEST_ILLEGAL(102, C(.hword 0x0004))   /* c.addi4spn s1, sp, 0 (reserved) */
  TEST_ILLEGAL(103, C(.hword 0x6101))   /* c.addi16sp sp, 0 (reserved) */
  TEST_ILLEGAL(104, C(.hword 0x6501))   /* c.lui a0, 0 (reserved) */
  TEST_ILLEGAL(105, C(.hword 0x6002))   /* c.ldsp x0, 0(sp) (reserved) */
  TEST_ILLEGAL(106, C(.hword 0x8002))   /* c.jr x0 (reserved) */
  TEST_ILLEGAL(107, C(.hword 0x2001))   /* c.addiw x0, 0 (reserved) */
  /* FP compressed instructions with mstatus.FS = Off */
  li a0, MSTATUS_FS
  csrc mstatus, a0
  la s0, cbuf
  TEST_ILLEGAL(110, C(c.fld fa5, 8(s0)))
  TEST_ILLEGAL(111, C(c.fsdsp ft7, 16(sp)))
  TEST_ILLEGAL(112, C(c.fldsp ft7, 16(sp)))
  TEST_ILLEGAL(113, C(c.fsd fs1, 0(s0)))
  li a0, MSTATUS_FS_INITIAL
  csrs mstatus, a0

  /* ---- a compressed load that faults: mepc, mtval, 2-byte skip ---- */
  li gp, 120
  li s1, UNMAPPED_PA
  li a2, 0x55
  TRAP_EXPECT
1:C(c.lw a2, 0(s1))
  CHECK_TRAP CAUSE_LOAD_ACCESS
  CHECK_TRAP_EPC 1b
  CHECK_TRAP_TVAL UNMAPPED_PA
  CHECK_IMM a2, 0x55

  /* ---- self-modifying compressed code ---- */
  li gp, 130
  la a1, csmc
  li a2, 0x4515          /* c.li a0, 5 */
  sh a2, 0(a1)
  fence.i
  call csmc
  CHECK_IMM a0, 5
  li a2, 0x557d          /* c.li a0, -1 */
  sh a2, 0(a1)
  fence.i
  call csmc
  CHECK_IMM a0, -1

  RVTEST_PASS

cfunc:
  C(c.li a0, 21)
  C(c.add a0, a0)
  C(c.jr ra)

  .balign 4
csmc:
  C(c.li a0, 0)
  C(c.jr ra)

  /* cross_insn starts 2 bytes before a 4 KiB boundary */
  .balign 4096
  .skip 4096 - 8
cross_start:
  C(c.nop)
  C(c.nop)
  C(c.nop)
cross_insn:
  addi a0, a0, 0x7ff     /* bytes 0xffe..0x1001 */
  C(c.jr ra)
RVTEST_END

  .data
  .balign 8
cbuf: .zero 256
  .zero 512
sbuf: .zero 512
