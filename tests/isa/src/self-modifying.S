/* self-modifying.S - code that changes under a running hart (Zifencei, and
 * the address translation in front of instruction fetch):
 *   code written to RAM, made visible with fence.i and run; rewritten and
 *   run again (the new instruction, never the old one); a routine that
 *   rewrites one of its own later instructions in the same page, with
 *   fence.i between; a virtual page of code remapped to other physical
 *   code (sfence.vma), unmapped (a fetch page fault with the precise epc and
 *   tval) and mapped back; the same physical code at two virtual addresses
 *   (pc-relative results follow the virtual address); a change of satp to
 *   another root table with other code at the same virtual address; code
 *   rewritten through one mapping while it is run through another.
 * Every piece runs thousands of times before and after each change, so that
 * an implementation which caches or translates hot code (rvplay's JIT at its
 * default threshold) has done so when the change happens.
 */
#include "rvtest.h"

#define LI_A0(v)   (((v) << 20) | 0x513)   /* addi a0, zero, v */
#define RET        0x00008067              /* jalr zero, 0(ra) */
#define ECALL      0x00000073
#define AUIPC_A0   0x00000517              /* auipc a0, 0 */
#define REPS       3000

#define CODE_VA    0x40000000              /* l0[0] */
#define ALIAS_VA   0x40001000              /* l0[1] */
#define LEAF_RX    (PTE_V | PTE_R | PTE_X | PTE_A | PTE_D)
#define LEAF_RWX   (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)

/* Store the 32-bit word v at label + off (uses t0, t1). */
.macro PUT label, off, v
  la t0, \label
  li t1, \v
  sw t1, \off(t0)
.endm

/* s2 = the sum of a0 over REPS calls of the code at the address in s3. */
.macro CALL_REPS
  li s1, REPS
  li s2, 0
1:
  jalr ra, 0(s3)
  add s2, s2, a0
  addi s1, s1, -1
  bnez s1, 1b
.endm

/* s2 = the sum of a0 over REPS runs, in S-mode, of the code at VA in s3
 * (each ends with an ecall from S-mode). */
.macro RUN_S_REPS
  li s1, REPS
  li s2, 0
1:
  li a0, 0
  RUN_AT PRV_S, s3
  CHECK_TRAP CAUSE_SUPERVISOR_ECALL
  add s2, s2, a0
  addi s1, s1, -1
  bnez s1, 1b
.endm

/* The PTE for the physical page of label with flags, stored at table[i]. */
.macro SET_PTE table, i, label, flags
  la t0, \label
  srli t0, t0, 12
  slli t0, t0, 10
  ori t0, t0, \flags
  la t1, \table
  sd t0, (\i * 8)(t1)
.endm

RVTEST_BEGIN

  /* 1-2: code written, fence.i, run; rewritten, fence.i, run. */
  li gp, 1
  PUT buf, 0, LI_A0(1)
  PUT buf, 4, RET
  fence.i
  la s3, buf
  CALL_REPS
  CHECK_IMM s2, REPS
  li gp, 2
  PUT buf, 0, LI_A0(2)
  fence.i
  CALL_REPS
  CHECK_IMM s2, 2 * REPS

  /* 3: a routine that rewrites its own instruction at +8 (same page) from
   * a1, then runs it: the value alternates 5, 7, 5, ... */
  li gp, 3
  la s3, selfmod
  li s1, REPS
  li s2, 0
  li s4, LI_A0(5)
  li s5, LI_A0(7)
3:
  mv a1, s4
  jalr ra, 0(s3)
  add s2, s2, a0
  mv t0, s4
  mv s4, s5
  mv s5, t0
  addi s1, s1, -1
  bnez s1, 3b
  CHECK_IMM s2, (REPS / 2) * 12

  /* Sv39: root -> l1 -> l0; l0[0] maps CODE_VA to code_a, l0[1] maps
   * ALIAS_VA to code_c; root2 maps CODE_VA to code_b. */
  PMP_ALLOW_ALL
  PUT code_a, 0, LI_A0(1)
  PUT code_a, 4, ECALL
  PUT code_b, 0, LI_A0(2)
  PUT code_b, 4, ECALL
  PUT code_c, 0, AUIPC_A0
  PUT code_c, 4, ECALL
  fence.i
  SET_PTE root, 1, l1, PTE_V
  SET_PTE l1, 0, l0, PTE_V
  SET_PTE l0, 0, code_a, LEAF_RX
  SET_PTE l0, 1, code_c, LEAF_RX
  SET_PTE root2, 1, l1b, PTE_V
  SET_PTE l1b, 0, l0b, PTE_V
  SET_PTE l0b, 0, code_b, LEAF_RX
  la t0, root
  srli t0, t0, 12
  li t1, SATP_SV39
  or t0, t0, t1
  csrw satp, t0
  sfence.vma

  /* 4: code_a through CODE_VA. */
  li gp, 4
  li s3, CODE_VA
  RUN_S_REPS
  CHECK_IMM s2, REPS

  /* 5: CODE_VA remapped to code_b. */
  li gp, 5
  SET_PTE l0, 0, code_b, LEAF_RX
  sfence.vma
  RUN_S_REPS
  CHECK_IMM s2, 2 * REPS

  /* 6: CODE_VA unmapped: a fetch page fault at CODE_VA (epc and tval). */
  li gp, 6
  la t0, l0
  sd zero, 0(t0)
  sfence.vma
  li a0, 0
  RUN_AT PRV_S, s3
  CHECK_TRAP CAUSE_FETCH_PAGE_FAULT
  CHECK_IMM a0, 0
  TRAP_LOAD t5, TV_EPC
  CHECK_IMM t5, CODE_VA
  TRAP_LOAD t5, TV_TVAL
  CHECK_IMM t5, CODE_VA

  /* 7: mapped back to code_a. */
  li gp, 7
  SET_PTE l0, 0, code_a, LEAF_RX
  sfence.vma
  RUN_S_REPS
  CHECK_IMM s2, REPS

  /* 8: code_c at ALIAS_VA, and also at CODE_VA: auipc gives each VA. */
  li gp, 8
  li s3, ALIAS_VA
  RUN_S_REPS
  li t0, ALIAS_VA * REPS
  CHECK_EQ s2, t0
  li gp, 9
  SET_PTE l0, 0, code_c, LEAF_RX
  sfence.vma
  li s3, CODE_VA
  RUN_S_REPS
  li t0, CODE_VA * REPS
  CHECK_EQ s2, t0
  SET_PTE l0, 0, code_a, LEAF_RX
  sfence.vma

  /* 10-11: satp to root2 (code_b at CODE_VA) and back to root (code_a). */
  li gp, 10
  la t0, root2
  srli t0, t0, 12
  li t1, SATP_SV39
  or t0, t0, t1
  csrw satp, t0
  sfence.vma
  RUN_S_REPS
  CHECK_IMM s2, 2 * REPS
  li gp, 11
  la t0, root
  srli t0, t0, 12
  li t1, SATP_SV39
  or t0, t0, t1
  csrw satp, t0
  sfence.vma
  RUN_S_REPS
  CHECK_IMM s2, REPS

  /* 12: code_a rewritten (physically, from M-mode) while it is run through
   * CODE_VA; fence.i. */
  li gp, 12
  PUT code_a, 0, LI_A0(3)
  fence.i
  RUN_S_REPS
  CHECK_IMM s2, 3 * REPS

  /* 13: code_a made writable and rewritten by the S-mode code itself
   * through CODE_VA (sw a1, 8(s3); fence.i), then run: a1 alternates. */
  li gp, 13
  SET_PTE l0, 0, code_a, LEAF_RWX
  sfence.vma
  PUT code_a, 0, 0x00b9a423                /* sw a1, 8(s3) */
  PUT code_a, 4, 0x0000100f                /* fence.i */
  PUT code_a, 8, LI_A0(4)
  PUT code_a, 12, ECALL
  fence.i
  li s1, REPS
  li s2, 0
  li a1, LI_A0(5)
  li s5, LI_A0(7)
13:
  li a0, 0
  RUN_AT PRV_S, s3
  CHECK_TRAP CAUSE_SUPERVISOR_ECALL
  add s2, s2, a0
  mv t0, a1
  mv a1, s5
  mv s5, t0
  addi s1, s1, -1
  bnez s1, 13b
  CHECK_IMM s2, (REPS / 2) * 12            /* 5, 7, 5, ...: each run its own value */

  csrw satp, zero
  sfence.vma
  RVTEST_PASS

/* Rewrites the instruction at selfmod + 8 with a1, then runs it. */
  .section .text.smc, "ax", @progbits
  .balign 4096
selfmod:
  sw a1, 8(s3)
  fence.i
  addi a0, zero, 0
  ret
  .balign 4096

/* Pages of code written at run time, and the page tables. */
  .data
  .balign 4096
buf:
  .skip 4096
code_a:
  .skip 4096
code_b:
  .skip 4096
code_c:
  .skip 4096
root:
  .dword 0, 0, (0x80000 << 10) | LEAF_RWX
  .skip 4096 - 24
l1:
  .skip 4096
l0:
  .skip 4096
root2:
  .dword 0, 0, (0x80000 << 10) | LEAF_RWX
  .skip 4096 - 24
l1b:
  .skip 4096
l0b:
  .skip 4096

RVTEST_END
