/* The cross-hart self-modifying-code guest's entry, trap vector and the
 * page of code the harts share (M-mode, every hart). The boot ROM enters
 * with a0 = hartid. Each hart gets a 16 KiB stack below stacks_end. */
  .section .text.init
  .globl _start
_start:
  la sp, stacks_end
  slli t0, a0, 14
  sub sp, sp, t0
  la t0, trap_entry
  csrw mtvec, t0
  csrw mie, zero
  call hart_main
1: wfi
  j 1b

  .align 4
trap_entry:
  addi sp, sp, -144
  sd ra, 0(sp)
  sd t0, 8(sp); sd t1, 16(sp); sd t2, 24(sp)
  sd a0, 32(sp); sd a1, 40(sp); sd a2, 48(sp); sd a3, 56(sp)
  sd a4, 64(sp); sd a5, 72(sp); sd a6, 80(sp); sd a7, 88(sp)
  sd t3, 96(sp); sd t4, 104(sp); sd t5, 112(sp); sd t6, 120(sp)
  call trap
  ld ra, 0(sp)
  ld t0, 8(sp); ld t1, 16(sp); ld t2, 24(sp)
  ld a0, 32(sp); ld a1, 40(sp); ld a2, 48(sp); ld a3, 56(sp)
  ld a4, 64(sp); ld a5, 72(sp); ld a6, 80(sp); ld a7, 88(sp)
  ld t3, 96(sp); ld t4, 104(sp); ld t5, 112(sp); ld t6, 120(sp)
  addi sp, sp, 144
  mret

/* The shared code: a page of its own. smc_fn returns the immediate of its
 * first instruction (addi a0, zero, K, uncompressed: hart 0 rewrites that
 * word) after a short loop, so that the page is hot and runs translated. */
  .section .text.smc, "ax"
  .balign 4096
  .globl smc_fn
smc_fn:
  .option push
  .option norvc
  addi a0, zero, 1
  li t0, 16
1: addi t0, t0, -1
  bnez t0, 1b
  ret
  .option pop
  .balign 4096
