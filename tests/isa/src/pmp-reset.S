/* pmp-reset.S - the PMP state at reset: no entry is configured, so M-mode
 * can access all memory while S-mode and U-mode can access nothing: the
 * first instruction fetched after an mret to S or U raises an instruction
 * access fault (cause 1, mepc = mtval = its address).
 *
 * QEMU 7.2 differs: it refuses the mret itself (illegal instruction) when no
 * PMP rule is active (listed in run-qemu.sh XFAIL).
 */
#include "rvtest.h"

RVTEST_BEGIN
  li gp, 1               /* M-mode can read and write memory and run code */
  la a1, target
  ld a0, 0(a1)
  sd a0, 8(a1)
  li gp, 2               /* S-mode */
  la a1, target
  RUN_AT PRV_S, a1
  CHECK_TRAP CAUSE_FETCH_ACCESS
  CHECK_TRAP_EPC target
  CHECK_TRAP_TVAL_LABEL target
  li gp, 3               /* U-mode */
  la a1, target
  RUN_AT PRV_U, a1
  CHECK_TRAP CAUSE_FETCH_ACCESS
  CHECK_TRAP_EPC target
  CHECK_TRAP_TVAL_LABEL target
  RVTEST_PASS
  .balign 16
target:
  ecall
  ecall
  ecall
  ecall
RVTEST_END
