/* fptest.h - checking macros for the F and D tests (include after rvtest.h).
 *
 * Operands are given as bit patterns and moved in with fmv.w.x / fmv.d.x;
 * the result is read back with fmv.x.d, so single-precision results are also
 * checked to be NaN-boxed (upper 32 bits all ones). fflags is cleared before
 * the operation and compared with fl after it
 * (NV 0x10, DZ 0x08, OF 0x04, UF 0x02, NX 0x01).
 *
 *   TEST_FP1_x(n, inst, rm, res, fl, a)        inst f3, f1, rm
 *   TEST_FP2_x(n, inst, rm, res, fl, a, b)     inst f3, f1, f2, rm
 *   TEST_FP3_x(n, inst, rm, res, fl, a, b, c)  inst f3, f1, f2, f4, rm
 *   TEST_FP1_x_DYN / TEST_FP2_x_DYN            frm = m, rm = dyn
 *   TEST_FP2X_x(n, inst, res, fl, a, b)        no rounding mode (fmin, fsgnj)
 *   TEST_FPCMP_x(n, inst, res, fl, a, b)       integer result (feq, flt, fle)
 *   TEST_FPCLASS_x(n, inst, res, fl, a)        integer result (fclass)
 * with x = s or d.
 */
#ifndef FPTEST_H
#define FPTEST_H

#define FFLAG_NV 0x10
#define FFLAG_DZ 0x08
#define FFLAG_OF 0x04
#define FFLAG_UF 0x02
#define FFLAG_NX 0x01

#define BOX_S(x) (0xffffffff00000000 | (x))

#define FP_IN_s(r, fr, v) li r, v; fmv.w.x fr, r
#define FP_IN_d(r, fr, v) li r, v; fmv.d.x fr, r
#define FP_CHECK_s(res, fl) frflags a3; fmv.x.d a0, f3; CHECK_IMM a0, BOX_S(res); CHECK_IMM a3, fl
#define FP_CHECK_d(res, fl) frflags a3; fmv.x.d a0, f3; CHECK_IMM a0, res; CHECK_IMM a3, fl

#define TEST_FP1_s(n, inst, rm, res, fl, a) \
    li gp, n; FP_IN_s(a1, f1, a); fsflags zero; inst f3, f1, rm; FP_CHECK_s(res, fl)
#define TEST_FP2_s(n, inst, rm, res, fl, a, b) \
    li gp, n; FP_IN_s(a1, f1, a); FP_IN_s(a2, f2, b); fsflags zero; \
    inst f3, f1, f2, rm; FP_CHECK_s(res, fl)
#define TEST_FP3_s(n, inst, rm, res, fl, a, b, c) \
    li gp, n; FP_IN_s(a1, f1, a); FP_IN_s(a2, f2, b); FP_IN_s(a4, f4, c); fsflags zero; \
    inst f3, f1, f2, f4, rm; FP_CHECK_s(res, fl)
#define TEST_FP1_s_DYN(n, inst, m, res, fl, a) \
    li gp, n; FP_IN_s(a1, f1, a); fsflags zero; fsrmi m; inst f3, f1, dyn; \
    frrm a4; fsrmi 0; CHECK_IMM a4, m; FP_CHECK_s(res, fl)
#define TEST_FP2_s_DYN(n, inst, m, res, fl, a, b) \
    li gp, n; FP_IN_s(a1, f1, a); FP_IN_s(a2, f2, b); fsflags zero; fsrmi m; \
    inst f3, f1, f2, dyn; frrm a4; fsrmi 0; CHECK_IMM a4, m; FP_CHECK_s(res, fl)
#define TEST_FP2X_s(n, inst, res, fl, a, b) \
    li gp, n; FP_IN_s(a1, f1, a); FP_IN_s(a2, f2, b); fsflags zero; \
    inst f3, f1, f2; FP_CHECK_s(res, fl)
#define TEST_FPCMP_s(n, inst, res, fl, a, b) \
    li gp, n; FP_IN_s(a1, f1, a); FP_IN_s(a2, f2, b); fsflags zero; \
    inst a0, f1, f2; frflags a3; CHECK_IMM a0, res; CHECK_IMM a3, fl
#define TEST_FPCLASS_s(n, inst, res, fl, a) \
    li gp, n; FP_IN_s(a1, f1, a); fsflags zero; \
    inst a0, f1; frflags a3; CHECK_IMM a0, res; CHECK_IMM a3, fl

#define TEST_FP1_d(n, inst, rm, res, fl, a) \
    li gp, n; FP_IN_d(a1, f1, a); fsflags zero; inst f3, f1, rm; FP_CHECK_d(res, fl)
#define TEST_FP2_d(n, inst, rm, res, fl, a, b) \
    li gp, n; FP_IN_d(a1, f1, a); FP_IN_d(a2, f2, b); fsflags zero; \
    inst f3, f1, f2, rm; FP_CHECK_d(res, fl)
#define TEST_FP3_d(n, inst, rm, res, fl, a, b, c) \
    li gp, n; FP_IN_d(a1, f1, a); FP_IN_d(a2, f2, b); FP_IN_d(a4, f4, c); fsflags zero; \
    inst f3, f1, f2, f4, rm; FP_CHECK_d(res, fl)
#define TEST_FP1_d_DYN(n, inst, m, res, fl, a) \
    li gp, n; FP_IN_d(a1, f1, a); fsflags zero; fsrmi m; inst f3, f1, dyn; \
    frrm a4; fsrmi 0; CHECK_IMM a4, m; FP_CHECK_d(res, fl)
#define TEST_FP2_d_DYN(n, inst, m, res, fl, a, b) \
    li gp, n; FP_IN_d(a1, f1, a); FP_IN_d(a2, f2, b); fsflags zero; fsrmi m; \
    inst f3, f1, f2, dyn; frrm a4; fsrmi 0; CHECK_IMM a4, m; FP_CHECK_d(res, fl)
#define TEST_FP2X_d(n, inst, res, fl, a, b) \
    li gp, n; FP_IN_d(a1, f1, a); FP_IN_d(a2, f2, b); fsflags zero; \
    inst f3, f1, f2; FP_CHECK_d(res, fl)
#define TEST_FPCMP_d(n, inst, res, fl, a, b) \
    li gp, n; FP_IN_d(a1, f1, a); FP_IN_d(a2, f2, b); fsflags zero; \
    inst a0, f1, f2; frflags a3; CHECK_IMM a0, res; CHECK_IMM a3, fl
#define TEST_FPCLASS_d(n, inst, res, fl, a) \
    li gp, n; FP_IN_d(a1, f1, a); fsflags zero; \
    inst a0, f1; frflags a3; CHECK_IMM a0, res; CHECK_IMM a3, fl

/* Conversions to integer: result in a0 (64-bit, as written by the instruction). */
#define TEST_FCVT_TO_INT_s(n, inst, rm, res, fl, a) \
    li gp, n; FP_IN_s(a1, f1, a); fsflags zero; inst a0, f1, rm; frflags a3; \
    CHECK_IMM a0, res; CHECK_IMM a3, fl
#define TEST_FCVT_TO_INT_d(n, inst, rm, res, fl, a) \
    li gp, n; FP_IN_d(a1, f1, a); fsflags zero; inst a0, f1, rm; frflags a3; \
    CHECK_IMM a0, res; CHECK_IMM a3, fl
/* Conversions from integer: source in a1. */
#define TEST_FCVT_FROM_INT_s(n, inst, rm, res, fl, a) \
    li gp, n; li a1, a; fsflags zero; inst f3, a1, rm; FP_CHECK_s(res, fl)
#define TEST_FCVT_FROM_INT_d(n, inst, rm, res, fl, a) \
    li gp, n; li a1, a; fsflags zero; inst f3, a1, rm; FP_CHECK_d(res, fl)
/* Exact conversions from integer (fcvt.d.w, fcvt.d.wu: no rounding-mode operand). */
#define TEST_FCVT_FROM_INT_X_d(n, inst, rm, res, fl, a) \
    li gp, n; li a1, a; fsflags zero; inst f3, a1; FP_CHECK_d(res, fl)
/* Between formats: fcvt.s.d (source double) and fcvt.d.s (source single). */
#define TEST_FCVT_S_D(n, rm, res, fl, a) \
    li gp, n; FP_IN_d(a1, f1, a); fsflags zero; fcvt.s.d f3, f1, rm; FP_CHECK_s(res, fl)
#define TEST_FCVT_D_S(n, res, fl, a) \
    li gp, n; FP_IN_s(a1, f1, a); fsflags zero; fcvt.d.s f3, f1; FP_CHECK_d(res, fl)

#endif
