/* rvtest.h - shared support for the rvplay ISA tests (bare-metal, M-mode start).
 *
 * Every test program looks like
 *
 *     #include "rvtest.h"
 *     RVTEST_BEGIN
 *       TEST_RR(1, add, 3, 1, 2)
 *       ...
 *       RVTEST_PASS
 *     RVTEST_END
 *
 * Conventions
 *   gp (x3)   the number of the sub-test being run. Every failure reports it:
 *             tohost = (gp << 1) | 1, and "FAIL: test N" on the HTIF console.
 *   t5, t6    scratch registers of the checking / trap macros below.
 *   a7        selects a service when an `ecall` is one of the magic values
 *             MAGIC_* (anything else is an ordinary, recorded ecall).
 *   .option norvc is in effect: the assembler never compresses instructions
 *             on its own (rvc.S uses explicit c.* mnemonics).
 *
 * Traps
 *   mtvec = trap_m_entry and stvec = trap_s_entry. The handlers save and
 *   restore every register they use (they use mscratch / sscratch to do so,
 *   so the contents of those two CSRs do not survive a trap), record the trap
 *   (cause, epc, tval, status, a count and a log of the last 8 causes) and
 *   then:
 *     - if the trap was not expected (trap_allow == 0): print the trap on the
 *       console and fail with the current test number;
 *     - an interrupt: clear its enable bit in mie (sie for the S handler) so
 *       that it does not fire again, and return to the interrupted pc;
 *     - if trap_ret was set (one-shot): resume there, in M-mode (in S-mode
 *       for the S handler), with mstatus.MIE = 0 (SIE = 0);
 *     - otherwise skip the trapping instruction (its length is read from the
 *       halfword at epc, so epc must be readable by the handler's mode).
 *   The M handler always clears mstatus.MPRV before returning.
 *   An unexpected or nested trap in the S handler is reported through an
 *   ecall to the M handler.
 *
 * Services (ecall from any mode, with a7 =)
 *   MAGIC_M     continue at the next instruction in M-mode, with MIE = 0.
 *   MAGIC_S     continue at the next instruction in S-mode.
 *   MAGIC_FAIL  report failure of test gp.
 * These are never recorded and need no trap_allow.
 */
#ifndef RVTEST_H
#define RVTEST_H

/* ---------------------------------------------------------------- CSR bits */
#define MSTATUS_SIE      0x2
#define MSTATUS_MIE      0x8
#define MSTATUS_SPIE     0x20
#define MSTATUS_MPIE     0x80
#define MSTATUS_SPP      0x100
#define MSTATUS_MPP      0x1800
#define MSTATUS_MPP_S    0x800
#define MSTATUS_MPP_M    0x1800
#define MSTATUS_FS       0x6000
#define MSTATUS_FS_INITIAL 0x2000
#define MSTATUS_FS_CLEAN 0x4000
#define MSTATUS_FS_DIRTY 0x6000
#define MSTATUS_XS       0x18000
#define MSTATUS_MPRV     0x20000
#define MSTATUS_SUM      0x40000
#define MSTATUS_MXR      0x80000
#define MSTATUS_TVM      0x100000
#define MSTATUS_TW       0x200000
#define MSTATUS_TSR      0x400000
#define MSTATUS_UXL      0x300000000
#define MSTATUS_SXL      0xc00000000
#define MSTATUS_SD       0x8000000000000000

#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

#define CAUSE_MISALIGNED_FETCH   0
#define CAUSE_FETCH_ACCESS       1
#define CAUSE_ILLEGAL_INSTRUCTION 2
#define CAUSE_BREAKPOINT         3
#define CAUSE_MISALIGNED_LOAD    4
#define CAUSE_LOAD_ACCESS        5
#define CAUSE_MISALIGNED_STORE   6
#define CAUSE_STORE_ACCESS       7
#define CAUSE_USER_ECALL         8
#define CAUSE_SUPERVISOR_ECALL   9
#define CAUSE_MACHINE_ECALL      11
#define CAUSE_FETCH_PAGE_FAULT   12
#define CAUSE_LOAD_PAGE_FAULT    13
#define CAUSE_STORE_PAGE_FAULT   15

#define IRQ_S_SOFT   1
#define IRQ_M_SOFT   3
#define IRQ_S_TIMER  5
#define IRQ_M_TIMER  7
#define IRQ_S_EXT    9
#define IRQ_M_EXT    11
#define MIP_SSIP (1 << IRQ_S_SOFT)
#define MIP_MSIP (1 << IRQ_M_SOFT)
#define MIP_STIP (1 << IRQ_S_TIMER)
#define MIP_MTIP (1 << IRQ_M_TIMER)
#define MIP_SEIP (1 << IRQ_S_EXT)
#define MIP_MEIP (1 << IRQ_M_EXT)
#define INTERRUPT_BIT 0x8000000000000000
#define IRQ_CAUSE(n) (INTERRUPT_BIT | (n))

#define CLINT_BASE      0x02000000
#define CLINT_MSIP      (CLINT_BASE + 0x0)
#define CLINT_MTIMECMP  (CLINT_BASE + 0x4000)
#define CLINT_MTIME     (CLINT_BASE + 0xbff8)

/* A physical address that nothing answers at (neither on the rvplay test
 * machine, nor on QEMU's spike or virt boards). */
#define UNMAPPED_PA     0x00800000

/* PMP configuration bits */
#define PMP_R     0x01
#define PMP_W     0x02
#define PMP_X     0x04
#define PMP_OFF   0x00
#define PMP_TOR   0x08
#define PMP_NA4   0x10
#define PMP_NAPOT 0x18
#define PMP_L     0x80

/* Sv39 PTE bits */
#define PTE_V 0x01
#define PTE_R 0x02
#define PTE_W 0x04
#define PTE_X 0x08
#define PTE_U 0x10
#define PTE_G 0x20
#define PTE_A 0x40
#define PTE_D 0x80
#define SATP_SV39 0x8000000000000000
#define SATP_MODE_SHIFT 60

/* Services (a7 values for ecall) */
#define MAGIC_M     0x5d1e0d4d
#define MAGIC_S     0x5d1e0d53
#define MAGIC_FAIL  0x5d1e0dfa
#define MAGIC_SFAIL 0x5d1e0dfb

/* HTIF */
#define HTIF_PUTC_CMD 0x0101000000000000

/* -------------------------------------------- layout of the trap records */
/* trap_vars (M handler) and s_trap_vars (S handler) share this layout. */
#define TV_COUNT   0    /* traps recorded since the last TRAP_EXPECT */
#define TV_ALLOW   8    /* traps still allowed */
#define TV_CAUSE   16   /* last cause */
#define TV_EPC     24   /* last epc */
#define TV_TVAL    32   /* last tval */
#define TV_STATUS  40   /* mstatus (sstatus) on entry to the handler */
#define TV_RET     48   /* one-shot resume address, 0 = none */
#define TV_INH     56   /* 1 while in the handler (nested-trap guard) */
#define TV_LOG     64   /* causes of the first 8 traps since TRAP_EXPECT */
#define TV_SAVE    128  /* register save area */
#define TV_SIZE    256

/* ------------------------------------------------------- basic checking */

/* Fail (with the test number in gp) unless a == b. */
.macro CHECK_EQ a, b
    beq \a, \b, .Lck_ok\@
    j fail
.Lck_ok\@:
.endm

/* Fail unless register r == immediate v (uses t6). */
.macro CHECK_IMM r, v
    li t6, \v
    CHECK_EQ \r, t6
.endm

#define TEST_NUM(n) li gp, n

/* Run code, then compare register r with val. */
#define TEST_CASE(n, r, val, ...) \
    li gp, n; __VA_ARGS__; CHECK_IMM r, val

/* Register-register ALU op, also with rd = rs1, rd = rs2 and rs1 = rs2 forms. */
#define TEST_RR(n, inst, result, v1, v2) \
    li gp, n; li a1, v1; li a2, v2; inst a0, a1, a2; CHECK_IMM a0, result; \
    inst a1, a1, a2; CHECK_IMM a1, result; \
    li a1, v1; inst a2, a1, a2; CHECK_IMM a2, result

/* Register-immediate ALU op, also with rd = rs1. */
#define TEST_RI(n, inst, result, v1, imm) \
    li gp, n; li a1, v1; inst a0, a1, imm; CHECK_IMM a0, result; \
    inst a1, a1, imm; CHECK_IMM a1, result

/* Register-register op with both sources the same register. */
#define TEST_RR_SAME(n, inst, result, v1) \
    li gp, n; li a1, v1; inst a0, a1, a1; CHECK_IMM a0, result

/* ------------------------------------------------------------ traps */

/* Allow n traps into the handler whose record is v; reset the record. */
.macro TRAP_EXPECT n=1, v=trap_vars
    la t6, \v
    sd zero, TV_COUNT(t6)
    li t5, -1
    sd t5, TV_CAUSE(t6)
    sd t5, TV_EPC(t6)
    sd t5, TV_TVAL(t6)
    li t5, \n
    sd t5, TV_ALLOW(t6)
.endm
.macro STRAP_EXPECT n=1
    TRAP_EXPECT \n, s_trap_vars
.endm

/* Resume at label (in M-mode / S-mode for the S handler) after the next trap. */
.macro TRAP_RESUME_AT label, v=trap_vars
    la t5, \label
    la t6, \v
    sd t5, TV_RET(t6)
.endm

/* No more traps allowed; forget any pending resume address. */
.macro TRAP_NONE v=trap_vars
    la t6, \v
    sd zero, TV_ALLOW(t6)
    sd zero, TV_RET(t6)
.endm

/* Load field (TV_*) of record v into register r. */
.macro TRAP_LOAD r, field, v=trap_vars
    la \r, \v
    ld \r, \field(\r)
.endm

/* Exactly one trap with this cause happened; no more are allowed. */
.macro CHECK_TRAP cause, v=trap_vars
    TRAP_NONE \v
    ld t5, TV_COUNT(t6)
    CHECK_IMM t5, 1
    TRAP_LOAD t5, TV_CAUSE, \v
    CHECK_IMM t5, \cause
.endm
.macro CHECK_STRAP cause
    CHECK_TRAP \cause, s_trap_vars
.endm

/* Exactly n traps happened (no cause check). */
.macro CHECK_TRAP_COUNT n, v=trap_vars
    TRAP_NONE \v
    ld t5, TV_COUNT(t6)
    CHECK_IMM t5, \n
.endm

.macro CHECK_NO_TRAP v=trap_vars
    CHECK_TRAP_COUNT 0, \v
.endm

/* The last trap's epc was the address of label. */
.macro CHECK_TRAP_EPC label, v=trap_vars
    TRAP_LOAD t5, TV_EPC, \v
    la t6, \label
    CHECK_EQ t5, t6
.endm
.macro CHECK_TRAP_EPC_REG r, v=trap_vars
    TRAP_LOAD t5, TV_EPC, \v
    CHECK_EQ t5, \r
.endm
.macro CHECK_TRAP_TVAL val, v=trap_vars
    TRAP_LOAD t5, TV_TVAL, \v
    CHECK_IMM t5, \val
.endm
.macro CHECK_TRAP_TVAL_REG r, v=trap_vars
    TRAP_LOAD t5, TV_TVAL, \v
    CHECK_EQ t5, \r
.endm
.macro CHECK_TRAP_TVAL_LABEL label, v=trap_vars
    TRAP_LOAD t5, TV_TVAL, \v
    la t6, \label
    CHECK_EQ t5, t6
.endm

/* The n-th (0-based) cause in the log. */
.macro CHECK_TRAP_LOG n, cause, v=trap_vars
    TRAP_LOAD t5, (TV_LOG + 8 * \n), \v
    CHECK_IMM t5, \cause
.endm

/* Test that one instruction (the rest of the macro's arguments) traps with
 * cause, epc = its address and tval = tval. */
#define TEST_TRAP(n, cause, tval, ...) \
    li gp, n; TRAP_EXPECT; 99: __VA_ARGS__; CHECK_TRAP cause; \
    CHECK_TRAP_EPC 99b; CHECK_TRAP_TVAL tval

/* The last trap's tval equals the instruction at label: 32 bits, or 16 bits
 * for a compressed instruction (what an illegal-instruction trap writes). */
.macro CHECK_TRAP_TVAL_INSN label, v=trap_vars
    la t5, \label
    lhu t6, 0(t5)
    andi t6, t6, 3
    addi t6, t6, -3
    bnez t6, .Lc16\@
    lhu t6, 2(t5)        /* (two halves: the instruction may be 2-byte aligned) */
    lhu t5, 0(t5)
    slli t6, t6, 16
    or t5, t5, t6
    j .Lcmp\@
.Lc16\@:
    lhu t5, 0(t5)
.Lcmp\@:
    TRAP_LOAD t6, TV_TVAL, \v
    CHECK_EQ t5, t6
.endm

/* Test that one instruction is illegal: cause 2, epc = it, tval = its bits. */
#define TEST_ILLEGAL(n, ...) \
    li gp, n; TRAP_EXPECT; 99: __VA_ARGS__; CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION; \
    CHECK_TRAP_EPC 99b; CHECK_TRAP_TVAL_INSN 99b

/* ------------------------------------------------------ privilege changes */

/* From M-mode: mret to the address in register r in mode (0, 1, 3). */
.macro MRET_TO mode, r
    li t6, MSTATUS_MPP
    csrc mstatus, t6
    li t6, (\mode << 11)
    csrs mstatus, t6
    csrw mepc, \r
    mret
.endm

/* From M-mode: continue at the next instruction in S / U mode. */
.macro GOTO_S
    la t5, .Lgoto\@
    MRET_TO PRV_S, t5
.Lgoto\@:
.endm
.macro GOTO_U
    la t5, .Lgoto\@
    MRET_TO PRV_U, t5
.Lgoto\@:
.endm
/* From S-mode: continue at the next instruction in U-mode. */
.macro S_GOTO_U
    li t6, MSTATUS_SPP
    csrc sstatus, t6
    la t5, .Lgoto\@
    csrw sepc, t5
    sret
.Lgoto\@:
.endm
/* From any mode: continue at the next instruction in M / S mode (services). */
.macro GOTO_M
    li a7, MAGIC_M
    ecall
    li a7, 0
.endm
.macro U_GOTO_S
    li a7, MAGIC_S
    ecall
    li a7, 0
.endm

/* From M-mode: run the code at the address in register r in mode; one trap
 * is allowed and its handler resumes after this macro, in M-mode. The code
 * normally ends with an ecall (cause 8/9/11 = it ran to completion) or traps
 * on the way. Check the result with CHECK_TRAP. Sets a7 = 0 (an ordinary
 * ecall). */
.macro RUN_AT mode, r
    li a7, 0
    TRAP_EXPECT
    TRAP_RESUME_AT .Lrun_back\@
    MRET_TO \mode, \r
.Lrun_back\@:
.endm

/* Give S and U mode access to all of memory (PMP entry 0, NAPOT, RWX). */
.macro PMP_ALLOW_ALL
    li t6, -1
    srli t6, t6, 10
    csrw pmpaddr0, t6
    li t6, (PMP_NAPOT | PMP_R | PMP_W | PMP_X)
    csrw pmpcfg0, t6
    sfence.vma
.endm

/* -------------------------------------------------------------- begin/end */

.macro RVTEST_BEGIN
    .file __BASE_FILE__ /* (else the linker names the temporary object) */
    .option norvc
    .section .text.init, "ax", @progbits
    .globl _start
_start:
    /* All registers zero (QEMU's reset vector leaves a0, a1, t0 set). */
    li x1, 0
    li x2, 0
    li x4, 0
    li x5, 0
    li x6, 0
    li x7, 0
    li x8, 0
    li x9, 0
    li x10, 0
    li x11, 0
    li x12, 0
    li x13, 0
    li x14, 0
    li x15, 0
    li x16, 0
    li x17, 0
    li x18, 0
    li x19, 0
    li x20, 0
    li x21, 0
    li x22, 0
    li x23, 0
    li x24, 0
    li x25, 0
    li x26, 0
    li x27, 0
    li x28, 0
    li x29, 0
    li x30, 0
    li x31, 0
    li gp, 1
    la t0, trap_m_entry
    csrw mtvec, t0
    la t0, trap_s_entry
    csrw stvec, t0
    csrw medeleg, zero
    csrw mideleg, zero
    csrw mie, zero
    csrw satp, zero
    la sp, rvtest_stack_top
    /* FP on (Initial), fcsr and all f registers zero. */
    li t0, MSTATUS_FS_INITIAL
    csrs mstatus, t0
    csrw fcsr, zero
    fmv.d.x f0, zero
    fmv.d.x f1, zero
    fmv.d.x f2, zero
    fmv.d.x f3, zero
    fmv.d.x f4, zero
    fmv.d.x f5, zero
    fmv.d.x f6, zero
    fmv.d.x f7, zero
    fmv.d.x f8, zero
    fmv.d.x f9, zero
    fmv.d.x f10, zero
    fmv.d.x f11, zero
    fmv.d.x f12, zero
    fmv.d.x f13, zero
    fmv.d.x f14, zero
    fmv.d.x f15, zero
    fmv.d.x f16, zero
    fmv.d.x f17, zero
    fmv.d.x f18, zero
    fmv.d.x f19, zero
    fmv.d.x f20, zero
    fmv.d.x f21, zero
    fmv.d.x f22, zero
    fmv.d.x f23, zero
    fmv.d.x f24, zero
    fmv.d.x f25, zero
    fmv.d.x f26, zero
    fmv.d.x f27, zero
    fmv.d.x f28, zero
    fmv.d.x f29, zero
    fmv.d.x f30, zero
    fmv.d.x f31, zero
    li t0, 0
    j rvtest_main
    .text
rvtest_main:
.endm

.macro RVTEST_PASS
    j pass
.endm

.macro RVTEST_END
    .text
    .option norvc
    .balign 4
pass:
    li a0, 1
    j rvtest_exit

/* Report failure of test gp (from any mode). */
    .globl fail
fail:
    li a7, MAGIC_FAIL
    ecall
1:  j 1b

/* ---- machine-mode trap handler ---- */
    .balign 256
    .globl trap_m_entry
trap_m_entry:
    csrw mscratch, t0
    la t0, trap_vars
    sd t1, TV_SAVE+8(t0)
    sd t2, TV_SAVE+16(t0)
    sd t3, TV_SAVE+24(t0)
    csrr t1, mscratch
    sd t1, TV_SAVE+0(t0)
    csrr t1, mcause
    /* services */
    li t2, CAUSE_USER_ECALL
    beq t1, t2, .Lm_ecall
    li t2, CAUSE_SUPERVISOR_ECALL
    beq t1, t2, .Lm_ecall
    li t2, CAUSE_MACHINE_ECALL
    beq t1, t2, .Lm_ecall
.Lm_record:
    ld t2, TV_INH(t0)
    bnez t2, .Lm_nested
    li t2, 1
    sd t2, TV_INH(t0)
    sd t1, TV_CAUSE(t0)
    csrr t2, mepc
    sd t2, TV_EPC(t0)
    csrr t2, mtval
    sd t2, TV_TVAL(t0)
    csrr t2, mstatus
    sd t2, TV_STATUS(t0)
    ld t2, TV_COUNT(t0)
    li t3, 8
    bgeu t2, t3, 1f
    slli t3, t2, 3
    add t3, t3, t0
    sd t1, TV_LOG(t3)
1:  addi t2, t2, 1
    sd t2, TV_COUNT(t0)
    ld t2, TV_ALLOW(t0)
    beqz t2, .Lm_unexpected
    addi t2, t2, -1
    sd t2, TV_ALLOW(t0)
    bgez t1, 2f
    /* interrupt: disable it */
    andi t1, t1, 63
    li t2, 1
    sll t2, t2, t1
    csrc mie, t2
2:  ld t2, TV_RET(t0)
    beqz t2, 3f
    sd zero, TV_RET(t0)
    csrw mepc, t2
    li t2, MSTATUS_MPP
    csrs mstatus, t2
    li t2, MSTATUS_MPIE
    csrc mstatus, t2
    j .Lm_out
3:  csrr t1, mcause
    bltz t1, .Lm_out
    /* skip the trapping instruction */
    csrr t2, mepc
    lhu t3, 0(t2)
    andi t3, t3, 3
    addi t2, t2, 2
    li t1, 3
    bne t3, t1, 4f
    addi t2, t2, 2
4:  csrw mepc, t2
.Lm_out:
    sd zero, TV_INH(t0)
.Lm_out_svc:
    li t1, MSTATUS_MPRV
    csrc mstatus, t1
    ld t1, TV_SAVE+8(t0)
    ld t2, TV_SAVE+16(t0)
    ld t3, TV_SAVE+24(t0)
    ld t0, TV_SAVE+0(t0)
    mret

.Lm_ecall:
    li t2, MAGIC_M
    beq a7, t2, .Lm_svc_m
    li t2, MAGIC_S
    beq a7, t2, .Lm_svc_s
    li t2, MAGIC_FAIL
    beq a7, t2, .Lm_fail
    li t2, MAGIC_SFAIL
    beq a7, t2, .Lm_sfail
    j .Lm_record
.Lm_svc_m:
    li t2, MSTATUS_MPP
    csrs mstatus, t2
    li t2, MSTATUS_MPIE
    csrc mstatus, t2
    j .Lm_svc_next
.Lm_svc_s:
    li t2, MSTATUS_MPP
    csrc mstatus, t2
    li t2, MSTATUS_MPP_S
    csrs mstatus, t2
.Lm_svc_next:
    csrr t2, mepc
    addi t2, t2, 4
    csrw mepc, t2
    j .Lm_out_svc

.Lm_nested:
    la a0, rvtest_msg_nested
    j .Lm_report
.Lm_unexpected:
    la a0, rvtest_msg_unexpected
.Lm_report:
    jal rvtest_puts
    la a0, rvtest_msg_cause
    jal rvtest_puts
    csrr a0, mcause
    jal rvtest_puthex
    la a0, rvtest_msg_epc
    jal rvtest_puts
    csrr a0, mepc
    jal rvtest_puthex
    la a0, rvtest_msg_tval
    jal rvtest_puts
    csrr a0, mtval
    jal rvtest_puthex
    li a0, 10
    jal rvtest_putc
    j .Lm_fail
.Lm_sfail:
    /* the S handler saw an unexpected trap: a0 = scause, a1 = sepc, a2 = stval */
    mv s0, a0
    mv s1, a1
    mv s2, a2
    la a0, rvtest_msg_sunexpected
    jal rvtest_puts
    la a0, rvtest_msg_cause
    jal rvtest_puts
    mv a0, s0
    jal rvtest_puthex
    la a0, rvtest_msg_epc
    jal rvtest_puts
    mv a0, s1
    jal rvtest_puthex
    la a0, rvtest_msg_tval
    jal rvtest_puts
    mv a0, s2
    jal rvtest_puthex
    li a0, 10
    jal rvtest_putc
.Lm_fail:
    bnez gp, 1f
    li gp, 1023
1:  la a0, rvtest_msg_fail
    jal rvtest_puts
    mv a0, gp
    jal rvtest_putdec
    li a0, 10
    jal rvtest_putc
    slli a0, gp, 1
    ori a0, a0, 1
rvtest_exit:
    la t1, tohost
1:  sd a0, 0(t1)
    j 1b

/* Console output through HTIF (M-mode). Clobber t1, t2 (and a0..a3, ra). */
rvtest_putc:
    la t1, tohost
    li t2, HTIF_PUTC_CMD
    or t2, t2, a0
    sd t2, 0(t1)
1:  ld t2, 0(t1)
    bnez t2, 1b
    la t1, fromhost
    sd zero, 0(t1)
    ret
rvtest_puts:
    mv a3, ra
    mv a2, a0
1:  lbu a0, 0(a2)
    beqz a0, 2f
    jal rvtest_putc
    addi a2, a2, 1
    j 1b
2:  mv ra, a3
    ret
rvtest_puthex:
    mv a3, ra
    mv a2, a0
    li a0, 48
    jal rvtest_putc
    li a0, 120
    jal rvtest_putc
    li a1, 60
1:  srl a0, a2, a1
    andi a0, a0, 15
    addi a0, a0, 48
    li t1, 57
    ble a0, t1, 2f
    addi a0, a0, 39
2:  jal rvtest_putc
    addi a1, a1, -4
    bgez a1, 1b
    mv ra, a3
    ret
rvtest_putdec:
    /* a0 < 10000 */
    mv a3, ra
    mv a2, a0
    li a1, 1000
1:  bgeu a2, a1, 2f
    li t1, 1
    beq a1, t1, 2f
    li t1, 10
    divu a1, a1, t1
    j 1b
2:  divu a0, a2, a1
    remu a2, a2, a1
    addi a0, a0, 48
    jal rvtest_putc
    li t1, 10
    divu a1, a1, t1
    bnez a1, 2b
    mv ra, a3
    ret

/* ---- supervisor-mode trap handler ---- */
    .balign 256
    .globl trap_s_entry
trap_s_entry:
    csrw sscratch, t0
    la t0, s_trap_vars
    sd t1, TV_SAVE+8(t0)
    sd t2, TV_SAVE+16(t0)
    sd t3, TV_SAVE+24(t0)
    csrr t1, sscratch
    sd t1, TV_SAVE+0(t0)
    csrr t1, scause
    li t2, CAUSE_USER_ECALL
    beq t1, t2, .Ls_ecall
    li t2, CAUSE_SUPERVISOR_ECALL
    beq t1, t2, .Ls_ecall
.Ls_record:
    ld t2, TV_INH(t0)
    bnez t2, .Ls_unexpected
    li t2, 1
    sd t2, TV_INH(t0)
    sd t1, TV_CAUSE(t0)
    csrr t2, sepc
    sd t2, TV_EPC(t0)
    csrr t2, stval
    sd t2, TV_TVAL(t0)
    csrr t2, sstatus
    sd t2, TV_STATUS(t0)
    ld t2, TV_COUNT(t0)
    li t3, 8
    bgeu t2, t3, 1f
    slli t3, t2, 3
    add t3, t3, t0
    sd t1, TV_LOG(t3)
1:  addi t2, t2, 1
    sd t2, TV_COUNT(t0)
    ld t2, TV_ALLOW(t0)
    beqz t2, .Ls_unexpected
    addi t2, t2, -1
    sd t2, TV_ALLOW(t0)
    bgez t1, 2f
    andi t1, t1, 63
    li t2, 1
    sll t2, t2, t1
    csrc sie, t2
2:  ld t2, TV_RET(t0)
    beqz t2, 3f
    sd zero, TV_RET(t0)
    csrw sepc, t2
    li t2, MSTATUS_SPP
    csrs sstatus, t2
    li t2, MSTATUS_SPIE
    csrc sstatus, t2
    j .Ls_out
3:  csrr t1, scause
    bltz t1, .Ls_out
    csrr t2, sepc
    lhu t3, 0(t2)
    andi t3, t3, 3
    addi t2, t2, 2
    li t1, 3
    bne t3, t1, 4f
    addi t2, t2, 2
4:  csrw sepc, t2
.Ls_out:
    sd zero, TV_INH(t0)
.Ls_out_svc:
    ld t1, TV_SAVE+8(t0)
    ld t2, TV_SAVE+16(t0)
    ld t3, TV_SAVE+24(t0)
    ld t0, TV_SAVE+0(t0)
    sret
.Ls_ecall:
    li t2, MAGIC_S
    beq a7, t2, .Ls_svc_s
    li t2, MAGIC_FAIL
    beq a7, t2, .Ls_fail
    li t2, MAGIC_M
    beq a7, t2, .Ls_fail_m
    j .Ls_record
.Ls_svc_s:
    li t2, MSTATUS_SPP
    csrs sstatus, t2
    csrr t2, sepc
    addi t2, t2, 4
    csrw sepc, t2
    j .Ls_out_svc
.Ls_fail_m:
    /* MAGIC_M delegated to S cannot be served here: a bug in the test */
    li a7, MAGIC_FAIL
.Ls_fail:
    ecall
1:  j 1b
.Ls_unexpected:
    csrr a0, scause
    csrr a1, sepc
    csrr a2, stval
    li a7, MAGIC_SFAIL
    ecall
1:  j 1b

    .section .rodata
rvtest_msg_unexpected: .asciz "unexpected trap"
rvtest_msg_sunexpected: .asciz "unexpected S-mode trap"
rvtest_msg_nested: .asciz "trap in the trap handler"
rvtest_msg_cause: .asciz ": cause="
rvtest_msg_epc: .asciz " epc="
rvtest_msg_tval: .asciz " tval="
rvtest_msg_fail: .asciz "FAIL: test "

    .section .tohost, "aw", @progbits
    .balign 64
    .globl tohost
tohost: .dword 0
    .size tohost, 8
    .balign 64
    .globl fromhost
fromhost: .dword 0
    .size fromhost, 8

    .data
    .balign 64
    .globl trap_vars
trap_vars: .zero TV_SIZE
    .globl s_trap_vars
s_trap_vars: .zero TV_SIZE
    .balign 16
rvtest_stack: .zero 4096
rvtest_stack_top:
.endm

#endif
