/* crt0.S - start-up code of the bare-metal CPU benchmark (M-mode, RV64GC).
 * Sets the stack, zeroes .bss, turns the FPU on, installs a trap handler
 * that reports failure, calls main() and reports its result through HTIF:
 * tohost = 1 when main returns 0, (code << 1) | 1 otherwise. */
  .file "crt0.S"        /* (else the linker names the temporary object) */
  .section .text.init, "ax", @progbits
  .option norvc
  .globl _start
_start:
  la sp, __stack_top
  la t0, trap_entry
  csrw mtvec, t0
  li t0, 0x2000          /* mstatus.FS = Initial */
  csrs mstatus, t0
  csrw fcsr, zero
  la t0, __bss_start
  la t1, __bss_end
1:bgeu t0, t1, 2f
  sd zero, 0(t0)
  addi t0, t0, 8
  j 1b
2:call main
  beqz a0, 3f
  slli a0, a0, 1
3:ori a0, a0, 1
exit:
  la t0, tohost
4:sd a0, 0(t0)
  j 4b

  .balign 4
trap_entry:              /* any trap is a failure: exit code 127 */
  li a0, (127 << 1) | 1
  j exit

  .section .tohost, "aw", @progbits
  .balign 64
  .globl tohost
tohost: .dword 0
  .size tohost, 8
  .balign 64
  .globl fromhost
fromhost: .dword 0
  .size fromhost, 8

  .bss
  .balign 16
  .zero 65536
__stack_top:
