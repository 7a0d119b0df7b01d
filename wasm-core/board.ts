// The guest's physical address map: QEMU's `virt` board. Plain constants,
// read by the AssemblyScript core and by the host. Every range is half-open:
// [BASE, BASE + SIZE). The device table that the bus dispatches from and the
// DTB is built from is src/machine/virt-board.ts; it takes its addresses,
// sizes, access widths and interrupt lines from here.

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

// Device kinds: the bus's dispatch key (an entry's BUS_KIND in layout.ts).
export const DEV_TEST = 1;
export const DEV_RTC = 2;
export const DEV_CLINT = 3;
export const DEV_PLIC = 4;
export const DEV_UART = 5;
export const DEV_VIRTIO = 6;

// Access widths a device takes (a mask: the access size in bytes is its bit).
export const WIDTH_1 = 1;
export const WIDTH_2 = 2;
export const WIDTH_4 = 4;
export const WIDTH_8 = 8;
export const TEST_WIDTHS = WIDTH_2 | WIDTH_4; // OpenSBI writes 16 bits, Linux 32
export const RTC_WIDTHS = WIDTH_4;
export const CLINT_WIDTHS = WIDTH_4 | WIDTH_8;
export const PLIC_WIDTHS = WIDTH_4;
export const UART_WIDTHS = WIDTH_1;
// Registers take 32 bits; the configuration space any width (virtio-mmio.ts).
export const VIRTIO_WIDTHS = WIDTH_1 | WIDTH_2 | WIDTH_4 | WIDTH_8;

// PLIC interrupt sources.
export const IRQ_VIRTIO_FIRST = 1; // slot N raises 1 + N
export const IRQ_UART = 10;
export const IRQ_RTC = 11;
export const PLIC_NUM_SOURCES = 95; // riscv,ndev as on QEMU virt

// sifive,test commands (written to TEST_BASE).
export const TEST_FAIL = 0x3333;
export const TEST_PASS = 0x5555; // power off
export const TEST_RESET = 0x7777;

// fw_jump convention (Debian's OpenSBI generic build).
export const KERNEL_OFFSET = 0x200000;
