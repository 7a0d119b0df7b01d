/* sv39.S - Sv39 virtual memory:
 *   satp WARL (reserved modes leave satp unchanged; Sv48 / Sv57 may or may
 *   not be supported); translation through 4 KiB, 2 MiB and 1 GiB pages,
 *   identity and non-identity, including the top of the address space
 *   (VA = sign-extended bit 38); load / store / fetch page faults (causes
 *   13 / 15 / 12) with mtval / stval = the faulting virtual address for:
 *   V = 0, missing R / W / X, W without R (reserved), misaligned superpages,
 *   a non-leaf PTE at level 0, non-canonical addresses, reserved PTE bits;
 *   the U bit for U-mode and S-mode, mstatus.SUM (loads/stores only, never
 *   fetches), mstatus.MXR; hardware setting A (any access) and D (stores);
 *   sfence.vma making changed PTEs visible (global and by address); MPRV with
 *   MPP = S and U for M-mode loads and stores; delegated page faults with
 *   scause / stval / sepc; a 32-bit instruction straddling two virtual pages
 *   whose physical pages are not adjacent, and the fetch fault when the
 *   second page is not mapped (stval = the address of the second page,
 *   sepc = the start of the instruction).
 *
 * Virtual address map (root = the level-2 table):
 *   0x0000_0000_8000_0000  1 GiB  identity, RWX (code, data, page tables)
 *   0x0000_0000_c000_0000  1 GiB  -> 0x8000_0000, RW
 *   0xffff_ffff_c000_0000  1 GiB  -> 0x8000_0000, RW
 *   0x0000_0001_0000_0000  1 GiB  misaligned (PPN 0x80200)
 *   0x0000_0000_4000_0000  2 MiB  -> 0x8000_0000, RW
 *   0x0000_0000_4020_0000  level-0 table: 4 KiB pages VA4K(i), see below
 *   0x0000_0000_4040_0000  2 MiB  misaligned (PPN 0x80001)
 *   0x0000_0000_4060_0000  2 MiB  -> 0x8000_0000, U RWX (U-mode code runs here)
 */
#include "rvtest.h"

#define U_BASE   0x40600000
#define MEGA_VA  0x40000000
#define GIGA_VA  0xc0000000
#define TOP_VA   0xffffffffc0000000
#define VA4K(i)  (0x40200000 + (i) * 0x1000)

/* 4 KiB pages */
#define P_A       0   /* page_a, RW */
#define P_B_RO    1   /* page_b, R */
#define P_C_AD    2   /* page_c, RW, A = D = 0 */
#define P_INVALID 3   /* V = 0 */
#define P_XONLY   4   /* page_a, X only */
#define P_WONLY   5   /* page_a, W only (reserved) */
#define P_USER    6   /* page_a, U RW */
#define P_NOX     7   /* page_a, RW, fetch faults */
#define P_CODE1   8   /* code_pg2, RX  } consecutive virtual pages, */
#define P_CODE2   9   /* code_pg1, RX  } physical pages in the other order */
#define P_CODE3   11  /* code_pg2, RX, followed by an invalid page */
#define P_SFENCE  13  /* page_a, later page_b */
#define P_BADBITS 14  /* page_a with a reserved bit set */
#define P_D_AD    15  /* page_d, RW, A = D = 0 (first access is a store) */
#define P_NONLEAF 16  /* a pointer PTE at level 0 */
#define P_URO     17  /* page_b, U R */
#define P_AONLY   18  /* page_a, RX, A = 0 */

#define MAGIC_A 0xaaaa0000aaaa0001
#define MAGIC_B 0xbbbb0000bbbb0002
#define MAGIC_C 0xcccc0000cccc0003
#define MAGIC_D 0xdddd0000dddd0004

#define LEAF_RW (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)

/* t0 = PTE for the physical address of label with flags */
.macro PTE_OF label, flags
  la t0, \label
  srli t0, t0, 12
  slli t0, t0, 10
  li t1, \flags
  or t0, t0, t1
.endm
/* l0[i] = PTE for label with flags */
.macro SET_L0 i, label, flags
  PTE_OF \label, \flags
  la t1, l0_tab
  sd t0, (\i * 8)(t1)
.endm

/* Run a stub in S-mode (identity mapped) or U-mode (through the U megapage),
 * with a1 = address, a2 = data. The M handler records the outcome: an ecall
 * (8 / 9) means the access worked. */
.macro RUN_S stub
  la t4, \stub
  RUN_AT PRV_S, t4
.endm
.macro RUN_U stub
  la t4, \stub
  li t3, 0x80000000
  sub t4, t4, t3
  li t3, U_BASE
  add t4, t4, t3
  RUN_AT PRV_U, t4
.endm
#define OK_S CHECK_TRAP CAUSE_SUPERVISOR_ECALL
#define OK_U CHECK_TRAP CAUSE_USER_ECALL
/* a page fault of the given cause with mtval = a1 */
#define PF(c) CHECK_TRAP c; CHECK_TRAP_TVAL_REG a1

RVTEST_BEGIN
  PMP_ALLOW_ALL
  csrw medeleg, zero

  /* ---- satp WARL ---- */
  li gp, 1               /* reserved modes: the write has no effect */
  li a1, (1 << 60) | 0x80000
  csrw satp, a1
  csrr a0, satp
  CHECK_IMM a0, 0
  li a1, (15 << 60) | 0x80000
  csrw satp, a1
  csrr a0, satp
  CHECK_IMM a0, 0
  li gp, 2               /* Sv48 and Sv57: unsupported on rvplay (unchanged), but an
                            implementation may support them (QEMU does) */
  li a1, (9 << 60)
  csrw satp, a1
  csrr a0, satp
  csrw satp, zero
  beqz a0, 1f
  CHECK_EQ a0, a1
1:li a1, (10 << 60)
  csrw satp, a1
  csrr a0, satp
  csrw satp, zero
  beqz a0, 1f
  CHECK_EQ a0, a1
1:li gp, 3               /* Sv39 is supported: the PPN reads back */
  la a1, root_tab
  srli a1, a1, 12
  li t0, SATP_SV39
  or a1, a1, t0
  csrw satp, a1
  csrr a0, satp
  li t0, 0xf0000fffffffffff  /* (ignore the ASID field) */
  and a0, a0, t0
  CHECK_EQ a0, a1
  csrw satp, zero

  /* ---- build the page tables ---- */
  la t0, page_a
  li t1, 0x0000007300000073   /* two ecalls, for fetch tests */
  sd t1, 0(t0)
  li t1, MAGIC_A
  sd t1, 8(t0)
  la t0, page_b
  li t1, MAGIC_B
  sd t1, 8(t0)
  la t0, page_c
  li t1, MAGIC_C
  sd t1, 8(t0)
  la t0, page_d
  li t1, MAGIC_D
  sd t1, 8(t0)
  la a3, root_tab
  li t0, ((0x80000000 >> 12) << 10) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
  sd t0, (2 * 8)(a3)        /* identity */
  li t0, ((0x80000000 >> 12) << 10) | LEAF_RW
  sd t0, (3 * 8)(a3)        /* 0xc000_0000 */
  li t1, 4088
  add t1, t1, a3
  sd t0, 0(t1)              /* top */
  li t0, ((0x80200000 >> 12) << 10) | LEAF_RW
  sd t0, (4 * 8)(a3)        /* misaligned gigapage */
  PTE_OF l1_tab, PTE_V
  sd t0, (1 * 8)(a3)
  la a4, l1_tab
  li t0, ((0x80000000 >> 12) << 10) | LEAF_RW
  sd t0, 0(a4)              /* 2 MiB at 0x4000_0000 */
  PTE_OF l0_tab, PTE_V
  sd t0, 8(a4)              /* level-0 table at 0x4020_0000 */
  li t0, ((0x80001000 >> 12) << 10) | LEAF_RW
  sd t0, 16(a4)             /* misaligned megapage */
  li t0, ((0x80000000 >> 12) << 10) | LEAF_RW | PTE_X | PTE_U
  sd t0, 24(a4)             /* U megapage */
  SET_L0 P_A, page_a, LEAF_RW
  SET_L0 P_B_RO, page_b, (PTE_V | PTE_R | PTE_A)
  SET_L0 P_C_AD, page_c, (PTE_V | PTE_R | PTE_W)
  SET_L0 P_INVALID, page_a, (PTE_R | PTE_W | PTE_A | PTE_D)
  SET_L0 P_XONLY, page_a, (PTE_V | PTE_X | PTE_A)
  SET_L0 P_WONLY, page_a, (PTE_V | PTE_W | PTE_A | PTE_D)
  SET_L0 P_USER, page_a, (LEAF_RW | PTE_U)
  SET_L0 P_NOX, page_a, LEAF_RW
  SET_L0 P_CODE1, code_pg2, (PTE_V | PTE_R | PTE_X | PTE_A)
  SET_L0 P_CODE2, code_pg1, (PTE_V | PTE_R | PTE_X | PTE_A)
  SET_L0 P_CODE3, code_pg2, (PTE_V | PTE_R | PTE_X | PTE_A)
  SET_L0 P_SFENCE, page_a, LEAF_RW
  SET_L0 P_D_AD, page_d, (PTE_V | PTE_R | PTE_W)
  SET_L0 P_NONLEAF, page_a, PTE_V
  SET_L0 P_URO, page_b, (PTE_V | PTE_R | PTE_A | PTE_U)
  SET_L0 P_AONLY, page_a, (PTE_V | PTE_R | PTE_X)
  /* code for the page-crossing tests: c.nop at 0xffc, addi a0, a0, 0x123
     (0x12350513) at 0xffe of the first virtual page, c.jr ra after it */
  la t0, code_pg2 + 0xff0
  li t1, 0x0513
  sh t1, 0xe(t0)
  li t1, 0x0001
  sh t1, 0xc(t0)
  la t0, code_pg1
  li t1, 0x1235
  sh t1, 0(t0)
  li t1, 0x8082
  sh t1, 2(t0)
  fence.i
  /* Sv39 on */
  la t0, root_tab
  srli t0, t0, 12
  li t1, SATP_SV39
  or t0, t0, t1
  csrw satp, t0
  sfence.vma

  /* ---- translation ---- */
  li gp, 10              /* 4 KiB page */
  li a1, VA4K(P_A) + 8
  RUN_S stub_ld
  OK_S
  CHECK_IMM a0, MAGIC_A
  li gp, 11              /* 2 MiB page */
  la a1, page_b + 8
  li t0, MEGA_VA - 0x80000000
  add a1, a1, t0
  RUN_S stub_ld
  OK_S
  CHECK_IMM a0, MAGIC_B
  li gp, 12              /* 1 GiB page */
  la a1, page_c + 8
  li t0, GIGA_VA - 0x80000000
  add a1, a1, t0
  RUN_S stub_ld
  OK_S
  CHECK_IMM a0, MAGIC_C
  li gp, 13              /* the top gigabyte */
  la a1, page_c + 8
  li t0, TOP_VA - 0x80000000
  add a1, a1, t0
  RUN_S stub_ld
  OK_S
  CHECK_IMM a0, MAGIC_C
  li gp, 14              /* identity */
  la a1, page_d + 8
  RUN_S stub_ld
  OK_S
  CHECK_IMM a0, MAGIC_D
  li gp, 15              /* store through a 4 KiB page lands in page_a */
  li a1, VA4K(P_A) + 16
  li a2, 0x1234567
  RUN_S stub_sd
  OK_S
  la t0, page_a
  ld a0, 16(t0)
  CHECK_IMM a0, 0x1234567
  li gp, 16              /* fetch from an X-only page (page_a starts with ecall) */
  li a1, VA4K(P_XONLY)
  RUN_S stub_jr
  OK_S
  CHECK_TRAP_EPC_REG a1
  li gp, 17              /* store through the gigapage at the top */
  la a1, page_d + 16
  li t0, TOP_VA - 0x80000000
  add a1, a1, t0
  li a2, 0x77
  RUN_S stub_sd
  OK_S
  la t0, page_d
  ld a0, 16(t0)
  CHECK_IMM a0, 0x77

  /* ---- page faults (taken to M: nothing delegated) ---- */
  li gp, 20              /* V = 0 */
  li a1, VA4K(P_INVALID) + 8
  RUN_S stub_ld
  PF(CAUSE_LOAD_PAGE_FAULT)
  li gp, 21
  RUN_S stub_sd
  PF(CAUSE_STORE_PAGE_FAULT)
  li gp, 22
  RUN_S stub_jr
  PF(CAUSE_FETCH_PAGE_FAULT)
  CHECK_TRAP_EPC_REG a1
  li gp, 23              /* store to a read-only page; the load works */
  li a1, VA4K(P_B_RO) + 8
  RUN_S stub_sd
  PF(CAUSE_STORE_PAGE_FAULT)
  RUN_S stub_ld
  OK_S
  CHECK_IMM a0, MAGIC_B
  li gp, 24              /* an AMO to a read-only page: store/AMO page fault */
  RUN_S stub_amo
  PF(CAUSE_STORE_PAGE_FAULT)
  li gp, 25              /* fetch from a page without X */
  li a1, VA4K(P_NOX)
  RUN_S stub_jr
  PF(CAUSE_FETCH_PAGE_FAULT)
  CHECK_TRAP_EPC_REG a1
  li gp, 26              /* load from an X-only page */
  li a1, VA4K(P_XONLY) + 8
  RUN_S stub_ld
  PF(CAUSE_LOAD_PAGE_FAULT)
  li gp, 27              /* ... works with MXR */
  li t0, MSTATUS_MXR
  csrs mstatus, t0
  RUN_S stub_ld
  OK_S
  CHECK_IMM a0, MAGIC_A
  li gp, 28              /* MXR does not allow stores */
  RUN_S stub_sd
  PF(CAUSE_STORE_PAGE_FAULT)
  li t0, MSTATUS_MXR
  csrc mstatus, t0
  li gp, 29              /* W without R is reserved: loads and stores fault */
  li a1, VA4K(P_WONLY) + 8
  RUN_S stub_ld
  PF(CAUSE_LOAD_PAGE_FAULT)
  RUN_S stub_sd
  PF(CAUSE_STORE_PAGE_FAULT)
  li gp, 30              /* misaligned megapage */
  li a1, 0x40400000 + 8
  RUN_S stub_ld
  PF(CAUSE_LOAD_PAGE_FAULT)
  li gp, 31              /* misaligned gigapage */
  li a1, 0x100000000 + 8
  RUN_S stub_ld
  PF(CAUSE_LOAD_PAGE_FAULT)
  RUN_S stub_sd
  PF(CAUSE_STORE_PAGE_FAULT)
  li gp, 32              /* a pointer PTE at level 0 */
  li a1, VA4K(P_NONLEAF) + 8
  RUN_S stub_ld
  PF(CAUSE_LOAD_PAGE_FAULT)
  li gp, 33              /* non-canonical: bits 63:39 must equal bit 38 */
  li a1, 0x0000008000000008     /* would be the identity page if truncated */
  RUN_S stub_ld
  PF(CAUSE_LOAD_PAGE_FAULT)
  li a1, 0x0000008080000008
  RUN_S stub_sd
  PF(CAUSE_STORE_PAGE_FAULT)
  li a1, 0xffffff7fc0000008     /* the top gigapage, with bit 39 clear */
  RUN_S stub_ld
  PF(CAUSE_LOAD_PAGE_FAULT)
  li a1, 0x8000000080000000     /* only bit 63 set */
  RUN_S stub_jr
  PF(CAUSE_FETCH_PAGE_FAULT)
  li gp, 34              /* an unmapped (zero) root entry */
  li a1, 0x140000000
  RUN_S stub_ld
  PF(CAUSE_LOAD_PAGE_FAULT)

  /* ---- the U bit, SUM ---- */
  li gp, 40              /* U-mode: a U page works */
  li a1, VA4K(P_USER) + 8
  RUN_U stub_ld
  OK_U
  CHECK_IMM a0, MAGIC_A
  li a1, VA4K(P_USER) + 32
  li a2, 0x4321
  RUN_U stub_sd
  OK_U
  la t0, page_a
  ld a0, 32(t0)
  CHECK_IMM a0, 0x4321
  li gp, 41              /* U-mode: a supervisor page faults */
  li a1, VA4K(P_A) + 8
  RUN_U stub_ld
  PF(CAUSE_LOAD_PAGE_FAULT)
  RUN_U stub_sd
  PF(CAUSE_STORE_PAGE_FAULT)
  li gp, 42              /* U-mode fetch from a supervisor page */
  la a1, stub_ecall
  RUN_U stub_jr
  PF(CAUSE_FETCH_PAGE_FAULT)
  li gp, 43              /* U-mode store to a U read-only page */
  li a1, VA4K(P_URO) + 8
  RUN_U stub_sd
  PF(CAUSE_STORE_PAGE_FAULT)
  RUN_U stub_ld
  OK_U
  CHECK_IMM a0, MAGIC_B
  li gp, 44              /* S-mode, SUM = 0: a U page faults */
  li a1, VA4K(P_USER) + 8
  RUN_S stub_ld
  PF(CAUSE_LOAD_PAGE_FAULT)
  RUN_S stub_sd
  PF(CAUSE_STORE_PAGE_FAULT)
  li gp, 45              /* SUM = 1: loads and stores work */
  li t0, MSTATUS_SUM
  csrs mstatus, t0
  RUN_S stub_ld
  OK_S
  CHECK_IMM a0, MAGIC_A
  li a1, VA4K(P_USER) + 32
  RUN_S stub_sd
  OK_S
  li gp, 46              /* SUM = 1: S-mode still cannot execute a U page */
  la a1, stub_ecall
  li t0, U_BASE - 0x80000000
  add a1, a1, t0
  RUN_S stub_jr
  PF(CAUSE_FETCH_PAGE_FAULT)
  li t0, MSTATUS_SUM
  csrc mstatus, t0
  li gp, 47              /* MXR applies to U-mode too: X-only U page */
  SET_L0 P_XONLY, page_a, (PTE_V | PTE_X | PTE_A | PTE_U)
  sfence.vma
  li a1, VA4K(P_XONLY) + 8
  RUN_U stub_ld
  PF(CAUSE_LOAD_PAGE_FAULT)
  li t0, MSTATUS_MXR
  csrs mstatus, t0
  RUN_U stub_ld
  OK_U
  CHECK_IMM a0, MAGIC_A
  li t0, MSTATUS_MXR
  csrc mstatus, t0
  SET_L0 P_XONLY, page_a, (PTE_V | PTE_X | PTE_A)
  sfence.vma

  /* ---- A and D set by hardware ---- */
  li gp, 50              /* load: A set, D still clear */
  li a1, VA4K(P_C_AD) + 8
  RUN_S stub_ld
  OK_S
  CHECK_IMM a0, MAGIC_C
  la t0, l0_tab
  ld a0, (P_C_AD * 8)(t0)
  andi a0, a0, (PTE_A | PTE_D)
  CHECK_IMM a0, PTE_A
  li gp, 51              /* then a store: D set */
  li a2, 0x55
  RUN_S stub_sd
  OK_S
  la t0, l0_tab
  ld a0, (P_C_AD * 8)(t0)
  andi a0, a0, (PTE_A | PTE_D)
  CHECK_IMM a0, (PTE_A | PTE_D)
  la t0, page_c
  ld a0, 8(t0)
  CHECK_IMM a0, 0x55
  li gp, 52              /* a first access that is a store sets both */
  li a1, VA4K(P_D_AD) + 8
  li a2, 0x66
  RUN_S stub_sd
  OK_S
  la t0, l0_tab
  ld a0, (P_D_AD * 8)(t0)
  andi a0, a0, (PTE_A | PTE_D)
  CHECK_IMM a0, (PTE_A | PTE_D)
  li gp, 53              /* a fetch sets A */
  li a1, VA4K(P_AONLY)
  RUN_S stub_jr
  OK_S
  la t0, l0_tab
  ld a0, (P_AONLY * 8)(t0)
  andi a0, a0, PTE_A
  CHECK_IMM a0, PTE_A
  li gp, 54              /* a faulting access does not set A */
  SET_L0 P_B_RO, page_b, (PTE_V | PTE_R)
  sfence.vma
  li a1, VA4K(P_B_RO) + 8
  RUN_S stub_sd
  PF(CAUSE_STORE_PAGE_FAULT)
  la t0, l0_tab
  ld a0, (P_B_RO * 8)(t0)
  andi a0, a0, (PTE_A | PTE_D)
  CHECK_IMM a0, 0

  /* ---- sfence.vma ---- */
  li gp, 60
  li a1, VA4K(P_SFENCE) + 8
  RUN_S stub_ld
  OK_S
  CHECK_IMM a0, MAGIC_A
  SET_L0 P_SFENCE, page_b, LEAF_RW
  sfence.vma
  li gp, 61
  RUN_S stub_ld
  OK_S
  CHECK_IMM a0, MAGIC_B
  SET_L0 P_SFENCE, page_c, LEAF_RW
  li a1, VA4K(P_SFENCE)
  sfence.vma a1, zero     /* by address */
  li gp, 62
  li a1, VA4K(P_SFENCE) + 8
  RUN_S stub_ld
  OK_S
  CHECK_IMM a0, 0x55         /* page_c, written by test 51 */
  SET_L0 P_SFENCE, page_a, (PTE_R | PTE_W)  /* now invalid */
  sfence.vma
  li gp, 63
  RUN_S stub_ld
  PF(CAUSE_LOAD_PAGE_FAULT)
  SET_L0 P_SFENCE, page_d, LEAF_RW          /* valid again */
  sfence.vma
  li gp, 64
  RUN_S stub_ld
  OK_S
  CHECK_IMM a0, 0x66

  /* ---- MPRV: M-mode loads and stores translated as MPP ---- */
  li gp, 70              /* MPP = S */
  li t0, MSTATUS_MPP
  csrc mstatus, t0
  li t0, (MSTATUS_MPP_S | MSTATUS_MPRV)
  csrs mstatus, t0
  li a1, VA4K(P_A) + 8
  ld a0, 0(a1)
  li a1, VA4K(P_B_RO) + 8
  ld a2, 0(a1)
  li t0, MSTATUS_MPRV
  csrc mstatus, t0
  CHECK_IMM a0, MAGIC_A
  CHECK_IMM a2, MAGIC_B
  li gp, 71              /* a store through MPRV */
  li t0, MSTATUS_MPRV
  csrs mstatus, t0
  li a1, VA4K(P_A) + 24
  li a2, 0xabcdef
  sd a2, 0(a1)
  li t0, MSTATUS_MPRV
  csrc mstatus, t0
  la t0, page_a
  ld a0, 24(t0)
  CHECK_IMM a0, 0xabcdef
  li gp, 72              /* MPP = S: a U page faults (SUM = 0); mtval = the address */
  li a1, VA4K(P_USER) + 8
  TRAP_EXPECT            /* (before MPRV: these stores must not be translated) */
  li t0, MSTATUS_MPRV
  csrs mstatus, t0
1:ld a0, 0(a1)
  li t0, MSTATUS_MPRV    /* (the handler cleared MPRV anyway) */
  csrc mstatus, t0
  PF(CAUSE_LOAD_PAGE_FAULT)
  CHECK_TRAP_EPC 1b
  TRAP_LOAD a0, TV_STATUS   /* the trap came from M */
  li t0, MSTATUS_MPP
  and a0, a0, t0
  CHECK_IMM a0, MSTATUS_MPP
  li gp, 73              /* MPP = U: the U page works, a supervisor page faults */
  li t0, MSTATUS_MPP
  csrc mstatus, t0
  li t0, MSTATUS_MPRV
  csrs mstatus, t0
  li a1, VA4K(P_USER) + 8
  ld a0, 0(a1)
  li t0, MSTATUS_MPRV
  csrc mstatus, t0
  CHECK_IMM a0, MAGIC_A
  li a1, VA4K(P_A) + 8
  TRAP_EXPECT
  li t0, MSTATUS_MPRV
  csrs mstatus, t0
  sd a0, 0(a1)
  li t0, MSTATUS_MPRV
  csrc mstatus, t0
  PF(CAUSE_STORE_PAGE_FAULT)
  li gp, 74              /* MPRV with MPP = M: untranslated */
  li t0, (MSTATUS_MPP | MSTATUS_MPRV)
  csrs mstatus, t0
  la a1, page_b + 8
  ld a0, 0(a1)
  li t0, MSTATUS_MPRV
  csrc mstatus, t0
  CHECK_IMM a0, MAGIC_B

  /* ---- delegated page faults: scause, stval, sepc ---- */
  li t0, ((1 << CAUSE_FETCH_PAGE_FAULT) | (1 << CAUSE_LOAD_PAGE_FAULT) | (1 << CAUSE_STORE_PAGE_FAULT))
  csrw medeleg, t0
  GOTO_S                 /* S-mode code from here on, identity mapped */
  li gp, 80
  li a1, VA4K(P_INVALID) + 0x10
  li a0, 0x31
  STRAP_EXPECT
1:ld a0, 0(a1)
  CHECK_STRAP CAUSE_LOAD_PAGE_FAULT
  CHECK_TRAP_EPC 1b, s_trap_vars
  CHECK_TRAP_TVAL_REG a1, s_trap_vars
  CHECK_IMM a0, 0x31
  li gp, 81
  li a1, VA4K(P_B_RO) + 0x18
  STRAP_EXPECT
1:sw a0, 0(a1)
  CHECK_STRAP CAUSE_STORE_PAGE_FAULT
  CHECK_TRAP_EPC 1b, s_trap_vars
  CHECK_TRAP_TVAL_REG a1, s_trap_vars
  li gp, 82
  li a1, VA4K(P_NOX) + 0x20
  STRAP_EXPECT
  TRAP_RESUME_AT 2f, s_trap_vars
  jalr a1
  j fail
2:CHECK_STRAP CAUSE_FETCH_PAGE_FAULT
  CHECK_TRAP_EPC_REG a1, s_trap_vars
  CHECK_TRAP_TVAL_REG a1, s_trap_vars
  li gp, 83              /* a load with a negative offset */
  li a1, VA4K(P_INVALID + 1) + 8
  STRAP_EXPECT
  lw a0, -16(a1)
  CHECK_STRAP CAUSE_LOAD_PAGE_FAULT
  addi a1, a1, -16
  CHECK_TRAP_TVAL_REG a1, s_trap_vars
  li gp, 84              /* S-mode changes a PTE itself and fences */
  la t1, l0_tab
  ld t2, (P_INVALID * 8)(t1)
  ori t0, t2, PTE_V
  sd t0, (P_INVALID * 8)(t1)
  sfence.vma
  li a1, VA4K(P_INVALID) + 8
  ld a0, 0(a1)
  CHECK_IMM a0, MAGIC_A
  sd t2, (P_INVALID * 8)(t1)
  sfence.vma
  li gp, 85              /* SUM from S-mode */
  li a1, VA4K(P_USER) + 8
  STRAP_EXPECT
  ld a0, 0(a1)
  CHECK_STRAP CAUSE_LOAD_PAGE_FAULT
  li t0, MSTATUS_SUM
  csrs sstatus, t0
  ld a0, 0(a1)
  CHECK_IMM a0, MAGIC_A
  csrc sstatus, t0

  /* ---- a 32-bit instruction across two virtual pages ---- */
  li gp, 90              /* both mapped, physically not adjacent */
  li a0, 0x100
  li a1, VA4K(P_CODE1) + 0xffc
  jalr a1
  CHECK_IMM a0, 0x223
  li gp, 91              /* the second page unmapped: fetch page fault, stval = the
                            second page, sepc = the instruction */
  li a0, 0x100
  li a1, VA4K(P_CODE3) + 0xffc
  STRAP_EXPECT
  TRAP_RESUME_AT 2f, s_trap_vars
  jalr a1
  j fail
2:CHECK_STRAP CAUSE_FETCH_PAGE_FAULT
  CHECK_IMM a0, 0x100
  addi a2, a1, 2
  CHECK_TRAP_EPC_REG a2, s_trap_vars
  addi a2, a1, 4
  CHECK_TRAP_TVAL_REG a2, s_trap_vars
  GOTO_M
  csrw medeleg, zero

  /* ---- reserved PTE bits ---- */
  li gp, 95              /* N (bit 63) without Svnapot */
  PTE_OF page_a, LEAF_RW
  li t1, 1
  slli t1, t1, 63
  or t0, t0, t1
  la t1, l0_tab
  sd t0, (P_BADBITS * 8)(t1)
  sfence.vma
  li a1, VA4K(P_BADBITS) + 8
  RUN_S stub_ld
  PF(CAUSE_LOAD_PAGE_FAULT)
  li gp, 96              /* PBMT (bits 62:61) without Svpbmt */
  PTE_OF page_a, LEAF_RW
  li t1, 1
  slli t1, t1, 61
  or t0, t0, t1
  la t1, l0_tab
  sd t0, (P_BADBITS * 8)(t1)
  sfence.vma
  RUN_S stub_ld
  PF(CAUSE_LOAD_PAGE_FAULT)
  li gp, 97              /* bits 60:54 (reserved) */
  PTE_OF page_a, LEAF_RW
  li t1, 1
  slli t1, t1, 54
  or t0, t0, t1
  la t1, l0_tab
  sd t0, (P_BADBITS * 8)(t1)
  sfence.vma
  RUN_S stub_ld
  PF(CAUSE_LOAD_PAGE_FAULT)

  csrw satp, zero
  sfence.vma
  RVTEST_PASS

/* Stubs, run in S-mode at their own address or in U-mode through the U
 * megapage: a1 = address, a2 = data. */
  .balign 64
stub_ld:
  ld a0, 0(a1)
  ecall
stub_sd:
  sd a2, 0(a1)
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
  .balign 4096
root_tab: .zero 4096
l1_tab: .zero 4096
l0_tab: .zero 4096
page_a: .zero 4096
page_b: .zero 4096
page_c: .zero 4096
page_d: .zero 4096
code_pg1: .zero 4096
code_pg2: .zero 4096
