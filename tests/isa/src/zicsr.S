/* zicsr.S - Zicsr: csrrw/csrrs/csrrc and the immediate forms (old value
 * returned, bits set / cleared, uimm zero-extended), rd = x0 and rs1 = x0 /
 * uimm = 0 semantics (csrrs/csrrc with x0 and csrrsi/csrrci with 0 do not
 * write, so they can read read-only CSRs; csrrw always writes, so it is
 * illegal on a read-only CSR even with rd = x0), unknown and debug-mode-only
 * CSRs are illegal, privilege checks (S-mode touching M CSRs, U-mode touching
 * S CSRs), the sstatus view of mstatus (SIE, SPIE, SPP, FS, SUM, MXR, UXL, SD
 * visible; M-only fields hidden and not writable through sstatus), mie/sie and
 * mip/sip views through mideleg, which mip bits M-mode can write, mtvec and
 * medeleg/mideleg WARL checks.
 *
 * The last sub-tests (900+) check points where QEMU 7.2 differs from the
 * specification (see run-qemu.sh XFAIL).
 */
#include "rvtest.h"

RVTEST_BEGIN
  PMP_ALLOW_ALL
  /* ---- csrrw / csrrs / csrrc on mscratch ---- */
  li gp, 1
  li a1, 0x123456789abcdef0
  csrw mscratch, a1
  li a2, 0x0fedcba987654321
  csrrw a0, mscratch, a2
  CHECK_EQ a0, a1
  csrr a0, mscratch
  CHECK_EQ a0, a2
  li gp, 2
  li a1, 0xf0f0000000000f0f
  csrrs a0, mscratch, a1
  CHECK_EQ a0, a2
  csrr a0, mscratch
  CHECK_IMM a0, 0xfffdcba987654f2f
  li gp, 3
  li a1, 0xff000000000000ff
  csrrc a0, mscratch, a1
  CHECK_IMM a0, 0xfffdcba987654f2f
  csrr a0, mscratch
  CHECK_IMM a0, 0x00fdcba987654f00
  li gp, 4          /* rd = rs1 */
  li a1, 5
  csrrw a1, mscratch, a1
  CHECK_IMM a1, 0x00fdcba987654f00
  csrr a0, mscratch
  CHECK_IMM a0, 5
  li gp, 5          /* immediates: 5 bits, zero-extended */
  csrrwi a0, mscratch, 31
  CHECK_IMM a0, 5
  csrr a0, mscratch
  CHECK_IMM a0, 31
  csrrci a0, mscratch, 0x10
  CHECK_IMM a0, 31
  csrrsi a0, mscratch, 0
  CHECK_IMM a0, 15
  li a1, -1
  csrw mscratch, a1
  csrrci a0, mscratch, 31
  csrr a0, mscratch
  CHECK_IMM a0, 0xffffffffffffffe0
  csrrsi a0, mscratch, 1
  csrr a0, mscratch
  CHECK_IMM a0, 0xffffffffffffffe1
  li gp, 6          /* rd = x0: write only */
  li a1, 77
  csrrw zero, mscratch, a1
  csrr a0, mscratch
  CHECK_IMM a0, 77
  csrrs zero, mscratch, x0
  csrrc zero, mscratch, x0
  csrr a0, mscratch
  CHECK_IMM a0, 77
  li gp, 7          /* csrrs / csrrc with rs1 = x0 leave the CSR alone */
  csrrs a0, mscratch, x0
  CHECK_IMM a0, 77
  csrrc a0, mscratch, x0
  CHECK_IMM a0, 77
  csrrci a0, mscratch, 0
  CHECK_IMM a0, 77
  csrr a0, mscratch
  CHECK_IMM a0, 77

  /* ---- read-only CSRs ---- */
  li gp, 10         /* readable with csrrs/csrrc rs1 = x0 and the zero immediates */
  TRAP_EXPECT 0
  csrrs a0, mhartid, x0
  csrrc a1, mhartid, x0
  csrrsi a2, mhartid, 0
  csrrci a3, mhartid, 0
  csrrs a0, mvendorid, x0
  csrrs a0, marchid, x0
  csrrs a0, mimpid, x0
  csrrs a0, cycle, x0
  csrrs a0, instret, x0
  csrrci a0, cycle, 0
  CHECK_NO_TRAP
  CHECK_IMM a1, 0
  CHECK_IMM a2, 0
  CHECK_IMM a3, 0
  TEST_ILLEGAL(11, csrrw zero, mhartid, zero)
  TEST_ILLEGAL(12, csrrw a0, mhartid, a1)
  TEST_ILLEGAL(13, csrrwi zero, mhartid, 0)
  TEST_ILLEGAL(14, csrrsi a0, mhartid, 1)
  li a1, 1
  TEST_ILLEGAL(15, csrrs a0, mvendorid, a1)
  TEST_ILLEGAL(16, csrrc a0, marchid, a1)
  TEST_ILLEGAL(17, csrrw zero, cycle, a1)
  TEST_ILLEGAL(18, csrrci a0, instret, 1)
  li gp, 19         /* the trapping instruction did not write rd */
  li a0, 0x55
  TRAP_EXPECT
  csrrw a0, mimpid, a1
  CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION
  CHECK_IMM a0, 0x55

  /* ---- unknown CSRs ---- */
  TEST_ILLEGAL(20, csrr a0, 0x0ff)
  TEST_ILLEGAL(21, csrr a0, 0x1ff)
  TEST_ILLEGAL(22, csrr a0, 0x3ff)
  TEST_ILLEGAL(23, csrw 0x3ff, a1)
  TEST_ILLEGAL(24, csrr a0, 0x8ff)
  TEST_ILLEGAL(25, csrr a0, 0xfff)
  TEST_ILLEGAL(26, csrr a0, 0x7b0)    /* dcsr: debug mode only */
  TEST_ILLEGAL(27, csrr a0, 0x7b1)    /* dpc */
  TEST_ILLEGAL(28, csrrs a0, 0x0ff, x0)

  /* ---- mstatus / sstatus ---- */
  li gp, 30         /* S fields written through sstatus appear in mstatus */
  li a1, (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR)
  csrc mstatus, a1
  csrs sstatus, a1
  csrr a0, mstatus
  and a0, a0, a1
  CHECK_EQ a0, a1
  csrc sstatus, a1
  csrr a0, mstatus
  and a0, a0, a1
  CHECK_IMM a0, 0
  li gp, 31         /* M-only fields are invisible in sstatus and not writable through it */
  li a1, (MSTATUS_MPIE | MSTATUS_MPRV | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR | MSTATUS_MPP_S)
  csrs mstatus, a1
  csrr a0, sstatus
  li a2, (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR)
  and a0, a0, a2
  CHECK_IMM a0, 0
  csrc mstatus, a1
  li a2, (MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR)
  csrs sstatus, a2
  csrr a0, mstatus
  and a0, a0, a2
  CHECK_IMM a0, 0
  li gp, 32         /* FS through sstatus; SD = (FS == Dirty) */
  li a1, MSTATUS_FS
  csrc sstatus, a1
  csrr a0, mstatus
  and a0, a0, a1
  CHECK_IMM a0, 0
  csrr a0, sstatus
  srli a0, a0, 63
  CHECK_IMM a0, 0
  li a1, MSTATUS_FS_DIRTY
  csrs sstatus, a1
  csrr a0, sstatus
  srli a0, a0, 63
  CHECK_IMM a0, 1
  csrr a0, mstatus
  srli a0, a0, 63
  CHECK_IMM a0, 1
  li a1, MSTATUS_FS
  csrc mstatus, a1
  li a1, MSTATUS_FS_INITIAL
  csrs mstatus, a1
  li gp, 33         /* UXL (sstatus, mstatus) and SXL (mstatus) say 64-bit */
  csrr a0, sstatus
  srli a0, a0, 32
  andi a0, a0, 3
  CHECK_IMM a0, 2
  csrr a0, mstatus
  srli a0, a0, 32
  andi a0, a0, 15
  CHECK_IMM a0, 10

  /* ---- mie / sie ---- */
  li gp, 40         /* the six standard enable bits are writable */
  li a1, -1
  csrw mie, a1
  csrr a0, mie
  li t0, 0xaaa
  and a0, a0, t0
  CHECK_IMM a0, 0xaaa
  li gp, 41         /* nothing delegated: sie reads 0 and ignores writes */
  csrw mideleg, zero
  csrr a0, sie
  CHECK_IMM a0, 0
  csrw mie, zero
  csrw sie, a1
  csrr a0, mie
  CHECK_IMM a0, 0
  li gp, 42         /* the S-level interrupts delegated: sie aliases those bits of mie */
  li a2, (MIP_SSIP | MIP_STIP | MIP_SEIP)
  csrw mideleg, a2
  csrr a0, mideleg
  and a0, a0, a2
  CHECK_EQ a0, a2
  csrw sie, a1
  csrr a0, mie
  CHECK_IMM a0, (MIP_SSIP | MIP_STIP | MIP_SEIP)
  li a3, (MIP_MSIP | MIP_MTIP | MIP_MEIP)
  csrs mie, a3
  csrr a0, sie
  CHECK_IMM a0, (MIP_SSIP | MIP_STIP | MIP_SEIP)
  li gp, 43         /* only SSI delegated */
  li a2, MIP_SSIP
  csrw mideleg, a2
  csrr a0, sie
  CHECK_IMM a0, MIP_SSIP
  csrc sie, a1
  csrr a0, mie
  CHECK_IMM a0, (MIP_STIP | MIP_SEIP | MIP_MSIP | MIP_MTIP | MIP_MEIP)
  csrw mie, zero

  /* ---- mip / sip ---- */
  li gp, 50         /* M-mode can write SSIP, STIP, SEIP in mip */
  li a1, CLINT_MTIMECMP
  li a2, -1
  sd a2, 0(a1)       /* no timer interrupt pending */
  csrw mideleg, zero
  li a1, (MIP_SSIP | MIP_STIP | MIP_SEIP)
  csrs mip, a1
  csrr a0, mip
  li t0, 0xaaa
  and a0, a0, t0
  CHECK_IMM a0, (MIP_SSIP | MIP_STIP | MIP_SEIP)
  li gp, 51         /* nothing delegated: sip reads 0 */
  csrr a0, sip
  CHECK_IMM a0, 0
  li gp, 52         /* delegated: sip shows them */
  csrw mideleg, a1
  csrr a0, sip
  CHECK_IMM a0, (MIP_SSIP | MIP_STIP | MIP_SEIP)
  li gp, 53         /* sip: SSIP writable, STIP and SEIP read-only */
  csrc sip, a1
  csrr a0, sip
  CHECK_IMM a0, (MIP_STIP | MIP_SEIP)
  csrs sip, a1
  csrr a0, sip
  CHECK_IMM a0, (MIP_SSIP | MIP_STIP | MIP_SEIP)
  li gp, 54         /* MSIP and MTIP cannot be written through mip */
  csrc mip, a1
  li a1, (MIP_MSIP | MIP_MTIP)
  csrs mip, a1
  csrr a0, mip
  li t0, 0xaaa
  and a0, a0, t0
  CHECK_IMM a0, 0
  csrw mideleg, zero

  /* ---- privilege: S-mode ---- */
  GOTO_S
  TEST_ILLEGAL(60, csrr a0, mstatus)
  TEST_ILLEGAL(61, csrr a0, mscratch)
  TEST_ILLEGAL(62, csrr a0, mhartid)
  TEST_ILLEGAL(63, csrw mepc, a0)
  TEST_ILLEGAL(64, csrr a0, medeleg)
  TEST_ILLEGAL(65, csrr a0, pmpcfg0)
  TEST_ILLEGAL(66, csrr a0, mcycle)
  li gp, 67         /* S CSRs work */
  li a1, 0x1234
  csrw sscratch, a1
  csrr a0, sscratch
  CHECK_EQ a0, a1
  csrr a0, sstatus
  csrr a0, sie
  csrr a0, stvec
  li a1, 0x5
  fscsr a1           /* FP CSRs are unprivileged */
  frcsr a0
  CHECK_IMM a0, 5
  fscsr zero
  /* ---- privilege: U-mode ---- */
  S_GOTO_U
  TEST_ILLEGAL(70, csrr a0, sstatus)
  TEST_ILLEGAL(71, csrr a0, sscratch)
  TEST_ILLEGAL(72, csrr a0, satp)
  TEST_ILLEGAL(73, csrr a0, mstatus)
  TEST_ILLEGAL(74, csrw stvec, a0)
  li gp, 75
  li a1, 0x3
  fsflags a1
  frflags a0
  CHECK_IMM a0, 3
  fsflags zero
  GOTO_M

  /* ---- WARL fields ---- */
  li gp, 80         /* mtvec: the reserved modes 2 and 3 are not taken */
  la a1, trap_m_entry
  ori a2, a1, 2
  csrw mtvec, a2
  csrr a0, mtvec
  csrw mtvec, a1
  andi a0, a0, 3
  li a3, 2
  bgeu a0, a3, fail
  ori a2, a1, 3
  csrw mtvec, a2
  csrr a0, mtvec
  csrw mtvec, a1
  andi a0, a0, 3
  bgeu a0, a3, fail
  li gp, 81         /* mtvec direct and vectored modes are supported */
  csrw mtvec, a1
  csrr a0, mtvec
  CHECK_EQ a0, a1
  ori a2, a1, 1
  csrw mtvec, a2
  csrr a0, mtvec
  csrw mtvec, a1
  CHECK_EQ a0, a2
  li gp, 82         /* stvec likewise */
  la a1, trap_s_entry
  ori a2, a1, 1
  csrw stvec, a2
  csrr a0, stvec
  csrw stvec, a1
  CHECK_EQ a0, a2
  li gp, 83         /* medeleg: the delegable exceptions used by these tests */
  li a1, ((1 << CAUSE_ILLEGAL_INSTRUCTION) | (1 << CAUSE_BREAKPOINT) | (1 << CAUSE_USER_ECALL) | (1 << CAUSE_FETCH_PAGE_FAULT) | (1 << CAUSE_LOAD_PAGE_FAULT) | (1 << CAUSE_STORE_PAGE_FAULT))
  csrw medeleg, a1
  csrr a0, medeleg
  CHECK_EQ a0, a1
  csrw medeleg, zero
  csrr a0, medeleg
  CHECK_IMM a0, 0
  li gp, 84         /* mepc / sepc: bit 1 is writable (IALIGN = 16) */
  li a1, 0x80000002
  csrw mepc, a1
  csrr a0, mepc
  CHECK_EQ a0, a1
  csrw sepc, a1
  csrr a0, sepc
  CHECK_EQ a0, a1
  li gp, 85         /* mtval, stval, mcause, scause are read/write */
  li a1, 0x1234567890
  csrw mtval, a1
  csrr a0, mtval
  CHECK_EQ a0, a1
  csrw stval, a1
  csrr a0, stval
  CHECK_EQ a0, a1
  li a1, 0x8000000000000005
  csrw mcause, a1
  csrr a0, mcause
  CHECK_EQ a0, a1
  li a1, 2
  csrw scause, a1
  csrr a0, scause
  CHECK_EQ a0, a1

  /* ---- QEMU 7.2 differs from here on ---- */
  li gp, 900        /* csrrs / csrrc with rs1 != x0 attempt a write even when the
                       register is zero: illegal on a read-only CSR. (QEMU 7.2
                       only checks the register's value and does not trap.) */
  li a1, 0
  TRAP_EXPECT
1:csrrs a0, mhartid, a1
  CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION
  CHECK_TRAP_EPC 1b
  TEST_ILLEGAL(901, csrrc a0, mvendorid, a1)
  TEST_ILLEGAL(902, csrrs a0, cycle, a1)
  li gp, 903        /* mepc[0] and sepc[0] are always zero (QEMU 7.2 keeps bit 0) */
  li a1, 0x80000003
  csrw mepc, a1
  csrr a0, mepc
  CHECK_IMM a0, 0x80000002
  csrw sepc, a1
  csrr a0, sepc
  CHECK_IMM a0, 0x80000002
  li gp, 904        /* mstatus.MPP is WARL: the reserved value 2 is never read back
                       (QEMU 7.2 stores it) */
  li a1, MSTATUS_MPP
  csrc mstatus, a1
  li a1, 0x1000
  csrs mstatus, a1
  csrr a0, mstatus
  li a1, MSTATUS_MPP
  and a0, a0, a1
  li a1, 0x1000
  beq a0, a1, fail
  RVTEST_PASS
RVTEST_END
