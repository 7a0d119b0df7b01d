/* rv64m.S - the M extension on RV64: mul, mulh, mulhsu, mulhu, mulw,
 * div, divu, rem, remu and the W forms, including division by zero
 * (quotient all ones, remainder = dividend), the overflow case
 * most-negative / -1 (quotient = dividend, remainder 0), W forms ignoring
 * the upper 32 bits of their sources and sign-extending their results.
 * Each TEST_RR also checks the rd = rs1 and rd = rs2 forms. */
#include "rvtest.h"

RVTEST_BEGIN
  /* ---- mul ---- */
  TEST_RR(1, mul, 0x0, 0x0, 0x0)
  TEST_RR(2, mul, 0x15, 0x3, 0x7)
  TEST_RR(3, mul, 0x1, 0xffffffffffffffff, 0xffffffffffffffff)
  TEST_RR(4, mul, 0x8000000000000000, 0x8000000000000000, 0xffffffffffffffff)
  TEST_RR(5, mul, 0x1, 0x7fffffffffffffff, 0x7fffffffffffffff)
  TEST_RR(6, mul, 0x236d88fe5618cf00, 0x123456789abcdef0, 0xfedcba9876543210)
  TEST_RR(7, mul, 0x0, 0x100000000, 0x100000000)
  TEST_RR(8, mul, 0xfffffffffffffffe, 0xffffffffffffffff, 0x2)
  /* ---- mulh ---- */
  TEST_RR(9, mulh, 0x0, 0x0, 0x0)
  TEST_RR(10, mulh, 0x0, 0x3, 0x7)
  TEST_RR(11, mulh, 0x0, 0xffffffffffffffff, 0xffffffffffffffff)
  TEST_RR(12, mulh, 0x0, 0x8000000000000000, 0xffffffffffffffff)
  TEST_RR(13, mulh, 0x4000000000000000, 0x8000000000000000, 0x8000000000000000)
  TEST_RR(14, mulh, 0x3fffffffffffffff, 0x7fffffffffffffff, 0x7fffffffffffffff)
  TEST_RR(15, mulh, 0xc000000000000000, 0x7fffffffffffffff, 0x8000000000000000)
  TEST_RR(16, mulh, 0xffeb49923cc09532, 0x123456789abcdef0, 0xfedcba9876543210)
  TEST_RR(17, mulh, 0xffffffffffffffff, 0xffffffffffffffff, 0x1)
  TEST_RR(18, mulh, 0x1, 0x100000000, 0x100000000)
  /* ---- mulhu ---- */
  TEST_RR(19, mulhu, 0x0, 0x0, 0x0)
  TEST_RR(20, mulhu, 0x0, 0x3, 0x7)
  TEST_RR(21, mulhu, 0xfffffffffffffffe, 0xffffffffffffffff, 0xffffffffffffffff)
  TEST_RR(22, mulhu, 0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff)
  TEST_RR(23, mulhu, 0x4000000000000000, 0x8000000000000000, 0x8000000000000000)
  TEST_RR(24, mulhu, 0x3fffffffffffffff, 0x7fffffffffffffff, 0x7fffffffffffffff)
  TEST_RR(25, mulhu, 0x121fa00ad77d7422, 0x123456789abcdef0, 0xfedcba9876543210)
  TEST_RR(26, mulhu, 0x0, 0xffffffffffffffff, 0x1)
  TEST_RR(27, mulhu, 0x1, 0x100000000, 0x100000000)
  /* ---- mulhsu ---- */
  TEST_RR(28, mulhsu, 0x0, 0x0, 0x0)
  TEST_RR(29, mulhsu, 0x0, 0x3, 0x7)
  TEST_RR(30, mulhsu, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff)
  TEST_RR(31, mulhsu, 0x8000000000000000, 0x8000000000000000, 0xffffffffffffffff)
  TEST_RR(32, mulhsu, 0xc000000000000000, 0x8000000000000000, 0x8000000000000000)
  TEST_RR(33, mulhsu, 0x7ffffffffffffffe, 0x7fffffffffffffff, 0xffffffffffffffff)
  TEST_RR(34, mulhsu, 0x121fa00ad77d7422, 0x123456789abcdef0, 0xfedcba9876543210)
  TEST_RR(35, mulhsu, 0xffffffffffffffff, 0xffffffffffffffff, 0x1)
  TEST_RR(36, mulhsu, 0x0, 0x1, 0xffffffffffffffff)
  TEST_RR(37, mulhsu, 0xffeb49923cc09532, 0xfedcba9876543210, 0x123456789abcdef0)
  /* ---- mulw ---- */
  TEST_RR(38, mulw, 0x0, 0x0, 0x0)
  TEST_RR(39, mulw, 0x15, 0x3, 0x7)
  TEST_RR(40, mulw, 0xfffffffffffffffe, 0x7fffffff, 0x2)
  TEST_RR(41, mulw, 0x1, 0xffffffff, 0xffffffff)
  TEST_RR(42, mulw, 0x5618cf00, 0x123456789abcdef0, 0xfedcba9876543210)
  TEST_RR(43, mulw, 0xffffffff80000000, 0x80000000, 0xffffffffffffffff)
  TEST_RR(44, mulw, 0x0, 0x10000, 0x10000)
  TEST_RR(45, mulw, 0x15, 0x100000003, 0x500000007)
  /* ---- div ---- */
  TEST_RR(46, div, 0x3, 0x14, 0x6)
  TEST_RR(47, div, 0xfffffffffffffffd, 0xffffffffffffffec, 0x6)
  TEST_RR(48, div, 0xfffffffffffffffd, 0x14, 0xfffffffffffffffa)
  TEST_RR(49, div, 0x3, 0xffffffffffffffec, 0xfffffffffffffffa)
  TEST_RR(50, div, 0x8000000000000000, 0x8000000000000000, 0x1)
  TEST_RR(51, div, 0x8000000000000000, 0x8000000000000000, 0xffffffffffffffff)
  TEST_RR(52, div, 0xffffffffffffffff, 0x8000000000000000, 0x0)
  TEST_RR(53, div, 0xffffffffffffffff, 0x5, 0x0)
  TEST_RR(54, div, 0xffffffffffffffff, 0x0, 0x0)
  TEST_RR(55, div, 0xffffffffffffffff, 0xffffffffffffffff, 0x0)
  TEST_RR(56, div, 0x10004c016906b, 0x123456789abcdef0, 0x1234)
  TEST_RR(57, div, 0x0, 0x7fffffffffffffff, 0x8000000000000000)
  TEST_RR(58, div, 0x0, 0x1, 0x2)
  /* ---- divu ---- */
  TEST_RR(59, divu, 0x3, 0x14, 0x6)
  TEST_RR(60, divu, 0x2aaaaaaaaaaaaaa7, 0xffffffffffffffec, 0x6)
  TEST_RR(61, divu, 0x0, 0x14, 0xfffffffffffffffa)
  TEST_RR(62, divu, 0x8000000000000000, 0x8000000000000000, 0x1)
  TEST_RR(63, divu, 0x0, 0x8000000000000000, 0xffffffffffffffff)
  TEST_RR(64, divu, 0x1, 0xffffffffffffffff, 0xffffffffffffffff)
  TEST_RR(65, divu, 0xffffffffffffffff, 0x5, 0x0)
  TEST_RR(66, divu, 0xffffffffffffffff, 0x0, 0x0)
  TEST_RR(67, divu, 0xffffffffffffffff, 0xffffffffffffffff, 0x0)
  TEST_RR(68, divu, 0x10004c016906b, 0x123456789abcdef0, 0x1234)
  TEST_RR(69, divu, 0x0, 0x7fffffffffffffff, 0x8000000000000000)
  /* ---- rem ---- */
  TEST_RR(70, rem, 0x2, 0x14, 0x6)
  TEST_RR(71, rem, 0xfffffffffffffffe, 0xffffffffffffffec, 0x6)
  TEST_RR(72, rem, 0x2, 0x14, 0xfffffffffffffffa)
  TEST_RR(73, rem, 0xfffffffffffffffe, 0xffffffffffffffec, 0xfffffffffffffffa)
  TEST_RR(74, rem, 0x0, 0x8000000000000000, 0x1)
  TEST_RR(75, rem, 0x0, 0x8000000000000000, 0xffffffffffffffff)
  TEST_RR(76, rem, 0x8000000000000000, 0x8000000000000000, 0x0)
  TEST_RR(77, rem, 0x5, 0x5, 0x0)
  TEST_RR(78, rem, 0x0, 0x0, 0x0)
  TEST_RR(79, rem, 0xfffffffffffffff9, 0xfffffffffffffff9, 0x0)
  TEST_RR(80, rem, 0x334, 0x123456789abcdef0, 0x1234)
  TEST_RR(81, rem, 0xffffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff)
  /* ---- remu ---- */
  TEST_RR(82, remu, 0x2, 0x14, 0x6)
  TEST_RR(83, remu, 0x2, 0xffffffffffffffec, 0x6)
  TEST_RR(84, remu, 0x14, 0x14, 0xfffffffffffffffa)
  TEST_RR(85, remu, 0x0, 0x8000000000000000, 0x1)
  TEST_RR(86, remu, 0x8000000000000000, 0x8000000000000000, 0xffffffffffffffff)
  TEST_RR(87, remu, 0x1, 0xffffffffffffffff, 0xfffffffffffffffe)
  TEST_RR(88, remu, 0x5, 0x5, 0x0)
  TEST_RR(89, remu, 0x0, 0x0, 0x0)
  TEST_RR(90, remu, 0xffffffffffffffff, 0xffffffffffffffff, 0x0)
  TEST_RR(91, remu, 0x334, 0x123456789abcdef0, 0x1234)
  /* ---- divw ---- */
  TEST_RR(92, divw, 0x3, 0x14, 0x6)
  TEST_RR(93, divw, 0xfffffffffffffffd, 0xffffffffffffffec, 0x6)
  TEST_RR(94, divw, 0xfffffffffffffffd, 0x14, 0xfffffffffffffffa)
  TEST_RR(95, divw, 0x3, 0xffffffffffffffec, 0xfffffffffffffffa)
  TEST_RR(96, divw, 0xffffffff80000000, 0xffffffff80000000, 0x1)
  TEST_RR(97, divw, 0xffffffff80000000, 0xffffffff80000000, 0xffffffffffffffff)
  TEST_RR(98, divw, 0xffffffff80000000, 0x80000000, 0xffffffff)
  TEST_RR(99, divw, 0xffffffffffffffff, 0xffffffff80000000, 0x0)
  TEST_RR(100, divw, 0xffffffffffffffff, 0x5, 0x0)
  TEST_RR(101, divw, 0x3, 0x500000014, 0x700000006)
  TEST_RR(102, divw, 0xffffffffffffffff, 0x7fffffff, 0xffffffff00000000)
  TEST_RR(103, divw, 0x3, 0xffffffff00000007, 0x2)
  /* ---- divuw ---- */
  TEST_RR(104, divuw, 0x3, 0x14, 0x6)
  TEST_RR(105, divuw, 0x2aaaaaa7, 0xffffffffffffffec, 0x6)
  TEST_RR(106, divuw, 0x0, 0x14, 0xfffffffffffffffa)
  TEST_RR(107, divuw, 0xffffffff80000000, 0xffffffff80000000, 0x1)
  TEST_RR(108, divuw, 0x0, 0xffffffff80000000, 0xffffffffffffffff)
  TEST_RR(109, divuw, 0xffffffffffffffff, 0xffffffff, 0x1)
  TEST_RR(110, divuw, 0xffffffffffffffff, 0x5, 0x0)
  TEST_RR(111, divuw, 0x3, 0x500000014, 0x700000006)
  TEST_RR(112, divuw, 0xffffffffffffffff, 0xfffffffe, 0x100000000)
  TEST_RR(113, divuw, 0xffffffff80000000, 0x80000000, 0x1)
  /* ---- remw ---- */
  TEST_RR(114, remw, 0x2, 0x14, 0x6)
  TEST_RR(115, remw, 0xfffffffffffffffe, 0xffffffffffffffec, 0x6)
  TEST_RR(116, remw, 0x2, 0x14, 0xfffffffffffffffa)
  TEST_RR(117, remw, 0xfffffffffffffffe, 0xffffffffffffffec, 0xfffffffffffffffa)
  TEST_RR(118, remw, 0x0, 0xffffffff80000000, 0xffffffffffffffff)
  TEST_RR(119, remw, 0x0, 0x80000000, 0xffffffff)
  TEST_RR(120, remw, 0xffffffff80000000, 0xffffffff80000000, 0x0)
  TEST_RR(121, remw, 0x5, 0x5, 0x0)
  TEST_RR(122, remw, 0xffffffff80000005, 0x180000005, 0x0)
  TEST_RR(123, remw, 0x2, 0x500000014, 0x700000006)
  TEST_RR(124, remw, 0xfffffffffffff838, 0x123456789abcdef0, 0x1234)
  /* ---- remuw ---- */
  TEST_RR(125, remuw, 0x2, 0x14, 0x6)
  TEST_RR(126, remuw, 0x2, 0xffffffffffffffec, 0x6)
  TEST_RR(127, remuw, 0x14, 0x14, 0xfffffffffffffffa)
  TEST_RR(128, remuw, 0xffffffff80000000, 0xffffffff80000000, 0xffffffffffffffff)
  TEST_RR(129, remuw, 0x5, 0x5, 0x0)
  TEST_RR(130, remuw, 0xffffffff80000005, 0x180000005, 0x0)
  TEST_RR(131, remuw, 0x2, 0x500000014, 0x700000006)
  TEST_RR(132, remuw, 0x6d0, 0x123456789abcdef0, 0x1234)
  TEST_RR(133, remuw, 0xf, 0xffffffff, 0x10)

  /* ---- mulh + mul pair (the usual fused sequence) ---- */
  li gp, 200
  li a1, 0x7edcba9876543211
  li a2, 0xf123456789abcdef
  mulh a3, a1, a2
  mul a4, a1, a2
  CHECK_IMM a3, 0xf8a28ba3613cad29
  CHECK_IMM a4, 0x935a1df76f0d5adf
  li gp, 201          /* div + rem pair */
  li a1, -1234567890123
  li a2, 1000
  div a3, a1, a2
  rem a4, a1, a2
  CHECK_IMM a3, -1234567890
  CHECK_IMM a4, -123
  li gp, 202          /* destination x0 */
  li a1, 7
  div zero, a1, zero
  mul zero, a1, a1
  CHECK_IMM zero, 0

  RVTEST_PASS
RVTEST_END
