/* access-fault.S - accesses to physical addresses where nothing is mapped:
 * load / store / fetch access faults (causes 5 / 7 / 1) with mtval = the
 * address (mepc = the address for a fetch), for every width, FP loads and
 * stores, LR (5), SC and AMOs (7), from M-mode and S-mode, low and high
 * addresses; rd and memory are unchanged.
 */
#include "rvtest.h"

#define HIGH_PA 0x0000001000000000   /* 64 GiB: far above RAM */

#define TEST_AF_LOAD(n, inst, addr) \
    li gp, n; li a1, addr; li a0, 0x77; TRAP_EXPECT; 99: inst a0, 0(a1); \
    CHECK_TRAP CAUSE_LOAD_ACCESS; CHECK_TRAP_EPC 99b; CHECK_TRAP_TVAL_REG a1; CHECK_IMM a0, 0x77
#define TEST_AF_STORE(n, inst, addr) \
    li gp, n; li a1, addr; li a0, 0x77; TRAP_EXPECT; 99: inst a0, 0(a1); \
    CHECK_TRAP CAUSE_STORE_ACCESS; CHECK_TRAP_EPC 99b; CHECK_TRAP_TVAL_REG a1
#define TEST_AF_FP(n, cause, inst, addr) \
    li gp, n; li a1, addr; TRAP_EXPECT; 99: inst fa0, 0(a1); \
    CHECK_TRAP cause; CHECK_TRAP_EPC 99b; CHECK_TRAP_TVAL_REG a1
#define TEST_AF_AMO(n, cause, addr, ...) \
    li gp, n; li a1, addr; li a0, 0x77; li a2, 1; TRAP_EXPECT; 99: __VA_ARGS__; \
    CHECK_TRAP cause; CHECK_TRAP_EPC 99b; CHECK_TRAP_TVAL_REG a1; CHECK_IMM a0, 0x77

RVTEST_BEGIN
  PMP_ALLOW_ALL
  TEST_AF_LOAD(1, lb, UNMAPPED_PA)
  TEST_AF_LOAD(2, lbu, UNMAPPED_PA + 1)
  TEST_AF_LOAD(3, lh, UNMAPPED_PA + 2)
  TEST_AF_LOAD(4, lhu, UNMAPPED_PA + 6)
  TEST_AF_LOAD(5, lw, UNMAPPED_PA + 4)
  TEST_AF_LOAD(6, lwu, UNMAPPED_PA + 8)
  TEST_AF_LOAD(7, ld, UNMAPPED_PA + 16)
  TEST_AF_LOAD(8, ld, HIGH_PA)
  TEST_AF_LOAD(9, lw, 0)
  TEST_AF_STORE(10, sb, UNMAPPED_PA + 3)
  TEST_AF_STORE(11, sh, UNMAPPED_PA + 2)
  TEST_AF_STORE(12, sw, UNMAPPED_PA + 4)
  TEST_AF_STORE(13, sd, UNMAPPED_PA + 8)
  TEST_AF_STORE(14, sd, HIGH_PA + 8)
  TEST_AF_FP(15, CAUSE_LOAD_ACCESS, flw, UNMAPPED_PA)
  TEST_AF_FP(16, CAUSE_LOAD_ACCESS, fld, UNMAPPED_PA + 8)
  TEST_AF_FP(17, CAUSE_STORE_ACCESS, fsw, UNMAPPED_PA + 12)
  TEST_AF_FP(18, CAUSE_STORE_ACCESS, fsd, UNMAPPED_PA + 16)
  li gp, 19              /* the FP destination is unchanged */
  li t0, 0x123456789
  fmv.d.x f5, t0
  li a1, UNMAPPED_PA
  TRAP_EXPECT
  fld f5, 0(a1)
  CHECK_TRAP CAUSE_LOAD_ACCESS
  fmv.x.d a0, f5
  CHECK_IMM a0, 0x123456789
  TEST_AF_AMO(20, CAUSE_LOAD_ACCESS, UNMAPPED_PA, lr.d a0, (a1))
  TEST_AF_AMO(21, CAUSE_LOAD_ACCESS, UNMAPPED_PA + 4, lr.w a0, (a1))

  /* ---- fetch ---- */
  li gp, 30
  li a1, UNMAPPED_PA
  TRAP_EXPECT
  TRAP_RESUME_AT 1f
  jalr a1
  j fail
1:CHECK_TRAP CAUSE_FETCH_ACCESS
  CHECK_TRAP_EPC_REG a1
  CHECK_TRAP_TVAL_REG a1
  li gp, 31
  li a1, HIGH_PA + 0x100
  TRAP_EXPECT
  TRAP_RESUME_AT 1f
  jr a1
  j fail
1:CHECK_TRAP CAUSE_FETCH_ACCESS
  CHECK_TRAP_EPC_REG a1
  CHECK_TRAP_TVAL_REG a1
  li gp, 32              /* from S-mode, to the M handler */
  li a1, UNMAPPED_PA + 0x40
  RUN_AT PRV_S, a1
  CHECK_TRAP CAUSE_FETCH_ACCESS
  CHECK_TRAP_EPC_REG a1
  CHECK_TRAP_TVAL_REG a1
  TRAP_LOAD a0, TV_STATUS
  li t0, MSTATUS_MPP
  and a0, a0, t0
  CHECK_IMM a0, MSTATUS_MPP_S
  li gp, 33              /* a load from S-mode */
  GOTO_S
  li a1, UNMAPPED_PA + 0x48
  TRAP_EXPECT
1:ld a0, 0(a1)
  CHECK_TRAP CAUSE_LOAD_ACCESS
  CHECK_TRAP_EPC 1b
  CHECK_TRAP_TVAL_REG a1
  GOTO_M

  /* ---- the CLINT is there (and an access beside RAM's start works) ---- */
  li gp, 40
  li a1, CLINT_MTIME
  ld a0, 0(a1)
  li a1, 0x80000000
  lw a0, 0(a1)

  /* ---- QEMU 7.2 differs from here on ----
     AMOs raise store/AMO faults, never load faults (riscv-isa-manual issue
     #469); QEMU 7.2 reports a load access fault (cause 5). */
  TEST_AF_AMO(900, CAUSE_STORE_ACCESS, UNMAPPED_PA, amoadd.d a0, a2, (a1))
  TEST_AF_AMO(901, CAUSE_STORE_ACCESS, UNMAPPED_PA + 4, amoswap.w a0, a2, (a1))
  TEST_AF_AMO(902, CAUSE_STORE_ACCESS, HIGH_PA, amomaxu.d a0, a2, (a1))
  /* An SC must pass the permission checks even when it would fail ("No SC
     instruction shall retire unless it passes memory permission checks");
     QEMU 7.2 fails an SC without a matching reservation without checking
     the address (QEMU issue #3323). */
  TEST_AF_AMO(910, CAUSE_STORE_ACCESS, UNMAPPED_PA, sc.d a0, a2, (a1))
  li gp, 911             /* also right after an LR of a valid address */
  la t0, buf
  lr.d a0, (t0)
  li a0, 0x77
  li a1, UNMAPPED_PA + 8
  TRAP_EXPECT
  sc.w a0, a2, (a1)
  CHECK_TRAP CAUSE_STORE_ACCESS
  CHECK_IMM a0, 0x77
  RVTEST_PASS
RVTEST_END

  .data
  .balign 8
buf: .dword 0
