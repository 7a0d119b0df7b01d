/* traps.S - synchronous exceptions taken to M-mode and the xRET
 * instructions:
 *   ecall from M / S / U (causes 11 / 9 / 8, mepc = the ecall, mtval = 0,
 *   mstatus.MPP = the previous mode, MPIE = the previous MIE, MIE = 0);
 *   ebreak (cause 3, mepc, mtval = pc or 0) in every mode;
 *   illegal instructions (reserved opcodes and function codes, mret in S,
 *   sret in U, ...) with mtval = the instruction bits and rd not written;
 *   mret: pc = mepc, privilege = MPP, MIE = MPIE, MPIE = 1, MPP = U,
 *   MPRV cleared when leaving M;
 *   sret (from S and from M): pc = sepc, privilege = SPP, SIE = SPIE,
 *   SPIE = 1, SPP = U, MPRV cleared.
 */
#include "rvtest.h"

/* mstatus recorded by the M handler at trap entry -> a0 */
#define TRAP_STATUS(r) TRAP_LOAD r, TV_STATUS

RVTEST_BEGIN
  PMP_ALLOW_ALL
  /* ---- ecall ---- */
  TEST_TRAP(1, CAUSE_MACHINE_ECALL, 0, ecall)
  li gp, 2          /* MPP = M, MIE -> MPIE */
  li a1, MSTATUS_MIE
  csrs mstatus, a1   /* (no interrupt is enabled in mie) */
  TRAP_EXPECT
  ecall
  CHECK_TRAP CAUSE_MACHINE_ECALL
  TRAP_STATUS(a0)
  li a1, (MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE)
  and a0, a0, a1
  CHECK_IMM a0, (MSTATUS_MPP_M | MSTATUS_MPIE)
  csrr a0, mstatus   /* mret restored MIE from MPIE */
  andi a0, a0, MSTATUS_MIE
  CHECK_IMM a0, MSTATUS_MIE
  li a1, MSTATUS_MIE
  csrc mstatus, a1
  li gp, 3          /* a7 holds an ordinary value: no service */
  li a7, 93
  TRAP_EXPECT
  ecall
  CHECK_TRAP CAUSE_MACHINE_ECALL
  CHECK_IMM a7, 93

  GOTO_S
  TEST_TRAP(4, CAUSE_SUPERVISOR_ECALL, 0, ecall)
  li gp, 5
  TRAP_STATUS(a0)
  li a1, MSTATUS_MPP
  and a0, a0, a1
  CHECK_IMM a0, MSTATUS_MPP_S
  S_GOTO_U
  TEST_TRAP(6, CAUSE_USER_ECALL, 0, ecall)
  li gp, 7
  TRAP_STATUS(a0)
  li a1, MSTATUS_MPP
  and a0, a0, a1
  CHECK_IMM a0, 0
  li gp, 8          /* the trap returned to U: still U (sstatus is illegal) */
  TRAP_EXPECT
  csrr a0, sstatus
  CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION

  /* ---- ebreak (mtval: the pc, or 0, both allowed) ---- */
  li gp, 10
  TRAP_EXPECT
1:ebreak
  CHECK_TRAP CAUSE_BREAKPOINT
  CHECK_TRAP_EPC 1b
  TRAP_LOAD t5, TV_TVAL
  beqz t5, 2f
  la t6, 1b
  CHECK_EQ t5, t6
2:
  GOTO_M
  li gp, 11
  TRAP_EXPECT
1:ebreak
  CHECK_TRAP CAUSE_BREAKPOINT
  CHECK_TRAP_EPC 1b
  TRAP_LOAD t5, TV_TVAL
  beqz t5, 2f
  la t6, 1b
  CHECK_EQ t5, t6
2:
  GOTO_S
  li gp, 12
  TRAP_EXPECT
1:ebreak
  CHECK_TRAP CAUSE_BREAKPOINT
  CHECK_TRAP_EPC 1b
  GOTO_M

  /* ---- illegal instructions ---- */
  TEST_ILLEGAL(20, .hword 0x0000)              /* (a 16-bit instruction) */
  TEST_ILLEGAL(21, .word 0x0000006b)           /* reserved major opcode */
  TEST_ILLEGAL(22, .word 0x0000707b | (10 << 7)) /* custom-3 */
  TEST_ILLEGAL(23, .word 0x00007503)           /* LOAD funct3 = 7 (reserved on RV64) */
  TEST_ILLEGAL(24, .word 0x00007023)           /* STORE funct3 = 7 */
  TEST_ILLEGAL(25, .word 0xfe000533)           /* OP funct7 = 0x7f */
  TEST_ILLEGAL(26, .word 0x4000453b)           /* OP-32 funct7 = 0x20, funct3 = 4 */
  TEST_ILLEGAL(27, .word 0x02c5553b | (1 << 25) | (1 << 30)) /* OP-32 funct7 = 0x21 */
  TEST_ILLEGAL(28, .word 0x0000501b | (0x40 << 20)) /* srliw with imm[5] = 1 (shamt >= 32) */
  TEST_ILLEGAL(29, .word 0x0000101b | (0x20 << 20)) /* slliw with shamt = 32 */
  TEST_ILLEGAL(30, .word 0x0000201b)           /* OP-IMM-32 funct3 = 2 */
  TEST_ILLEGAL(31, .word 0x00002063)           /* BRANCH funct3 = 2 */
  TEST_ILLEGAL(32, .word 0x00001067)           /* JALR funct3 = 1 */
  TEST_ILLEGAL(33, .word 0x10600073)           /* SYSTEM, unassigned funct12 */
  TEST_ILLEGAL(34, .word 0x00004073)           /* SYSTEM funct3 = 4 */
  TEST_ILLEGAL(35, .word 0xc0001073)           /* unimp (csrw cycle, x0) */
  TEST_ILLEGAL(36, .word 0x0000302f | (0x5 << 27)) /* AMO funct5 = 5 (reserved) */
  TEST_ILLEGAL(37, .word 0x0000002f)           /* AMO funct3 = 0 */
  TEST_ILLEGAL(38, .word 0x0000500f)           /* MISC-MEM funct3 = 5 */
  li gp, 39         /* rd of a trapping instruction is not written */
  li a0, 0x77
  TRAP_EXPECT
  .word 0x00007503   /* "ld" with funct3 = 7 into a0 */
  CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION
  CHECK_IMM a0, 0x77

  /* xRET in a mode that may not use it */
  GOTO_S
  TEST_ILLEGAL(40, mret)
  S_GOTO_U
  TEST_ILLEGAL(41, mret)
  TEST_ILLEGAL(42, sret)
  GOTO_M

  /* ---- mret ---- */
  li gp, 50         /* M -> M: MIE = MPIE(0), MPIE = 1, MPP = U */
  li a1, (MSTATUS_MPP | MSTATUS_MIE)
  csrs mstatus, a1
  li a1, MSTATUS_MPIE
  csrc mstatus, a1
  la a1, 1f
  csrw mepc, a1
  mret
  j fail
1:csrr a0, mstatus
  li a1, (MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE)
  and a0, a0, a1
  CHECK_IMM a0, MSTATUS_MPIE
  li gp, 51         /* M -> M: MIE = MPIE(1) */
  li a1, (MSTATUS_MPP | MSTATUS_MPIE)
  csrs mstatus, a1
  la a1, 1f
  csrw mepc, a1
  mret
  j fail
1:csrr a0, mstatus
  li a1, (MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE)
  and a0, a0, a1
  CHECK_IMM a0, (MSTATUS_MPIE | MSTATUS_MIE)
  li a1, MSTATUS_MIE
  csrc mstatus, a1
  li gp, 52         /* M -> S with MPIE = 1: the ecall back records MPIE = 1 (the
                       MIE mret set), MIE = 0, MPP = S */
  li a1, MSTATUS_MPIE
  csrs mstatus, a1
  la a1, 1f
  RUN_AT PRV_S, a1
  CHECK_TRAP CAUSE_SUPERVISOR_ECALL
  TRAP_STATUS(a0)
  li a1, (MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE)
  and a0, a0, a1
  CHECK_IMM a0, (MSTATUS_MPP_S | MSTATUS_MPIE)
  j 2f
1:ecall
2:
  li gp, 53         /* M -> U with MPIE = 0 */
  li a1, MSTATUS_MPIE
  csrc mstatus, a1
  la a1, 1f
  RUN_AT PRV_U, a1
  CHECK_TRAP CAUSE_USER_ECALL
  TRAP_STATUS(a0)
  li a1, (MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE)
  and a0, a0, a1
  CHECK_IMM a0, 0
  CHECK_TRAP_EPC 1f
  j 2f
1:ecall
2:
  li gp, 54         /* mret jumps to mepc, which may be 2-byte aligned */
  la a1, 1f
  csrw mepc, a1
  li a1, MSTATUS_MPP
  csrs mstatus, a1
  mret
  j fail
  .option rvc
  c.nop
1:c.nop
  .option norvc
  li gp, 55         /* ... and MPP was set to U by the previous mret */
  csrr a0, mstatus
  li a1, MSTATUS_MPP
  and a0, a0, a1
  CHECK_IMM a0, 0

  /* ---- sret ---- */
  GOTO_S
  li gp, 60         /* S -> S: SIE = SPIE(1), SPIE = 1, SPP = U */
  li a1, (MSTATUS_SPP | MSTATUS_SPIE)
  csrs sstatus, a1
  li a1, MSTATUS_SIE
  csrc sstatus, a1
  la a1, 1f
  csrw sepc, a1
  sret
  j fail
1:csrr a0, sstatus
  li a1, (MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE)
  and a0, a0, a1
  CHECK_IMM a0, (MSTATUS_SPIE | MSTATUS_SIE)
  li gp, 61         /* S -> S: SIE = SPIE(0) */
  li a1, (MSTATUS_SPP | MSTATUS_SIE)
  csrs sstatus, a1
  li a1, MSTATUS_SPIE
  csrc sstatus, a1
  la a1, 1f
  csrw sepc, a1
  sret
  j fail
1:csrr a0, sstatus
  li a1, (MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE)
  and a0, a0, a1
  CHECK_IMM a0, MSTATUS_SPIE
  li gp, 62         /* S -> U (SPP = U from the last sret) */
  la a1, 1f
  csrw sepc, a1
  sret
  j fail
1:TRAP_EXPECT
  csrr a0, sstatus   /* in U: illegal */
  CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION
  GOTO_M
  li gp, 63         /* sret from M with SPP = S: goes to S at sepc, SPP = U */
  li a1, MSTATUS_SPP
  csrs mstatus, a1
  la a1, 1f
  csrw sepc, a1
  TRAP_EXPECT
  TRAP_RESUME_AT 2f
  sret
  j fail
1:ecall
  j fail
2:CHECK_TRAP CAUSE_SUPERVISOR_ECALL
  TRAP_STATUS(a0)
  li a1, MSTATUS_SPP
  and a0, a0, a1
  CHECK_IMM a0, 0    /* SPP = U */
  li gp, 64         /* sret from M with SPP = U: goes to U */
  la a1, 1f
  csrw sepc, a1
  TRAP_EXPECT
  TRAP_RESUME_AT 2f
  sret
  j fail
1:ecall
  j fail
2:CHECK_TRAP CAUSE_USER_ECALL

  /* ---- the handler's record of a trap from S: sepc etc. untouched ---- */
  li gp, 70
  li a1, 0x1110     /* even: sepc[0] is always zero */
  csrw sepc, a1
  csrw scause, a1
  csrw stval, a1
  GOTO_S
  TEST_TRAP(71, CAUSE_ILLEGAL_INSTRUCTION, 0x6b, .word 0x0000006b)
  GOTO_M
  li gp, 72
  csrr a0, sepc
  CHECK_IMM a0, 0x1110
  csrr a0, scause
  CHECK_IMM a0, 0x1110
  csrr a0, stval
  CHECK_IMM a0, 0x1110

  /* ---- QEMU 7.2 differs from here on: it does not clear MPRV on xRET ---- */
  li gp, 900        /* mret to S clears MPRV (privileged spec 1.12) */
  li a1, (MSTATUS_MPIE | MSTATUS_MPRV)
  csrs mstatus, a1
  la a1, 1f
  RUN_AT PRV_S, a1
  CHECK_TRAP CAUSE_SUPERVISOR_ECALL
  TRAP_STATUS(a0)
  li a1, MSTATUS_MPRV
  and a0, a0, a1
  CHECK_IMM a0, 0
  j 2f
1:ecall
2:
  li gp, 901        /* mret to U clears MPRV */
  li a1, MSTATUS_MPRV
  csrs mstatus, a1
  la a1, 1f
  RUN_AT PRV_U, a1
  CHECK_TRAP CAUSE_USER_ECALL
  TRAP_STATUS(a0)
  li a1, MSTATUS_MPRV
  and a0, a0, a1
  CHECK_IMM a0, 0
  j 2f
1:ecall
2:
  li gp, 902        /* sret from M to S clears MPRV */
  li a1, MSTATUS_SPP
  csrs mstatus, a1
  li a1, (MSTATUS_MPRV | MSTATUS_MPP)   /* (MPP = M: MPRV changes nothing in M) */
  csrs mstatus, a1
  la a1, 1f
  csrw sepc, a1
  li a7, 0
  TRAP_EXPECT
  TRAP_RESUME_AT 2f
  sret
  j fail
1:ecall
  j fail
2:CHECK_TRAP CAUSE_SUPERVISOR_ECALL
  TRAP_STATUS(a0)
  li a1, MSTATUS_MPRV
  and a0, a0, a1
  CHECK_IMM a0, 0

  RVTEST_PASS
RVTEST_END
