/* rv64a-misaligned.S - LR, SC and AMOs on misaligned addresses must raise an
 * exception (they are never performed in pieces), with mepc = the
 * instruction, mtval = the address, rd and memory unchanged.
 *
 * The specification allows an address-misaligned or an access-fault
 * exception here; rvplay raises address-misaligned: cause 4 for LR, cause 6
 * (store/AMO) for SC and AMOs. Both causes of the right kind are accepted.
 *
 * QEMU 7.2 differs (bugs, so the LR tests come first and the rest is listed
 * as an expected failure in run-qemu.sh): a misaligned AMO reports cause 4
 * (load address misaligned) instead of 6, and a misaligned SC whose address
 * does not match the reservation simply fails (rd = 1) without trapping. */
#include "rvtest.h"

#define TEST_AMO_MISALIGNED(n, cause_mis, cause_acc, off, ...) \
    li gp, n; la a1, amo_buf; li a2, 0x1122334455667788; sd a2, 0(a1); sd a2, 8(a1); \
    addi a5, a1, off; li a0, 0x5a5a; li a3, 0x10; TRAP_EXPECT; 99: __VA_ARGS__; \
    TRAP_NONE; TRAP_LOAD t5, TV_COUNT; CHECK_IMM t5, 1; \
    TRAP_LOAD t5, TV_CAUSE; li t6, cause_mis; beq t5, t6, 98f; CHECK_IMM t5, cause_acc; 98: \
    CHECK_TRAP_EPC 99b; CHECK_TRAP_TVAL_REG a5; CHECK_IMM a0, 0x5a5a; \
    ld a4, 0(a1); CHECK_IMM a4, 0x1122334455667788; ld a4, 8(a1); CHECK_IMM a4, 0x1122334455667788

RVTEST_BEGIN
  TEST_AMO_MISALIGNED(1, CAUSE_MISALIGNED_LOAD, CAUSE_LOAD_ACCESS, 2, lr.w a0, (a5))
  TEST_AMO_MISALIGNED(2, CAUSE_MISALIGNED_LOAD, CAUSE_LOAD_ACCESS, 1, lr.w a0, (a5))
  TEST_AMO_MISALIGNED(3, CAUSE_MISALIGNED_LOAD, CAUSE_LOAD_ACCESS, 4, lr.d a0, (a5))
  TEST_AMO_MISALIGNED(4, CAUSE_MISALIGNED_LOAD, CAUSE_LOAD_ACCESS, 7, lr.d a0, (a5))
  /* ---- AMOs ---- */
  TEST_AMO_MISALIGNED(10, CAUSE_MISALIGNED_STORE, CAUSE_STORE_ACCESS, 2, amoadd.w a0, a3, (a5))
  TEST_AMO_MISALIGNED(11, CAUSE_MISALIGNED_STORE, CAUSE_STORE_ACCESS, 4, amoadd.d a0, a3, (a5))
  TEST_AMO_MISALIGNED(12, CAUSE_MISALIGNED_STORE, CAUSE_STORE_ACCESS, 1, amoswap.w a0, a3, (a5))
  TEST_AMO_MISALIGNED(13, CAUSE_MISALIGNED_STORE, CAUSE_STORE_ACCESS, 7, amoor.d a0, a3, (a5))
  TEST_AMO_MISALIGNED(14, CAUSE_MISALIGNED_STORE, CAUSE_STORE_ACCESS, 6, amomaxu.w a0, a3, (a5))
  TEST_AMO_MISALIGNED(15, CAUSE_MISALIGNED_STORE, CAUSE_STORE_ACCESS, 3, amomin.w a0, a3, (a5))
  TEST_AMO_MISALIGNED(16, CAUSE_MISALIGNED_STORE, CAUSE_STORE_ACCESS, 2, amoand.d a0, a3, (a5))
  TEST_AMO_MISALIGNED(17, CAUSE_MISALIGNED_STORE, CAUSE_STORE_ACCESS, 5, amoxor.d a0, a3, (a5))
  /* ---- SC: without a reservation, and after an LR of the aligned doubleword ---- */
  TEST_AMO_MISALIGNED(20, CAUSE_MISALIGNED_STORE, CAUSE_STORE_ACCESS, 2, sc.w a0, a3, (a5))
  la a1, amo_buf
  lr.d a0, (a1)
  TEST_AMO_MISALIGNED(21, CAUSE_MISALIGNED_STORE, CAUSE_STORE_ACCESS, 4, sc.d a0, a3, (a5))
  RVTEST_PASS
RVTEST_END

  .data
  .balign 64
amo_buf: .zero 16
