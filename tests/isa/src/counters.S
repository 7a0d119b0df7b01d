/* counters.S - counters and machine information CSRs:
 *   cycle / instret (and mcycle / minstret) advance, minstret and mcycle are
 *   writable in M-mode, time (if implemented) matches the CLINT's mtime;
 *   mcounteren gates cycle / time / instret / hpmcounter3 for S and U,
 *   scounteren additionally for U, M-mode always has access;
 *   misa (RV64, I M A F D C S U), mhartid = 0, mvendorid / marchid / mimpid
 *   readable, tselect / tdata1..3 readable (no triggers needed).
 */
#include "rvtest.h"

/* run code at label in mode; the code ends with ecall */
.macro RUN mode, label
  la t4, \label
  RUN_AT \mode, t4
.endm

RVTEST_BEGIN
  PMP_ALLOW_ALL
  /* ---- cycle / instret ---- */
  li gp, 1
  csrr a1, cycle
  csrr a2, instret
  li t0, 1000
1:addi t0, t0, -1
  bnez t0, 1b
  csrr a3, cycle
  csrr a4, instret
  bgeu a1, a3, fail
  bgeu a2, a4, fail
  li gp, 2               /* the M-mode names give the same counters */
  csrr a1, mcycle
  csrr a2, minstret
  csrr a3, cycle
  csrr a4, instret
  bltu a3, a1, fail
  bltu a4, a2, fail
  li gp, 3               /* minstret is writable: it continues from the value written */
  li a1, 0x100000000
  csrw minstret, a1
  csrr a0, minstret
  bltu a0, a1, fail
  li a2, 0x100000000 + 100000000
  bgeu a0, a2, fail
  li gp, 4               /* mcycle too */
  li a1, 0x200000000
  csrw mcycle, a1
  csrr a0, mcycle
  bltu a0, a1, fail
  li a2, 0x200000000 + 100000000
  bgeu a0, a2, fail

  /* ---- time: reads mtime. QEMU's spike board has no time CSR (it traps,
     leaving it to firmware); the specification allows that, so a trap is
     accepted here. */
  li gp, 10
  li s0, CLINT_MTIME
  ld a1, 0(s0)
  TRAP_EXPECT
  csrr a0, time
  ld a2, 0(s0)
  TRAP_NONE
  TRAP_LOAD t0, TV_COUNT
  bnez t0, 1f
  bltu a0, a1, fail      /* mtime before <= time <= mtime after */
  bltu a2, a0, fail
  j 2f
1:CHECK_IMM t0, 1
  TRAP_LOAD t0, TV_CAUSE
  CHECK_IMM t0, CAUSE_ILLEGAL_INSTRUCTION
2:

  /* ---- mcounteren / scounteren ---- */
  csrw mcounteren, zero
  csrw scounteren, zero
  li gp, 20              /* mcounteren = 0: S cannot read them */
  RUN PRV_S, read_cycle
  CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION
  RUN PRV_S, read_instret
  CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION
  RUN PRV_S, read_time
  CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION
  RUN PRV_S, read_hpm3
  CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION
  li gp, 21              /* nor U */
  RUN PRV_U, read_cycle
  CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION
  RUN PRV_U, read_instret
  CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION
  li gp, 22              /* M can */
  csrr a0, cycle
  csrr a0, instret
  li gp, 23              /* mcounteren.CY: S reads cycle; instret still illegal */
  csrwi mcounteren, 1
  RUN PRV_S, read_cycle
  CHECK_TRAP CAUSE_SUPERVISOR_ECALL
  RUN PRV_S, read_instret
  CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION
  li gp, 24              /* ... but U also needs scounteren */
  RUN PRV_U, read_cycle
  CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION
  li gp, 25              /* mcounteren.IR */
  csrwi mcounteren, 4
  RUN PRV_S, read_instret
  CHECK_TRAP CAUSE_SUPERVISOR_ECALL
  RUN PRV_S, read_cycle
  CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION
  li gp, 26              /* both enables: U can read */
  csrwi mcounteren, 7
  csrwi scounteren, 5
  RUN PRV_U, read_cycle
  CHECK_TRAP CAUSE_USER_ECALL
  RUN PRV_U, read_instret
  CHECK_TRAP CAUSE_USER_ECALL
  li gp, 27              /* scounteren.IR clear: U cannot read instret, S can */
  csrwi scounteren, 1
  RUN PRV_U, read_instret
  CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION
  RUN PRV_S, read_instret
  CHECK_TRAP CAUSE_SUPERVISOR_ECALL
  li gp, 28              /* scounteren does not affect S */
  csrwi scounteren, 0
  RUN PRV_S, read_cycle
  CHECK_TRAP CAUSE_SUPERVISOR_ECALL
  li gp, 29              /* mcounteren.TM: time readable in S (if time exists) */
  csrwi mcounteren, 2
  RUN PRV_S, read_time
  TRAP_LOAD t0, TV_CAUSE
  li t1, CAUSE_SUPERVISOR_ECALL
  beq t0, t1, 1f
  CHECK_IMM t0, CAUSE_ILLEGAL_INSTRUCTION   /* no time CSR at all (QEMU spike) */
1:csrw mcounteren, zero
  li gp, 30              /* a counter read by S returns a sensible value */
  csrwi mcounteren, 1
  csrr a1, cycle
  RUN PRV_S, read_cycle
  CHECK_TRAP CAUSE_SUPERVISOR_ECALL
  csrr a2, cycle
  bltu a0, a1, fail
  bltu a2, a0, fail
  csrw mcounteren, zero

  /* ---- machine information ---- */
  li gp, 40              /* misa: MXL = 2 (64-bit) */
  csrr a0, misa
  srli a1, a0, 62
  CHECK_IMM a1, 2
  li gp, 41              /* I M A F D C S U */
  li t0, (1 << 8) | (1 << 12) | (1 << 0) | (1 << 5) | (1 << 3) | (1 << 2) | (1 << 18) | (1 << 20)
  and a1, a0, t0
  CHECK_EQ a1, t0
  li gp, 42              /* mhartid */
  csrr a0, mhartid
  CHECK_IMM a0, 0
  li gp, 43              /* vendor / architecture / implementation ids are readable */
  TRAP_EXPECT 0
  csrr a0, mvendorid
  csrr a0, marchid
  csrr a0, mimpid
  CHECK_NO_TRAP
  li gp, 44              /* the trigger CSRs exist (no trigger has to be implemented) */
  TRAP_EXPECT 0
  csrr a0, tselect
  csrr a0, tdata1
  csrr a0, tdata2
  csrr a0, tdata3
  CHECK_NO_TRAP

  RVTEST_PASS

read_cycle:
  csrr a0, cycle
  ecall
read_instret:
  csrr a0, instret
  ecall
read_time:
  csrr a0, time
  ecall
read_hpm3:
  csrr a0, hpmcounter3
  ecall
RVTEST_END
