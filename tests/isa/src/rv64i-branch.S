/* rv64i-branch.S - RV64I control transfer: all six conditional branches,
 * taken and not taken, with signed/unsigned edge values and operands that
 * differ only in their upper 32 bits; forward, backward and maximum-range
 * branches; jal and jalr link values, jalr offsets, jalr clearing bit 0 of
 * the target, jalr with rd = rs1. */
#include "rvtest.h"

/* Branch taken: execution must reach 1: and nothing else. Also checks the
 * operands are unchanged. */
#define TEST_BR_TAKEN(n, inst, v1, v2) \
    li gp, n; li a1, v1; li a2, v2; inst a1, a2, 1f; j fail; 1: \
    CHECK_IMM a1, v1; CHECK_IMM a2, v2; \
    li a0, 0; inst a1, a2, 2f; li a0, 1; 2: CHECK_IMM a0, 0

/* Branch not taken: falls through. */
#define TEST_BR_NOT(n, inst, v1, v2) \
    li gp, n; li a1, v1; li a2, v2; li a0, 0; inst a1, a2, 2f; li a0, 1; 2: \
    CHECK_IMM a0, 1; inst a1, a2, 3f; j 4f; 3: j fail; 4:

RVTEST_BEGIN
  /* ---- beq ---- */
  TEST_BR_TAKEN(1, beq, 0x0, 0x0)
  TEST_BR_TAKEN(2, beq, 0x1, 0x1)
  TEST_BR_TAKEN(3, beq, 0xffffffffffffffff, 0xffffffffffffffff)
  TEST_BR_NOT(4, beq, 0x0, 0x1)
  TEST_BR_NOT(5, beq, 0x1, 0x0)
  TEST_BR_NOT(6, beq, 0xffffffffffffffff, 0x0)
  TEST_BR_NOT(7, beq, 0x0, 0xffffffffffffffff)
  TEST_BR_NOT(8, beq, 0x8000000000000000, 0x7fffffffffffffff)
  TEST_BR_NOT(9, beq, 0x7fffffffffffffff, 0x8000000000000000)
  TEST_BR_NOT(10, beq, 0x100000000, 0x0)
  TEST_BR_NOT(11, beq, 0x80000000, 0xffffffff80000000)
  TEST_BR_NOT(12, beq, 0xfffffffffffffffe, 0xffffffffffffffff)
  TEST_BR_NOT(13, beq, 0xffffffffffffffff, 0xfffffffffffffffe)
  TEST_BR_NOT(14, beq, 0x8000000000000000, 0x0)
  /* ---- bne ---- */
  TEST_BR_NOT(15, bne, 0x0, 0x0)
  TEST_BR_NOT(16, bne, 0x1, 0x1)
  TEST_BR_NOT(17, bne, 0xffffffffffffffff, 0xffffffffffffffff)
  TEST_BR_TAKEN(18, bne, 0x0, 0x1)
  TEST_BR_TAKEN(19, bne, 0x1, 0x0)
  TEST_BR_TAKEN(20, bne, 0xffffffffffffffff, 0x0)
  TEST_BR_TAKEN(21, bne, 0x0, 0xffffffffffffffff)
  TEST_BR_TAKEN(22, bne, 0x8000000000000000, 0x7fffffffffffffff)
  TEST_BR_TAKEN(23, bne, 0x7fffffffffffffff, 0x8000000000000000)
  TEST_BR_TAKEN(24, bne, 0x100000000, 0x0)
  TEST_BR_TAKEN(25, bne, 0x80000000, 0xffffffff80000000)
  TEST_BR_TAKEN(26, bne, 0xfffffffffffffffe, 0xffffffffffffffff)
  TEST_BR_TAKEN(27, bne, 0xffffffffffffffff, 0xfffffffffffffffe)
  TEST_BR_TAKEN(28, bne, 0x8000000000000000, 0x0)
  /* ---- blt ---- */
  TEST_BR_NOT(29, blt, 0x0, 0x0)
  TEST_BR_NOT(30, blt, 0x1, 0x1)
  TEST_BR_NOT(31, blt, 0xffffffffffffffff, 0xffffffffffffffff)
  TEST_BR_TAKEN(32, blt, 0x0, 0x1)
  TEST_BR_NOT(33, blt, 0x1, 0x0)
  TEST_BR_TAKEN(34, blt, 0xffffffffffffffff, 0x0)
  TEST_BR_NOT(35, blt, 0x0, 0xffffffffffffffff)
  TEST_BR_TAKEN(36, blt, 0x8000000000000000, 0x7fffffffffffffff)
  TEST_BR_NOT(37, blt, 0x7fffffffffffffff, 0x8000000000000000)
  TEST_BR_NOT(38, blt, 0x100000000, 0x0)
  TEST_BR_NOT(39, blt, 0x80000000, 0xffffffff80000000)
  TEST_BR_TAKEN(40, blt, 0xfffffffffffffffe, 0xffffffffffffffff)
  TEST_BR_NOT(41, blt, 0xffffffffffffffff, 0xfffffffffffffffe)
  TEST_BR_TAKEN(42, blt, 0x8000000000000000, 0x0)
  /* ---- bge ---- */
  TEST_BR_TAKEN(43, bge, 0x0, 0x0)
  TEST_BR_TAKEN(44, bge, 0x1, 0x1)
  TEST_BR_TAKEN(45, bge, 0xffffffffffffffff, 0xffffffffffffffff)
  TEST_BR_NOT(46, bge, 0x0, 0x1)
  TEST_BR_TAKEN(47, bge, 0x1, 0x0)
  TEST_BR_NOT(48, bge, 0xffffffffffffffff, 0x0)
  TEST_BR_TAKEN(49, bge, 0x0, 0xffffffffffffffff)
  TEST_BR_NOT(50, bge, 0x8000000000000000, 0x7fffffffffffffff)
  TEST_BR_TAKEN(51, bge, 0x7fffffffffffffff, 0x8000000000000000)
  TEST_BR_TAKEN(52, bge, 0x100000000, 0x0)
  TEST_BR_TAKEN(53, bge, 0x80000000, 0xffffffff80000000)
  TEST_BR_NOT(54, bge, 0xfffffffffffffffe, 0xffffffffffffffff)
  TEST_BR_TAKEN(55, bge, 0xffffffffffffffff, 0xfffffffffffffffe)
  TEST_BR_NOT(56, bge, 0x8000000000000000, 0x0)
  /* ---- bltu ---- */
  TEST_BR_NOT(57, bltu, 0x0, 0x0)
  TEST_BR_NOT(58, bltu, 0x1, 0x1)
  TEST_BR_NOT(59, bltu, 0xffffffffffffffff, 0xffffffffffffffff)
  TEST_BR_TAKEN(60, bltu, 0x0, 0x1)
  TEST_BR_NOT(61, bltu, 0x1, 0x0)
  TEST_BR_NOT(62, bltu, 0xffffffffffffffff, 0x0)
  TEST_BR_TAKEN(63, bltu, 0x0, 0xffffffffffffffff)
  TEST_BR_NOT(64, bltu, 0x8000000000000000, 0x7fffffffffffffff)
  TEST_BR_TAKEN(65, bltu, 0x7fffffffffffffff, 0x8000000000000000)
  TEST_BR_NOT(66, bltu, 0x100000000, 0x0)
  TEST_BR_TAKEN(67, bltu, 0x80000000, 0xffffffff80000000)
  TEST_BR_TAKEN(68, bltu, 0xfffffffffffffffe, 0xffffffffffffffff)
  TEST_BR_NOT(69, bltu, 0xffffffffffffffff, 0xfffffffffffffffe)
  TEST_BR_NOT(70, bltu, 0x8000000000000000, 0x0)
  /* ---- bgeu ---- */
  TEST_BR_TAKEN(71, bgeu, 0x0, 0x0)
  TEST_BR_TAKEN(72, bgeu, 0x1, 0x1)
  TEST_BR_TAKEN(73, bgeu, 0xffffffffffffffff, 0xffffffffffffffff)
  TEST_BR_NOT(74, bgeu, 0x0, 0x1)
  TEST_BR_TAKEN(75, bgeu, 0x1, 0x0)
  TEST_BR_TAKEN(76, bgeu, 0xffffffffffffffff, 0x0)
  TEST_BR_NOT(77, bgeu, 0x0, 0xffffffffffffffff)
  TEST_BR_TAKEN(78, bgeu, 0x8000000000000000, 0x7fffffffffffffff)
  TEST_BR_NOT(79, bgeu, 0x7fffffffffffffff, 0x8000000000000000)
  TEST_BR_TAKEN(80, bgeu, 0x100000000, 0x0)
  TEST_BR_NOT(81, bgeu, 0x80000000, 0xffffffff80000000)
  TEST_BR_NOT(82, bgeu, 0xfffffffffffffffe, 0xffffffffffffffff)
  TEST_BR_TAKEN(83, bgeu, 0xffffffffffffffff, 0xfffffffffffffffe)
  TEST_BR_TAKEN(84, bgeu, 0x8000000000000000, 0x0)

  /* ---- backward branches: a counted loop ---- */
  li gp, 100
  li a0, 0
  li a1, 10
1:addi a0, a0, 3
  addi a1, a1, -1
  bnez a1, 1b
  CHECK_IMM a0, 30
  li gp, 101
  li a0, 0
  li a1, -5
1:addi a0, a0, 1
  addi a1, a1, 1
  blt a1, zero, 1b
  CHECK_IMM a0, 5
  li gp, 102            /* bgeu loop, counting down to zero inclusive */
  li a0, 0
  li a1, 3
1:addi a0, a0, 1
  addi a1, a1, -1
  bgeu a1, zero, 2f     /* always taken */
  j fail
2:bnez a1, 1b
  CHECK_IMM a0, 3

  /* ---- long branches: +4088 / -4092 bytes (the limits are +4094 / -4096) ---- */
  li gp, 103
  beq gp, gp, far_fwd         /* offset 4088 */
  .rept 1021
  j fail
  .endr
far_fwd:
  li gp, 104
  j far_back_from
far_back:
  j far_back_ok
  .rept 1022
  j fail
  .endr
far_back_from:
  bne gp, zero, far_back      /* offset -4092 */
  j fail
far_back_ok:

  /* ---- jal ---- */
  li gp, 110
1:jal a0, 2f
  j fail
2:la a1, 1b
  addi a1, a1, 4
  CHECK_EQ a0, a1
  li gp, 111            /* backward jal */
  j 3f
2:la a1, 1f
  addi a1, a1, 4
  CHECK_EQ ra, a1
  j 4f
3:
1:jal ra, 2b
  j fail
4:
  li gp, 112            /* jal x0 writes nothing */
  li a0, 5
  jal x0, 1f
  j fail
1:CHECK_IMM a0, 5

  /* ---- jalr ---- */
  li gp, 120
  la a1, 2f
1:jalr a0, 0(a1)
  j fail
2:la t0, 1b
  addi t0, t0, 4
  CHECK_EQ a0, t0
  li gp, 121            /* positive offset */
  la a1, 2f - 100
1:jalr a0, 100(a1)
  j fail
2:la t0, 1b
  addi t0, t0, 4
  CHECK_EQ a0, t0
  li gp, 122            /* negative offset */
  la a1, 2f + 2000
  jalr a0, -2000(a1)
  j fail
2:
  li gp, 123            /* bit 0 of the target is cleared: base odd */
  la a1, 2f
  addi a1, a1, 1
  jalr a0, 0(a1)
  j fail
2:
  li gp, 124            /* bit 0 of the target is cleared: offset odd */
  la a1, 2f
  jalr a0, 1(a1)
  j fail
2:
  li gp, 125            /* bit 0 cleared: odd base + odd offset = even, not cleared */
  la a1, 2f - 2
  addi a1, a1, 1
  jalr a0, 1(a1)
  j fail
2:
  li gp, 126            /* rd = rs1: the target uses the old value */
  la a1, 2f
1:jalr a1, 0(a1)
  j fail
2:la t0, 1b
  addi t0, t0, 4
  CHECK_EQ a1, t0
  li gp, 127            /* call / ret through ra */
  li a0, 0
  call leaf
  CHECK_IMM a0, 42
  li gp, 128            /* jalr x0 (jr) */
  la a1, 2f
  li a0, 9
  jr a1
  j fail
2:CHECK_IMM a0, 9
  li gp, 129            /* a computed jump table */
  li a0, 2
  la a1, table
  slli a2, a0, 2
  add a1, a1, a2
  jalr zero, 0(a1)
table:
  j fail
  j fail
  j 1f
  j fail
1:
  RVTEST_PASS

leaf:
  li a0, 42
  ret

RVTEST_END
