/* rv64i-alu.S - RV64I integer computation: register-register and
 * register-immediate arithmetic, logic, comparisons and shifts (64-bit and W
 * forms, shift amounts of 0, 31, 32, 33, 63 and shift registers with high
 * bits set), lui, auipc, and x0 staying zero.
 * Each TEST_RR also checks the rd = rs1 and rd = rs2 forms, TEST_RI the
 * rd = rs1 form. */
#include "rvtest.h"

RVTEST_BEGIN
  /* ---- add / sub ---- */
  TEST_RR(1, add, 0x0, 0x0, 0x0)
  TEST_RR(2, add, 0x2, 0x1, 0x1)
  TEST_RR(3, add, 0xa, 0x3, 0x7)
  TEST_RR(4, add, 0x8000000000000000, 0x7fffffffffffffff, 0x1)
  TEST_RR(5, add, 0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff)
  TEST_RR(6, add, 0x0, 0xffffffffffffffff, 0x1)
  TEST_RR(7, add, 0x2222222222222211, 0x123456789abcdef0, 0xfedcba987654321)
  TEST_RR(8, add, 0x100000000, 0xffffffff, 0x1)
  TEST_RR(9, sub, 0x0, 0x0, 0x0)
  TEST_RR(10, sub, 0x0, 0x1, 0x1)
  TEST_RR(11, sub, 0xfffffffffffffffc, 0x3, 0x7)
  TEST_RR(12, sub, 0x7fffffffffffffff, 0x8000000000000000, 0x1)
  TEST_RR(13, sub, 0x8000000000000000, 0x7fffffffffffffff, 0xffffffffffffffff)
  TEST_RR(14, sub, 0xffffffffffffffff, 0x0, 0x1)
  TEST_RR(15, sub, 0x2468acf13579bcf, 0x123456789abcdef0, 0xfedcba987654321)
  TEST_RR(16, sub, 0xffffffff, 0x100000000, 0x1)
  /* ---- logic ---- */
  TEST_RR(17, and, 0xf000f000f000f00, 0xff00ff00ff00ff00, 0xff00ff00ff00ff0)
  TEST_RR(18, and, 0xf000f000f000f, 0xff00ff00ff00ff, 0xf00ff00ff00ff00f)
  TEST_RR(19, and, 0x0, 0xffffffffffffffff, 0x0)
  TEST_RR(20, and, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff)
  TEST_RR(21, or, 0xfff0fff0fff0fff0, 0xff00ff00ff00ff00, 0xff00ff00ff00ff0)
  TEST_RR(22, or, 0xf0fff0fff0fff0ff, 0xff00ff00ff00ff, 0xf00ff00ff00ff00f)
  TEST_RR(23, or, 0xffffffffffffffff, 0xffffffffffffffff, 0x0)
  TEST_RR(24, or, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff)
  TEST_RR(25, xor, 0xf0f0f0f0f0f0f0f0, 0xff00ff00ff00ff00, 0xff00ff00ff00ff0)
  TEST_RR(26, xor, 0xf0f0f0f0f0f0f0f0, 0xff00ff00ff00ff, 0xf00ff00ff00ff00f)
  TEST_RR(27, xor, 0xffffffffffffffff, 0xffffffffffffffff, 0x0)
  TEST_RR(28, xor, 0x0, 0xffffffffffffffff, 0xffffffffffffffff)
  /* ---- set less than: signed / unsigned edges ---- */
  TEST_RR(29, slt, 0x0, 0x0, 0x0)
  TEST_RR(30, slt, 0x1, 0x0, 0x1)
  TEST_RR(31, slt, 0x0, 0x1, 0x0)
  TEST_RR(32, slt, 0x1, 0xffffffffffffffff, 0x0)
  TEST_RR(33, slt, 0x0, 0x0, 0xffffffffffffffff)
  TEST_RR(34, slt, 0x1, 0x8000000000000000, 0x7fffffffffffffff)
  TEST_RR(35, slt, 0x0, 0x7fffffffffffffff, 0x8000000000000000)
  TEST_RR(36, slt, 0x1, 0x8000000000000000, 0x0)
  TEST_RR(37, slt, 0x0, 0xffffffffffffffff, 0xfffffffffffffffe)
  TEST_RR(38, slt, 0x1, 0xfffffffffffffffe, 0xffffffffffffffff)
  TEST_RR(39, slt, 0x0, 0x80000000, 0x7fffffff)
  TEST_RR(40, sltu, 0x0, 0x0, 0x0)
  TEST_RR(41, sltu, 0x1, 0x0, 0x1)
  TEST_RR(42, sltu, 0x0, 0x1, 0x0)
  TEST_RR(43, sltu, 0x0, 0xffffffffffffffff, 0x0)
  TEST_RR(44, sltu, 0x1, 0x0, 0xffffffffffffffff)
  TEST_RR(45, sltu, 0x0, 0x8000000000000000, 0x7fffffffffffffff)
  TEST_RR(46, sltu, 0x1, 0x7fffffffffffffff, 0x8000000000000000)
  TEST_RR(47, sltu, 0x0, 0x8000000000000000, 0x0)
  TEST_RR(48, sltu, 0x0, 0xffffffffffffffff, 0xfffffffffffffffe)
  TEST_RR(49, sltu, 0x1, 0xfffffffffffffffe, 0xffffffffffffffff)
  TEST_RR(50, sltu, 0x0, 0x80000000, 0x7fffffff)
  /* ---- 64-bit shifts, shamt from the low 6 bits of rs2 ---- */
  TEST_RR(51, sll, 0x8000000000000001, 0x8000000000000001, 0x0)
  TEST_RR(52, sll, 0x2, 0x8000000000000001, 0x1)
  TEST_RR(53, sll, 0x80000000, 0x8000000000000001, 0x1f)
  TEST_RR(54, sll, 0x100000000, 0x8000000000000001, 0x20)
  TEST_RR(55, sll, 0x200000000, 0x8000000000000001, 0x21)
  TEST_RR(56, sll, 0x8000000000000000, 0x8000000000000001, 0x3f)
  TEST_RR(57, sll, 0x8000000000000001, 0x8000000000000001, 0x40)
  TEST_RR(58, sll, 0x2, 0x8000000000000001, 0xffffffffffffffc1)
  TEST_RR(59, sll, 0xabcdef0000000000, 0x123456789abcdef0, 0x24)
  TEST_RR(60, sll, 0xc000000000000000, 0x7fffffffffffffff, 0x3e)
  TEST_RR(61, srl, 0x8000000000000001, 0x8000000000000001, 0x0)
  TEST_RR(62, srl, 0x4000000000000000, 0x8000000000000001, 0x1)
  TEST_RR(63, srl, 0x100000000, 0x8000000000000001, 0x1f)
  TEST_RR(64, srl, 0x80000000, 0x8000000000000001, 0x20)
  TEST_RR(65, srl, 0x40000000, 0x8000000000000001, 0x21)
  TEST_RR(66, srl, 0x1, 0x8000000000000001, 0x3f)
  TEST_RR(67, srl, 0x8000000000000001, 0x8000000000000001, 0x40)
  TEST_RR(68, srl, 0x4000000000000000, 0x8000000000000001, 0xffffffffffffffc1)
  TEST_RR(69, srl, 0x1234567, 0x123456789abcdef0, 0x24)
  TEST_RR(70, srl, 0x1, 0x7fffffffffffffff, 0x3e)
  TEST_RR(71, sra, 0x8000000000000001, 0x8000000000000001, 0x0)
  TEST_RR(72, sra, 0xc000000000000000, 0x8000000000000001, 0x1)
  TEST_RR(73, sra, 0xffffffff00000000, 0x8000000000000001, 0x1f)
  TEST_RR(74, sra, 0xffffffff80000000, 0x8000000000000001, 0x20)
  TEST_RR(75, sra, 0xffffffffc0000000, 0x8000000000000001, 0x21)
  TEST_RR(76, sra, 0xffffffffffffffff, 0x8000000000000001, 0x3f)
  TEST_RR(77, sra, 0x8000000000000001, 0x8000000000000001, 0x40)
  TEST_RR(78, sra, 0xc000000000000000, 0x8000000000000001, 0xffffffffffffffc1)
  TEST_RR(79, sra, 0x1234567, 0x123456789abcdef0, 0x24)
  TEST_RR(80, sra, 0x1, 0x7fffffffffffffff, 0x3e)
  /* ---- W forms: operate on the low 32 bits, sign-extend the result ---- */
  TEST_RR(81, addw, 0xffffffff80000000, 0x7fffffff, 0x1)
  TEST_RR(82, addw, 0x0, 0xffffffff, 0x1)
  TEST_RR(83, addw, 0xffffffffffffffff, 0xffffffff, 0xffffffff00000000)
  TEST_RR(84, addw, 0xffffffffaaaaaaaa, 0x123456789, 0x987654321)
  TEST_RR(85, addw, 0x0, 0x80000000, 0x80000000)
  TEST_RR(86, addw, 0x7fffffff, 0xffffffff80000000, 0xffffffffffffffff)
  TEST_RR(87, subw, 0xffffffffffffffff, 0x0, 0x1)
  TEST_RR(88, subw, 0x7fffffff, 0x80000000, 0x1)
  TEST_RR(89, subw, 0xffffffff80000000, 0x7fffffff, 0xffffffffffffffff)
  TEST_RR(90, subw, 0x0, 0x100000000, 0x0)
  TEST_RR(91, subw, 0xffffffff9be02468, 0x123456789, 0x987654321)
  TEST_RR(92, subw, 0x2, 0xffffffff00000005, 0x3)
  TEST_RR(93, sllw, 0xffffffff80000001, 0x80000001, 0x0)
  TEST_RR(94, sllw, 0x2, 0x80000001, 0x1)
  TEST_RR(95, sllw, 0xffffffff80000000, 0x80000001, 0x1f)
  TEST_RR(96, sllw, 0xffffffff80000001, 0x80000001, 0x20)
  TEST_RR(97, sllw, 0x2, 0x80000001, 0x21)
  TEST_RR(98, sllw, 0xffffffff80000000, 0xffffffff00000001, 0x1f)
  TEST_RR(99, sllw, 0x76543210, 0x1234567887654321, 0x4)
  TEST_RR(100, sllw, 0x76543210, 0x1234567887654321, 0xffffffe4)
  TEST_RR(101, sllw, 0xffffffff80000000, 0x7fffffff, 0x3f)
  TEST_RR(102, srlw, 0xffffffff80000001, 0x80000001, 0x0)
  TEST_RR(103, srlw, 0x40000000, 0x80000001, 0x1)
  TEST_RR(104, srlw, 0x1, 0x80000001, 0x1f)
  TEST_RR(105, srlw, 0xffffffff80000001, 0x80000001, 0x20)
  TEST_RR(106, srlw, 0x40000000, 0x80000001, 0x21)
  TEST_RR(107, srlw, 0x0, 0xffffffff00000001, 0x1f)
  TEST_RR(108, srlw, 0x8765432, 0x1234567887654321, 0x4)
  TEST_RR(109, srlw, 0x8765432, 0x1234567887654321, 0xffffffe4)
  TEST_RR(110, srlw, 0x0, 0x7fffffff, 0x3f)
  TEST_RR(111, sraw, 0xffffffff80000001, 0x80000001, 0x0)
  TEST_RR(112, sraw, 0xffffffffc0000000, 0x80000001, 0x1)
  TEST_RR(113, sraw, 0xffffffffffffffff, 0x80000001, 0x1f)
  TEST_RR(114, sraw, 0xffffffff80000001, 0x80000001, 0x20)
  TEST_RR(115, sraw, 0xffffffffc0000000, 0x80000001, 0x21)
  TEST_RR(116, sraw, 0x0, 0xffffffff00000001, 0x1f)
  TEST_RR(117, sraw, 0xfffffffff8765432, 0x1234567887654321, 0x4)
  TEST_RR(118, sraw, 0xfffffffff8765432, 0x1234567887654321, 0xffffffe4)
  TEST_RR(119, sraw, 0x0, 0x7fffffff, 0x3f)
  /* ---- immediates ---- */
  TEST_RI(120, addi, 0x0, 0x0, 0)
  TEST_RI(121, addi, 0x2, 0x1, 1)
  TEST_RI(122, addi, 0xfffffffffffffffc, 0x3, -7)
  TEST_RI(123, addi, 0x8000000000000000, 0x7fffffffffffffff, 1)
  TEST_RI(124, addi, 0xfffffffffffff800, 0x0, -2048)
  TEST_RI(125, addi, 0x7ff, 0x0, 2047)
  TEST_RI(126, addi, 0xfffffffffffffffe, 0xffffffffffffffff, -1)
  TEST_RI(127, addi, 0x80000000000007fe, 0x7fffffffffffffff, 2047)
  TEST_RI(128, slti, 0x0, 0x0, 0)
  TEST_RI(129, slti, 0x0, 0x0, -1)
  TEST_RI(130, slti, 0x1, 0xffffffffffffffff, 0)
  TEST_RI(131, slti, 0x0, 0xffffffffffffffff, -1)
  TEST_RI(132, slti, 0x1, 0xfffffffffffffffe, -1)
  TEST_RI(133, slti, 0x1, 0x8000000000000000, -2048)
  TEST_RI(134, slti, 0x0, 0x7ff, 2047)
  TEST_RI(135, slti, 0x1, 0x7fe, 2047)
  TEST_RI(136, sltiu, 0x0, 0x0, 0)
  TEST_RI(137, sltiu, 0x1, 0x0, -1)
  TEST_RI(138, sltiu, 0x0, 0xffffffffffffffff, -1)
  TEST_RI(139, sltiu, 0x1, 0xfffffffffffffffe, -1)
  TEST_RI(140, sltiu, 0x1, 0x7ff, -2048)
  TEST_RI(141, sltiu, 0x1, 0x5, 2047)
  TEST_RI(142, sltiu, 0x1, 0x0, 1)
  TEST_RI(143, sltiu, 0x0, 0x1, 1)
  TEST_RI(144, andi, 0xff00ff00ff00ff00, 0xff00ff00ff00ff00, -241)
  TEST_RI(145, andi, 0xf, 0xff00ff00ff00ff, 1807)
  TEST_RI(146, andi, 0xff00ff00ff00ff, 0xff00ff00ff00ff, -1)
  TEST_RI(147, andi, 0x0, 0x0, 1365)
  TEST_RI(148, andi, 0xffffffffffffffff, 0xffffffffffffffff, -1)
  TEST_RI(149, ori, 0xffffffffffffff0f, 0xff00ff00ff00ff00, -241)
  TEST_RI(150, ori, 0xff00ff00ff07ff, 0xff00ff00ff00ff, 1807)
  TEST_RI(151, ori, 0xffffffffffffffff, 0xff00ff00ff00ff, -1)
  TEST_RI(152, ori, 0x555, 0x0, 1365)
  TEST_RI(153, ori, 0xffffffffffffffff, 0xffffffffffffffff, -1)
  TEST_RI(154, xori, 0xff00ff00ff000f, 0xff00ff00ff00ff00, -241)
  TEST_RI(155, xori, 0xff00ff00ff07f0, 0xff00ff00ff00ff, 1807)
  TEST_RI(156, xori, 0xff00ff00ff00ff00, 0xff00ff00ff00ff, -1)
  TEST_RI(157, xori, 0x555, 0x0, 1365)
  TEST_RI(158, xori, 0x0, 0xffffffffffffffff, -1)
  TEST_RI(159, slli, 0x8000000000000001, 0x8000000000000001, 0)
  TEST_RI(160, slli, 0x2, 0x8000000000000001, 1)
  TEST_RI(161, slli, 0x80000000, 0x8000000000000001, 31)
  TEST_RI(162, slli, 0x100000000, 0x8000000000000001, 32)
  TEST_RI(163, slli, 0x200000000, 0x8000000000000001, 33)
  TEST_RI(164, slli, 0x8000000000000000, 0x8000000000000001, 63)
  TEST_RI(165, slli, 0xabcdef0000000000, 0x123456789abcdef0, 36)
  TEST_RI(166, slli, 0xc000000000000000, 0x7fffffffffffffff, 62)
  TEST_RI(167, srli, 0x8000000000000001, 0x8000000000000001, 0)
  TEST_RI(168, srli, 0x4000000000000000, 0x8000000000000001, 1)
  TEST_RI(169, srli, 0x100000000, 0x8000000000000001, 31)
  TEST_RI(170, srli, 0x80000000, 0x8000000000000001, 32)
  TEST_RI(171, srli, 0x40000000, 0x8000000000000001, 33)
  TEST_RI(172, srli, 0x1, 0x8000000000000001, 63)
  TEST_RI(173, srli, 0x1234567, 0x123456789abcdef0, 36)
  TEST_RI(174, srli, 0x1, 0x7fffffffffffffff, 62)
  TEST_RI(175, srai, 0x8000000000000001, 0x8000000000000001, 0)
  TEST_RI(176, srai, 0xc000000000000000, 0x8000000000000001, 1)
  TEST_RI(177, srai, 0xffffffff00000000, 0x8000000000000001, 31)
  TEST_RI(178, srai, 0xffffffff80000000, 0x8000000000000001, 32)
  TEST_RI(179, srai, 0xffffffffc0000000, 0x8000000000000001, 33)
  TEST_RI(180, srai, 0xffffffffffffffff, 0x8000000000000001, 63)
  TEST_RI(181, srai, 0x1234567, 0x123456789abcdef0, 36)
  TEST_RI(182, srai, 0x1, 0x7fffffffffffffff, 62)
  TEST_RI(183, addiw, 0xffffffff80000000, 0x7fffffff, 1)
  TEST_RI(184, addiw, 0x0, 0xffffffff, 1)
  TEST_RI(185, addiw, 0x23456aaa, 0x123456789, 801)
  TEST_RI(186, addiw, 0x7fffffff, 0x80000000, -1)
  TEST_RI(187, addiw, 0x7ffff000, 0x7ffff800, -2048)
  TEST_RI(188, addiw, 0xffffffff80000000, 0xffffffff80000000, 0)
  TEST_RI(189, addiw, 0x0, 0x100000000, 0)
  TEST_RI(190, slliw, 0xffffffff80000001, 0x80000001, 0)
  TEST_RI(191, slliw, 0x2, 0x80000001, 1)
  TEST_RI(192, slliw, 0xffffffff80000000, 0x80000001, 31)
  TEST_RI(193, slliw, 0xffffffff80000000, 0xffffffff00000001, 31)
  TEST_RI(194, slliw, 0x76543210, 0x1234567887654321, 4)
  TEST_RI(195, slliw, 0x7fffffff, 0xffffffff7fffffff, 0)
  TEST_RI(196, slliw, 0xffffffff80000000, 0x140000000, 1)
  TEST_RI(197, srliw, 0xffffffff80000001, 0x80000001, 0)
  TEST_RI(198, srliw, 0x40000000, 0x80000001, 1)
  TEST_RI(199, srliw, 0x1, 0x80000001, 31)
  TEST_RI(200, srliw, 0x0, 0xffffffff00000001, 31)
  TEST_RI(201, srliw, 0x8765432, 0x1234567887654321, 4)
  TEST_RI(202, srliw, 0x7fffffff, 0xffffffff7fffffff, 0)
  TEST_RI(203, srliw, 0x20000000, 0x140000000, 1)
  TEST_RI(204, sraiw, 0xffffffff80000001, 0x80000001, 0)
  TEST_RI(205, sraiw, 0xffffffffc0000000, 0x80000001, 1)
  TEST_RI(206, sraiw, 0xffffffffffffffff, 0x80000001, 31)
  TEST_RI(207, sraiw, 0x0, 0xffffffff00000001, 31)
  TEST_RI(208, sraiw, 0xfffffffff8765432, 0x1234567887654321, 4)
  TEST_RI(209, sraiw, 0x7fffffff, 0xffffffff7fffffff, 0)
  TEST_RI(210, sraiw, 0x20000000, 0x140000000, 1)

  /* ---- same register as both sources ---- */
  TEST_RR_SAME(211, add, 0x2468acf13579bde0, 0x123456789abcdef0)
  TEST_RR_SAME(212, sub, 0, 0x123456789abcdef0)
  TEST_RR_SAME(213, xor, 0, -1)
  TEST_RR_SAME(214, slt, 0, -5)
  TEST_RR_SAME(215, sltu, 0, 5)
  TEST_RR_SAME(216, sll, 0x8000000000000000, 63)
  TEST_RR_SAME(217, addw, 0xfffffffffffffffe, 0x7fffffffffffffff)

  /* ---- lui: 20-bit immediate << 12, sign-extended from bit 31 ---- */
  TEST_CASE(220, a0, 0, lui a0, 0)
  TEST_CASE(221, a0, 0x12345000, lui a0, 0x12345)
  TEST_CASE(222, a0, 0x7ffff000, lui a0, 0x7ffff)
  TEST_CASE(223, a0, 0xffffffff80000000, lui a0, 0x80000)
  TEST_CASE(224, a0, 0xfffffffffffff000, lui a0, 0xfffff)
  TEST_CASE(225, a0, 0xffffffff80000800, lui a0, 0x80000; addi a0, a0, 0x7ff; addi a0, a0, 1)

  /* ---- auipc: pc + (imm << 12), sign-extended ---- */
  li gp, 230
1:auipc a0, 0
  la a1, 1b
  CHECK_EQ a0, a1
  li gp, 231
1:auipc a0, 1
  la a1, 1b
  li t0, 0x1000
  add a1, a1, t0
  CHECK_EQ a0, a1
  li gp, 232
1:auipc a0, 0xfffff
  la a1, 1b
  li t0, -0x1000
  add a1, a1, t0
  CHECK_EQ a0, a1
  li gp, 233
1:auipc a0, 0x80000
  la a1, 1b
  li t0, 0xffffffff80000000
  add a1, a1, t0
  CHECK_EQ a0, a1
  li gp, 234
1:auipc a0, 0x7ffff
  la a1, 1b
  li t0, 0x7ffff000
  add a1, a1, t0
  CHECK_EQ a0, a1

  /* ---- x0 is hardwired to zero ---- */
  li gp, 240
  addi x0, x0, 5
  CHECK_IMM x0, 0
  li gp, 241
  li a1, -1
  add x0, a1, a1
  lui x0, 0x12345
  auipc x0, 0x12345
  ori x0, a1, 0x7ff
  add a0, x0, x0
  CHECK_IMM a0, 0
  li gp, 242
  la a1, data
  ld x0, 0(a1)
  lb x0, 0(a1)
  CHECK_IMM x0, 0
  li gp, 243
  jal x0, 1f
  j fail
1:CHECK_IMM x0, 0
  li gp, 244
  li a1, -1
  sub a0, x0, a1          /* 0 - (-1) */
  CHECK_IMM a0, 1
  li gp, 245
  sltu a0, x0, a1         /* snez */
  CHECK_IMM a0, 1
  sltu a0, x0, x0
  CHECK_IMM a0, 0

  /* ---- HINTs and NOPs do nothing ---- */
  li gp, 250
  li a0, 77
  nop
  addi x0, a0, 1
  slli x0, a0, 3
  slt x0, a0, a0
  CHECK_IMM a0, 77

  RVTEST_PASS
RVTEST_END

  .data
  .balign 8
data: .dword 0x1122334455667788
