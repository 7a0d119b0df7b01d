#!/bin/sh
# Build the bare-metal CPU benchmark: bench/cpu/bin/cpu-bench.elf
# (also run by tests/isa/build.sh after the ISA tests).
#
#   bench/cpu/build.sh
#   RISCV_PREFIX=riscv64-linux-gnu- bench/cpu/build.sh
#
# Freestanding RV64GC, -O2, its own crt0 (crt0.S) and the C library functions
# GCC may call (in bench.c); linked with the ISA tests' linker script
# (code at 0x80000000, tohost / fromhost symbols for HTIF). The output is
# deterministic: no build id, no debug info, sources named by relative path.
#
# The program prints "cpu-bench checksum 0x..." through HTIF and passes
# (tohost = 1) only if the checksum matches the constant in bench.c. The same
# source runs on the build host too: cc -O2 -DHOST_TEST bench.c && ./a.out
# prints the same checksum line.
set -eu
cd "$(dirname "$0")"

if [ -z "${RISCV_PREFIX:-}" ]; then
  for p in riscv64-unknown-elf- riscv64-linux-gnu-; do
    if command -v "${p}gcc" >/dev/null 2>&1; then RISCV_PREFIX=$p; break; fi
  done
fi
if [ -z "${RISCV_PREFIX:-}" ] || ! command -v "${RISCV_PREFIX}gcc" >/dev/null 2>&1; then
  echo "bench/cpu/build.sh: no RISC-V cross compiler (set RISCV_PREFIX)" >&2
  exit 1
fi

mkdir -p bin
"${RISCV_PREFIX}gcc" -O2 -march=rv64gc -mabi=lp64d -mcmodel=medany \
  -ffreestanding -fno-builtin -fno-tree-loop-distribute-patterns \
  -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-stack-protector \
  -nostdlib -nostartfiles -static -mno-relax -Wl,--no-relax \
  -Wall -Wextra \
  -T ../../tests/isa/link.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
  -o bin/cpu-bench.elf.tmp crt0.S bench.c -lgcc
mv bin/cpu-bench.elf.tmp bin/cpu-bench.elf
echo "built bench/cpu/bin/cpu-bench.elf"
