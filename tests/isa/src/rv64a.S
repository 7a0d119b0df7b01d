/* rv64a.S - the A extension on RV64: lr/sc (success, failure without a
 * reservation, SC invalidating the reservation, SC to another address, the
 * 32-bit forms sign-extending and writing 4 bytes, an LR/SC increment loop),
 * every amo*.w / amo*.d (old value returned, new value stored, .w forms
 * sign-extending the old value and using only the low 32 bits of rs2,
 * signed/unsigned min/max edges, rd = x0, aq/rl bits).
 * Misaligned atomics are in rv64a-misaligned.S. */
#include "rvtest.h"

/* amo on the doubleword at amo_buf */
#define TEST_AMO_D(n, inst, mem, src, old, new) \
    li gp, n; la a1, amo_buf; li a2, mem; sd a2, 0(a1); li a3, src; \
    inst a0, a3, (a1); CHECK_IMM a0, old; ld a4, 0(a1); CHECK_IMM a4, new; CHECK_IMM a3, src

/* amo on the word at amo_buf + 4; the word at amo_buf must not change */
#define TEST_AMO_W(n, inst, mem, src, old, new) \
    li gp, n; la a1, amo_buf; li a2, 0xa5a5a5a5; sw a2, 0(a1); li a2, mem; sw a2, 4(a1); \
    addi a5, a1, 4; li a3, src; inst a0, a3, (a5); CHECK_IMM a0, old; \
    lwu a4, 4(a1); CHECK_IMM a4, new; lwu a4, 0(a1); CHECK_IMM a4, 0xa5a5a5a5

RVTEST_BEGIN
  /* ---- lr / sc ---- */
  li gp, 1          /* lr.d / sc.d succeed */
  la a1, amo_buf
  li a2, 0x0123456789abcdef
  sd a2, 0(a1)
  lr.d a0, (a1)
  CHECK_EQ a0, a2
  li a3, 0x7777
  sc.d a4, a3, (a1)
  CHECK_IMM a4, 0
  ld a0, 0(a1)
  CHECK_IMM a0, 0x7777
  li gp, 2          /* the SC invalidated the reservation: a second SC fails (rd = 1) */
  li a3, 0x8888
  sc.d a4, a3, (a1)
  CHECK_IMM a4, 1
  ld a0, 0(a1)
  CHECK_IMM a0, 0x7777
  li gp, 3          /* a failed SC also invalidates it */
  sc.d a4, a3, (a1)
  CHECK_IMM a4, 1
  li gp, 4          /* lr.w sign-extends; sc.w writes 4 bytes */
  li a2, 0x11111111ffff8000
  sd a2, 0(a1)
  lr.w a0, (a1)
  CHECK_IMM a0, 0xffffffffffff8000
  li a3, 0x2222222233333333
  sc.w a4, a3, (a1)
  CHECK_IMM a4, 0
  ld a0, 0(a1)
  CHECK_IMM a0, 0x1111111133333333
  li gp, 5          /* lr.w of the upper word, sc.w there */
  addi a5, a1, 4
  lr.w a0, (a5)
  CHECK_IMM a0, 0x11111111
  li a3, -2
  sc.w a4, a3, (a5)
  CHECK_IMM a4, 0
  ld a0, 0(a1)
  CHECK_IMM a0, 0xfffffffe33333333
  li gp, 6          /* SC to an address in another page than the LR's fails */
  sd zero, 0(a1)
  li a6, 0x4242
  la a5, far_word
  sd a6, 0(a5)
  lr.d a0, (a1)
  li a3, 99
  sc.d a4, a3, (a5)
  CHECK_IMM a4, 1
  ld a0, 0(a5)
  CHECK_IMM a0, 0x4242
  sc.d a4, a3, (a1)  /* and the reservation is gone */
  CHECK_IMM a4, 1
  li gp, 8          /* LR, ordinary store to the same address, SC: either outcome
                       is allowed, memory must be consistent with it */
  lr.d a0, (a1)
  li a2, 0x1234
  sd a2, 0(a1)
  li a3, 0x5678
  sc.d a4, a3, (a1)
  ld a0, 0(a1)
  bnez a4, 1f
  CHECK_IMM a0, 0x5678
  j 2f
1:CHECK_IMM a0, 0x1234
2:
  li gp, 9          /* an LR/SC retry loop: atomic add of 5, ten times */
  sd zero, 0(a1)
  li s0, 10
1:lr.d.aq a0, (a1)
  addi a0, a0, 5
  sc.d.rl a4, a0, (a1)
  bnez a4, 1b
  addi s0, s0, -1
  bnez s0, 1b
  ld a0, 0(a1)
  CHECK_IMM a0, 50
  li gp, 10         /* a trap between LR and SC: SC may fail or succeed but memory
                       must agree */
  li a2, 0x10
  sd a2, 0(a1)
  lr.d a0, (a1)
  TRAP_EXPECT
  ecall
  CHECK_TRAP CAUSE_MACHINE_ECALL
  li a3, 0x20
  sc.d a4, a3, (a1)
  ld a0, 0(a1)
  bnez a4, 1f
  CHECK_IMM a0, 0x20
  j 2f
1:CHECK_IMM a0, 0x10
2:

  /* ---- AMOs ---- */
  /* ---- amoswap ---- */
  TEST_AMO_D(100, amoswap.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff)
  TEST_AMO_D(101, amoswap.d, 0xfffffffffffffff0, 0x10, 0xfffffffffffffff0, 0x10)
  TEST_AMO_D(102, amoswap.d, 0x123456789abcdef0, 0xfedcba987654321, 0x123456789abcdef0, 0xfedcba987654321)
  TEST_AMO_D(103, amoswap.d, 0x5, 0xffffffffffffffff, 0x5, 0xffffffffffffffff)
  TEST_AMO_W(104, amoswap.w, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0x7fffffff)
  TEST_AMO_W(105, amoswap.w, 0xfffffff0, 0x10, 0xfffffffffffffff0, 0x10)
  TEST_AMO_W(106, amoswap.w, 0x9abcdef0, 0xffffffff87654321, 0xffffffff9abcdef0, 0x87654321)
  TEST_AMO_W(107, amoswap.w, 0x5, 0xffffffff, 0x5, 0xffffffff)
  TEST_AMO_W(108, amoswap.w, 0x7fffffff, 0x1234567800000001, 0x7fffffff, 0x1)
  TEST_AMO_W(109, amoswap.w, 0x1, 0xfffffffffffffffe, 0x1, 0xfffffffe)
  /* ---- amoadd ---- */
  TEST_AMO_D(110, amoadd.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff)
  TEST_AMO_D(111, amoadd.d, 0xfffffffffffffff0, 0x10, 0xfffffffffffffff0, 0x0)
  TEST_AMO_D(112, amoadd.d, 0x123456789abcdef0, 0xfedcba987654321, 0x123456789abcdef0, 0x2222222222222211)
  TEST_AMO_D(113, amoadd.d, 0x5, 0xffffffffffffffff, 0x5, 0x4)
  TEST_AMO_W(114, amoadd.w, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0xffffffff)
  TEST_AMO_W(115, amoadd.w, 0xfffffff0, 0x10, 0xfffffffffffffff0, 0x0)
  TEST_AMO_W(116, amoadd.w, 0x9abcdef0, 0xffffffff87654321, 0xffffffff9abcdef0, 0x22222211)
  TEST_AMO_W(117, amoadd.w, 0x5, 0xffffffff, 0x5, 0x4)
  TEST_AMO_W(118, amoadd.w, 0x7fffffff, 0x1234567800000001, 0x7fffffff, 0x80000000)
  TEST_AMO_W(119, amoadd.w, 0x1, 0xfffffffffffffffe, 0x1, 0xffffffff)
  /* ---- amoxor ---- */
  TEST_AMO_D(120, amoxor.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff)
  TEST_AMO_D(121, amoxor.d, 0xfffffffffffffff0, 0x10, 0xfffffffffffffff0, 0xffffffffffffffe0)
  TEST_AMO_D(122, amoxor.d, 0x123456789abcdef0, 0xfedcba987654321, 0x123456789abcdef0, 0x1dd99dd11dd99dd1)
  TEST_AMO_D(123, amoxor.d, 0x5, 0xffffffffffffffff, 0x5, 0xfffffffffffffffa)
  TEST_AMO_W(124, amoxor.w, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0xffffffff)
  TEST_AMO_W(125, amoxor.w, 0xfffffff0, 0x10, 0xfffffffffffffff0, 0xffffffe0)
  TEST_AMO_W(126, amoxor.w, 0x9abcdef0, 0xffffffff87654321, 0xffffffff9abcdef0, 0x1dd99dd1)
  TEST_AMO_W(127, amoxor.w, 0x5, 0xffffffff, 0x5, 0xfffffffa)
  TEST_AMO_W(128, amoxor.w, 0x7fffffff, 0x1234567800000001, 0x7fffffff, 0x7ffffffe)
  TEST_AMO_W(129, amoxor.w, 0x1, 0xfffffffffffffffe, 0x1, 0xffffffff)
  /* ---- amoand ---- */
  TEST_AMO_D(130, amoand.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x0)
  TEST_AMO_D(131, amoand.d, 0xfffffffffffffff0, 0x10, 0xfffffffffffffff0, 0x10)
  TEST_AMO_D(132, amoand.d, 0x123456789abcdef0, 0xfedcba987654321, 0x123456789abcdef0, 0x224422882244220)
  TEST_AMO_D(133, amoand.d, 0x5, 0xffffffffffffffff, 0x5, 0x5)
  TEST_AMO_W(134, amoand.w, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0x0)
  TEST_AMO_W(135, amoand.w, 0xfffffff0, 0x10, 0xfffffffffffffff0, 0x10)
  TEST_AMO_W(136, amoand.w, 0x9abcdef0, 0xffffffff87654321, 0xffffffff9abcdef0, 0x82244220)
  TEST_AMO_W(137, amoand.w, 0x5, 0xffffffff, 0x5, 0x5)
  TEST_AMO_W(138, amoand.w, 0x7fffffff, 0x1234567800000001, 0x7fffffff, 0x1)
  TEST_AMO_W(139, amoand.w, 0x1, 0xfffffffffffffffe, 0x1, 0x0)
  /* ---- amoor ---- */
  TEST_AMO_D(140, amoor.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff)
  TEST_AMO_D(141, amoor.d, 0xfffffffffffffff0, 0x10, 0xfffffffffffffff0, 0xfffffffffffffff0)
  TEST_AMO_D(142, amoor.d, 0x123456789abcdef0, 0xfedcba987654321, 0x123456789abcdef0, 0x1ffddff99ffddff1)
  TEST_AMO_D(143, amoor.d, 0x5, 0xffffffffffffffff, 0x5, 0xffffffffffffffff)
  TEST_AMO_W(144, amoor.w, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0xffffffff)
  TEST_AMO_W(145, amoor.w, 0xfffffff0, 0x10, 0xfffffffffffffff0, 0xfffffff0)
  TEST_AMO_W(146, amoor.w, 0x9abcdef0, 0xffffffff87654321, 0xffffffff9abcdef0, 0x9ffddff1)
  TEST_AMO_W(147, amoor.w, 0x5, 0xffffffff, 0x5, 0xffffffff)
  TEST_AMO_W(148, amoor.w, 0x7fffffff, 0x1234567800000001, 0x7fffffff, 0x7fffffff)
  TEST_AMO_W(149, amoor.w, 0x1, 0xfffffffffffffffe, 0x1, 0xffffffff)
  /* ---- amomin ---- */
  TEST_AMO_D(150, amomin.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000000)
  TEST_AMO_D(151, amomin.d, 0xfffffffffffffff0, 0x10, 0xfffffffffffffff0, 0xfffffffffffffff0)
  TEST_AMO_D(152, amomin.d, 0x123456789abcdef0, 0xfedcba987654321, 0x123456789abcdef0, 0xfedcba987654321)
  TEST_AMO_D(153, amomin.d, 0x5, 0xffffffffffffffff, 0x5, 0xffffffffffffffff)
  TEST_AMO_W(154, amomin.w, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0x80000000)
  TEST_AMO_W(155, amomin.w, 0xfffffff0, 0x10, 0xfffffffffffffff0, 0xfffffff0)
  TEST_AMO_W(156, amomin.w, 0x9abcdef0, 0xffffffff87654321, 0xffffffff9abcdef0, 0x87654321)
  TEST_AMO_W(157, amomin.w, 0x5, 0xffffffff, 0x5, 0xffffffff)
  TEST_AMO_W(158, amomin.w, 0x7fffffff, 0x1234567800000001, 0x7fffffff, 0x1)
  TEST_AMO_W(159, amomin.w, 0x1, 0xfffffffffffffffe, 0x1, 0xfffffffe)
  /* ---- amomax ---- */
  TEST_AMO_D(160, amomax.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff)
  TEST_AMO_D(161, amomax.d, 0xfffffffffffffff0, 0x10, 0xfffffffffffffff0, 0x10)
  TEST_AMO_D(162, amomax.d, 0x123456789abcdef0, 0xfedcba987654321, 0x123456789abcdef0, 0x123456789abcdef0)
  TEST_AMO_D(163, amomax.d, 0x5, 0xffffffffffffffff, 0x5, 0x5)
  TEST_AMO_W(164, amomax.w, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0x7fffffff)
  TEST_AMO_W(165, amomax.w, 0xfffffff0, 0x10, 0xfffffffffffffff0, 0x10)
  TEST_AMO_W(166, amomax.w, 0x9abcdef0, 0xffffffff87654321, 0xffffffff9abcdef0, 0x9abcdef0)
  TEST_AMO_W(167, amomax.w, 0x5, 0xffffffff, 0x5, 0x5)
  TEST_AMO_W(168, amomax.w, 0x7fffffff, 0x1234567800000001, 0x7fffffff, 0x7fffffff)
  TEST_AMO_W(169, amomax.w, 0x1, 0xfffffffffffffffe, 0x1, 0x1)
  /* ---- amominu ---- */
  TEST_AMO_D(170, amominu.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff)
  TEST_AMO_D(171, amominu.d, 0xfffffffffffffff0, 0x10, 0xfffffffffffffff0, 0x10)
  TEST_AMO_D(172, amominu.d, 0x123456789abcdef0, 0xfedcba987654321, 0x123456789abcdef0, 0xfedcba987654321)
  TEST_AMO_D(173, amominu.d, 0x5, 0xffffffffffffffff, 0x5, 0x5)
  TEST_AMO_W(174, amominu.w, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0x7fffffff)
  TEST_AMO_W(175, amominu.w, 0xfffffff0, 0x10, 0xfffffffffffffff0, 0x10)
  TEST_AMO_W(176, amominu.w, 0x9abcdef0, 0xffffffff87654321, 0xffffffff9abcdef0, 0x87654321)
  TEST_AMO_W(177, amominu.w, 0x5, 0xffffffff, 0x5, 0x5)
  TEST_AMO_W(178, amominu.w, 0x7fffffff, 0x1234567800000001, 0x7fffffff, 0x1)
  TEST_AMO_W(179, amominu.w, 0x1, 0xfffffffffffffffe, 0x1, 0x1)
  /* ---- amomaxu ---- */
  TEST_AMO_D(180, amomaxu.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000000)
  TEST_AMO_D(181, amomaxu.d, 0xfffffffffffffff0, 0x10, 0xfffffffffffffff0, 0xfffffffffffffff0)
  TEST_AMO_D(182, amomaxu.d, 0x123456789abcdef0, 0xfedcba987654321, 0x123456789abcdef0, 0x123456789abcdef0)
  TEST_AMO_D(183, amomaxu.d, 0x5, 0xffffffffffffffff, 0x5, 0xffffffffffffffff)
  TEST_AMO_W(184, amomaxu.w, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0x80000000)
  TEST_AMO_W(185, amomaxu.w, 0xfffffff0, 0x10, 0xfffffffffffffff0, 0xfffffff0)
  TEST_AMO_W(186, amomaxu.w, 0x9abcdef0, 0xffffffff87654321, 0xffffffff9abcdef0, 0x9abcdef0)
  TEST_AMO_W(187, amomaxu.w, 0x5, 0xffffffff, 0x5, 0xffffffff)
  TEST_AMO_W(188, amomaxu.w, 0x7fffffff, 0x1234567800000001, 0x7fffffff, 0x7fffffff)
  TEST_AMO_W(189, amomaxu.w, 0x1, 0xfffffffffffffffe, 0x1, 0xfffffffe)

  li gp, 200        /* rd = x0: memory still updated */
  la a1, amo_buf
  li a2, 40
  sd a2, 0(a1)
  li a3, 2
  amoadd.d zero, a3, (a1)
  ld a0, 0(a1)
  CHECK_IMM a0, 42
  li gp, 201        /* rd = rs2 */
  li a3, 8
  amoadd.d a3, a3, (a1)
  CHECK_IMM a3, 42
  ld a0, 0(a1)
  CHECK_IMM a0, 50
  li gp, 202        /* aq / rl / aqrl variants */
  li a3, 1
  amoadd.d.aq a0, a3, (a1)
  amoadd.d.rl a0, a3, (a1)
  amoadd.d.aqrl a0, a3, (a1)
  amoadd.w.aqrl a0, a3, (a1)
  CHECK_IMM a0, 53
  ld a0, 0(a1)
  CHECK_IMM a0, 54
  li gp, 203        /* amoswap.d as a lock: acquire, release */
  la a1, lock
  li a3, 1
  amoswap.d.aq a0, a3, (a1)
  CHECK_IMM a0, 0
  amoswap.d.aq a0, a3, (a1)
  CHECK_IMM a0, 1
  amoswap.d.rl zero, zero, (a1)
  ld a0, 0(a1)
  CHECK_IMM a0, 0

  la a1, amo_buf
  li gp, 250        /* sc.w after lr.d of the same address: it may succeed or fail
                       (the word is within the reservation set), but what it
                       reports must match memory.
                       QEMU 7.2 gets this wrong: its SC compares the 32-bit
                       memory word with the low half of the 64-bit value the
                       LR read, stores the new word, and then reports failure
                       (rd = 1) because the full 64-bit values differ. This is
                       the last sub-test so that run-qemu.sh can list it as
                       an expected QEMU failure. */
  li a2, 0x5555555566666666
  sd a2, 0(a1)
  lr.d a0, (a1)
  li a3, 0x77777777
  sc.w a4, a3, (a1)
  ld a0, 0(a1)
  bnez a4, 1f
  CHECK_IMM a0, 0x5555555577777777
  j 2f
1:CHECK_IMM a4, 1
  CHECK_IMM a0, 0x5555555566666666
2:

  RVTEST_PASS
RVTEST_END

  .data
  .balign 64
amo_buf: .zero 16
lock: .dword 0
  .balign 4096
  .zero 64
far_word: .dword 0
