/* pmp.S - physical memory protection (16 entries, 4-byte grain):
 *   when no entry matches, S and U mode can access nothing (fetch, load
 *   and store access faults 1 / 5 / 7 with mtval = the address) while
 *   M-mode can access everything; TOR, NA4 and NAPOT regions; R, W, X
 *   checked separately (an AMO needs R and W); an access partly inside a
 *   region fails; the lowest-numbered matching entry decides; M-mode ignores
 *   unlocked entries; the L bit applies an entry to M-mode and locks its
 *   pmpcfg byte and pmpaddr (and, for TOR, the pmpaddr below it).
 * S / U code runs from stubs; the M handler records the outcome: an ecall
 * means the access worked.
 */
#include "rvtest.h"

.macro RUN_S stub
  la t4, \stub
  RUN_AT PRV_S, t4
.endm
.macro RUN_U stub
  la t4, \stub
  RUN_AT PRV_U, t4
.endm
#define OK_S CHECK_TRAP CAUSE_SUPERVISOR_ECALL
#define OK_U CHECK_TRAP CAUSE_USER_ECALL
#define AF(c) CHECK_TRAP c; CHECK_TRAP_TVAL_REG a1

/* set the configuration byte of entry i (0..15) */
.macro PMPCFG i, val
  .if \i < 8
  li t0, (0xff << (\i * 8))
  csrc pmpcfg0, t0
  li t0, ((\val) << (\i * 8))
  csrs pmpcfg0, t0
  .else
  li t0, (0xff << ((\i - 8) * 8))
  csrc pmpcfg2, t0
  li t0, ((\val) << ((\i - 8) * 8))
  csrs pmpcfg2, t0
  .endif
  sfence.vma
.endm
/* pmpaddr i = NAPOT encoding of [label, label + size) */
.macro PMPADDR_NAPOT i, label, size
  la t0, \label
  srli t0, t0, 2
  ori t0, t0, ((\size / 8) - 1)
  csrw pmpaddr\i, t0
.endm
.macro PMPADDR i, label, off=0
  la t0, \label + \off
  srli t0, t0, 2
  csrw pmpaddr\i, t0
.endm

RVTEST_BEGIN
  csrw pmpcfg0, zero
  csrw pmpcfg2, zero
  sfence.vma
  /* ---- no entry matches (one entry is configured elsewhere; with no entry
     configured at all, see pmp-reset.S) ---- */
  PMPADDR_NAPOT 7, page_b, 4096
  PMPCFG 7, (PMP_NAPOT | PMP_R | PMP_W | PMP_X)
  li gp, 1               /* S-mode cannot even fetch */
  la a1, stub_ecall
  RUN_S stub_ecall
  AF(CAUSE_FETCH_ACCESS)
  CHECK_TRAP_EPC_REG a1
  li gp, 2               /* nor U-mode */
  RUN_U stub_ecall
  AF(CAUSE_FETCH_ACCESS)
  li gp, 3               /* M-mode can access everything */
  la a1, page_a
  li a0, 0x0000007300000073  /* page_a starts with two ecalls */
  sd a0, 0(a1)
  ld a2, 0(a1)
  CHECK_EQ a0, a2
  la a1, page_b
  li a0, 0xbbbb
  sd a0, 8(a1)
  sd a0, 16(a1)
  sd a0, 24(a1)
  la a1, page_c
  li a0, 0xcccc
  sd a0, 8(a1)
  la a1, page_c + 4096
  li a0, 0xdddd
  sd a0, 8(a1)
  PMPCFG 7, PMP_OFF

  /* ---- TOR over the code: [0x80000000, _etext), R X (entry 1) ---- */
  li t0, 0x80000000 >> 2
  csrw pmpaddr0, t0
  PMPADDR 1, _etext
  PMPCFG 1, (PMP_TOR | PMP_R | PMP_X)
  li gp, 10              /* S code runs now; a load from data faults */
  la a1, page_a + 8
  RUN_S stub_ld
  AF(CAUSE_LOAD_ACCESS)
  li gp, 11
  RUN_S stub_sd
  AF(CAUSE_STORE_ACCESS)
  li gp, 12              /* U likewise */
  RUN_U stub_ld
  AF(CAUSE_LOAD_ACCESS)
  RUN_U stub_sd
  AF(CAUSE_STORE_ACCESS)
  li gp, 13              /* the code region is readable but not writable */
  la a1, stub_ld
  RUN_S stub_ld
  OK_S
  RUN_S stub_sd
  AF(CAUSE_STORE_ACCESS)
  li gp, 14              /* TOR: the top is exclusive */
  la a1, _etext
  RUN_S stub_ld
  AF(CAUSE_LOAD_ACCESS)
  la a1, _etext - 8
  RUN_S stub_ld
  OK_S

  /* ---- NAPOT: page_a (4 KiB), R only (entry 2) ---- */
  PMPADDR_NAPOT 2, page_a, 4096
  PMPCFG 2, (PMP_NAPOT | PMP_R)
  li gp, 20
  la a1, page_a + 8
  RUN_S stub_ld
  OK_S
  RUN_U stub_ld
  OK_U
  la a1, page_a + 4088   /* last doubleword */
  RUN_S stub_ld
  OK_S
  li gp, 21
  la a1, page_a + 8
  RUN_S stub_sd
  AF(CAUSE_STORE_ACCESS)
  RUN_S stub_amo         /* an AMO needs W as well */
  AF(CAUSE_STORE_ACCESS)
  li gp, 22              /* no X: fetching page_a's ecall faults */
  la a1, page_a
  RUN_S stub_jr
  AF(CAUSE_FETCH_ACCESS)
  CHECK_TRAP_EPC_REG a1
  li gp, 23              /* just past the region */
  la a1, page_a + 4096
  RUN_S stub_ld
  AF(CAUSE_LOAD_ACCESS)
  li gp, 24              /* X only: fetch works, load faults */
  PMPCFG 2, (PMP_NAPOT | PMP_X)
  la a1, page_a
  RUN_S stub_jr
  OK_S
  CHECK_TRAP_EPC_REG a1
  RUN_U stub_jr
  OK_U
  la a1, page_a + 8
  RUN_S stub_ld
  AF(CAUSE_LOAD_ACCESS)
  li gp, 25              /* RW: store and AMO work, fetch faults */
  PMPCFG 2, (PMP_NAPOT | PMP_R | PMP_W)
  la a1, page_a + 16
  li a2, 5
  RUN_S stub_sd
  OK_S
  RUN_U stub_amo
  OK_U
  CHECK_IMM a0, 5
  la t0, page_a
  ld a0, 16(t0)
  CHECK_IMM a0, 10
  la a1, page_a
  RUN_S stub_jr
  AF(CAUSE_FETCH_ACCESS)
  li gp, 26              /* M-mode ignores an unlocked entry */
  PMPCFG 2, (PMP_NAPOT)
  la a1, page_a + 16
  ld a0, 0(a1)
  sd a0, 0(a1)
  CHECK_IMM a0, 10
  RUN_S stub_ld          /* (S: no permission at all) */
  AF(CAUSE_LOAD_ACCESS)

  /* ---- NA4: 4 bytes of page_b (entry 3) ---- */
  PMPADDR 3, page_b, 16
  PMPCFG 3, (PMP_NA4 | PMP_R | PMP_W)
  li gp, 30
  la a1, page_b + 16
  RUN_S stub_lw
  OK_S
  CHECK_IMM a0, 0xbbbb
  RUN_S stub_sw
  OK_S
  li gp, 31              /* the next word is outside */
  la a1, page_b + 20
  RUN_S stub_lw
  AF(CAUSE_LOAD_ACCESS)
  la a1, page_b + 12
  RUN_S stub_lw
  AF(CAUSE_LOAD_ACCESS)
  li gp, 32              /* a doubleword only half inside fails */
  la a1, page_b + 16
  RUN_S stub_ld
  AF(CAUSE_LOAD_ACCESS)
  RUN_S stub_sd
  AF(CAUSE_STORE_ACCESS)
  li gp, 33              /* a byte inside works */
  la a1, page_b + 19
  RUN_S stub_lb
  OK_S

  /* ---- TOR over page_c (entries 4 and 5) ---- */
  PMPADDR 4, page_c
  PMPADDR 5, page_c, 4096
  PMPCFG 5, (PMP_TOR | PMP_R | PMP_W)
  li gp, 40
  la a1, page_c + 8
  RUN_S stub_ld
  OK_S
  CHECK_IMM a0, 0xcccc
  RUN_U stub_sd
  OK_U
  la a1, page_c + 4088
  RUN_S stub_ld
  OK_S
  li gp, 41              /* the next page is outside */
  la a1, page_c + 4096 + 8
  RUN_S stub_ld
  AF(CAUSE_LOAD_ACCESS)
  li gp, 42              /* the byte below the base is outside */
  la a1, page_c - 1
  RUN_S stub_lb
  AF(CAUSE_LOAD_ACCESS)
  li gp, 43              /* a region with top <= base matches nothing */
  PMPADDR 4, page_c, 4096
  PMPADDR 5, page_c
  sfence.vma
  la a1, page_c + 8
  RUN_S stub_ld
  AF(CAUSE_LOAD_ACCESS)
  PMPCFG 5, PMP_OFF

  /* ---- priority: the lowest-numbered matching entry wins ---- */
  li gp, 50              /* entry 2 (page_a, no permissions) before entry 6 (RWX) */
  PMPADDR_NAPOT 6, page_a, 8192
  PMPCFG 6, (PMP_NAPOT | PMP_R | PMP_W | PMP_X)
  la a1, page_a + 8
  RUN_S stub_ld
  AF(CAUSE_LOAD_ACCESS)
  li gp, 51              /* entry 6 alone: RWX */
  PMPCFG 2, PMP_OFF
  RUN_S stub_ld
  OK_S
  li gp, 52              /* entry 2 R only before entry 6: stores fail */
  PMPCFG 2, (PMP_NAPOT | PMP_R)
  RUN_S stub_ld
  OK_S
  RUN_S stub_sd
  AF(CAUSE_STORE_ACCESS)
  li gp, 53              /* an entry that is off does not match */
  PMPCFG 2, PMP_OFF
  RUN_S stub_sd
  OK_S
  PMPCFG 6, PMP_OFF
  PMPCFG 3, PMP_OFF

  /* ---- pmpaddr and pmpcfg read back ---- */
  li gp, 60
  li a1, 0x123456789
  csrw pmpaddr7, a1
  csrr a0, pmpaddr7
  CHECK_EQ a0, a1
  li gp, 61
  li t0, 0xff << 56
  csrc pmpcfg0, t0
  li t0, (PMP_NAPOT | PMP_R) << 56
  csrs pmpcfg0, t0
  csrr a0, pmpcfg0
  srli a0, a0, 56
  CHECK_IMM a0, (PMP_NAPOT | PMP_R)
  li t0, 0xff << 56
  csrc pmpcfg0, t0
  li gp, 62              /* pmpcfg2 holds entries 8..15 on RV64 */
  li a1, 0x0019001800080000
  csrw pmpcfg2, a1
  csrr a0, pmpcfg2
  CHECK_EQ a0, a1
  csrw pmpcfg2, zero
  TEST_ILLEGAL(63, csrr a0, pmpcfg1)   /* odd pmpcfg registers do not exist on RV64 */
  TEST_ILLEGAL(64, csrr a0, pmpcfg3)

  /* ---- the L bit (entries 13 and 15; nothing below them matches) ---- */
  li gp, 70              /* entry 15: page_lock, L, no permissions: M-mode faults */
  PMPADDR_NAPOT 15, page_lock, 4096
  PMPCFG 15, (PMP_L | PMP_NAPOT)
  la a1, page_lock + 8
  li a0, 0x99
  TRAP_EXPECT
1:ld a0, 0(a1)
  AF(CAUSE_LOAD_ACCESS)
  CHECK_TRAP_EPC 1b
  CHECK_IMM a0, 0x99
  TRAP_EXPECT
  sd a0, 0(a1)
  AF(CAUSE_STORE_ACCESS)
  li gp, 71              /* locked: pmpaddr15 and the cfg byte ignore writes */
  csrr a2, pmpaddr15
  li t0, -1
  csrw pmpaddr15, t0
  csrr a0, pmpaddr15
  CHECK_EQ a0, a2
  csrw pmpcfg2, zero
  csrr a0, pmpcfg2
  srli a0, a0, 56
  CHECK_IMM a0, (PMP_L | PMP_NAPOT)
  li t0, (PMP_R | PMP_W) << 56
  csrs pmpcfg2, t0
  csrr a0, pmpcfg2
  srli a0, a0, 56
  CHECK_IMM a0, (PMP_L | PMP_NAPOT)
  li gp, 72              /* still enforced */
  TRAP_EXPECT
  lw a0, 0(a1)
  AF(CAUSE_LOAD_ACCESS)
  li gp, 73              /* M-mode code and data elsewhere are unaffected */
  la a1, page_a + 8
  ld a0, 0(a1)
  li gp, 74              /* entry 13: TOR over page_lock2, L, R only; pmpaddr12 is
                            its base */
  PMPADDR 12, page_lock2
  PMPADDR 13, page_lock2, 4096
  PMPCFG 13, (PMP_L | PMP_TOR | PMP_R)
  la a1, page_lock2 + 8
  ld a0, 0(a1)           /* read works */
  TRAP_EXPECT
  sd a0, 0(a1)
  AF(CAUSE_STORE_ACCESS)
  li gp, 75              /* pmpaddr12 and pmpaddr13 are locked */
  csrr a2, pmpaddr12
  csrw pmpaddr12, zero
  csrr a0, pmpaddr12
  CHECK_EQ a0, a2
  csrr a2, pmpaddr13
  csrw pmpaddr13, zero
  csrr a0, pmpaddr13
  CHECK_EQ a0, a2
  li gp, 76              /* the other bytes of pmpcfg2 stay writable */
  li t0, (PMP_NAPOT | PMP_R) << 8
  csrs pmpcfg2, t0
  csrr a0, pmpcfg2
  srli a0, a0, 8
  andi a0, a0, 0xff
  CHECK_IMM a0, (PMP_NAPOT | PMP_R)
  li gp, 77              /* S-mode is bound by locked entries too */
  PMPCFG 0, PMP_OFF
  la a1, page_lock2 + 8
  RUN_S stub_ld
  OK_S
  RUN_S stub_sd
  AF(CAUSE_STORE_ACCESS)

  RVTEST_PASS

/* stubs: a1 = address, a2 = data */
  .balign 64
stub_ld:
  ld a0, 0(a1)
  ecall
stub_lw:
  lw a0, 0(a1)
  ecall
stub_lb:
  lb a0, 0(a1)
  ecall
stub_sd:
  sd a2, 0(a1)
  ecall
stub_sw:
  sw a2, 0(a1)
  ecall
stub_amo:
  amoadd.d a0, a2, (a1)
  ecall
stub_jr:
  jr a1
stub_ecall:
  ecall
RVTEST_END

  .data
  .balign 8192
page_a: .zero 4096
  .zero 4096
page_b: .zero 4096
page_c: .zero 4096
  .zero 4096
page_lock: .zero 4096
page_lock2: .zero 4096
