/* misaligned.S - misaligned ordinary loads and stores (integer and FP).
 * An implementation may perform them or raise an address-misaligned
 * exception (cause 4 for loads, 6 for stores; an access fault, 5 / 7, is
 * also allowed by the specification). rvplay performs them; QEMU may trap.
 * Each access here is checked either way:
 *   no trap: the loaded value (with sign / zero extension) or the stored
 *            bytes are right, neighbouring bytes untouched;
 *   trap:    the cause is right, mepc = the instruction, mtval = the
 *            address, rd / memory are unchanged.
 * Also accesses that cross a 4 KiB boundary.
 */
#include "rvtest.h"

/* a0 = the loaded value or unchanged (0x5a5a...), per the above */
#define TEST_MLOAD(n, inst, off, result) \
    li gp, n; la a1, src; addi a1, a1, off; li a0, 0x5a5a5a5a5a5a5a5a; \
    TRAP_EXPECT; 99: inst a0, 0(a1); TRAP_NONE; \
    TRAP_LOAD t5, TV_COUNT; beqz t5, 97f; \
    CHECK_IMM t5, 1; TRAP_LOAD t5, TV_CAUSE; li t6, CAUSE_MISALIGNED_LOAD; beq t5, t6, 98f; \
    CHECK_IMM t5, CAUSE_LOAD_ACCESS; 98: CHECK_TRAP_EPC 99b; CHECK_TRAP_TVAL_REG a1; \
    CHECK_IMM a0, 0x5a5a5a5a5a5a5a5a; j 96f; \
    97: CHECK_IMM a0, result; 96:

/* store the low bytes of 0x8877665544332211 at dst + off (dst cleared to 0xee) */
#define TEST_MSTORE(n, inst, off, w0, w1) \
    li gp, n; la a1, dst; li t0, 0xeeeeeeeeeeeeeeee; sd t0, 0(a1); sd t0, 8(a1); \
    addi a1, a1, off; li a2, 0x8877665544332211; \
    TRAP_EXPECT; 99: inst a2, 0(a1); TRAP_NONE; la a3, dst; \
    TRAP_LOAD t5, TV_COUNT; beqz t5, 97f; \
    CHECK_IMM t5, 1; TRAP_LOAD t5, TV_CAUSE; li t6, CAUSE_MISALIGNED_STORE; beq t5, t6, 98f; \
    CHECK_IMM t5, CAUSE_STORE_ACCESS; 98: CHECK_TRAP_EPC 99b; CHECK_TRAP_TVAL_REG a1; \
    ld t0, 0(a3); CHECK_IMM t0, 0xeeeeeeeeeeeeeeee; ld t0, 8(a3); CHECK_IMM t0, 0xeeeeeeeeeeeeeeee; j 96f; \
    97: ld t0, 0(a3); CHECK_IMM t0, w0; ld t0, 8(a3); CHECK_IMM t0, w1; 96:

/* FP load: f0 = loaded bits (fmv.x.d) or unchanged */
#define TEST_MFLOAD(n, inst, off, result) \
    li gp, n; la a1, src; addi a1, a1, off; li t0, 0x5a5a5a5a5a5a5a5a; fmv.d.x f0, t0; \
    TRAP_EXPECT; 99: inst f0, 0(a1); TRAP_NONE; fmv.x.d a0, f0; \
    TRAP_LOAD t5, TV_COUNT; beqz t5, 97f; \
    CHECK_IMM t5, 1; TRAP_LOAD t5, TV_CAUSE; li t6, CAUSE_MISALIGNED_LOAD; beq t5, t6, 98f; \
    CHECK_IMM t5, CAUSE_LOAD_ACCESS; 98: CHECK_TRAP_EPC 99b; CHECK_TRAP_TVAL_REG a1; \
    CHECK_IMM a0, 0x5a5a5a5a5a5a5a5a; j 96f; \
    97: CHECK_IMM a0, result; 96:

RVTEST_BEGIN
  /* src = 80 91 a2 b3 c4 d5 e6 f7 08 19 2a 3b 4c 5d 6e 7f */
  TEST_MLOAD(1, lh, 1, 0xffffffffffffa291)
  TEST_MLOAD(2, lh, 7, 0x08f7)
  TEST_MLOAD(3, lhu, 1, 0xa291)
  TEST_MLOAD(4, lhu, 3, 0xc4b3)
  TEST_MLOAD(5, lw, 1, 0xffffffffc4b3a291)
  TEST_MLOAD(6, lw, 2, 0xffffffffd5c4b3a2)
  TEST_MLOAD(7, lw, 3, 0xffffffffe6d5c4b3)
  TEST_MLOAD(8, lw, 6, 0x1908f7e6)
  TEST_MLOAD(9, lwu, 1, 0xc4b3a291)
  TEST_MLOAD(10, lwu, 5, 0x08f7e6d5)
  TEST_MLOAD(11, ld, 1, 0x08f7e6d5c4b3a291)
  TEST_MLOAD(12, ld, 2, 0x1908f7e6d5c4b3a2)
  TEST_MLOAD(13, ld, 3, 0x2a1908f7e6d5c4b3)
  TEST_MLOAD(14, ld, 4, 0x3b2a1908f7e6d5c4)
  TEST_MLOAD(15, ld, 5, 0x4c3b2a1908f7e6d5)
  TEST_MLOAD(16, ld, 6, 0x5d4c3b2a1908f7e6)
  TEST_MLOAD(17, ld, 7, 0x6e5d4c3b2a1908f7)
  TEST_MSTORE(20, sh, 1, 0xeeeeeeeeee2211ee, 0xeeeeeeeeeeeeeeee)
  TEST_MSTORE(21, sh, 7, 0x11eeeeeeeeeeeeee, 0xeeeeeeeeeeeeee22)
  TEST_MSTORE(22, sw, 1, 0xeeeeee44332211ee, 0xeeeeeeeeeeeeeeee)
  TEST_MSTORE(23, sw, 2, 0xeeee44332211eeee, 0xeeeeeeeeeeeeeeee)
  TEST_MSTORE(24, sw, 6, 0x2211eeeeeeeeeeee, 0xeeeeeeeeeeee4433)
  TEST_MSTORE(25, sd, 1, 0x77665544332211ee, 0xeeeeeeeeeeeeee88)
  TEST_MSTORE(26, sd, 4, 0x44332211eeeeeeee, 0xeeeeeeee88776655)
  TEST_MSTORE(27, sd, 7, 0x11eeeeeeeeeeeeee, 0xee88776655443322)
  TEST_MFLOAD(30, flw, 1, 0xffffffffc4b3a291)
  TEST_MFLOAD(31, fld, 4, 0x3b2a1908f7e6d5c4)
  li gp, 32              /* fsd misaligned */
  la a1, dst
  li t0, 0xeeeeeeeeeeeeeeee
  sd t0, 0(a1)
  sd t0, 8(a1)
  addi a1, a1, 2
  li t0, 0x8877665544332211
  fmv.d.x f1, t0
  TRAP_EXPECT
1:fsd f1, 0(a1)
  TRAP_NONE
  la a3, dst
  TRAP_LOAD t5, TV_COUNT
  beqz t5, 2f
  TRAP_LOAD t5, TV_CAUSE
  li t6, CAUSE_MISALIGNED_STORE
  beq t5, t6, 3f
  CHECK_IMM t5, CAUSE_STORE_ACCESS
3:CHECK_TRAP_TVAL_REG a1
  CHECK_TRAP_EPC 1b
  j 4f
2:ld t0, 0(a3)
  CHECK_IMM t0, 0x665544332211eeee
  ld t0, 8(a3)
  CHECK_IMM t0, 0xeeeeeeeeeeee8877
4:

  /* ---- across a 4 KiB boundary ---- */
  li gp, 40
  la a1, page2
  li t0, 0x0706050403020100
  sd t0, -8(a1)
  li t0, 0x0f0e0d0c0b0a0908
  sd t0, 0(a1)
  addi a1, a1, -3
  li a0, 0x5a
  TRAP_EXPECT
1:ld a0, 0(a1)
  TRAP_NONE
  TRAP_LOAD t5, TV_COUNT
  beqz t5, 2f
  CHECK_TRAP_TVAL_REG a1
  CHECK_IMM a0, 0x5a
  j 3f
2:CHECK_IMM a0, 0x0c0b0a0908070605
3:
  li gp, 41
  li a2, 0x1111111111111111
  TRAP_EXPECT
1:sd a2, 0(a1)
  TRAP_NONE
  TRAP_LOAD t5, TV_COUNT
  la a3, page2
  beqz t5, 2f
  CHECK_TRAP_TVAL_REG a1
  ld t0, -8(a3)
  CHECK_IMM t0, 0x0706050403020100
  j 3f
2:ld t0, -8(a3)
  CHECK_IMM t0, 0x1111110403020100
  ld t0, 0(a3)
  CHECK_IMM t0, 0x0f0e0d1111111111
3:
  RVTEST_PASS
RVTEST_END

  .data
  .balign 16
src:
  .byte 0x80, 0x91, 0xa2, 0xb3, 0xc4, 0xd5, 0xe6, 0xf7
  .byte 0x08, 0x19, 0x2a, 0x3b, 0x4c, 0x5d, 0x6e, 0x7f
dst: .zero 16
  .balign 4096
  .zero 4096
page2: .zero 16
