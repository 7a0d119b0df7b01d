// The machine's limits and its clock, declared once: read by the core, the
// controller, the CLI, the page and the tests. Plain integer constants (both
// compilers read this file). src/machine/shape.ts checks a requested shape
// against them with one wording for the CLI and the page.

export const MIN_HARTS = 1;
export const MAX_HARTS = 8;
export const MIN_RAM_MIB = 64; // the boot layout (firmware, kernel, DTB) needs this much
export const MAX_RAM_MIB = 2048;
export const DEFAULT_RAM_MIB = 256;
// mtime counts at 10 MHz (QEMU virt's timebase-frequency).
export const TIMEBASE_HZ = 10000000;
