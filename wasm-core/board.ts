// The guest's physical address map: QEMU's `virt` board. Plain constants,
// read by the AssemblyScript core (machine.ts) and by the host (the DTB).
// Every range is half-open: [BASE, BASE + SIZE).

export const BOOTROM_BASE = 0x1000;
export const BOOTROM_SIZE = 0xf000;
export const TEST_BASE = 0x100000; // sifive,test: poweroff / reboot
export const TEST_SIZE = 0x1000;
export const RTC_BASE = 0x101000; // google,goldfish-rtc
export const RTC_SIZE = 0x1000;
export const CLINT_BASE = 0x2000000;
export const CLINT_SIZE = 0x10000;
export const PLIC_BASE = 0xc000000;
export const PLIC_SIZE = 0x600000;
export const UART_BASE = 0x10000000;
export const UART_SIZE = 0x100;
export const VIRTIO_BASE = 0x10001000;
export const VIRTIO_STRIDE = 0x1000;
export const VIRTIO_SLOTS = 8;
export const RAM_BASE = 0x80000000;

// PLIC interrupt sources.
export const IRQ_VIRTIO_FIRST = 1; // slot N raises 1 + N
export const IRQ_UART = 10;
export const IRQ_RTC = 11;
export const PLIC_NUM_SOURCES = 95; // riscv,ndev as on QEMU virt

// sifive,test commands (written to TEST_BASE).
export const TEST_FAIL = 0x3333;
export const TEST_PASS = 0x5555; // power off
export const TEST_RESET = 0x7777;

export const TIMEBASE_HZ = 10000000;
// fw_jump convention (Debian's OpenSBI generic build).
export const KERNEL_OFFSET = 0x200000;
