#!/bin/sh
# Rebuild bin/smc.elf (committed, so tests need no cross compiler).
# CC: a RISC-V bare-metal gcc (default riscv64-unknown-elf-gcc, Debian's
# gcc-riscv64-unknown-elf).
set -eu
here=$(dirname "$0")
CC=${CC:-riscv64-unknown-elf-gcc}
mkdir -p "$here/bin"
"$CC" -march=rv64gc_zifencei -mabi=lp64d -mcmodel=medany -O2 -ffreestanding -fno-builtin \
  -nostdlib -nostartfiles -static -Wl,--build-id=none,--no-warn-rwx-segments -T "$here/link.ld" \
  -Wall -Wextra -o "$here/bin/smc.elf" "$here/start.S" "$here/smc.c"
