// The one description of the shared WebAssembly.Memory, imported by the
// AssemblyScript core and by the TypeScript host alike. Plain integer
// constants only: both compilers read this file (and it imports nothing).
// wasm-core/records.ts names each block below as a record (base, size,
// version, saved by a snapshot or not); a unit test proves the records are
// disjoint and inside the memory.
//
//   0x0000_0000  unused (null page)
//   0x0000_1000  AssemblyScript static data (--memoryBase), constants only
//   0x0010_0000  hart blocks, HART_STRIDE each, HART_SLOTS of them
//   0x0020_0000  device block: machine words, host control, bus map, CLINT,
//                UART, PLIC, boot ROM, virtio-mmio slots, console rings
//   0x0040_0000  RVC expansion table: 65536 x u32, 16-bit -> 32-bit encoding
//   0x0100_0000  guest RAM (guest physical RAM_PHYS_BASE), then a guard

export const AS_DATA_BASE = 0x1000;
export const AS_DATA_SIZE = 0xff000;
export const HART_BASE = 0x100000;
export const HART_STRIDE = 0x10000;
// Hart blocks the memory has room for (the machine's limit, MAX_HARTS in
// limits.ts, may not exceed it; a unit test checks).
export const HART_SLOTS = 8;
export const DEVICE_BASE = 0x200000;
export const DEVICE_SIZE = 0x200000;
export const RVC_TABLE = 0x400000;
export const RVC_TABLE_SIZE = 0x40000;
// The JIT's page tables (caches, never saved), indexed by guest RAM page
// (physical page number - RAM_PHYS_BASE / 4096):
// JIT_GEN, shared: i32 per page: bit 0 set while some hart holds code
// translated from the page (stores to it then take the slow path), bits
// 31:1 its generation, advanced by a store to a watched page.
export const JIT_GEN = 0x480000;
export const JIT_MAX_PAGES = 0x80000; // 2 GiB of RAM
export const JIT_GEN_SIZE = JIT_MAX_PAGES * 4;
// JIT_PAGEMAP, per hart (JIT_PAGEMAP_STRIDE apart): u16 per page: the
// entries left before it is queued for translation (0 = never entered,
// JIT_PAGE_PARKED = queued or left to the interpreter), or JIT_PAGE_CODE |
// the code slot holding its translation.
export const JIT_PAGEMAP = 0x700000;
export const JIT_PAGEMAP_STRIDE = JIT_MAX_PAGES * 2;
export const JIT_PAGE_CODE = 0x8000;
export const JIT_PAGE_PARKED = 0x7fff;
export const RAM_OFFSET = 0x1000000;
// Bytes after guest RAM that a 4- or 8-byte read at RAM's last byte may touch.
export const RAM_GUARD = 0x10000;
export const WASM_PAGE = 0x10000;

// Guest physical address of RAM (QEMU virt).
export const RAM_PHYS_BASE = 0x80000000;

// ---- one hart's block, offsets from HART_BASE + hartid * HART_STRIDE ----
// Architectural state (saved by a snapshot): [0, HART_ARCH_SIZE).
export const H_X = 0x000; // x0..x31, 8 bytes each
export const H_F = 0x100; // f0..f31, 8 bytes each (NaN-boxed singles)
export const H_PC = 0x200;
export const H_PRIV = 0x208; // i32: PRIV_U / PRIV_S / PRIV_M
export const H_MIP = 0x20c; // i32, atomic or/and only: pending interrupts
export const H_RESERVATION = 0x210; // i64 host address of the LR, -1 = none
export const H_RESERVED_VALUE = 0x218; // i64 value LR read
export const H_INSTRET = 0x220; // i64 minstret
export const H_CYCLE_DELTA = 0x228; // i64 mcycle - minstret
export const H_HARTID = 0x230; // i32
// CSRs held as 8-byte words.
export const H_CSR = 0x400;
export const C_MSTATUS = H_CSR + 0 * 8;
export const C_MEDELEG = H_CSR + 1 * 8;
export const C_MIDELEG = H_CSR + 2 * 8;
export const C_MIE = H_CSR + 3 * 8;
export const C_MTVEC = H_CSR + 4 * 8;
export const C_MSCRATCH = H_CSR + 5 * 8;
export const C_MEPC = H_CSR + 6 * 8;
export const C_MCAUSE = H_CSR + 7 * 8;
export const C_MTVAL = H_CSR + 8 * 8;
export const C_MCOUNTEREN = H_CSR + 9 * 8;
export const C_MENVCFG = H_CSR + 10 * 8;
export const C_STVEC = H_CSR + 11 * 8;
export const C_SSCRATCH = H_CSR + 12 * 8;
export const C_SEPC = H_CSR + 13 * 8;
export const C_SCAUSE = H_CSR + 14 * 8;
export const C_STVAL = H_CSR + 15 * 8;
export const C_SATP = H_CSR + 16 * 8;
export const C_SCOUNTEREN = H_CSR + 17 * 8;
export const C_SENVCFG = H_CSR + 18 * 8;
export const C_FCSR = H_CSR + 19 * 8; // frm << 5 | fflags
export const C_PMPCFG = H_CSR + 32 * 8; // pmpcfg0, pmpcfg2: 16 bytes = 16 cfg bytes
export const C_PMPADDR = H_CSR + 34 * 8; // pmpaddr0..15
export const PMP_COUNT = 16;
export const HART_ARCH_SIZE = 0x600;
// Host control (never saved): how the hart and its worker talk.
export const H_CTRL = 0x800;
// i32, set (atomic or) by anyone who wants the hart to leave its inner loop:
// an interrupt raised, a pause request.
export const H_ATTN = H_CTRL + 0x00;
export const H_PARKED = H_CTRL + 0x04; // i32 1 while the worker is parked because the machine is paused
export const H_EXIT = H_CTRL + 0x08; // i32 why the last run() returned: EXIT_*
// i32 target of the atomic read-modify-write that implements FENCE (binaryen
// rejects atomic.fence); a locked instruction is a full barrier on the host.
export const H_FENCE = H_CTRL + 0x0c;
// The hart's status as the run loop and the slow-path helpers leave it, so
// code in another module (a JIT) can read it: a pending synchronous
// exception (cause, -1 = none, and tval), and the current slice's counts.
export const H_EXC_CAUSE = H_CTRL + 0x10; // i32
export const H_SLICE_RETIRED = H_CTRL + 0x14; // i32 instructions retired in the slice
export const H_SLICE_TRAPS = H_CTRL + 0x18; // i32 instructions that trapped in the slice
export const H_EXC_TVAL = H_CTRL + 0x20; // i64
export const H_EXECUTED = H_CTRL + 0x28; // u64 instructions retired since power-on (host statistics; minstret is the guest's)
// i32 the hart's worker adds 1 each time round its loop (at least once a
// second, even parked): the controller's watchdog sees a stuck hart by it.
export const H_BEAT = H_CTRL + 0x30;
export const HART_CTRL_SIZE = 0x100;
// Software TLB (a cache, rebuilt on demand): 4 sets (index = data/fetch
// privilege class, see hart/sv39.ts), each with read, write and fetch arrays
// of TLB_ENTRIES entries of 16 bytes (tag: i64 virtual page, or -1;
// addend: i64 host address - virtual address).
export const H_TLB = 0x1000;
export const TLB_ENTRIES = 256;
export const TLB_ENTRY = 16;
export const TLB_ARRAY = TLB_ENTRIES * TLB_ENTRY; // 4096
export const TLB_SET = 3 * TLB_ARRAY; // read, write, fetch
export const TLB_SETS = 4;
export const TLB_SIZE = TLB_SETS * TLB_SET; // 49152: ends at 53248 < HART_STRIDE
// The JIT's per-hart block (a cache, never saved; hart/jit.ts and
// src/machine/jit/): what compiled code reads, the queues the core fills for
// the hart worker's JIT, and the code slots' generations and last use.
export const H_JIT = 0xd000;
export const HJ_FLAGS = H_JIT + 0x00; // i32 bit 0: the JIT is on for this hart
export const HJ_THRESHOLD = H_JIT + 0x04; // i32 entries into a page before it is queued for translation
export const HJ_TLB_READ = H_JIT + 0x08; // i32 host address of the current read TLB array (for compiled code)
export const HJ_TLB_WRITE = H_JIT + 0x0c; // i32 ... of the write TLB array
export const HJ_TABLE_BASE = H_JIT + 0x10; // i32 function-table index of code slot 0
export const HJ_TLB_FETCH = H_JIT + 0x30; // i32 host address of the current fetch TLB array (compiled code jumping to another region)
export const HJ_EPOCH = H_JIT + 0x14; // i32 run() calls so far (a slot's last use is stamped with it)
export const HJ_QUEUE_COUNT = H_JIT + 0x18; // i32 pages queued for translation
export const HJ_SEEN_COUNT = H_JIT + 0x1c; // i32 entries logged in HJ_SEEN
export const HJ_RETIRED = H_JIT + 0x20; // i64 instructions retired in compiled code (statistics)
export const HJ_CALLS = H_JIT + 0x28; // i64 calls into compiled code (statistics)
export const HJ_QUEUE = H_JIT + 0x40; // JIT_QUEUE_MAX x (i32 page, i32 page offset of the entry)
export const JIT_QUEUE_MAX = 32;
// Entries into pages seen from elsewhere (a jump from another page, a trap,
// xRET; and entries compiled code did not have): what the translator starts
// blocks at, beside what it finds from them inside the page.
export const HJ_SEEN = H_JIT + 0x140; // JIT_SEEN_MAX x (i32 page, i32 offset)
export const JIT_SEEN_MAX = 192;
// The worker's JIT statistics (src/machine/jit/hart-jit.ts publishes them
// here so the controller can report them): f64 ms spent translating,
// compiling, instantiating; then i32 counts (JIT_STAT_NAMES order).
export const HJ_STATS = H_JIT + 0x780;
export const HJ_STATS_SIZE = 0x80;
export const HJ_SLOT_GEN = H_JIT + 0x800; // i32 per slot: the page generation the code was translated from
export const HJ_SLOT_USE = H_JIT + 0x1800; // i32 per slot: HJ_EPOCH at its last call
export const JIT_SLOTS = 1024; // code slots (compiled regions) per hart
export const H_JIT_SIZE = 0x3000;

// ---- the device block, offsets from DEVICE_BASE ----
// Machine words (saved): [0, D_MACHINE_SIZE).
export const D_RAM_SIZE = 0x00; // i64 bytes of guest RAM
export const D_NHARTS = 0x08; // i32 number of harts in the machine
export const D_RTC_HIGH = 0x0c; // i32 goldfish RTC: TIME_HIGH latched by a TIME_LOW read
export const D_RTC_OFFSET_NS = 0x10; // i64 wall-clock ns at mtime 0
export const D_MACHINE_SIZE = 0x40;
// Host control (never saved as such): [D_CONTROL, + D_CONTROL_SIZE).
export const D_CONTROL = 0x40;
// The guest clock: mtime = (host ms - D_MTIME_BASE) * ticks/ms while running;
// D_MTIME_FROZEN holds it while paused (-1 = running). Relative to this
// host's clock, so a snapshot stores the mtime value itself.
export const D_MTIME_BASE = 0x40; // f64 host ms at which mtime was 0
export const D_MTIME_FROZEN = 0x48; // i64 mtime while paused, -1 = running
export const D_LOCK = 0x50; // i32 spinlock serialising device register accesses across harts and the host
// i32 power request from the guest (sifive,test): POWER_* below.
export const D_POWER = 0x54;
export const D_POWER_CODE = 0x58; // i32 exit code that came with POWER_FAIL
// i32 bit mask of virtio-mmio slots whose queues were notified (host clears).
export const D_IO_PENDING = 0x5c;
// i32 what the host wants the harts to do: RUN_* below. Harts leave run()
// at the next block boundary when it is not RUN_GO (the host also raises
// every hart's attn), and park on it while it is RUN_PAUSE.
export const D_RUNSTATE = 0x60;
export const D_SPEED = 0x68; // f64 speed cap, fraction of full speed (0, 1]
export const D_HTIF_TOHOST = 0x70; // i64 guest physical address of tohost, 0 = none
export const D_HTIF_VALUE = 0x78; // i64 last value written to tohost
export const D_CONTROL_SIZE = 0x40;
// The deterministic clock (rvplay --deterministic; QEMU's -icount), host
// control like the block above, never saved: [D_ICOUNT, + D_ICOUNT_SIZE).
// In CLOCK_INSTRUCTIONS mode (one hart) mtime counts hart 0's retired
// instructions, INSNS_PER_TICK per tick, plus the idle time skipped at WFI.
export const D_ICOUNT = 0xc0;
export const D_CLOCK_MODE = 0xc0; // i32 CLOCK_HOST or CLOCK_INSTRUCTIONS
// i32 set by the hart (atomic) when it is idle with nothing to wake it but
// console input: the controller feeds one line, clears it and notifies.
export const D_IDLE_WAIT = 0xc4;
export const D_MTIME_WARP = 0xc8; // i64 ticks of idle time skipped (WFI jumps to the timer deadline)
export const D_IDLE_WARPED = 0xd0; // i64 ticks skipped since the last console input (bounds an idle guest's racing)
export const D_ICOUNT_BASE = 0xd8; // i64 hart 0's H_EXECUTED when its current slice began
// i32 the hart's requests that the I/O side finish everything notified so
// far (counted up by the hart), and the last request it finished: a virtio
// request completes at the instruction that notified it.
export const D_IO_SETTLE_REQ = 0xe0;
export const D_IO_SETTLE_ACK = 0xe4;
// i32 the controller's answer to D_IDLE_WAIT: IDLE_* below.
export const D_IDLE_REPLY = 0xe8;
export const D_ICOUNT_SIZE = 0x30;
// D_IO_PENDING bit the hart sets with a settle request (beyond the slots'),
// so that the I/O side's wait on D_IO_PENDING never misses it.
export const IO_PENDING_SETTLE = 1 << 30;
// D_IDLE_WAIT: 1 = the hart asks for console input (0: answered).
// D_IDLE_REPLY: what the controller did.
export const IDLE_INPUT = 1; // it put input in the receive ring
export const IDLE_NO_INPUT = 2; // none now (the receive ring is full): the clock skips ahead this time
export const IDLE_ENDED = 3; // none will ever come (the input ended): the clock skips ahead from now on
export const CLOCK_HOST = 0;
export const CLOCK_INSTRUCTIONS = 1;
// 10 instructions per 100 ns tick: the guest sees a 100 MIPS machine.
export const INSNS_PER_TICK = 10;
// The bus map (host-written configuration, rebuilt from the machine's
// configuration, never saved): which device answers which physical range.
// BUS_ENTRY bytes per device: u32 base, u32 size, u32 kind (DEV_* in
// board.ts), u32 index (virtio slot), u32 access widths (bit n: 2^n bytes),
// u32 PLIC source; then D_BUS_COUNT holds how many entries are in use.
export const D_BUS = 0x100;
export const D_BUS_COUNT = 0x0fc;
export const BUS_ENTRY = 0x20;
export const BUS_MAX = 24;
export const BUS_BASE = 0x00;
export const BUS_SIZE = 0x04;
export const BUS_KIND = 0x08;
export const BUS_INDEX = 0x0c;
export const BUS_WIDTHS = 0x10;
export const BUS_IRQ = 0x14;
export const D_CLINT = 0x1000; // CLINT state: msip (i32 per hart slot)
export const D_CLINT_MTIMECMP = D_CLINT + 0x100; // i64 per hart slot
export const D_CLINT_SIZE = 0x200;
export const D_UART = 0x2000; // ns16550a registers and the rings' indices
export const D_UART_SIZE = 0x100;
export const D_PLIC = 0x3000; // PLIC state
export const D_PLIC_SIZE = 0x600;
// Boot ROM contents (guest physical BOOTROM_BASE of board.ts, read and execute only).
export const D_ROM = 0x10000;
export const D_ROM_SIZE = 0xf000;
export const D_VIRTIO = 0x20000; // virtio-mmio slots, VIRTIO_SLOT_SIZE each
export const VIRTIO_SLOT_SIZE = 0x400;
export const D_UART_TX = 0x30000; // console output ring (core writes, host drains)
export const UART_TX_SIZE = 0x10000;
export const D_UART_RX = 0x40000; // console input ring (host writes, core reads)
export const UART_RX_SIZE = 0x1000;

// Why run() returned (also left in H_EXIT), and what a device write or a
// slow-path helper asks of the run loop (the same numbers; 0 = nothing).
export const EXIT_BUDGET = 0; // slice used up
export const EXIT_HTIF = 1; // guest wrote tohost
export const EXIT_WFI = 2; // hart waits for an interrupt
export const EXIT_ATTN = 3; // someone asked the hart to stop
export const EXIT_POWER = 5; // the guest asked to power off or reset (D_POWER)
export const EXIT_IO = 6; // a virtio queue was notified (D_IO_PENDING)
export const EXIT_CONSOLE = 7; // deterministic mode: the console's output ring is half full; the host drains it
// A slow-path helper's status beside the EXIT_ requests: the access raised
// an exception, recorded in H_EXC_CAUSE / H_EXC_TVAL.
export const STATUS_OK = 0;
export const STATUS_TRAP = -1;
// What compiled code returns to the core's dispatcher (hart/run.ts), besides
// an EXIT_ request from a device (the store done, pc at the next instruction).
// Compiled code leaves pc in H_PC and the slice's count in H_SLICE_RETIRED.
export const JIT_LEAVE = -1; // at a taken branch, as the interpreter leaves: the slice loop checks, then dispatches
export const JIT_FALL = -2; // stopped before an instruction it does not translate, or after its code changed: interpret from pc
export const JIT_TRAP = -3; // the instruction at pc raised the pending exception; H_SLICE_RETIRED counts it as started
export const JIT_NO_ENTRY = -4; // pc does not start a block of this region
// pc is in another page (a taken jump that needs no check, or straight on
// past the page's end): run its region if it has one, else interpret. (A
// region never calls another directly: importing the function table into
// every region made each instantiation cost ~0.2 ms and each table.set
// touch every region, under V8.)
export const JIT_CONTINUE = -5;

export const RUN_GO = 0;
export const RUN_PAUSE = 1;
export const RUN_STOP = 2;

export const POWER_NONE = 0;
export const POWER_OFF = 1;
export const POWER_RESET = 2;
export const POWER_FAIL = 3;

// UART ring indices (i32, free-running byte counts; differences are taken
// modulo 2^32), offsets from D_UART.
export const UART_TX_HEAD = 0x40;
export const UART_TX_TAIL = 0x44;
export const UART_RX_HEAD = 0x48;
export const UART_RX_TAIL = 0x4c;
// i32: 1 + the virtio slot of a console device waiting for room in the
// output ring (0 = none); the host kicks that slot when it has drained.
export const UART_TX_WAITER = 0x50;
// i32: 1 while the host's virtio-console holds a transmit request it could
// not yet put whole into the output ring; later ones wait behind it (the
// hart's fast path in devices/virtio-console.ts leaves them to the host).
export const UART_TX_HELD = 0x54;

// virtio-mmio slot state, offsets from D_VIRTIO + slot * VIRTIO_SLOT_SIZE.
export const VQ_DEVICE_ID = 0x00; // u32, 0 = empty slot
export const VQ_DEVICE_FEATURES = 0x08; // u64
export const VQ_DRIVER_FEATURES = 0x10; // u64
export const VQ_DEVICE_FEATURES_SEL = 0x18;
export const VQ_DRIVER_FEATURES_SEL = 0x1c;
export const VQ_QUEUE_SEL = 0x20;
export const VQ_STATUS = 0x24;
export const VQ_INTERRUPT_STATUS = 0x28;
export const VQ_CONFIG_GENERATION = 0x2c;
export const VQ_NUM_QUEUES = 0x30; // queues the device has
export const VQ_NOTIFIED = 0x34; // bit mask of notified queues (host clears)
// u32 bumped by every device reset (Status = 0): the host drops completions
// of requests it took before the reset it has not seen yet.
export const VQ_RESET_GEN = 0x38;
export const VQ_QUEUES = 0x40; // VQ_QUEUE_SIZE per queue
export const VQ_QUEUE_SIZE = 0x30;
export const VQ_MAX_QUEUES = 4;
export const VQ_CONFIG = 0x200; // device config space, 0x100 bytes
export const VQ_CONFIG_SIZE = 0x100;
// per queue, offsets from the queue's state:
export const Q_NUM = 0x00; // u32
export const Q_READY = 0x04; // u32
export const Q_DESC = 0x08; // u64
export const Q_DRIVER = 0x10; // u64 (avail ring)
export const Q_DEVICE = 0x18; // u64 (used ring)
export const Q_LAST_AVAIL = 0x20; // u32, the host's next avail index
export const VIRTQ_MAX_SIZE = 256;
