/* rv64f-arith.S - the F extension (single precision) on RV64:
 *   fadd/fsub/fmul/fdiv/fsqrt and the four fused multiply-adds in every
 *   static rounding mode and with rm = dyn for every frm value; the fflags
 *   after each operation (NX, UF with tininess detected after rounding, OF,
 *   DZ, NV); canonical NaN results; fmin/fmax (-0 < +0, one NaN operand,
 *   sNaN sets NV); feq/flt/fle and their NV rules; fclass; fsgnj*;
 *   NaN-boxing (operations read a non-boxed register as the canonical NaN,
 *   transfers do not check, results and fmv.w.x / flw are boxed,
 *   fmv.x.w sign-extends); flw/fsw; fcsr/frm/fflags and their aliases;
 *   reserved rounding modes; mstatus.FS (Off makes FP instructions and the
 *   FP CSRs illegal, writing FP state sets Dirty and SD).
 * Expected values were computed with exact rational arithmetic. */
#include "rvtest.h"
#include "fptest.h"

RVTEST_BEGIN
  /* ---- fadd: every rounding mode on ties and non-ties, positive and negative ---- */
  TEST_FP2_s(1, fadd.s, rne, 0x3f800002, 0x01, 0x3f800000, 0x34a00000)
  TEST_FP2_s(2, fadd.s, rtz, 0x3f800002, 0x01, 0x3f800000, 0x34a00000)
  TEST_FP2_s(3, fadd.s, rdn, 0x3f800002, 0x01, 0x3f800000, 0x34a00000)
  TEST_FP2_s(4, fadd.s, rup, 0x3f800003, 0x01, 0x3f800000, 0x34a00000)
  TEST_FP2_s(5, fadd.s, rmm, 0x3f800003, 0x01, 0x3f800000, 0x34a00000)
  TEST_FP2_s(6, fadd.s, rne, 0x3f800002, 0x01, 0x3f800000, 0x34400000)
  TEST_FP2_s(7, fadd.s, rtz, 0x3f800001, 0x01, 0x3f800000, 0x34400000)
  TEST_FP2_s(8, fadd.s, rdn, 0x3f800001, 0x01, 0x3f800000, 0x34400000)
  TEST_FP2_s(9, fadd.s, rup, 0x3f800002, 0x01, 0x3f800000, 0x34400000)
  TEST_FP2_s(10, fadd.s, rmm, 0x3f800002, 0x01, 0x3f800000, 0x34400000)
  TEST_FP2_s(11, fadd.s, rne, 0xbf800002, 0x01, 0xbf800000, 0xb4a00000)
  TEST_FP2_s(12, fadd.s, rtz, 0xbf800002, 0x01, 0xbf800000, 0xb4a00000)
  TEST_FP2_s(13, fadd.s, rdn, 0xbf800003, 0x01, 0xbf800000, 0xb4a00000)
  TEST_FP2_s(14, fadd.s, rup, 0xbf800002, 0x01, 0xbf800000, 0xb4a00000)
  TEST_FP2_s(15, fadd.s, rmm, 0xbf800003, 0x01, 0xbf800000, 0xb4a00000)
  TEST_FP2_s(16, fadd.s, rne, 0xbf800001, 0x01, 0xbf800000, 0xb3c00000)
  TEST_FP2_s(17, fadd.s, rtz, 0xbf800000, 0x01, 0xbf800000, 0xb3c00000)
  TEST_FP2_s(18, fadd.s, rdn, 0xbf800001, 0x01, 0xbf800000, 0xb3c00000)
  TEST_FP2_s(19, fadd.s, rup, 0xbf800000, 0x01, 0xbf800000, 0xb3c00000)
  TEST_FP2_s(20, fadd.s, rmm, 0xbf800001, 0x01, 0xbf800000, 0xb3c00000)
  TEST_FP2_s(21, fadd.s, rne, 0x3faaaaab, 0x01, 0x3f800000, 0x3eaaaaab)
  TEST_FP2_s(22, fadd.s, rtz, 0x3faaaaaa, 0x01, 0x3f800000, 0x3eaaaaab)
  TEST_FP2_s(23, fadd.s, rdn, 0x3faaaaaa, 0x01, 0x3f800000, 0x3eaaaaab)
  TEST_FP2_s(24, fadd.s, rup, 0x3faaaaab, 0x01, 0x3f800000, 0x3eaaaaab)
  TEST_FP2_s(25, fadd.s, rmm, 0x3faaaaab, 0x01, 0x3f800000, 0x3eaaaaab)
  TEST_FP2_s(26, fadd.s, rne, 0xbfaaaaab, 0x01, 0xbf800000, 0xbeaaaaab)
  TEST_FP2_s(27, fadd.s, rtz, 0xbfaaaaaa, 0x01, 0xbf800000, 0xbeaaaaab)
  TEST_FP2_s(28, fadd.s, rdn, 0xbfaaaaab, 0x01, 0xbf800000, 0xbeaaaaab)
  TEST_FP2_s(29, fadd.s, rup, 0xbfaaaaaa, 0x01, 0xbf800000, 0xbeaaaaab)
  TEST_FP2_s(30, fadd.s, rmm, 0xbfaaaaab, 0x01, 0xbf800000, 0xbeaaaaab)
  TEST_FP2_s(31, fadd.s, rne, 0x7f800000, 0x05, 0x7f7fffff, 0x7f7fffff)
  TEST_FP2_s(32, fadd.s, rtz, 0x7f7fffff, 0x05, 0x7f7fffff, 0x7f7fffff)
  TEST_FP2_s(33, fadd.s, rdn, 0x7f7fffff, 0x05, 0x7f7fffff, 0x7f7fffff)
  TEST_FP2_s(34, fadd.s, rup, 0x7f800000, 0x05, 0x7f7fffff, 0x7f7fffff)
  TEST_FP2_s(35, fadd.s, rmm, 0x7f800000, 0x05, 0x7f7fffff, 0x7f7fffff)
  TEST_FP2_s(36, fadd.s, rne, 0xff800000, 0x05, 0xff7fffff, 0xff7fffff)
  TEST_FP2_s(37, fadd.s, rtz, 0xff7fffff, 0x05, 0xff7fffff, 0xff7fffff)
  TEST_FP2_s(38, fadd.s, rdn, 0xff800000, 0x05, 0xff7fffff, 0xff7fffff)
  TEST_FP2_s(39, fadd.s, rup, 0xff7fffff, 0x05, 0xff7fffff, 0xff7fffff)
  TEST_FP2_s(40, fadd.s, rmm, 0xff800000, 0x05, 0xff7fffff, 0xff7fffff)
  TEST_FP2_s(41, fadd.s, rne, 0x7f800000, 0x05, 0x7f7fffff, 0x73000000)
  TEST_FP2_s(42, fadd.s, rtz, 0x7f7fffff, 0x01, 0x7f7fffff, 0x73000000)
  TEST_FP2_s(43, fadd.s, rdn, 0x7f7fffff, 0x01, 0x7f7fffff, 0x73000000)
  TEST_FP2_s(44, fadd.s, rup, 0x7f800000, 0x05, 0x7f7fffff, 0x73000000)
  TEST_FP2_s(45, fadd.s, rmm, 0x7f800000, 0x05, 0x7f7fffff, 0x73000000)
  TEST_FP2_s(46, fadd.s, rne, 0x0, 0x00, 0x3f800000, 0xbf800000)
  TEST_FP2_s(47, fadd.s, rtz, 0x0, 0x00, 0x3f800000, 0xbf800000)
  TEST_FP2_s(48, fadd.s, rdn, 0x80000000, 0x00, 0x3f800000, 0xbf800000)
  TEST_FP2_s(49, fadd.s, rup, 0x0, 0x00, 0x3f800000, 0xbf800000)
  TEST_FP2_s(50, fadd.s, rmm, 0x0, 0x00, 0x3f800000, 0xbf800000)
  TEST_FP2_s(51, fadd.s, rne, 0x0, 0x00, 0x0, 0x80000000)
  TEST_FP2_s(52, fadd.s, rtz, 0x0, 0x00, 0x0, 0x80000000)
  TEST_FP2_s(53, fadd.s, rdn, 0x80000000, 0x00, 0x0, 0x80000000)
  TEST_FP2_s(54, fadd.s, rup, 0x0, 0x00, 0x0, 0x80000000)
  TEST_FP2_s(55, fadd.s, rmm, 0x0, 0x00, 0x0, 0x80000000)
  TEST_FP2_s(56, fadd.s, rne, 0x80000000, 0x00, 0x80000000, 0x80000000)
  TEST_FP2_s(57, fadd.s, rtz, 0x80000000, 0x00, 0x80000000, 0x80000000)
  TEST_FP2_s(58, fadd.s, rdn, 0x80000000, 0x00, 0x80000000, 0x80000000)
  TEST_FP2_s(59, fadd.s, rup, 0x80000000, 0x00, 0x80000000, 0x80000000)
  TEST_FP2_s(60, fadd.s, rmm, 0x80000000, 0x00, 0x80000000, 0x80000000)
  TEST_FP2_s(61, fadd.s, rne, 0x2, 0x00, 0x1, 0x1)
  TEST_FP2_s(62, fadd.s, rtz, 0x2, 0x00, 0x1, 0x1)
  TEST_FP2_s(63, fadd.s, rdn, 0x2, 0x00, 0x1, 0x1)
  TEST_FP2_s(64, fadd.s, rup, 0x2, 0x00, 0x1, 0x1)
  TEST_FP2_s(65, fadd.s, rmm, 0x2, 0x00, 0x1, 0x1)
  TEST_FP2_s(66, fadd.s, rne, 0x1, 0x00, 0x800000, 0x807fffff)
  TEST_FP2_s(67, fadd.s, rtz, 0x1, 0x00, 0x800000, 0x807fffff)
  TEST_FP2_s(68, fadd.s, rdn, 0x1, 0x00, 0x800000, 0x807fffff)
  TEST_FP2_s(69, fadd.s, rup, 0x1, 0x00, 0x800000, 0x807fffff)
  TEST_FP2_s(70, fadd.s, rmm, 0x1, 0x00, 0x800000, 0x807fffff)
  TEST_FP2_s(71, fadd.s, rne, 0x7fc00000, 0x10, 0x7f800000, 0xff800000)
  TEST_FP2_s(72, fadd.s, rtz, 0x7fc00000, 0x10, 0x7f800000, 0xff800000)
  TEST_FP2_s(73, fadd.s, rdn, 0x7fc00000, 0x10, 0x7f800000, 0xff800000)
  TEST_FP2_s(74, fadd.s, rup, 0x7fc00000, 0x10, 0x7f800000, 0xff800000)
  TEST_FP2_s(75, fadd.s, rmm, 0x7fc00000, 0x10, 0x7f800000, 0xff800000)
  TEST_FP2_s(76, fadd.s, rne, 0x7f800000, 0x00, 0x7f800000, 0x3f800000)
  TEST_FP2_s(77, fadd.s, rtz, 0x7f800000, 0x00, 0x7f800000, 0x3f800000)
  TEST_FP2_s(78, fadd.s, rdn, 0x7f800000, 0x00, 0x7f800000, 0x3f800000)
  TEST_FP2_s(79, fadd.s, rup, 0x7f800000, 0x00, 0x7f800000, 0x3f800000)
  TEST_FP2_s(80, fadd.s, rmm, 0x7f800000, 0x00, 0x7f800000, 0x3f800000)
  TEST_FP2_s(81, fadd.s, rne, 0x7fc00000, 0x00, 0x7fc00000, 0x3f800000)
  TEST_FP2_s(82, fadd.s, rtz, 0x7fc00000, 0x00, 0x7fc00000, 0x3f800000)
  TEST_FP2_s(83, fadd.s, rdn, 0x7fc00000, 0x00, 0x7fc00000, 0x3f800000)
  TEST_FP2_s(84, fadd.s, rup, 0x7fc00000, 0x00, 0x7fc00000, 0x3f800000)
  TEST_FP2_s(85, fadd.s, rmm, 0x7fc00000, 0x00, 0x7fc00000, 0x3f800000)
  TEST_FP2_s(86, fadd.s, rne, 0x7fc00000, 0x10, 0x7f800001, 0x3f800000)
  TEST_FP2_s(87, fadd.s, rtz, 0x7fc00000, 0x10, 0x7f800001, 0x3f800000)
  TEST_FP2_s(88, fadd.s, rdn, 0x7fc00000, 0x10, 0x7f800001, 0x3f800000)
  TEST_FP2_s(89, fadd.s, rup, 0x7fc00000, 0x10, 0x7f800001, 0x3f800000)
  TEST_FP2_s(90, fadd.s, rmm, 0x7fc00000, 0x10, 0x7f800001, 0x3f800000)
  TEST_FP2_s(91, fadd.s, rne, 0x0, 0x00, 0x40400000, 0xc0400000)
  TEST_FP2_s(92, fadd.s, rtz, 0x0, 0x00, 0x40400000, 0xc0400000)
  TEST_FP2_s(93, fadd.s, rdn, 0x80000000, 0x00, 0x40400000, 0xc0400000)
  TEST_FP2_s(94, fadd.s, rup, 0x0, 0x00, 0x40400000, 0xc0400000)
  TEST_FP2_s(95, fadd.s, rmm, 0x0, 0x00, 0x40400000, 0xc0400000)
  /* ---- fsub ---- */
  TEST_FP2_s(96, fsub.s, rne, 0x3f7ffffe, 0x01, 0x3f800000, 0x34200000)
  TEST_FP2_s(97, fsub.s, rdn, 0x3f7ffffd, 0x01, 0x3f800000, 0x34200000)
  TEST_FP2_s(98, fsub.s, rup, 0x3f7ffffe, 0x01, 0x3f800000, 0x34200000)
  TEST_FP2_s(99, fsub.s, rne, 0x0, 0x00, 0x3f800000, 0x3f800000)
  TEST_FP2_s(100, fsub.s, rdn, 0x80000000, 0x00, 0x3f800000, 0x3f800000)
  TEST_FP2_s(101, fsub.s, rup, 0x0, 0x00, 0x3f800000, 0x3f800000)
  TEST_FP2_s(102, fsub.s, rne, 0x80000000, 0x00, 0x80000000, 0x0)
  TEST_FP2_s(103, fsub.s, rdn, 0x80000000, 0x00, 0x80000000, 0x0)
  TEST_FP2_s(104, fsub.s, rup, 0x80000000, 0x00, 0x80000000, 0x0)
  TEST_FP2_s(105, fsub.s, rne, 0x0, 0x00, 0x0, 0x0)
  TEST_FP2_s(106, fsub.s, rdn, 0x80000000, 0x00, 0x0, 0x0)
  TEST_FP2_s(107, fsub.s, rup, 0x0, 0x00, 0x0, 0x0)
  TEST_FP2_s(108, fsub.s, rne, 0x7fc00000, 0x10, 0xff800000, 0xff800000)
  TEST_FP2_s(109, fsub.s, rdn, 0x7fc00000, 0x10, 0xff800000, 0xff800000)
  TEST_FP2_s(110, fsub.s, rup, 0x7fc00000, 0x10, 0xff800000, 0xff800000)
  TEST_FP2_s(111, fsub.s, rne, 0x7149f2ca, 0x01, 0xda24260, 0xf149f2ca)
  TEST_FP2_s(112, fsub.s, rdn, 0x7149f2ca, 0x01, 0xda24260, 0xf149f2ca)
  TEST_FP2_s(113, fsub.s, rup, 0x7149f2cb, 0x01, 0xda24260, 0xf149f2ca)
  TEST_FP2_s(114, fsub.s, rne, 0x7fc00000, 0x00, 0xffc00000, 0x3f800000)
  TEST_FP2_s(115, fsub.s, rdn, 0x7fc00000, 0x00, 0xffc00000, 0x3f800000)
  TEST_FP2_s(116, fsub.s, rup, 0x7fc00000, 0x00, 0xffc00000, 0x3f800000)
  TEST_FP2_s(117, fsub.s, rne, 0x7fc00000, 0x10, 0x3f800000, 0x7f800001)
  TEST_FP2_s(118, fsub.s, rdn, 0x7fc00000, 0x10, 0x3f800000, 0x7f800001)
  TEST_FP2_s(119, fsub.s, rup, 0x7fc00000, 0x10, 0x3f800000, 0x7f800001)
  /* ---- fmul: rounding, overflow, underflow (tininess after rounding), signed zeros, invalid ---- */
  TEST_FP2_s(120, fmul.s, rne, 0x3f800000, 0x01, 0x3eaaaaab, 0x40400000)
  TEST_FP2_s(121, fmul.s, rtz, 0x3f800000, 0x01, 0x3eaaaaab, 0x40400000)
  TEST_FP2_s(122, fmul.s, rdn, 0x3f800000, 0x01, 0x3eaaaaab, 0x40400000)
  TEST_FP2_s(123, fmul.s, rup, 0x3f800001, 0x01, 0x3eaaaaab, 0x40400000)
  TEST_FP2_s(124, fmul.s, rmm, 0x3f800000, 0x01, 0x3eaaaaab, 0x40400000)
  TEST_FP2_s(125, fmul.s, rne, 0x3c23d70b, 0x01, 0x3dcccccd, 0x3dcccccd)
  TEST_FP2_s(126, fmul.s, rtz, 0x3c23d70a, 0x01, 0x3dcccccd, 0x3dcccccd)
  TEST_FP2_s(127, fmul.s, rdn, 0x3c23d70a, 0x01, 0x3dcccccd, 0x3dcccccd)
  TEST_FP2_s(128, fmul.s, rup, 0x3c23d70b, 0x01, 0x3dcccccd, 0x3dcccccd)
  TEST_FP2_s(129, fmul.s, rmm, 0x3c23d70b, 0x01, 0x3dcccccd, 0x3dcccccd)
  TEST_FP2_s(130, fmul.s, rne, 0x7f800000, 0x05, 0x7f7fffff, 0x40000000)
  TEST_FP2_s(131, fmul.s, rtz, 0x7f7fffff, 0x05, 0x7f7fffff, 0x40000000)
  TEST_FP2_s(132, fmul.s, rdn, 0x7f7fffff, 0x05, 0x7f7fffff, 0x40000000)
  TEST_FP2_s(133, fmul.s, rup, 0x7f800000, 0x05, 0x7f7fffff, 0x40000000)
  TEST_FP2_s(134, fmul.s, rmm, 0x7f800000, 0x05, 0x7f7fffff, 0x40000000)
  TEST_FP2_s(135, fmul.s, rne, 0xff800000, 0x05, 0xff7fffff, 0x40000000)
  TEST_FP2_s(136, fmul.s, rtz, 0xff7fffff, 0x05, 0xff7fffff, 0x40000000)
  TEST_FP2_s(137, fmul.s, rdn, 0xff800000, 0x05, 0xff7fffff, 0x40000000)
  TEST_FP2_s(138, fmul.s, rup, 0xff7fffff, 0x05, 0xff7fffff, 0x40000000)
  TEST_FP2_s(139, fmul.s, rmm, 0xff800000, 0x05, 0xff7fffff, 0x40000000)
  TEST_FP2_s(140, fmul.s, rne, 0x200000, 0x00, 0x1f800000, 0x1f800000)
  TEST_FP2_s(141, fmul.s, rtz, 0x200000, 0x00, 0x1f800000, 0x1f800000)
  TEST_FP2_s(142, fmul.s, rdn, 0x200000, 0x00, 0x1f800000, 0x1f800000)
  TEST_FP2_s(143, fmul.s, rup, 0x200000, 0x00, 0x1f800000, 0x1f800000)
  TEST_FP2_s(144, fmul.s, rmm, 0x200000, 0x00, 0x1f800000, 0x1f800000)
  TEST_FP2_s(145, fmul.s, rne, 0x800000, 0x03, 0x800000, 0x3f7fffff)
  TEST_FP2_s(146, fmul.s, rtz, 0x7fffff, 0x03, 0x800000, 0x3f7fffff)
  TEST_FP2_s(147, fmul.s, rdn, 0x7fffff, 0x03, 0x800000, 0x3f7fffff)
  TEST_FP2_s(148, fmul.s, rup, 0x800000, 0x03, 0x800000, 0x3f7fffff)
  TEST_FP2_s(149, fmul.s, rmm, 0x800000, 0x03, 0x800000, 0x3f7fffff)
  TEST_FP2_s(150, fmul.s, rne, 0x400000, 0x00, 0x800000, 0x3f000000)
  TEST_FP2_s(151, fmul.s, rtz, 0x400000, 0x00, 0x800000, 0x3f000000)
  TEST_FP2_s(152, fmul.s, rdn, 0x400000, 0x00, 0x800000, 0x3f000000)
  TEST_FP2_s(153, fmul.s, rup, 0x400000, 0x00, 0x800000, 0x3f000000)
  TEST_FP2_s(154, fmul.s, rmm, 0x400000, 0x00, 0x800000, 0x3f000000)
  TEST_FP2_s(155, fmul.s, rne, 0x0, 0x03, 0x1, 0x3f000000)
  TEST_FP2_s(156, fmul.s, rtz, 0x0, 0x03, 0x1, 0x3f000000)
  TEST_FP2_s(157, fmul.s, rdn, 0x0, 0x03, 0x1, 0x3f000000)
  TEST_FP2_s(158, fmul.s, rup, 0x1, 0x03, 0x1, 0x3f000000)
  TEST_FP2_s(159, fmul.s, rmm, 0x1, 0x03, 0x1, 0x3f000000)
  TEST_FP2_s(160, fmul.s, rne, 0x80000000, 0x00, 0x0, 0xc0a00000)
  TEST_FP2_s(161, fmul.s, rtz, 0x80000000, 0x00, 0x0, 0xc0a00000)
  TEST_FP2_s(162, fmul.s, rdn, 0x80000000, 0x00, 0x0, 0xc0a00000)
  TEST_FP2_s(163, fmul.s, rup, 0x80000000, 0x00, 0x0, 0xc0a00000)
  TEST_FP2_s(164, fmul.s, rmm, 0x80000000, 0x00, 0x0, 0xc0a00000)
  TEST_FP2_s(165, fmul.s, rne, 0x7fc00000, 0x10, 0x7f800000, 0x0)
  TEST_FP2_s(166, fmul.s, rtz, 0x7fc00000, 0x10, 0x7f800000, 0x0)
  TEST_FP2_s(167, fmul.s, rdn, 0x7fc00000, 0x10, 0x7f800000, 0x0)
  TEST_FP2_s(168, fmul.s, rup, 0x7fc00000, 0x10, 0x7f800000, 0x0)
  TEST_FP2_s(169, fmul.s, rmm, 0x7fc00000, 0x10, 0x7f800000, 0x0)
  TEST_FP2_s(170, fmul.s, rne, 0x7f800000, 0x00, 0xff800000, 0xc0000000)
  TEST_FP2_s(171, fmul.s, rtz, 0x7f800000, 0x00, 0xff800000, 0xc0000000)
  TEST_FP2_s(172, fmul.s, rdn, 0x7f800000, 0x00, 0xff800000, 0xc0000000)
  TEST_FP2_s(173, fmul.s, rup, 0x7f800000, 0x00, 0xff800000, 0xc0000000)
  TEST_FP2_s(174, fmul.s, rmm, 0x7f800000, 0x00, 0xff800000, 0xc0000000)
  TEST_FP2_s(175, fmul.s, rne, 0x7fc00000, 0x10, 0x7f800001, 0x0)
  TEST_FP2_s(176, fmul.s, rtz, 0x7fc00000, 0x10, 0x7f800001, 0x0)
  TEST_FP2_s(177, fmul.s, rdn, 0x7fc00000, 0x10, 0x7f800001, 0x0)
  TEST_FP2_s(178, fmul.s, rup, 0x7fc00000, 0x10, 0x7f800001, 0x0)
  TEST_FP2_s(179, fmul.s, rmm, 0x7fc00000, 0x10, 0x7f800001, 0x0)
  TEST_FP2_s(180, fmul.s, rne, 0x40100000, 0x00, 0x3fc00000, 0x3fc00000)
  TEST_FP2_s(181, fmul.s, rtz, 0x40100000, 0x00, 0x3fc00000, 0x3fc00000)
  TEST_FP2_s(182, fmul.s, rdn, 0x40100000, 0x00, 0x3fc00000, 0x3fc00000)
  TEST_FP2_s(183, fmul.s, rup, 0x40100000, 0x00, 0x3fc00000, 0x3fc00000)
  TEST_FP2_s(184, fmul.s, rmm, 0x40100000, 0x00, 0x3fc00000, 0x3fc00000)
  TEST_FP2_s(185, fmul.s, rne, 0xe0ad78ec, 0x01, 0xd01502f9, 0x501502f9)
  TEST_FP2_s(186, fmul.s, rtz, 0xe0ad78eb, 0x01, 0xd01502f9, 0x501502f9)
  TEST_FP2_s(187, fmul.s, rdn, 0xe0ad78ec, 0x01, 0xd01502f9, 0x501502f9)
  TEST_FP2_s(188, fmul.s, rup, 0xe0ad78eb, 0x01, 0xd01502f9, 0x501502f9)
  TEST_FP2_s(189, fmul.s, rmm, 0xe0ad78ec, 0x01, 0xd01502f9, 0x501502f9)
  /* ---- fdiv: rounding, divide by zero, 0/0, inf/inf, x/inf ---- */
  TEST_FP2_s(190, fdiv.s, rne, 0x3eaaaaab, 0x01, 0x3f800000, 0x40400000)
  TEST_FP2_s(191, fdiv.s, rtz, 0x3eaaaaaa, 0x01, 0x3f800000, 0x40400000)
  TEST_FP2_s(192, fdiv.s, rdn, 0x3eaaaaaa, 0x01, 0x3f800000, 0x40400000)
  TEST_FP2_s(193, fdiv.s, rup, 0x3eaaaaab, 0x01, 0x3f800000, 0x40400000)
  TEST_FP2_s(194, fdiv.s, rmm, 0x3eaaaaab, 0x01, 0x3f800000, 0x40400000)
  TEST_FP2_s(195, fdiv.s, rne, 0xbf2aaaab, 0x01, 0xc0000000, 0x40400000)
  TEST_FP2_s(196, fdiv.s, rtz, 0xbf2aaaaa, 0x01, 0xc0000000, 0x40400000)
  TEST_FP2_s(197, fdiv.s, rdn, 0xbf2aaaab, 0x01, 0xc0000000, 0x40400000)
  TEST_FP2_s(198, fdiv.s, rup, 0xbf2aaaaa, 0x01, 0xc0000000, 0x40400000)
  TEST_FP2_s(199, fdiv.s, rmm, 0xbf2aaaab, 0x01, 0xc0000000, 0x40400000)
  TEST_FP2_s(200, fdiv.s, rne, 0x7f800000, 0x08, 0x3f800000, 0x0)
  TEST_FP2_s(201, fdiv.s, rtz, 0x7f800000, 0x08, 0x3f800000, 0x0)
  TEST_FP2_s(202, fdiv.s, rdn, 0x7f800000, 0x08, 0x3f800000, 0x0)
  TEST_FP2_s(203, fdiv.s, rup, 0x7f800000, 0x08, 0x3f800000, 0x0)
  TEST_FP2_s(204, fdiv.s, rmm, 0x7f800000, 0x08, 0x3f800000, 0x0)
  TEST_FP2_s(205, fdiv.s, rne, 0xff800000, 0x08, 0xbf800000, 0x0)
  TEST_FP2_s(206, fdiv.s, rtz, 0xff800000, 0x08, 0xbf800000, 0x0)
  TEST_FP2_s(207, fdiv.s, rdn, 0xff800000, 0x08, 0xbf800000, 0x0)
  TEST_FP2_s(208, fdiv.s, rup, 0xff800000, 0x08, 0xbf800000, 0x0)
  TEST_FP2_s(209, fdiv.s, rmm, 0xff800000, 0x08, 0xbf800000, 0x0)
  TEST_FP2_s(210, fdiv.s, rne, 0xff800000, 0x08, 0x3f800000, 0x80000000)
  TEST_FP2_s(211, fdiv.s, rtz, 0xff800000, 0x08, 0x3f800000, 0x80000000)
  TEST_FP2_s(212, fdiv.s, rdn, 0xff800000, 0x08, 0x3f800000, 0x80000000)
  TEST_FP2_s(213, fdiv.s, rup, 0xff800000, 0x08, 0x3f800000, 0x80000000)
  TEST_FP2_s(214, fdiv.s, rmm, 0xff800000, 0x08, 0x3f800000, 0x80000000)
  TEST_FP2_s(215, fdiv.s, rne, 0x7fc00000, 0x10, 0x0, 0x0)
  TEST_FP2_s(216, fdiv.s, rtz, 0x7fc00000, 0x10, 0x0, 0x0)
  TEST_FP2_s(217, fdiv.s, rdn, 0x7fc00000, 0x10, 0x0, 0x0)
  TEST_FP2_s(218, fdiv.s, rup, 0x7fc00000, 0x10, 0x0, 0x0)
  TEST_FP2_s(219, fdiv.s, rmm, 0x7fc00000, 0x10, 0x0, 0x0)
  TEST_FP2_s(220, fdiv.s, rne, 0x7fc00000, 0x10, 0x7f800000, 0x7f800000)
  TEST_FP2_s(221, fdiv.s, rtz, 0x7fc00000, 0x10, 0x7f800000, 0x7f800000)
  TEST_FP2_s(222, fdiv.s, rdn, 0x7fc00000, 0x10, 0x7f800000, 0x7f800000)
  TEST_FP2_s(223, fdiv.s, rup, 0x7fc00000, 0x10, 0x7f800000, 0x7f800000)
  TEST_FP2_s(224, fdiv.s, rmm, 0x7fc00000, 0x10, 0x7f800000, 0x7f800000)
  TEST_FP2_s(225, fdiv.s, rne, 0x80000000, 0x00, 0x40a00000, 0xff800000)
  TEST_FP2_s(226, fdiv.s, rtz, 0x80000000, 0x00, 0x40a00000, 0xff800000)
  TEST_FP2_s(227, fdiv.s, rdn, 0x80000000, 0x00, 0x40a00000, 0xff800000)
  TEST_FP2_s(228, fdiv.s, rup, 0x80000000, 0x00, 0x40a00000, 0xff800000)
  TEST_FP2_s(229, fdiv.s, rmm, 0x80000000, 0x00, 0x40a00000, 0xff800000)
  TEST_FP2_s(230, fdiv.s, rne, 0x7f800000, 0x00, 0x7f800000, 0x0)
  TEST_FP2_s(231, fdiv.s, rtz, 0x7f800000, 0x00, 0x7f800000, 0x0)
  TEST_FP2_s(232, fdiv.s, rdn, 0x7f800000, 0x00, 0x7f800000, 0x0)
  TEST_FP2_s(233, fdiv.s, rup, 0x7f800000, 0x00, 0x7f800000, 0x0)
  TEST_FP2_s(234, fdiv.s, rmm, 0x7f800000, 0x00, 0x7f800000, 0x0)
  TEST_FP2_s(235, fdiv.s, rne, 0x7f800000, 0x05, 0x7f7fffff, 0x3f000000)
  TEST_FP2_s(236, fdiv.s, rtz, 0x7f7fffff, 0x05, 0x7f7fffff, 0x3f000000)
  TEST_FP2_s(237, fdiv.s, rdn, 0x7f7fffff, 0x05, 0x7f7fffff, 0x3f000000)
  TEST_FP2_s(238, fdiv.s, rup, 0x7f800000, 0x05, 0x7f7fffff, 0x3f000000)
  TEST_FP2_s(239, fdiv.s, rmm, 0x7f800000, 0x05, 0x7f7fffff, 0x3f000000)
  TEST_FP2_s(240, fdiv.s, rne, 0x2aaaab, 0x03, 0x800000, 0x40400000)
  TEST_FP2_s(241, fdiv.s, rtz, 0x2aaaaa, 0x03, 0x800000, 0x40400000)
  TEST_FP2_s(242, fdiv.s, rdn, 0x2aaaaa, 0x03, 0x800000, 0x40400000)
  TEST_FP2_s(243, fdiv.s, rup, 0x2aaaab, 0x03, 0x800000, 0x40400000)
  TEST_FP2_s(244, fdiv.s, rmm, 0x2aaaab, 0x03, 0x800000, 0x40400000)
  TEST_FP2_s(245, fdiv.s, rne, 0x7fc00000, 0x00, 0x7fc00000, 0x0)
  TEST_FP2_s(246, fdiv.s, rtz, 0x7fc00000, 0x00, 0x7fc00000, 0x0)
  TEST_FP2_s(247, fdiv.s, rdn, 0x7fc00000, 0x00, 0x7fc00000, 0x0)
  TEST_FP2_s(248, fdiv.s, rup, 0x7fc00000, 0x00, 0x7fc00000, 0x0)
  TEST_FP2_s(249, fdiv.s, rmm, 0x7fc00000, 0x00, 0x7fc00000, 0x0)
  TEST_FP2_s(250, fdiv.s, rne, 0x40200000, 0x00, 0x41200000, 0x40800000)
  TEST_FP2_s(251, fdiv.s, rtz, 0x40200000, 0x00, 0x41200000, 0x40800000)
  TEST_FP2_s(252, fdiv.s, rdn, 0x40200000, 0x00, 0x41200000, 0x40800000)
  TEST_FP2_s(253, fdiv.s, rup, 0x40200000, 0x00, 0x41200000, 0x40800000)
  TEST_FP2_s(254, fdiv.s, rmm, 0x40200000, 0x00, 0x41200000, 0x40800000)
  /* ---- fsqrt ---- */
  TEST_FP1_s(255, fsqrt.s, rne, 0x40000000, 0x00, 0x40800000)
  TEST_FP1_s(256, fsqrt.s, rdn, 0x40000000, 0x00, 0x40800000)
  TEST_FP1_s(257, fsqrt.s, rne, 0x3fb504f3, 0x01, 0x40000000)
  TEST_FP1_s(258, fsqrt.s, rtz, 0x3fb504f3, 0x01, 0x40000000)
  TEST_FP1_s(259, fsqrt.s, rdn, 0x3fb504f3, 0x01, 0x40000000)
  TEST_FP1_s(260, fsqrt.s, rup, 0x3fb504f4, 0x01, 0x40000000)
  TEST_FP1_s(261, fsqrt.s, rmm, 0x3fb504f3, 0x01, 0x40000000)
  TEST_FP1_s(262, fsqrt.s, rne, 0x3fddb3d7, 0x01, 0x40400000)
  TEST_FP1_s(263, fsqrt.s, rtz, 0x3fddb3d7, 0x01, 0x40400000)
  TEST_FP1_s(264, fsqrt.s, rdn, 0x3fddb3d7, 0x01, 0x40400000)
  TEST_FP1_s(265, fsqrt.s, rup, 0x3fddb3d8, 0x01, 0x40400000)
  TEST_FP1_s(266, fsqrt.s, rmm, 0x3fddb3d7, 0x01, 0x40400000)
  TEST_FP1_s(267, fsqrt.s, rne, 0x0, 0x00, 0x0)
  TEST_FP1_s(268, fsqrt.s, rdn, 0x0, 0x00, 0x0)
  TEST_FP1_s(269, fsqrt.s, rne, 0x80000000, 0x00, 0x80000000)
  TEST_FP1_s(270, fsqrt.s, rdn, 0x80000000, 0x00, 0x80000000)
  TEST_FP1_s(271, fsqrt.s, rne, 0x7fc00000, 0x10, 0xbf800000)
  TEST_FP1_s(272, fsqrt.s, rdn, 0x7fc00000, 0x10, 0xbf800000)
  TEST_FP1_s(273, fsqrt.s, rne, 0x7f800000, 0x00, 0x7f800000)
  TEST_FP1_s(274, fsqrt.s, rdn, 0x7f800000, 0x00, 0x7f800000)
  TEST_FP1_s(275, fsqrt.s, rne, 0x7fc00000, 0x10, 0xff800000)
  TEST_FP1_s(276, fsqrt.s, rdn, 0x7fc00000, 0x10, 0xff800000)
  TEST_FP1_s(277, fsqrt.s, rne, 0x7fc00000, 0x00, 0x7fc00000)
  TEST_FP1_s(278, fsqrt.s, rdn, 0x7fc00000, 0x00, 0x7fc00000)
  TEST_FP1_s(279, fsqrt.s, rne, 0x7fc00000, 0x10, 0x7f800001)
  TEST_FP1_s(280, fsqrt.s, rdn, 0x7fc00000, 0x10, 0x7f800001)
  TEST_FP1_s(281, fsqrt.s, rne, 0x1a3504f3, 0x01, 0x1)
  TEST_FP1_s(282, fsqrt.s, rdn, 0x1a3504f3, 0x01, 0x1)
  TEST_FP1_s(283, fsqrt.s, rne, 0x5f7fffff, 0x01, 0x7f7fffff)
  TEST_FP1_s(284, fsqrt.s, rdn, 0x5f7fffff, 0x01, 0x7f7fffff)
  TEST_FP1_s(285, fsqrt.s, rne, 0x3fc00000, 0x00, 0x40100000)
  TEST_FP1_s(286, fsqrt.s, rdn, 0x3fc00000, 0x00, 0x40100000)
  /* ---- dynamic rounding mode (rm = dyn, frm = 0..4) ---- */
  TEST_FP2_s_DYN(287, fadd.s, 0, 0x3f800002, 0x01, 0x3f800000, 0x34a00000)
  TEST_FP2_s_DYN(288, fadd.s, 0, 0xbf800002, 0x01, 0xbf800000, 0xb4a00000)
  TEST_FP2_s_DYN(289, fmul.s, 0, 0x7f800000, 0x05, 0x7f7fffff, 0x40000000)
  TEST_FP2_s_DYN(290, fdiv.s, 0, 0xbeaaaaab, 0x01, 0x3f800000, 0xc0400000)
  TEST_FP1_s_DYN(291, fsqrt.s, 0, 0x3fb504f3, 0x01, 0x40000000)
  TEST_FP2_s_DYN(292, fadd.s, 0, 0x0, 0x00, 0x3f800000, 0xbf800000)
  TEST_FP2_s_DYN(293, fadd.s, 1, 0x3f800002, 0x01, 0x3f800000, 0x34a00000)
  TEST_FP2_s_DYN(294, fadd.s, 1, 0xbf800002, 0x01, 0xbf800000, 0xb4a00000)
  TEST_FP2_s_DYN(295, fmul.s, 1, 0x7f7fffff, 0x05, 0x7f7fffff, 0x40000000)
  TEST_FP2_s_DYN(296, fdiv.s, 1, 0xbeaaaaaa, 0x01, 0x3f800000, 0xc0400000)
  TEST_FP1_s_DYN(297, fsqrt.s, 1, 0x3fb504f3, 0x01, 0x40000000)
  TEST_FP2_s_DYN(298, fadd.s, 1, 0x0, 0x00, 0x3f800000, 0xbf800000)
  TEST_FP2_s_DYN(299, fadd.s, 2, 0x3f800002, 0x01, 0x3f800000, 0x34a00000)
  TEST_FP2_s_DYN(300, fadd.s, 2, 0xbf800003, 0x01, 0xbf800000, 0xb4a00000)
  TEST_FP2_s_DYN(301, fmul.s, 2, 0x7f7fffff, 0x05, 0x7f7fffff, 0x40000000)
  TEST_FP2_s_DYN(302, fdiv.s, 2, 0xbeaaaaab, 0x01, 0x3f800000, 0xc0400000)
  TEST_FP1_s_DYN(303, fsqrt.s, 2, 0x3fb504f3, 0x01, 0x40000000)
  TEST_FP2_s_DYN(304, fadd.s, 2, 0x80000000, 0x00, 0x3f800000, 0xbf800000)
  TEST_FP2_s_DYN(305, fadd.s, 3, 0x3f800003, 0x01, 0x3f800000, 0x34a00000)
  TEST_FP2_s_DYN(306, fadd.s, 3, 0xbf800002, 0x01, 0xbf800000, 0xb4a00000)
  TEST_FP2_s_DYN(307, fmul.s, 3, 0x7f800000, 0x05, 0x7f7fffff, 0x40000000)
  TEST_FP2_s_DYN(308, fdiv.s, 3, 0xbeaaaaaa, 0x01, 0x3f800000, 0xc0400000)
  TEST_FP1_s_DYN(309, fsqrt.s, 3, 0x3fb504f4, 0x01, 0x40000000)
  TEST_FP2_s_DYN(310, fadd.s, 3, 0x0, 0x00, 0x3f800000, 0xbf800000)
  TEST_FP2_s_DYN(311, fadd.s, 4, 0x3f800003, 0x01, 0x3f800000, 0x34a00000)
  TEST_FP2_s_DYN(312, fadd.s, 4, 0xbf800003, 0x01, 0xbf800000, 0xb4a00000)
  TEST_FP2_s_DYN(313, fmul.s, 4, 0x7f800000, 0x05, 0x7f7fffff, 0x40000000)
  TEST_FP2_s_DYN(314, fdiv.s, 4, 0xbeaaaaab, 0x01, 0x3f800000, 0xc0400000)
  TEST_FP1_s_DYN(315, fsqrt.s, 4, 0x3fb504f3, 0x01, 0x40000000)
  TEST_FP2_s_DYN(316, fadd.s, 4, 0x0, 0x00, 0x3f800000, 0xbf800000)
  /* ---- fused multiply-add: one rounding, signs, invalid 0*inf even with a quiet NaN addend ---- */
  TEST_FP3_s(317, fmadd.s, rne, 0x3a000400, 0x00, 0x3f800800, 0x3f800800, 0xbf800000)
  TEST_FP3_s(318, fmadd.s, rne, 0x40000000, 0x00, 0x3f800000, 0x3f800000, 0x3f800000)
  TEST_FP3_s(319, fmadd.s, rdn, 0x40000000, 0x00, 0x3f800000, 0x3f800000, 0x3f800000)
  TEST_FP3_s(320, fmadd.s, rup, 0x40000000, 0x00, 0x3f800000, 0x3f800000, 0x3f800000)
  TEST_FP3_s(321, fmadd.s, rne, 0x0, 0x00, 0x40000000, 0x40400000, 0xc0c00000)
  TEST_FP3_s(322, fmadd.s, rdn, 0x80000000, 0x00, 0x40000000, 0x40400000, 0xc0c00000)
  TEST_FP3_s(323, fmadd.s, rup, 0x0, 0x00, 0x40000000, 0x40400000, 0xc0c00000)
  TEST_FP3_s(324, fmadd.s, rne, 0x33000000, 0x00, 0x3eaaaaab, 0x40400000, 0xbf800000)
  TEST_FP3_s(325, fmadd.s, rdn, 0x33000000, 0x00, 0x3eaaaaab, 0x40400000, 0xbf800000)
  TEST_FP3_s(326, fmadd.s, rup, 0x33000000, 0x00, 0x3eaaaaab, 0x40400000, 0xbf800000)
  TEST_FP3_s(327, fmadd.s, rne, 0x7fc00000, 0x10, 0x7f800000, 0x0, 0x7fc00000)
  TEST_FP3_s(328, fmadd.s, rne, 0x7fc00000, 0x10, 0x0, 0xff800000, 0x3f800000)
  TEST_FP3_s(329, fmadd.s, rne, 0x7fc00000, 0x10, 0x7f800000, 0x3f800000, 0xff800000)
  TEST_FP3_s(330, fmadd.s, rne, 0x7fc00000, 0x10, 0x3f800000, 0x3f800000, 0x7f800001)
  TEST_FP3_s(331, fmadd.s, rne, 0x7f7fffff, 0x00, 0x7f7fffff, 0x40000000, 0xff7fffff)
  TEST_FP3_s(332, fmadd.s, rne, 0x400000, 0x00, 0x800000, 0x3f000000, 0x0)
  TEST_FP3_s(333, fmadd.s, rne, 0x0, 0x00, 0x0, 0x3f800000, 0x80000000)
  TEST_FP3_s(334, fmadd.s, rdn, 0x80000000, 0x00, 0x0, 0x3f800000, 0x80000000)
  TEST_FP3_s(335, fmadd.s, rup, 0x0, 0x00, 0x0, 0x3f800000, 0x80000000)
  TEST_FP3_s(336, fmadd.s, rne, 0x80000000, 0x00, 0x80000000, 0x3f800000, 0x80000000)
  TEST_FP3_s(337, fmadd.s, rdn, 0x80000000, 0x00, 0x80000000, 0x3f800000, 0x80000000)
  TEST_FP3_s(338, fmadd.s, rup, 0x80000000, 0x00, 0x80000000, 0x3f800000, 0x80000000)
  TEST_FP3_s(339, fmadd.s, rne, 0x40780000, 0x00, 0x3fc00000, 0x40200000, 0x3e000000)
  TEST_FP3_s(340, fmsub.s, rne, 0x40000800, 0x01, 0x3f800800, 0x3f800800, 0xbf800000)
  TEST_FP3_s(341, fmsub.s, rne, 0x0, 0x00, 0x3f800000, 0x3f800000, 0x3f800000)
  TEST_FP3_s(342, fmsub.s, rdn, 0x80000000, 0x00, 0x3f800000, 0x3f800000, 0x3f800000)
  TEST_FP3_s(343, fmsub.s, rup, 0x0, 0x00, 0x3f800000, 0x3f800000, 0x3f800000)
  TEST_FP3_s(344, fmsub.s, rne, 0x41400000, 0x00, 0x40000000, 0x40400000, 0xc0c00000)
  TEST_FP3_s(345, fmsub.s, rdn, 0x41400000, 0x00, 0x40000000, 0x40400000, 0xc0c00000)
  TEST_FP3_s(346, fmsub.s, rup, 0x41400000, 0x00, 0x40000000, 0x40400000, 0xc0c00000)
  TEST_FP3_s(347, fmsub.s, rne, 0x40000000, 0x01, 0x3eaaaaab, 0x40400000, 0xbf800000)
  TEST_FP3_s(348, fmsub.s, rdn, 0x40000000, 0x01, 0x3eaaaaab, 0x40400000, 0xbf800000)
  TEST_FP3_s(349, fmsub.s, rup, 0x40000001, 0x01, 0x3eaaaaab, 0x40400000, 0xbf800000)
  TEST_FP3_s(350, fmsub.s, rne, 0x7fc00000, 0x10, 0x7f800000, 0x0, 0x7fc00000)
  TEST_FP3_s(351, fmsub.s, rne, 0x7fc00000, 0x10, 0x0, 0xff800000, 0x3f800000)
  TEST_FP3_s(352, fmsub.s, rne, 0x7f800000, 0x00, 0x7f800000, 0x3f800000, 0xff800000)
  TEST_FP3_s(353, fmsub.s, rne, 0x7fc00000, 0x10, 0x3f800000, 0x3f800000, 0x7f800001)
  TEST_FP3_s(354, fmsub.s, rne, 0x7f800000, 0x05, 0x7f7fffff, 0x40000000, 0xff7fffff)
  TEST_FP3_s(355, fmsub.s, rne, 0x400000, 0x00, 0x800000, 0x3f000000, 0x0)
  TEST_FP3_s(356, fmsub.s, rne, 0x0, 0x00, 0x0, 0x3f800000, 0x80000000)
  TEST_FP3_s(357, fmsub.s, rdn, 0x0, 0x00, 0x0, 0x3f800000, 0x80000000)
  TEST_FP3_s(358, fmsub.s, rup, 0x0, 0x00, 0x0, 0x3f800000, 0x80000000)
  TEST_FP3_s(359, fmsub.s, rne, 0x0, 0x00, 0x80000000, 0x3f800000, 0x80000000)
  TEST_FP3_s(360, fmsub.s, rdn, 0x80000000, 0x00, 0x80000000, 0x3f800000, 0x80000000)
  TEST_FP3_s(361, fmsub.s, rup, 0x0, 0x00, 0x80000000, 0x3f800000, 0x80000000)
  TEST_FP3_s(362, fmsub.s, rne, 0x40680000, 0x00, 0x3fc00000, 0x40200000, 0x3e000000)
  TEST_FP3_s(363, fnmsub.s, rne, 0xc0000800, 0x01, 0x3f800800, 0x3f800800, 0xbf800000)
  TEST_FP3_s(364, fnmsub.s, rne, 0x0, 0x00, 0x3f800000, 0x3f800000, 0x3f800000)
  TEST_FP3_s(365, fnmsub.s, rdn, 0x80000000, 0x00, 0x3f800000, 0x3f800000, 0x3f800000)
  TEST_FP3_s(366, fnmsub.s, rup, 0x0, 0x00, 0x3f800000, 0x3f800000, 0x3f800000)
  TEST_FP3_s(367, fnmsub.s, rne, 0xc1400000, 0x00, 0x40000000, 0x40400000, 0xc0c00000)
  TEST_FP3_s(368, fnmsub.s, rdn, 0xc1400000, 0x00, 0x40000000, 0x40400000, 0xc0c00000)
  TEST_FP3_s(369, fnmsub.s, rup, 0xc1400000, 0x00, 0x40000000, 0x40400000, 0xc0c00000)
  TEST_FP3_s(370, fnmsub.s, rne, 0xc0000000, 0x01, 0x3eaaaaab, 0x40400000, 0xbf800000)
  TEST_FP3_s(371, fnmsub.s, rdn, 0xc0000001, 0x01, 0x3eaaaaab, 0x40400000, 0xbf800000)
  TEST_FP3_s(372, fnmsub.s, rup, 0xc0000000, 0x01, 0x3eaaaaab, 0x40400000, 0xbf800000)
  TEST_FP3_s(373, fnmsub.s, rne, 0x7fc00000, 0x10, 0x7f800000, 0x0, 0x7fc00000)
  TEST_FP3_s(374, fnmsub.s, rne, 0x7fc00000, 0x10, 0x0, 0xff800000, 0x3f800000)
  TEST_FP3_s(375, fnmsub.s, rne, 0xff800000, 0x00, 0x7f800000, 0x3f800000, 0xff800000)
  TEST_FP3_s(376, fnmsub.s, rne, 0x7fc00000, 0x10, 0x3f800000, 0x3f800000, 0x7f800001)
  TEST_FP3_s(377, fnmsub.s, rne, 0xff800000, 0x05, 0x7f7fffff, 0x40000000, 0xff7fffff)
  TEST_FP3_s(378, fnmsub.s, rne, 0x80400000, 0x00, 0x800000, 0x3f000000, 0x0)
  TEST_FP3_s(379, fnmsub.s, rne, 0x80000000, 0x00, 0x0, 0x3f800000, 0x80000000)
  TEST_FP3_s(380, fnmsub.s, rdn, 0x80000000, 0x00, 0x0, 0x3f800000, 0x80000000)
  TEST_FP3_s(381, fnmsub.s, rup, 0x80000000, 0x00, 0x0, 0x3f800000, 0x80000000)
  TEST_FP3_s(382, fnmsub.s, rne, 0x0, 0x00, 0x80000000, 0x3f800000, 0x80000000)
  TEST_FP3_s(383, fnmsub.s, rdn, 0x80000000, 0x00, 0x80000000, 0x3f800000, 0x80000000)
  TEST_FP3_s(384, fnmsub.s, rup, 0x0, 0x00, 0x80000000, 0x3f800000, 0x80000000)
  TEST_FP3_s(385, fnmsub.s, rne, 0xc0680000, 0x00, 0x3fc00000, 0x40200000, 0x3e000000)
  TEST_FP3_s(386, fnmadd.s, rne, 0xba000400, 0x00, 0x3f800800, 0x3f800800, 0xbf800000)
  TEST_FP3_s(387, fnmadd.s, rne, 0xc0000000, 0x00, 0x3f800000, 0x3f800000, 0x3f800000)
  TEST_FP3_s(388, fnmadd.s, rdn, 0xc0000000, 0x00, 0x3f800000, 0x3f800000, 0x3f800000)
  TEST_FP3_s(389, fnmadd.s, rup, 0xc0000000, 0x00, 0x3f800000, 0x3f800000, 0x3f800000)
  TEST_FP3_s(390, fnmadd.s, rne, 0x0, 0x00, 0x40000000, 0x40400000, 0xc0c00000)
  TEST_FP3_s(391, fnmadd.s, rdn, 0x80000000, 0x00, 0x40000000, 0x40400000, 0xc0c00000)
  TEST_FP3_s(392, fnmadd.s, rup, 0x0, 0x00, 0x40000000, 0x40400000, 0xc0c00000)
  TEST_FP3_s(393, fnmadd.s, rne, 0xb3000000, 0x00, 0x3eaaaaab, 0x40400000, 0xbf800000)
  TEST_FP3_s(394, fnmadd.s, rdn, 0xb3000000, 0x00, 0x3eaaaaab, 0x40400000, 0xbf800000)
  TEST_FP3_s(395, fnmadd.s, rup, 0xb3000000, 0x00, 0x3eaaaaab, 0x40400000, 0xbf800000)
  TEST_FP3_s(396, fnmadd.s, rne, 0x7fc00000, 0x10, 0x7f800000, 0x0, 0x7fc00000)
  TEST_FP3_s(397, fnmadd.s, rne, 0x7fc00000, 0x10, 0x0, 0xff800000, 0x3f800000)
  TEST_FP3_s(398, fnmadd.s, rne, 0x7fc00000, 0x10, 0x7f800000, 0x3f800000, 0xff800000)
  TEST_FP3_s(399, fnmadd.s, rne, 0x7fc00000, 0x10, 0x3f800000, 0x3f800000, 0x7f800001)
  TEST_FP3_s(400, fnmadd.s, rne, 0xff7fffff, 0x00, 0x7f7fffff, 0x40000000, 0xff7fffff)
  TEST_FP3_s(401, fnmadd.s, rne, 0x80400000, 0x00, 0x800000, 0x3f000000, 0x0)
  TEST_FP3_s(402, fnmadd.s, rne, 0x0, 0x00, 0x0, 0x3f800000, 0x80000000)
  TEST_FP3_s(403, fnmadd.s, rdn, 0x80000000, 0x00, 0x0, 0x3f800000, 0x80000000)
  TEST_FP3_s(404, fnmadd.s, rup, 0x0, 0x00, 0x0, 0x3f800000, 0x80000000)
  TEST_FP3_s(405, fnmadd.s, rne, 0x0, 0x00, 0x80000000, 0x3f800000, 0x80000000)
  TEST_FP3_s(406, fnmadd.s, rdn, 0x0, 0x00, 0x80000000, 0x3f800000, 0x80000000)
  TEST_FP3_s(407, fnmadd.s, rup, 0x0, 0x00, 0x80000000, 0x3f800000, 0x80000000)
  TEST_FP3_s(408, fnmadd.s, rne, 0xc0780000, 0x00, 0x3fc00000, 0x40200000, 0x3e000000)
  /* ---- fmin / fmax: -0 < +0, a single NaN operand is ignored, sNaN sets NV, two NaNs give the canonical NaN ---- */
  TEST_FP2X_s(501, fmin.s, 0x3f800000, 0x00, 0x3f800000, 0x40000000)
  TEST_FP2X_s(502, fmax.s, 0x40000000, 0x00, 0x3f800000, 0x40000000)
  TEST_FP2X_s(503, fmin.s, 0x3f800000, 0x00, 0x40000000, 0x3f800000)
  TEST_FP2X_s(504, fmax.s, 0x40000000, 0x00, 0x40000000, 0x3f800000)
  TEST_FP2X_s(505, fmin.s, 0xbf800000, 0x00, 0xbf800000, 0x3f800000)
  TEST_FP2X_s(506, fmax.s, 0x3f800000, 0x00, 0xbf800000, 0x3f800000)
  TEST_FP2X_s(507, fmin.s, 0x80000000, 0x00, 0x80000000, 0x0)
  TEST_FP2X_s(508, fmax.s, 0x0, 0x00, 0x80000000, 0x0)
  TEST_FP2X_s(509, fmin.s, 0x80000000, 0x00, 0x0, 0x80000000)
  TEST_FP2X_s(510, fmax.s, 0x0, 0x00, 0x0, 0x80000000)
  TEST_FP2X_s(511, fmin.s, 0x3f800000, 0x00, 0x7fc00000, 0x3f800000)
  TEST_FP2X_s(512, fmax.s, 0x3f800000, 0x00, 0x7fc00000, 0x3f800000)
  TEST_FP2X_s(513, fmin.s, 0x3f800000, 0x00, 0x3f800000, 0x7fc00000)
  TEST_FP2X_s(514, fmax.s, 0x3f800000, 0x00, 0x3f800000, 0x7fc00000)
  TEST_FP2X_s(515, fmin.s, 0xbf800000, 0x00, 0xffc00000, 0xbf800000)
  TEST_FP2X_s(516, fmax.s, 0xbf800000, 0x00, 0xffc00000, 0xbf800000)
  TEST_FP2X_s(517, fmin.s, 0x3f800000, 0x10, 0x7f800001, 0x3f800000)
  TEST_FP2X_s(518, fmax.s, 0x3f800000, 0x10, 0x7f800001, 0x3f800000)
  TEST_FP2X_s(519, fmin.s, 0x3f800000, 0x10, 0x3f800000, 0x7f800001)
  TEST_FP2X_s(520, fmax.s, 0x3f800000, 0x10, 0x3f800000, 0x7f800001)
  TEST_FP2X_s(521, fmin.s, 0x7fc00000, 0x00, 0x7fc00000, 0x7fc00000)
  TEST_FP2X_s(522, fmax.s, 0x7fc00000, 0x00, 0x7fc00000, 0x7fc00000)
  TEST_FP2X_s(523, fmin.s, 0x7fc00000, 0x10, 0x7f800001, 0x7fc00000)
  TEST_FP2X_s(524, fmax.s, 0x7fc00000, 0x10, 0x7f800001, 0x7fc00000)
  TEST_FP2X_s(525, fmin.s, 0x7fc00000, 0x10, 0xff800001, 0xff800001)
  TEST_FP2X_s(526, fmax.s, 0x7fc00000, 0x10, 0xff800001, 0xff800001)
  TEST_FP2X_s(527, fmin.s, 0x7f7fffff, 0x00, 0x7f800000, 0x7f7fffff)
  TEST_FP2X_s(528, fmax.s, 0x7f800000, 0x00, 0x7f800000, 0x7f7fffff)
  TEST_FP2X_s(529, fmin.s, 0xff800000, 0x00, 0xff800000, 0x7f800000)
  TEST_FP2X_s(530, fmax.s, 0x7f800000, 0x00, 0xff800000, 0x7f800000)
  TEST_FP2X_s(531, fmin.s, 0x80000000, 0x00, 0x1, 0x80000000)
  TEST_FP2X_s(532, fmax.s, 0x1, 0x00, 0x1, 0x80000000)
  TEST_FP2X_s(533, fmin.s, 0x7fc00000, 0x00, 0x7fc01234, 0x7fc01234)
  TEST_FP2X_s(534, fmax.s, 0x7fc00000, 0x00, 0x7fc01234, 0x7fc01234)
  /* ---- feq (quiet: NV only for sNaN), flt / fle (signaling: NV for any NaN) ---- */
  TEST_FPCMP_s(535, feq.s, 0x1, 0x00, 0x3f800000, 0x3f800000)
  TEST_FPCMP_s(536, flt.s, 0x0, 0x00, 0x3f800000, 0x3f800000)
  TEST_FPCMP_s(537, fle.s, 0x1, 0x00, 0x3f800000, 0x3f800000)
  TEST_FPCMP_s(538, feq.s, 0x0, 0x00, 0x3f800000, 0x40000000)
  TEST_FPCMP_s(539, flt.s, 0x1, 0x00, 0x3f800000, 0x40000000)
  TEST_FPCMP_s(540, fle.s, 0x1, 0x00, 0x3f800000, 0x40000000)
  TEST_FPCMP_s(541, feq.s, 0x0, 0x00, 0x40000000, 0x3f800000)
  TEST_FPCMP_s(542, flt.s, 0x0, 0x00, 0x40000000, 0x3f800000)
  TEST_FPCMP_s(543, fle.s, 0x0, 0x00, 0x40000000, 0x3f800000)
  TEST_FPCMP_s(544, feq.s, 0x1, 0x00, 0x80000000, 0x0)
  TEST_FPCMP_s(545, flt.s, 0x0, 0x00, 0x80000000, 0x0)
  TEST_FPCMP_s(546, fle.s, 0x1, 0x00, 0x80000000, 0x0)
  TEST_FPCMP_s(547, feq.s, 0x1, 0x00, 0x0, 0x80000000)
  TEST_FPCMP_s(548, flt.s, 0x0, 0x00, 0x0, 0x80000000)
  TEST_FPCMP_s(549, fle.s, 0x1, 0x00, 0x0, 0x80000000)
  TEST_FPCMP_s(550, feq.s, 0x0, 0x00, 0xbf800000, 0x3f800000)
  TEST_FPCMP_s(551, flt.s, 0x1, 0x00, 0xbf800000, 0x3f800000)
  TEST_FPCMP_s(552, fle.s, 0x1, 0x00, 0xbf800000, 0x3f800000)
  TEST_FPCMP_s(553, feq.s, 0x0, 0x00, 0xff800000, 0x7f800000)
  TEST_FPCMP_s(554, flt.s, 0x1, 0x00, 0xff800000, 0x7f800000)
  TEST_FPCMP_s(555, fle.s, 0x1, 0x00, 0xff800000, 0x7f800000)
  TEST_FPCMP_s(556, feq.s, 0x1, 0x00, 0x7f800000, 0x7f800000)
  TEST_FPCMP_s(557, flt.s, 0x0, 0x00, 0x7f800000, 0x7f800000)
  TEST_FPCMP_s(558, fle.s, 0x1, 0x00, 0x7f800000, 0x7f800000)
  TEST_FPCMP_s(559, feq.s, 0x0, 0x00, 0x1, 0x0)
  TEST_FPCMP_s(560, flt.s, 0x0, 0x00, 0x1, 0x0)
  TEST_FPCMP_s(561, fle.s, 0x0, 0x00, 0x1, 0x0)
  TEST_FPCMP_s(562, feq.s, 0x0, 0x00, 0x7fc00000, 0x3f800000)
  TEST_FPCMP_s(563, flt.s, 0x0, 0x10, 0x7fc00000, 0x3f800000)
  TEST_FPCMP_s(564, fle.s, 0x0, 0x10, 0x7fc00000, 0x3f800000)
  TEST_FPCMP_s(565, feq.s, 0x0, 0x00, 0x3f800000, 0x7fc00000)
  TEST_FPCMP_s(566, flt.s, 0x0, 0x10, 0x3f800000, 0x7fc00000)
  TEST_FPCMP_s(567, fle.s, 0x0, 0x10, 0x3f800000, 0x7fc00000)
  TEST_FPCMP_s(568, feq.s, 0x0, 0x00, 0x7fc00000, 0x7fc00000)
  TEST_FPCMP_s(569, flt.s, 0x0, 0x10, 0x7fc00000, 0x7fc00000)
  TEST_FPCMP_s(570, fle.s, 0x0, 0x10, 0x7fc00000, 0x7fc00000)
  TEST_FPCMP_s(571, feq.s, 0x0, 0x10, 0x7f800001, 0x3f800000)
  TEST_FPCMP_s(572, flt.s, 0x0, 0x10, 0x7f800001, 0x3f800000)
  TEST_FPCMP_s(573, fle.s, 0x0, 0x10, 0x7f800001, 0x3f800000)
  TEST_FPCMP_s(574, feq.s, 0x0, 0x10, 0x3f800000, 0x7f800001)
  TEST_FPCMP_s(575, flt.s, 0x0, 0x10, 0x3f800000, 0x7f800001)
  TEST_FPCMP_s(576, fle.s, 0x0, 0x10, 0x3f800000, 0x7f800001)
  TEST_FPCMP_s(577, feq.s, 0x0, 0x00, 0xffc00000, 0xff800000)
  TEST_FPCMP_s(578, flt.s, 0x0, 0x10, 0xffc00000, 0xff800000)
  TEST_FPCMP_s(579, fle.s, 0x0, 0x10, 0xffc00000, 0xff800000)
  /* ---- fclass: one bit for each of the ten classes ---- */
  TEST_FPCLASS_s(580, fclass.s, 0x1, 0x00, 0xff800000)
  TEST_FPCLASS_s(581, fclass.s, 0x2, 0x00, 0xbf800000)
  TEST_FPCLASS_s(582, fclass.s, 0x4, 0x00, 0x80000001)
  TEST_FPCLASS_s(583, fclass.s, 0x8, 0x00, 0x80000000)
  TEST_FPCLASS_s(584, fclass.s, 0x10, 0x00, 0x0)
  TEST_FPCLASS_s(585, fclass.s, 0x20, 0x00, 0x1)
  TEST_FPCLASS_s(586, fclass.s, 0x40, 0x00, 0x3f800000)
  TEST_FPCLASS_s(587, fclass.s, 0x80, 0x00, 0x7f800000)
  TEST_FPCLASS_s(588, fclass.s, 0x100, 0x00, 0x7f800001)
  TEST_FPCLASS_s(589, fclass.s, 0x200, 0x00, 0x7fc00000)
  TEST_FPCLASS_s(590, fclass.s, 0x200, 0x00, 0xffc00000)
  TEST_FPCLASS_s(591, fclass.s, 0x100, 0x00, 0xff800001)
  TEST_FPCLASS_s(592, fclass.s, 0x40, 0x00, 0x7f7fffff)
  TEST_FPCLASS_s(593, fclass.s, 0x2, 0x00, 0x80800000)
  TEST_FPCLASS_s(594, fclass.s, 0x20, 0x00, 0x7fffff)
  /* ---- sign injection (no flags, NaNs are not canonicalized) ---- */
  TEST_FP2X_s(595, fsgnj.s, 0xbf800000, 0x00, 0x3f800000, 0xbf800000)
  TEST_FP2X_s(596, fsgnjn.s, 0x3f800000, 0x00, 0x3f800000, 0xbf800000)
  TEST_FP2X_s(597, fsgnjx.s, 0xbf800000, 0x00, 0x3f800000, 0xbf800000)
  TEST_FP2X_s(598, fsgnj.s, 0x3f800000, 0x00, 0xbf800000, 0x3f800000)
  TEST_FP2X_s(599, fsgnjn.s, 0xbf800000, 0x00, 0xbf800000, 0x3f800000)
  TEST_FP2X_s(600, fsgnjx.s, 0xbf800000, 0x00, 0xbf800000, 0x3f800000)
  TEST_FP2X_s(601, fsgnj.s, 0xbf800000, 0x00, 0xbf800000, 0xbf800000)
  TEST_FP2X_s(602, fsgnjn.s, 0x3f800000, 0x00, 0xbf800000, 0xbf800000)
  TEST_FP2X_s(603, fsgnjx.s, 0x3f800000, 0x00, 0xbf800000, 0xbf800000)
  TEST_FP2X_s(604, fsgnj.s, 0xffc01234, 0x00, 0x7fc01234, 0x80000000)
  TEST_FP2X_s(605, fsgnjn.s, 0x7fc01234, 0x00, 0x7fc01234, 0x80000000)
  TEST_FP2X_s(606, fsgnjx.s, 0xffc01234, 0x00, 0x7fc01234, 0x80000000)
  TEST_FP2X_s(607, fsgnj.s, 0xff800001, 0x00, 0x7f800001, 0xbf800000)
  TEST_FP2X_s(608, fsgnjn.s, 0x7f800001, 0x00, 0x7f800001, 0xbf800000)
  TEST_FP2X_s(609, fsgnjx.s, 0xff800001, 0x00, 0x7f800001, 0xbf800000)
  TEST_FP2X_s(610, fsgnj.s, 0x7f800001, 0x00, 0xff800001, 0x3f800000)
  TEST_FP2X_s(611, fsgnjn.s, 0xff800001, 0x00, 0xff800001, 0x3f800000)
  TEST_FP2X_s(612, fsgnjx.s, 0xff800001, 0x00, 0xff800001, 0x3f800000)
  TEST_FP2X_s(613, fsgnj.s, 0xff800000, 0x00, 0x7f800000, 0x80000000)
  TEST_FP2X_s(614, fsgnjn.s, 0x7f800000, 0x00, 0x7f800000, 0x80000000)
  TEST_FP2X_s(615, fsgnjx.s, 0xff800000, 0x00, 0x7f800000, 0x80000000)
  TEST_FP2X_s(616, fsgnj.s, 0x0, 0x00, 0x0, 0x3f800000)
  TEST_FP2X_s(617, fsgnjn.s, 0x80000000, 0x00, 0x0, 0x3f800000)
  TEST_FP2X_s(618, fsgnjx.s, 0x0, 0x00, 0x0, 0x3f800000)

  /* ---- canonical NaN: payloads and signs of NaN inputs are not propagated ---- */
  TEST_FP2_s(700, fadd.s, rne, 0x7fc00000, 0x00, 0x7fc01234, 0x3f800000)
  TEST_FP2_s(701, fmul.s, rne, 0x7fc00000, 0x00, 0x3f800000, 0xffc00001)
  TEST_FP2_s(702, fsub.s, rne, 0x7fc00000, 0x10, 0xff800001, 0x3f800000)
  TEST_FP1_s(703, fsqrt.s, rne, 0x7fc00000, 0x00, 0xffc00000)
  TEST_FP3_s(704, fmadd.s, rne, 0x7fc00000, 0x00, 0x3f800000, 0x3f800000, 0xffd00000)

  /* ---- tininess is detected after rounding: a product just below the smallest
     normal that rounds up to it does not signal underflow ---- */
  TEST_FP2_s(705, fmul.s, rne, 0x800000, 0x01, 0x800001, 0x3f7ffffe)
  TEST_FP2_s(706, fmul.s, rtz, 0x7fffff, 0x03, 0x800001, 0x3f7ffffe)
  TEST_FP2_s(707, fmul.s, rup, 0x800000, 0x01, 0x800001, 0x3f7ffffe)
  TEST_FP2_s(708, fmul.s, rdn, 0x7fffff, 0x03, 0x800001, 0x3f7ffffe)
  TEST_FP2_s(709, fmul.s, rmm, 0x800000, 0x01, 0x800001, 0x3f7ffffe)

  /* ---- NaN-boxing ---- */
  li gp, 710          /* fmv.w.x boxes (upper source bits ignored) */
  li a1, 0x123456783f800000
  fmv.w.x f1, a1
  fmv.x.d a0, f1
  CHECK_IMM a0, 0xffffffff3f800000
  li gp, 711          /* fmv.x.w sign-extends */
  li a1, 0xbf800000
  fmv.w.x f1, a1
  fmv.x.w a0, f1
  CHECK_IMM a0, 0xffffffffbf800000
  li a1, 0x7f800000
  fmv.w.x f1, a1
  fmv.x.w a0, f1
  CHECK_IMM a0, 0x7f800000
  li gp, 712          /* fmv.x.w copies the low 32 bits even when not boxed */
  li a1, 0x00000000bf800000
  fmv.d.x f1, a1
  fmv.x.w a0, f1
  CHECK_IMM a0, 0xffffffffbf800000
  li gp, 713          /* an arithmetic input that is not boxed is the canonical NaN (quiet: no NV) */
  li a1, 0x000000003f800000
  fmv.d.x f1, a1
  li a2, 0x3f800000
  fmv.w.x f2, a2
  fsflags zero
  fadd.s f3, f1, f2
  FP_CHECK_s(0x7fc00000, 0)
  li gp, 714          /* all upper 32 bits must be ones */
  li a1, 0xfffffffe3f800000
  fmv.d.x f1, a1
  fsflags zero
  fmul.s f3, f2, f1
  FP_CHECK_s(0x7fc00000, 0)
  li gp, 715          /* fmv.s (fsgnj.s rd, rs, rs) of a non-boxed value */
  li a1, 0x000000003f800000
  fmv.d.x f1, a1
  fsflags zero
  fmv.s f3, f1
  FP_CHECK_s(0x7fc00000, 0)
  li gp, 716          /* fsgnjn.s with a non-boxed rs1 */
  fsgnjn.s f3, f1, f2
  FP_CHECK_s(0xffc00000, 0)
  li gp, 717          /* fsgnj.s with a non-boxed rs2 takes the sign of the canonical NaN (+) */
  li a2, 0xbf800000
  fmv.w.x f2, a2
  fsgnj.s f3, f2, f1
  FP_CHECK_s(0x3f800000, 0)
  li gp, 718          /* fclass.s of a non-boxed value: quiet NaN */
  fclass.s a0, f1
  CHECK_IMM a0, 0x200
  li gp, 719          /* comparisons: quiet NaN */
  fsflags zero
  feq.s a0, f1, f1
  frflags a3
  CHECK_IMM a0, 0
  CHECK_IMM a3, 0
  flt.s a0, f1, f2
  frflags a3
  CHECK_IMM a0, 0
  CHECK_IMM a3, FFLAG_NV
  li gp, 720          /* fmin.s: the non-boxed operand is a NaN, the other one wins */
  fsflags zero
  fmin.s f3, f1, f2
  FP_CHECK_s(0xbf800000, 0)
  li gp, 721          /* fcvt.d.s of a non-boxed value */
  fcvt.d.s f3, f1
  fmv.x.d a0, f3
  CHECK_IMM a0, 0x7ff8000000000000
  li gp, 722          /* fcvt.w.s of a non-boxed value: NaN -> 2^31-1, NV */
  fsflags zero
  fcvt.w.s a0, f1, rtz
  frflags a3
  CHECK_IMM a0, 0x7fffffff
  CHECK_IMM a3, FFLAG_NV
  li gp, 723          /* fsw stores the low 32 bits without checking */
  li a1, 0x123456789abcdef0
  fmv.d.x f1, a1
  la a2, fbuf
  sd zero, 0(a2)
  fsw f1, 0(a2)
  ld a0, 0(a2)
  CHECK_IMM a0, 0x9abcdef0
  li gp, 724          /* flw boxes */
  li a1, 0x40490fdb
  sw a1, 4(a2)
  flw f3, 4(a2)
  fmv.x.d a0, f3
  CHECK_IMM a0, 0xffffffff40490fdb
  li gp, 725          /* flw loads NaNs unchanged (no canonicalization) */
  li a1, 0x7f800001
  sw a1, 0(a2)
  flw f3, 0(a2)
  fmv.x.d a0, f3
  CHECK_IMM a0, 0xffffffff7f800001
  li gp, 726          /* fmv.w.x / fmv.x.w keep NaN payloads */
  li a1, 0xffc12345
  fmv.w.x f3, a1
  fmv.x.w a0, f3
  CHECK_IMM a0, 0xffffffffffc12345
  li gp, 727          /* fsgnj keeps payloads */
  fsgnjx.s f4, f3, f3
  fmv.x.w a0, f4
  CHECK_IMM a0, 0x7fc12345

  /* ---- flw / fsw ---- */
  li gp, 730
  la a2, fbuf
  li a1, 0x1111111122222222
  sd a1, 0(a2)
  sd a1, 8(a2)
  li a1, 0xc0000000
  fmv.w.x f5, a1
  fsw f5, 4(a2)
  ld a0, 0(a2)
  CHECK_IMM a0, 0xc000000022222222
  ld a0, 8(a2)
  CHECK_IMM a0, 0x1111111122222222
  li gp, 731
  addi a3, a2, 16
  fsw f5, -8(a3)
  flw f6, -12(a3)
  fmv.x.d a0, f6
  CHECK_IMM a0, 0xffffffffc0000000
  lw a0, 8(a2)
  CHECK_IMM a0, 0xffffffffc0000000

  /* ---- fcsr, frm, fflags ---- */
  li gp, 740
  li a1, 0xff
  csrw fcsr, a1
  csrr a0, fcsr
  CHECK_IMM a0, 0xff
  frrm a0
  CHECK_IMM a0, 7
  frflags a0
  CHECK_IMM a0, 0x1f
  li gp, 741          /* bits above 7 of fcsr are zero */
  li a1, -1
  csrw fcsr, a1
  csrr a0, fcsr
  CHECK_IMM a0, 0xff
  csrw fflags, a1
  csrr a0, fflags
  CHECK_IMM a0, 0x1f
  csrw frm, a1
  csrr a0, frm
  CHECK_IMM a0, 7
  li gp, 742          /* frm and fflags are views of fcsr */
  csrw fcsr, zero
  li a1, 3
  csrw frm, a1
  li a1, 0x15
  csrw fflags, a1
  csrr a0, fcsr
  CHECK_IMM a0, 0x75
  li gp, 743          /* fsrm / fsflags return the old value and leave the other field */
  li a1, 1
  fsrm a0, a1
  CHECK_IMM a0, 3
  fsflags a0, zero
  CHECK_IMM a0, 0x15
  csrr a0, fcsr
  CHECK_IMM a0, 0x20
  li gp, 744          /* fsrmi / fsflagsi / csrsi / csrci */
  fsrmi a0, 4
  CHECK_IMM a0, 1
  fsflagsi a0, 0x3
  CHECK_IMM a0, 0
  csrsi fflags, 0x10
  csrci fflags, 0x1
  csrr a0, fcsr
  CHECK_IMM a0, 0x92
  li gp, 745          /* fscsr / frcsr */
  li a1, 0x41
  fscsr a0, a1
  CHECK_IMM a0, 0x92
  frcsr a0
  CHECK_IMM a0, 0x41
  li gp, 746          /* flags accumulate */
  fscsr zero
  li a1, 0x3f800000
  fmv.w.x f1, a1
  fmv.w.x f2, zero
  fdiv.s f3, f1, f2        /* DZ */
  li a1, 0x40400000
  fmv.w.x f2, a1
  fdiv.s f3, f1, f2        /* NX */
  fadd.s f3, f1, f1        /* exact: nothing */
  frflags a0
  CHECK_IMM a0, (FFLAG_DZ | FFLAG_NX)
  li gp, 747          /* an exact result clears nothing */
  fmul.s f3, f1, f1
  frflags a0
  CHECK_IMM a0, (FFLAG_DZ | FFLAG_NX)
  li gp, 748          /* frm holds reserved values 5..7 */
  fsrmi 5
  frrm a0
  CHECK_IMM a0, 5
  /* ... and rm = dyn with a reserved frm is illegal */
  TEST_ILLEGAL(749, fadd.s f3, f1, f2, dyn)
  fsrmi 6
  TEST_ILLEGAL(750, fsqrt.s f3, f1, dyn)
  fsrmi 7
  TEST_ILLEGAL(751, fmul.s f3, f1, f2, dyn)
  fsrmi 0
  /* static rm = 5 and 6 are reserved */
  TEST_ILLEGAL(752, .word 0x0020d1d3)   /* fadd.s f3, f1, f2, rm=5 */
  TEST_ILLEGAL(753, .word 0x0020e1d3)   /* fadd.s f3, f1, f2, rm=6 */
  TEST_ILLEGAL(754, .word 0x1820d1c3)   /* fmadd.s f3, f1, f2, f3, rm=5 */
  li gp, 755          /* the trapping instructions did not write f3 or fflags */
  li a1, 0x12345678
  fmv.w.x f3, a1
  fsflags zero
  fsrmi 5
  TRAP_EXPECT
  fadd.s f3, f1, f2, dyn
  CHECK_TRAP CAUSE_ILLEGAL_INSTRUCTION
  fsrmi 0
  FP_CHECK_s(0x12345678, 0)

  /* ---- mstatus.FS ---- */
  li gp, 760          /* Initial -> Dirty when an FP register is written; SD follows */
  li a1, MSTATUS_FS
  csrc mstatus, a1
  li a1, MSTATUS_FS_INITIAL
  csrs mstatus, a1
  csrr a0, mstatus
  srli a0, a0, 63
  CHECK_IMM a0, 0
  fadd.s f3, f1, f1
  csrr a0, mstatus
  li a1, MSTATUS_FS
  and a2, a0, a1
  CHECK_IMM a2, MSTATUS_FS_DIRTY
  srli a0, a0, 63
  CHECK_IMM a0, 1
  li gp, 761          /* Clean -> Dirty by fmv.w.x */
  li a1, MSTATUS_FS
  csrc mstatus, a1
  li a1, MSTATUS_FS_CLEAN
  csrs mstatus, a1
  fmv.w.x f3, zero
  csrr a0, mstatus
  li a1, MSTATUS_FS
  and a2, a0, a1
  CHECK_IMM a2, MSTATUS_FS_DIRTY
  li gp, 762          /* Clean -> Dirty by a write to fflags */
  li a1, MSTATUS_FS
  csrc mstatus, a1
  li a1, MSTATUS_FS_CLEAN
  csrs mstatus, a1
  csrwi fflags, 1
  csrr a0, mstatus
  li a1, MSTATUS_FS
  and a2, a0, a1
  CHECK_IMM a2, MSTATUS_FS_DIRTY
  /* Off: every F instruction and FP CSR access is illegal */
  li a1, MSTATUS_FS
  csrc mstatus, a1
  la a2, fbuf
  TEST_ILLEGAL(770, fadd.s f3, f1, f2)
  TEST_ILLEGAL(771, flw f3, 0(a2))
  TEST_ILLEGAL(772, fsw f3, 0(a2))
  TEST_ILLEGAL(773, fmv.x.w a0, f3)
  TEST_ILLEGAL(774, fmv.w.x f3, a0)
  TEST_ILLEGAL(775, csrr a0, fcsr)
  TEST_ILLEGAL(776, fsflags zero)
  TEST_ILLEGAL(777, fsrmi 0)
  TEST_ILLEGAL(778, feq.s a0, f1, f2)
  TEST_ILLEGAL(779, fmadd.s f3, f1, f2, f3)
  TEST_ILLEGAL(780, fcvt.w.s a0, f3, rtz)
  TEST_ILLEGAL(781, flw f3, 3(a2))   /* illegal, not misaligned */
  li gp, 782          /* FS stays Off */
  csrr a0, mstatus
  li a1, MSTATUS_FS
  and a0, a0, a1
  CHECK_IMM a0, 0
  li a1, MSTATUS_FS_INITIAL
  csrs mstatus, a1

  RVTEST_PASS
RVTEST_END

  .data
  .balign 16
fbuf: .zero 32
