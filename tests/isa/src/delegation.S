/* delegation.S - exception delegation and the S-mode trap state:
 *   medeleg routes exceptions raised in S and U mode to stvec, setting
 *   scause / sepc / stval, sstatus.SPP (previous mode), SPIE (previous SIE),
 *   SIE = 0 (sret restoring SIE); illegal instructions, ecalls from U and S,
 *   breakpoints, load / store access faults; a different stvec; exceptions
 *   raised in M-mode are never delegated (even ecall with medeleg[11] set);
 *   undelegated exceptions from S/U go to M;
 *   mstatus.TSR (sret in S illegal, fine in M), TVM (satp and sfence.vma in
 *   S illegal, fine in M), TW (wfi in S illegal; in M unaffected) and wfi in
 *   U-mode illegal.
 */
#include "rvtest.h"

#define DELEG(c) li t0, (1 << (c)); csrs medeleg, t0
#define UNDELEG(c) li t0, (1 << (c)); csrc medeleg, t0

RVTEST_BEGIN
  PMP_ALLOW_ALL
  /* ---- illegal instruction delegated ---- */
  DELEG(CAUSE_ILLEGAL_INSTRUCTION)
  GOTO_S
  li gp, 1          /* from S: to the S handler */
  STRAP_EXPECT
1:.word 0x0000006b
  CHECK_STRAP CAUSE_ILLEGAL_INSTRUCTION
  CHECK_TRAP_EPC 1b, s_trap_vars
  CHECK_TRAP_TVAL 0x6b, s_trap_vars
  li gp, 2          /* SPP = S, SPIE = old SIE (0), SIE = 0 */
  TRAP_LOAD a0, TV_STATUS, s_trap_vars
  li a1, (MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE)
  and a0, a0, a1
  CHECK_IMM a0, MSTATUS_SPP
  li gp, 3          /* with SIE = 1 before the trap: SPIE = 1, SIE = 0; sret restores SIE */
  csrsi sstatus, MSTATUS_SIE
  STRAP_EXPECT
  .word 0x0000006b
  CHECK_STRAP CAUSE_ILLEGAL_INSTRUCTION
  TRAP_LOAD a0, TV_STATUS, s_trap_vars
  li a1, (MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE)
  and a0, a0, a1
  CHECK_IMM a0, (MSTATUS_SPP | MSTATUS_SPIE)
  csrr a0, sstatus
  andi a0, a0, MSTATUS_SIE
  CHECK_IMM a0, MSTATUS_SIE
  csrci sstatus, MSTATUS_SIE
  li gp, 4          /* from U: SPP = U */
  S_GOTO_U
  STRAP_EXPECT
1:csrr a0, sstatus
  CHECK_STRAP CAUSE_ILLEGAL_INSTRUCTION
  CHECK_TRAP_EPC 1b, s_trap_vars
  CHECK_TRAP_TVAL_INSN 1b, s_trap_vars
  TRAP_LOAD a0, TV_STATUS, s_trap_vars
  li a1, MSTATUS_SPP
  and a0, a0, a1
  CHECK_IMM a0, 0
  li gp, 5          /* U mret / sret: illegal, delegated */
  STRAP_EXPECT 2
  mret
  sret
  CHECK_TRAP_COUNT 2, s_trap_vars
  GOTO_M
  li gp, 7          /* in M-mode the same exception is not delegated */
  TRAP_EXPECT
  STRAP_EXPECT 0
1:.word 0x0000006b
  CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION
  CHECK_TRAP_EPC 1b
  CHECK_NO_TRAP s_trap_vars
  UNDELEG(CAUSE_ILLEGAL_INSTRUCTION)
  li gp, 8          /* not delegated: from S to M */
  GOTO_S
  TRAP_EXPECT
  .word 0x0000006b
  CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION
  TRAP_LOAD a0, TV_STATUS
  li a1, MSTATUS_MPP
  and a0, a0, a1
  CHECK_IMM a0, MSTATUS_MPP_S
  GOTO_M

  /* ---- other delegated exceptions ---- */
  li gp, 10         /* ecall from U, delegated */
  DELEG(CAUSE_USER_ECALL)
  GOTO_U
  li a7, 0
  STRAP_EXPECT
1:ecall
  CHECK_STRAP CAUSE_USER_ECALL
  CHECK_TRAP_EPC 1b, s_trap_vars
  CHECK_TRAP_TVAL 0, s_trap_vars
  U_GOTO_S           /* served by the S handler now */
  li gp, 11         /* and an ecall from S still goes to M */
  TRAP_EXPECT
  ecall
  CHECK_TRAP CAUSE_SUPERVISOR_ECALL
  GOTO_M
  UNDELEG(CAUSE_USER_ECALL)
  li gp, 12         /* ecall from S, delegated to S */
  DELEG(CAUSE_SUPERVISOR_ECALL)
  GOTO_S
  li a7, 0
  STRAP_EXPECT
1:ecall
  CHECK_STRAP CAUSE_SUPERVISOR_ECALL
  CHECK_TRAP_EPC 1b, s_trap_vars
  li gp, 13         /* back to M without an ecall: an undelegated illegal instruction */
  TRAP_EXPECT
  TRAP_RESUME_AT 2f
  csrr a0, mstatus
  j fail
2:CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION
  UNDELEG(CAUSE_SUPERVISOR_ECALL)
  li gp, 14         /* ecall from M with medeleg[11] set (if it is writable): M */
  li t0, (1 << CAUSE_MACHINE_ECALL)
  csrs medeleg, t0
  TRAP_EXPECT
  STRAP_EXPECT 0
  ecall
  CHECK_TRAP CAUSE_MACHINE_ECALL
  CHECK_NO_TRAP s_trap_vars
  csrw medeleg, zero

  li gp, 20         /* breakpoint delegated, from S and from U */
  DELEG(CAUSE_BREAKPOINT)
  GOTO_S
  STRAP_EXPECT
1:ebreak
  CHECK_STRAP CAUSE_BREAKPOINT
  CHECK_TRAP_EPC 1b, s_trap_vars
  TRAP_LOAD t5, TV_TVAL, s_trap_vars   /* the pc or 0 */
  beqz t5, 2f
  la t6, 1b
  CHECK_EQ t5, t6
2:S_GOTO_U
  li gp, 21
  STRAP_EXPECT
1:ebreak
  CHECK_STRAP CAUSE_BREAKPOINT
  CHECK_TRAP_EPC 1b, s_trap_vars
  GOTO_M
  li gp, 22         /* breakpoint in M with the bit set: M */
  TRAP_EXPECT
  ebreak
  CHECK_TRAP CAUSE_BREAKPOINT
  UNDELEG(CAUSE_BREAKPOINT)

  li gp, 30         /* load / store access faults delegated: stval = the address */
  DELEG(CAUSE_LOAD_ACCESS)
  DELEG(CAUSE_STORE_ACCESS)
  GOTO_S
  li a1, UNMAPPED_PA
  li a0, 0x99
  STRAP_EXPECT
1:ld a0, 8(a1)
  CHECK_STRAP CAUSE_LOAD_ACCESS
  CHECK_TRAP_EPC 1b, s_trap_vars
  CHECK_TRAP_TVAL (UNMAPPED_PA + 8), s_trap_vars
  CHECK_IMM a0, 0x99
  li gp, 31
  STRAP_EXPECT
1:sw a0, 12(a1)
  CHECK_STRAP CAUSE_STORE_ACCESS
  CHECK_TRAP_EPC 1b, s_trap_vars
  CHECK_TRAP_TVAL (UNMAPPED_PA + 12), s_trap_vars
  GOTO_M
  li gp, 32         /* the same fault in M-mode goes to M */
  TRAP_EXPECT
  ld a0, 0(a1)
  CHECK_TRAP CAUSE_LOAD_ACCESS
  CHECK_TRAP_TVAL UNMAPPED_PA
  csrw medeleg, zero

  li gp, 33         /* stvec is used for delegated traps: point it elsewhere */
  DELEG(CAUSE_ILLEGAL_INSTRUCTION)
  la t0, alt_stvec
  csrw stvec, t0
  GOTO_S
  li s0, 0
  .word 0x0000006b   /* -> alt_stvec, which sets s0 = 1 and skips it */
  CHECK_IMM s0, 1
  GOTO_M
  la t0, trap_s_entry
  csrw stvec, t0
  csrw medeleg, zero

  /* ---- mstatus.TSR ---- */
  li t0, MSTATUS_TSR
  csrs mstatus, t0
  GOTO_S
  TEST_ILLEGAL(40, sret)
  GOTO_M
  li gp, 41         /* sret in M is still fine */
  li t0, MSTATUS_SPP
  csrs mstatus, t0
  la t0, 1f
  csrw sepc, t0
  sret
  j fail
1:GOTO_M             /* (now in S) */
  li gp, 42         /* TSR = 0: sret in S works */
  li t0, MSTATUS_TSR
  csrc mstatus, t0
  GOTO_S
  li t0, MSTATUS_SPP
  csrs sstatus, t0
  la t0, 1f
  csrw sepc, t0
  sret
  j fail
1:GOTO_M

  /* ---- mstatus.TVM ---- */
  li t0, MSTATUS_TVM
  csrs mstatus, t0
  GOTO_S
  TEST_ILLEGAL(50, csrr a0, satp)
  TEST_ILLEGAL(51, csrw satp, zero)
  TEST_ILLEGAL(52, sfence.vma)
  TEST_ILLEGAL(53, sfence.vma a0, a1)
  TEST_ILLEGAL(54, csrrs a0, satp, x0)
  GOTO_M
  li gp, 55         /* M-mode is not affected */
  csrr a0, satp
  csrw satp, zero
  sfence.vma
  li t0, MSTATUS_TVM
  csrc mstatus, t0
  li gp, 56         /* TVM = 0: S can use them */
  GOTO_S
  csrr a0, satp
  csrw satp, zero
  sfence.vma
  GOTO_M

  /* ---- mstatus.TW and wfi ---- */
  li t0, MSTATUS_TW
  csrs mstatus, t0
  GOTO_S
  TEST_ILLEGAL(60, wfi)
  GOTO_M
  li gp, 61         /* TW does not apply to M-mode: wfi with an interrupt pending
                       and enabled in mie (but MIE = 0) returns */
  li t0, MIP_SSIP
  csrs mie, t0
  csrs mip, t0
  wfi
  csrc mip, t0
  csrc mie, t0
  li t0, MSTATUS_TW
  csrc mstatus, t0
  GOTO_U
  TEST_ILLEGAL(62, wfi)   /* U-mode: illegal even with TW = 0 */
  GOTO_M

  RVTEST_PASS

  .balign 4
alt_stvec:           /* a minimal S handler: s0 = 1, skip a 4-byte instruction */
  li s0, 1
  csrr t0, sepc
  addi t0, t0, 4
  csrw sepc, t0
  sret
RVTEST_END
