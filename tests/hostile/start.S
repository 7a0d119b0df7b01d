/* The hostile guest's entry and trap vector (M-mode, every hart).
 * The boot ROM enters with a0 = hartid, a1 = the DTB. Each hart gets a
 * 16 KiB stack below the image's end; traps save the registers on it and
 * call trap() in C, which returns the pc to resume at. */
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
  addi sp, sp, -256
  sd ra, 8(sp)
  sd t0, 16(sp); sd t1, 24(sp); sd t2, 32(sp)
  sd a0, 40(sp); sd a1, 48(sp); sd a2, 56(sp); sd a3, 64(sp)
  sd a4, 72(sp); sd a5, 80(sp); sd a6, 88(sp); sd a7, 96(sp)
  sd t3, 104(sp); sd t4, 112(sp); sd t5, 120(sp); sd t6, 128(sp)
  mv a0, sp
  call trap
  csrw mepc, a0
  ld ra, 8(sp)
  ld t0, 16(sp); ld t1, 24(sp); ld t2, 32(sp)
  ld a0, 40(sp); ld a1, 48(sp); ld a2, 56(sp); ld a3, 64(sp)
  ld a4, 72(sp); ld a5, 80(sp); ld a6, 88(sp); ld a7, 96(sp)
  ld t3, 104(sp); ld t4, 112(sp); ld t5, 120(sp); ld t6, 128(sp)
  addi sp, sp, 256
  mret
