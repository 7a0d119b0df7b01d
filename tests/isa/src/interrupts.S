/* interrupts.S - interrupts and the CLINT:
 *   M-mode software writes of mip.SSIP / STIP / SEIP raise S-level interrupts;
 *   taken in M when not delegated (mepc = the next instruction after the CSR
 *   write that enabled them); mstatus.MIE gates them in M-mode; the priority
 *   order when several are pending (MSI > MTI > SEI > SSI > STI; MEI needs an
 *   interrupt controller and is not tested); mideleg routes S-level
 *   interrupts to stvec; delegated interrupts are never taken in M-mode;
 *   sstatus.SIE gates them in S-mode but not in U-mode; M-level interrupts
 *   are taken in S/U mode regardless of MIE; undelegated S-level interrupts
 *   trap to M from S-mode; M-level interrupts win over S-level ones;
 *   the CLINT: msip -> mip.MSIP, mtimecmp <= mtime -> mip.MTIP, mtime
 *   advancing; wfi returning when an interrupt is pending and enabled in
 *   mie even with the global enable clear, in M and in S; mtvec and stvec
 *   vectored mode (interrupts at BASE + 4 * cause, exceptions at BASE).
 */
#include "rvtest.h"

#define SET_MIE   li t0, MSTATUS_MIE; csrs mstatus, t0
#define CLR_MIE   li t0, MSTATUS_MIE; csrc mstatus, t0

RVTEST_BEGIN
  PMP_ALLOW_ALL
  li s0, CLINT_MTIMECMP
  li t0, -1
  sd t0, 0(s0)            /* no timer interrupt */
  li s1, CLINT_MSIP
  sw zero, 0(s1)
  csrw mip, zero
  csrw mie, zero
  csrw mideleg, zero

  /* ---- S-level interrupts raised by M-mode, not delegated, taken in M ---- */
  li gp, 1               /* pending and enabled, MIE = 0: not taken */
  li t0, MIP_SSIP
  csrs mie, t0
  csrs mip, t0
  TRAP_EXPECT 0
  nop
  nop
  CHECK_NO_TRAP
  csrr a0, mip
  andi a0, a0, MIP_SSIP
  CHECK_IMM a0, MIP_SSIP
  li gp, 2               /* MIE = 1: taken right after the write */
  TRAP_EXPECT
  SET_MIE
1:nop
  CHECK_TRAP IRQ_CAUSE(IRQ_S_SOFT)
  CHECK_TRAP_EPC 1b
  CHECK_TRAP_TVAL 0
  li gp, 3               /* the trap cleared MIE and set MPIE, MPP = M */
  TRAP_LOAD a0, TV_STATUS
  li a1, (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP)
  and a0, a0, a1
  CHECK_IMM a0, (MSTATUS_MPIE | MSTATUS_MPP)
  CLR_MIE
  li t0, MIP_SSIP
  csrc mip, t0
  li gp, 4               /* STIP */
  li t0, MIP_STIP
  csrs mip, t0
  csrs mie, t0
  TRAP_EXPECT
  SET_MIE
1:CHECK_TRAP IRQ_CAUSE(IRQ_S_TIMER)
  CHECK_TRAP_EPC 1b
  CLR_MIE
  li t0, MIP_STIP
  csrc mip, t0
  li gp, 5               /* SEIP (software-writable bit of mip) */
  li t0, MIP_SEIP
  csrs mip, t0
  csrs mie, t0
  TRAP_EXPECT
  SET_MIE
1:CHECK_TRAP IRQ_CAUSE(IRQ_S_EXT)
  CHECK_TRAP_EPC 1b
  CLR_MIE
  li t0, MIP_SEIP
  csrc mip, t0
  csrr a0, mip
  CHECK_IMM a0, 0

  /* ---- CLINT ---- */
  li gp, 10              /* msip -> mip.MSIP */
  li t0, 1
  sw t0, 0(s1)
  lw a0, 0(s1)
  CHECK_IMM a0, 1
  csrr a0, mip
  CHECK_IMM a0, MIP_MSIP
  li t0, MIP_MSIP
  csrs mie, t0
  TRAP_EXPECT
  SET_MIE
1:CHECK_TRAP IRQ_CAUSE(IRQ_M_SOFT)
  CHECK_TRAP_EPC 1b
  CLR_MIE
  sw zero, 0(s1)
  lw a0, 0(s1)
  CHECK_IMM a0, 0
  li gp, 11              /* cleared through the CLINT */
  li a1, 1000
1:csrr a0, mip
  beqz a0, 2f
  addi a1, a1, -1
  bnez a1, 1b
  j fail
2:
  li gp, 12              /* mtime advances */
  li s2, CLINT_MTIME
  ld a0, 0(s2)
  li a1, 100000
1:ld a2, 0(s2)
  bne a2, a0, 2f
  addi a1, a1, -1
  bnez a1, 1b
  j fail
2:bltu a2, a0, fail
  li gp, 13              /* mtimecmp reads back */
  li t0, 0x123456789abcdef
  sd t0, 0(s0)
  ld a0, 0(s0)
  CHECK_EQ a0, t0
  li gp, 14              /* mtimecmp <= mtime: MTIP */
  sd zero, 0(s0)
  li a1, 1000
1:csrr a0, mip
  andi a0, a0, MIP_MTIP
  bnez a0, 2f
  addi a1, a1, -1
  bnez a1, 1b
  j fail
2:li t0, MIP_MTIP
  csrc mip, t0           /* not writable: still pending */
  csrr a0, mip
  andi a0, a0, MIP_MTIP
  CHECK_IMM a0, MIP_MTIP
  csrs mie, t0
  TRAP_EXPECT
  SET_MIE
1:CHECK_TRAP IRQ_CAUSE(IRQ_M_TIMER)
  CHECK_TRAP_EPC 1b
  CLR_MIE
  li gp, 15              /* mtimecmp in the future: MTIP clears */
  li t0, -1
  sd t0, 0(s0)
  li a1, 1000
1:csrr a0, mip
  andi a0, a0, MIP_MTIP
  beqz a0, 2f
  addi a1, a1, -1
  bnez a1, 1b
  j fail
2:
  li gp, 16              /* wfi wakes up when the timer fires (MIE = 0: no trap) */
  li t0, MIP_MTIP
  csrs mie, t0
  ld a0, 0(s2)
  addi a0, a0, 500
  sd a0, 0(s0)
  TRAP_EXPECT 0
  wfi
  /* wfi may also return early: wait for MTIP */
  li a1, 10000000
1:csrr a0, mip
  andi a0, a0, MIP_MTIP
  bnez a0, 2f
  addi a1, a1, -1
  bnez a1, 1b
  j fail
2:CHECK_NO_TRAP
  ld a0, 0(s2)
  ld a1, 0(s0)
  bltu a0, a1, fail      /* mtime >= mtimecmp */
  TRAP_EXPECT
  SET_MIE
  CHECK_TRAP IRQ_CAUSE(IRQ_M_TIMER)
  CLR_MIE
  li t0, -1
  sd t0, 0(s0)

  /* ---- delegation to S ---- */
  li t0, (MIP_SSIP | MIP_STIP | MIP_SEIP)
  csrw mideleg, t0
  li gp, 30              /* delegated: never taken in M, even with MIE = SIE = 1 */
  li t0, MIP_SSIP
  csrs mie, t0
  csrs mip, t0
  SET_MIE
  csrsi sstatus, MSTATUS_SIE
  TRAP_EXPECT 0
  STRAP_EXPECT 0
  nop
  nop
  CHECK_NO_TRAP
  CHECK_NO_TRAP s_trap_vars
  CLR_MIE
  csrci sstatus, MSTATUS_SIE
  li gp, 31              /* in S with SIE = 0: not taken */
  GOTO_S
  STRAP_EXPECT 0
  nop
  CHECK_NO_TRAP s_trap_vars
  li gp, 32              /* in S, wfi returns (pending and enabled in sie) without a trap */
  wfi
  CHECK_NO_TRAP s_trap_vars
  li gp, 33              /* SIE = 1: taken to S, sepc = next instruction */
  STRAP_EXPECT
  csrsi sstatus, MSTATUS_SIE
1:CHECK_STRAP IRQ_CAUSE(IRQ_S_SOFT)
  CHECK_TRAP_EPC 1b, s_trap_vars
  CHECK_TRAP_TVAL 0, s_trap_vars
  TRAP_LOAD a0, TV_STATUS, s_trap_vars
  li a1, (MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE)
  and a0, a0, a1
  CHECK_IMM a0, (MSTATUS_SPP | MSTATUS_SPIE)
  csrci sstatus, MSTATUS_SIE
  li t0, MIP_SSIP
  csrc sip, t0           /* S can clear SSIP */
  csrr a0, sip
  CHECK_IMM a0, 0
  li gp, 34              /* S sets its own SSIP */
  csrs sie, t0
  STRAP_EXPECT
  csrsi sstatus, MSTATUS_SIE
  csrs sip, t0
1:CHECK_STRAP IRQ_CAUSE(IRQ_S_SOFT)
  CHECK_TRAP_EPC 1b, s_trap_vars
  csrci sstatus, MSTATUS_SIE
  csrc sip, t0
  GOTO_M
  li gp, 35              /* in U with SIE = 0: a delegated interrupt is taken to S */
  li t0, MIP_STIP
  csrs mie, t0
  csrs mip, t0
  STRAP_EXPECT
  la t5, 1f
  MRET_TO PRV_U, t5
1:CHECK_STRAP IRQ_CAUSE(IRQ_S_TIMER)
  CHECK_TRAP_EPC 1b, s_trap_vars
  TRAP_LOAD a0, TV_STATUS, s_trap_vars
  li a1, MSTATUS_SPP
  and a0, a0, a1
  CHECK_IMM a0, 0
  GOTO_M
  li t0, MIP_STIP
  csrc mip, t0
  csrw mie, zero

  /* ---- M-level interrupts in lower modes ---- */
  li gp, 40              /* MSI in S with MIE = 0: taken to M at once */
  li t0, 1
  sw t0, 0(s1)
  li t0, MIP_MSIP
  csrs mie, t0
  CLR_MIE
  TRAP_EXPECT
  la t5, 1f
  MRET_TO PRV_S, t5
1:GOTO_M
  CHECK_TRAP IRQ_CAUSE(IRQ_M_SOFT)
  CHECK_TRAP_EPC 1b
  TRAP_LOAD a0, TV_STATUS
  li a1, MSTATUS_MPP
  and a0, a0, a1
  CHECK_IMM a0, MSTATUS_MPP_S
  li gp, 41              /* MSI in U: taken to M */
  li t0, MIP_MSIP
  csrs mie, t0
  TRAP_EXPECT
  la t5, 1f
  MRET_TO PRV_U, t5
1:GOTO_M
  CHECK_TRAP IRQ_CAUSE(IRQ_M_SOFT)
  CHECK_TRAP_EPC 1b
  TRAP_LOAD a0, TV_STATUS
  li a1, MSTATUS_MPP
  and a0, a0, a1
  CHECK_IMM a0, 0
  sw zero, 0(s1)
  li gp, 42              /* an undelegated S-level interrupt in S, SIE = 0: to M */
  csrw mideleg, zero
  li t0, MIP_SEIP
  csrs mip, t0
  csrs mie, t0
  TRAP_EXPECT
  STRAP_EXPECT 0
  la t5, 1f
  MRET_TO PRV_S, t5
1:GOTO_M
  CHECK_TRAP IRQ_CAUSE(IRQ_S_EXT)
  CHECK_TRAP_EPC 1b
  CHECK_NO_TRAP s_trap_vars
  li t0, MIP_SEIP
  csrc mip, t0
  li gp, 43              /* in S with SIE = 1: M-level MSI before delegated SSI */
  li t0, MIP_SSIP
  csrw mideleg, t0
  csrs mip, t0
  li t0, (MIP_SSIP | MIP_MSIP)
  csrs mie, t0
  li t0, 1
  sw t0, 0(s1)
  li t0, MSTATUS_SIE
  csrs mstatus, t0
  TRAP_EXPECT
  STRAP_EXPECT
  la t5, 1f
  MRET_TO PRV_S, t5
1:nop
  CHECK_TRAP IRQ_CAUSE(IRQ_M_SOFT)      /* first, at 1b */
  CHECK_TRAP_EPC 1b
  CHECK_STRAP IRQ_CAUSE(IRQ_S_SOFT)     /* then, also at 1b */
  CHECK_TRAP_EPC 1b, s_trap_vars
  csrci sstatus, MSTATUS_SIE
  GOTO_M
  sw zero, 0(s1)
  csrw mip, zero
  csrw mie, zero
  csrw mideleg, zero

  /* ---- vectored mtvec ---- */
  la t0, mvec
  ori t0, t0, 1
  csrw mtvec, t0
  li gp, 50              /* SSI -> BASE + 4 */
  li t0, MIP_SSIP
  csrs mip, t0
  csrs mie, t0
  TRAP_EXPECT
  SET_MIE
  CHECK_TRAP IRQ_CAUSE(IRQ_S_SOFT)
  CLR_MIE
  la a0, vec_hit
  ld a0, 0(a0)
  CHECK_IMM a0, 1
  csrw mip, zero
  li gp, 51              /* MTI -> BASE + 28 */
  sd zero, 0(s0)
  li t0, MIP_MTIP
  csrs mie, t0
  TRAP_EXPECT
  SET_MIE
  nop
  CHECK_TRAP IRQ_CAUSE(IRQ_M_TIMER)
  CLR_MIE
  la a0, vec_hit
  ld a0, 0(a0)
  CHECK_IMM a0, 7
  li t0, -1
  sd t0, 0(s0)
  li gp, 52              /* MSI -> BASE + 12 */
  li t0, 1
  sw t0, 0(s1)
  li t0, MIP_MSIP
  csrs mie, t0
  TRAP_EXPECT
  SET_MIE
  nop
  CHECK_TRAP IRQ_CAUSE(IRQ_M_SOFT)
  CLR_MIE
  sw zero, 0(s1)
  la a0, vec_hit
  ld a0, 0(a0)
  CHECK_IMM a0, 3
  li gp, 53              /* an exception -> BASE */
  TRAP_EXPECT
  ecall
  CHECK_TRAP CAUSE_MACHINE_ECALL
  la a0, vec_hit
  ld a0, 0(a0)
  CHECK_IMM a0, 0x100
  la t0, trap_m_entry
  csrw mtvec, t0

  /* ---- vectored stvec ---- */
  la t0, svec
  ori t0, t0, 1
  csrw stvec, t0
  li t0, (MIP_SSIP | MIP_STIP)
  csrw mideleg, t0
  li t0, (1 << CAUSE_USER_ECALL)
  csrw medeleg, t0
  li gp, 60              /* STI -> BASE + 20 */
  li t0, MIP_STIP
  csrs mip, t0
  csrs mie, t0
  STRAP_EXPECT
  la t5, 1f
  MRET_TO PRV_U, t5
1:CHECK_STRAP IRQ_CAUSE(IRQ_S_TIMER)
  la a0, vec_hit
  ld a0, 0(a0)
  CHECK_IMM a0, 0x205
  li gp, 61              /* an exception -> BASE */
  li a7, 0
  STRAP_EXPECT
  ecall
  CHECK_STRAP CAUSE_USER_ECALL
  la a0, vec_hit
  ld a0, 0(a0)
  CHECK_IMM a0, 0x300
  U_GOTO_S
  GOTO_M
  la t0, trap_s_entry
  csrw stvec, t0
  csrw medeleg, zero
  csrw mideleg, zero
  csrw mip, zero
  csrw mie, zero

  /* ---- priorities (QEMU 7.2 differs: without the AIA extension it takes
     the lowest-numbered pending interrupt first) ---- */
  li gp, 900
  li t0, 1
  sw t0, 0(s1)           /* MSIP */
  sd zero, 0(s0)         /* MTIP */
  li t0, (MIP_SSIP | MIP_STIP | MIP_SEIP)
  csrs mip, t0
  li t0, (MIP_MSIP | MIP_MTIP | MIP_SSIP | MIP_STIP | MIP_SEIP)
  csrs mie, t0
  li a1, 1000            /* wait until all five are pending */
1:csrr a0, mip
  li t1, (MIP_MSIP | MIP_MTIP | MIP_SSIP | MIP_STIP | MIP_SEIP)
  beq a0, t1, 2f
  addi a1, a1, -1
  bnez a1, 1b
  j fail
2:TRAP_EXPECT 5
  SET_MIE
  nop
  CHECK_TRAP_COUNT 5
  CHECK_TRAP_LOG 0, IRQ_CAUSE(IRQ_M_SOFT)
  CHECK_TRAP_LOG 1, IRQ_CAUSE(IRQ_M_TIMER)
  CHECK_TRAP_LOG 2, IRQ_CAUSE(IRQ_S_EXT)
  CHECK_TRAP_LOG 3, IRQ_CAUSE(IRQ_S_SOFT)
  CHECK_TRAP_LOG 4, IRQ_CAUSE(IRQ_S_TIMER)
  CLR_MIE
  sw zero, 0(s1)
  li t0, -1
  sd t0, 0(s0)
  csrw mip, zero
  li gp, 901              /* same with the enables given in a different order */
  li t0, (MIP_SSIP | MIP_STIP | MIP_SEIP)
  csrs mip, t0
  SET_MIE
  TRAP_EXPECT 3
  li t0, MIP_STIP
  csrs mie, t0           /* STI alone */
  li t0, (MIP_SSIP | MIP_SEIP)
  csrs mie, t0           /* then SEI before SSI */
  nop
  CHECK_TRAP_COUNT 3
  CHECK_TRAP_LOG 0, IRQ_CAUSE(IRQ_S_TIMER)
  CHECK_TRAP_LOG 1, IRQ_CAUSE(IRQ_S_EXT)
  CHECK_TRAP_LOG 2, IRQ_CAUSE(IRQ_S_SOFT)
  CLR_MIE
  csrw mip, zero

  RVTEST_PASS

/* Vector tables: each entry records its number in vec_hit and continues in
 * the ordinary handler. */
.macro MVEC_STUB n
mvec_\n:
  csrw mscratch, t0
  la t0, vec_save
  sd t1, 0(t0)
  li t1, \n
  sd t1, 8(t0)         /* vec_hit */
  ld t1, 0(t0)
  csrr t0, mscratch
  j trap_m_entry
.endm
.macro SVEC_STUB n
svec_\n:
  csrw sscratch, t0
  la t0, vec_save
  sd t1, 0(t0)
  li t1, \n
  sd t1, 8(t0)
  ld t1, 0(t0)
  csrr t0, sscratch
  j trap_s_entry
.endm
  .balign 256
mvec:
  j mvec_0x100     /* exceptions */
  j mvec_1
  j mvec_n
  j mvec_3
  j mvec_n
  j mvec_5
  j mvec_n
  j mvec_7
  j mvec_n
  j mvec_9
  j mvec_n
  j mvec_n
  MVEC_STUB 0x100
  MVEC_STUB 1
  MVEC_STUB 3
  MVEC_STUB 5
  MVEC_STUB 7
  MVEC_STUB 9
mvec_n:
  j fail
  .balign 256
svec:
  j svec_0x300
  j svec_0x201
  j svec_n
  j svec_n
  j svec_n
  j svec_0x205
  j svec_n
  j svec_n
  j svec_n
  j svec_0x209
  SVEC_STUB 0x300
  SVEC_STUB 0x201
  SVEC_STUB 0x205
  SVEC_STUB 0x209
svec_n:
  j fail
RVTEST_END

  .data
  .balign 16
vec_save: .dword 0
vec_hit: .dword 0
