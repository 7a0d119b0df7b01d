/* rv64i-mem.S - RV64I loads and stores: every width (b/h/w/d) with sign and
 * zero extension at every aligned offset, positive and negative 12-bit
 * offsets, stores of each width leaving neighbouring bytes alone, rd = base
 * register, store-to-load forwarding; fence variants; fence.i after
 * self-modifying code (the new instruction must run after fence.i). */
#include "rvtest.h"

#define TEST_LD(n, inst, result, off) \
    li gp, n; la a1, src; inst a0, off(a1); CHECK_IMM a0, result

RVTEST_BEGIN
  /* src = 80 91 a2 b3 c4 d5 e6 f7 | 08 19 2a 3b 4c 5d 6e 7f (little endian) */
  TEST_LD(1, lb, 0xffffffffffffff80, 0)
  TEST_LD(2, lb, 0xffffffffffffff91, 1)
  TEST_LD(3, lb, 0xfffffffffffffff7, 7)
  TEST_LD(4, lb, 0x08, 8)
  TEST_LD(5, lb, 0x7f, 15)
  TEST_LD(6, lbu, 0x80, 0)
  TEST_LD(7, lbu, 0xf7, 7)
  TEST_LD(8, lbu, 0x7f, 15)
  TEST_LD(9, lh, 0xffffffffffff9180, 0)
  TEST_LD(10, lh, 0xffffffffffffb3a2, 2)
  TEST_LD(11, lh, 0xfffffffffffff7e6, 6)
  TEST_LD(12, lh, 0x1908, 8)
  TEST_LD(13, lh, 0x7f6e, 14)
  TEST_LD(14, lhu, 0x9180, 0)
  TEST_LD(15, lhu, 0xf7e6, 6)
  TEST_LD(16, lhu, 0x7f6e, 14)
  TEST_LD(17, lw, 0xffffffffb3a29180, 0)
  TEST_LD(18, lw, 0xfffffffff7e6d5c4, 4)
  TEST_LD(19, lw, 0x3b2a1908, 8)
  TEST_LD(20, lw, 0x7f6e5d4c, 12)
  TEST_LD(21, lwu, 0xb3a29180, 0)
  TEST_LD(22, lwu, 0xf7e6d5c4, 4)
  TEST_LD(23, lwu, 0x7f6e5d4c, 12)
  TEST_LD(24, ld, 0xf7e6d5c4b3a29180, 0)
  TEST_LD(25, ld, 0x7f6e5d4c3b2a1908, 8)

  /* negative and large offsets */
  li gp, 30
  la a1, src + 8
  lb a0, -8(a1)
  CHECK_IMM a0, 0xffffffffffffff80
  li gp, 31
  ld a0, -8(a1)
  CHECK_IMM a0, 0xf7e6d5c4b3a29180
  li gp, 32
  la a1, src + 2048
  ld a0, -2048(a1)
  CHECK_IMM a0, 0xf7e6d5c4b3a29180
  li gp, 33
  la a1, src - 2039
  lbu a0, 2047(a1)    /* src + 8 */
  CHECK_IMM a0, 0x08
  li gp, 34           /* rd = base register */
  la a1, src
  ld a1, 8(a1)
  CHECK_IMM a1, 0x7f6e5d4c3b2a1908

  /* ---- stores ---- */
#define CLEAR_DST la a1, dst; sd zero, 0(a1); sd zero, 8(a1); sd zero, 16(a1)
#define CHECK_DST(w0, w1) ld a0, 0(a1); CHECK_IMM a0, w0; ld a0, 8(a1); CHECK_IMM a0, w1; \
    ld a0, 16(a1); CHECK_IMM a0, 0
  li gp, 40
  CLEAR_DST
  li a2, 0x123456789abcdef0
  sb a2, 0(a1)
  sb a2, 7(a1)
  sb a2, 9(a1)
  CHECK_DST(0xf0000000000000f0, 0xf000)
  li gp, 41
  CLEAR_DST
  sh a2, 0(a1)
  sh a2, 6(a1)
  sh a2, 10(a1)
  CHECK_DST(0xdef000000000def0, 0xdef00000)
  li gp, 42
  CLEAR_DST
  sw a2, 0(a1)
  sw a2, 12(a1)
  CHECK_DST(0x9abcdef0, 0x9abcdef000000000)
  li gp, 43
  CLEAR_DST
  sd a2, 8(a1)
  CHECK_DST(0, 0x123456789abcdef0)
  li gp, 44          /* negative offset */
  CLEAR_DST
  addi a3, a1, 16
  sd a2, -16(a3)
  sw a2, -4(a3)
  CHECK_DST(0x123456789abcdef0, 0x9abcdef000000000)
  li gp, 45          /* store then load the same and overlapping bytes */
  CLEAR_DST
  li a2, -1
  sd a2, 0(a1)
  li a3, 0x55
  sb a3, 3(a1)
  lw a0, 0(a1)
  CHECK_IMM a0, 0x55ffffff
  lhu a0, 2(a1)
  CHECK_IMM a0, 0x55ff
  lb a0, 3(a1)
  CHECK_IMM a0, 0x55
  li gp, 46          /* x0 as store data */
  sd zero, 0(a1)
  ld a0, 0(a1)
  CHECK_IMM a0, 0
  li gp, 47          /* store with base = data register */
  CLEAR_DST
  sd a1, 0(a1)
  ld a0, 0(a1)
  CHECK_EQ a0, a1

  /* ---- fences (must simply execute) ---- */
  li gp, 50
  li a0, 1
  fence
  fence rw, rw
  fence r, r
  fence w, w
  fence iorw, iorw
  fence i, o
  fence.tso
  .word 0x0100000f    /* pause (Zihintpause; a fence hint) */
  CHECK_IMM a0, 1

  /* ---- fence.i: self-modifying code ---- */
  li gp, 60
  call smc_target
  CHECK_IMM a0, 0
  li gp, 61
  la a1, smc_target
  li a2, 0x00100513   /* addi a0, zero, 1 */
  sw a2, 0(a1)
  fence.i
  call smc_target
  CHECK_IMM a0, 1
  li gp, 62
  li a2, 0x00200513   /* addi a0, zero, 2 */
  sw a2, 0(a1)
  fence.i
  call smc_target
  CHECK_IMM a0, 2
  li gp, 63           /* replace the ret by a jump elsewhere */
  li a2, 0x00300513   /* addi a0, zero, 3 */
  sw a2, 0(a1)
  la a3, smc_target + 4
  la a4, smc_alt
  sub a4, a4, a3      /* jal x0 offset (small, positive) */
  /* J-type immediate: imm[20|10:1|11|19:12] */
  slli a5, a4, 20
  li a6, 0x7fe00000
  and a5, a5, a6      /* imm[10:1] -> bits 30:21 */
  srli a6, a4, 11
  andi a6, a6, 1
  slli a6, a6, 20     /* imm[11] -> bit 20 */
  or a5, a5, a6
  li a6, 0xff000
  and a6, a4, a6      /* imm[19:12] -> bits 19:12 */
  or a5, a5, a6
  ori a5, a5, 0x6f    /* jal x0 */
  sw a5, 4(a1)
  fence.i
  li a0, 0
  call smc_target
  CHECK_IMM a0, 103
  li gp, 64          /* a loop whose body is patched between iterations */
  la a1, smc_loop_body
  li s0, 0
  li s1, 0
1:
  jal smc_loop_body
  add s1, s1, a0
  addi s0, s0, 1
  /* next body: addi a0, zero, s0 * 10 */
  li a2, 10
  mul a2, a2, s0
  slli a2, a2, 20
  li a3, 0x00000513
  or a2, a2, a3
  sw a2, 0(a1)
  fence.i
  li a3, 4
  blt s0, a3, 1b
  CHECK_IMM s1, 60     /* 0 + 10 + 20 + 30 */

  RVTEST_PASS

  .balign 8
smc_target:
  li a0, 0            /* patched */
  ret                 /* patched by test 63 */
smc_alt:
  addi a0, a0, 100
  ret
smc_loop_body:
  li a0, 0
  ret
RVTEST_END

  .data
  .balign 16
src:
  .byte 0x80, 0x91, 0xa2, 0xb3, 0xc4, 0xd5, 0xe6, 0xf7
  .byte 0x08, 0x19, 0x2a, 0x3b, 0x4c, 0x5d, 0x6e, 0x7f
dst:
  .zero 24
