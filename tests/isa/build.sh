#!/bin/sh
# Build the rvplay ISA tests: tests/isa/src/NAME.S -> tests/isa/bin/NAME.elf,
# then the CPU benchmark (bench/cpu/build.sh -> bench/cpu/bin/cpu-bench.elf).
#
#   tests/isa/build.sh [NAME...]     build all tests (or only the named ones)
#   RISCV_PREFIX=riscv64-linux-gnu- tests/isa/build.sh
#   SKIP_BENCH=1 tests/isa/build.sh  tests only
#
# Tools: $RISCV_PREFIX (e.g. "riscv64-unknown-elf-") if set, else the first of
# riscv64-unknown-elf- (Debian's gcc-riscv64-unknown-elf) and
# riscv64-linux-gnu- found on PATH. Nothing from a C library is used.
#
# The output is deterministic (no build ids, timestamps or paths): the
# sources are given to the compiler by relative path from this directory.
set -eu
cd "$(dirname "$0")"

if [ -z "${RISCV_PREFIX:-}" ]; then
  for p in riscv64-unknown-elf- riscv64-linux-gnu-; do
    if command -v "${p}gcc" >/dev/null 2>&1; then RISCV_PREFIX=$p; break; fi
  done
fi
if [ -z "${RISCV_PREFIX:-}" ] || ! command -v "${RISCV_PREFIX}gcc" >/dev/null 2>&1; then
  echo "build.sh: no RISC-V cross compiler (set RISCV_PREFIX, or apt-get install gcc-riscv64-unknown-elf)" >&2
  exit 1
fi
export RISCV_PREFIX
CC=${RISCV_PREFIX}gcc

CFLAGS="-march=rv64gc -mabi=lp64d -mcmodel=medany -nostdlib -nostartfiles -static \
 -ffreestanding -mno-relax -Wl,--no-relax -Iinclude -Tlink.ld -Wl,--build-id=none \
 -Wl,--no-warn-rwx-segments"

mkdir -p bin
if [ $# -gt 0 ]; then
  names=$*
else
  names=$(cd src && ls *.S | sed 's/\.S$//')
fi

# Build in parallel; collect failures.
status=0
pids=
for n in $names; do
  (
    $CC $CFLAGS -o "bin/$n.elf.tmp" "src/$n.S" && mv "bin/$n.elf.tmp" "bin/$n.elf"
  ) || { echo "build.sh: $n failed" >&2; exit 1; } &
  pids="$pids $!"
done
for p in $pids; do wait "$p" || status=1; done
[ $status -eq 0 ] || exit $status
echo "built $(echo $names | wc -w) tests in tests/isa/bin"

if [ -z "${SKIP_BENCH:-}" ] && [ $# -eq 0 ]; then
  ../../bench/cpu/build.sh
fi
