/* hostile.c - a guest that pokes at everything it should not: on every hart
 * of the virt machine (as M-mode firmware), it reads and writes the pages
 * of the low 4 GiB of physical address space and a sample above, at every
 * width, misaligned at device registers, with LR and AMOs on devices and
 * unmapped memory, jumps into device and unmapped pages, translates through
 * page tables outside RAM and at devices (MPRV with satp = Sv39), and fills
 * a virtio queue with malformed descriptors. Every access's outcome is
 * checked against what the privileged spec and the board say (an access
 * fault where nothing answers or the width is wrong; misaligned may also be
 * reported as address-misaligned). Hart 0 waits for the others, prints the
 * counts and powers off: 0x5555 (pass) or 0x3333 | mismatches << 16 (fail)
 * to the sifive,test device. The host must survive it all and stay
 * responsive.
 */
typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;

#define RAM_BASE 0x80000000ul
#define UART 0x10000000ul
#define TEST_DEV 0x100000ul
#define VIRTIO 0x10001000ul
#define SAFE_VALUE 0x1111ul /* no sifive,test command; harmless elsewhere */

enum { C_FETCH_MIS = 0, C_FETCH = 1, C_LOAD_MIS = 4, C_LOAD = 5, C_STORE_MIS = 6, C_STORE = 7, C_ECALL_M = 11 };
enum { OP_LB, OP_LH, OP_LW, OP_LD, OP_SB, OP_SH, OP_SW, OP_SD, OP_LR, OP_AMO, OP_FETCH, OP_COUNT };
static const char *const op_name[OP_COUNT] = { "lb", "lh", "lw", "ld", "sb", "sh", "sw", "sd", "lr.w", "amoadd.w", "fetch" };

struct hart {
  volatile long cause;      /* of the last trap, -1: none */
  volatile u64 tval;
  u64 accesses, faults, mismatches, pages;
  u64 bad_addr; int bad_op; long bad_cause, bad_want;
};
static struct hart harts[8];
static volatile int lock_word;
static volatile int arrived, finished, nharts, go;
extern char image_end[];
static u64 ram_end; /* from the DTB is overkill: we probe it */
static u32 virtio_slots; /* the virtio-mmio slots with a device (QEMU maps all eight, rvplay those in use) */

static inline u64 hartid(void) { u64 v; __asm__ volatile("csrr %0, mhartid" : "=r"(v)); return v; }

/* ---- console ---- */
static void lock(void) { while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE)) {} }
static void unlock(void) { __atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE); }
static void putc_(char c) {
  volatile u8 *u = (volatile u8 *)UART;
  while (!(u[5] & 0x20)) {}
  u[0] = (u8)c;
}
static void puts_(const char *s) { while (*s) { if (*s == '\n') putc_('\r'); putc_(*s++); } }
static void putn(u64 v) { char b[24]; int i = 0; do { b[i++] = '0' + v % 10; v /= 10; } while (v); while (i) putc_(b[--i]); }
static void putx(u64 v) { puts_("0x"); for (int s = 60; s >= 0; s -= 4) putc_("0123456789abcdef"[(v >> s) & 15]); }

/* ---- traps: record, then go on after the instruction (or back to the
 * caller, for a fetch that faulted) ---- */
u64 trap(u64 *regs) {
  u64 cause, epc, tval;
  __asm__ volatile("csrr %0, mcause; csrr %1, mepc; csrr %2, mtval" : "=r"(cause), "=r"(epc), "=r"(tval));
  struct hart *h = &harts[hartid()];
  h->cause = (long)cause;
  h->tval = tval;
  if ((long)cause < 0) return epc; /* an interrupt: none is enabled */
  if (cause == C_FETCH || cause == C_FETCH_MIS || cause == 12) return regs[1]; /* ra: the caller */
  u16 insn = *(volatile u16 *)epc;
  return epc + ((insn & 3) == 3 ? 4 : 2);
}

/* One access; returns the trap's cause, or -1. */
static long probe(int op, u64 a) {
  struct hart *h = &harts[hartid()];
  u64 v = SAFE_VALUE;
  h->cause = -1;
  switch (op) {
    case OP_LB: __asm__ volatile("lb %0, 0(%1)" : "=r"(v) : "r"(a) : "memory"); break;
    case OP_LH: __asm__ volatile("lh %0, 0(%1)" : "=r"(v) : "r"(a) : "memory"); break;
    case OP_LW: __asm__ volatile("lw %0, 0(%1)" : "=r"(v) : "r"(a) : "memory"); break;
    case OP_LD: __asm__ volatile("ld %0, 0(%1)" : "=r"(v) : "r"(a) : "memory"); break;
    case OP_SB: __asm__ volatile("sb %0, 0(%1)" :: "r"(v), "r"(a) : "memory"); break;
    case OP_SH: __asm__ volatile("sh %0, 0(%1)" :: "r"(v), "r"(a) : "memory"); break;
    case OP_SW: __asm__ volatile("sw %0, 0(%1)" :: "r"(v), "r"(a) : "memory"); break;
    case OP_SD: __asm__ volatile("sd %0, 0(%1)" :: "r"(v), "r"(a) : "memory"); break;
    case OP_LR: __asm__ volatile("lr.w %0, (%1)" : "=r"(v) : "r"(a) : "memory"); break;
    case OP_AMO: __asm__ volatile("amoadd.w %0, zero, (%1)" : "=r"(v) : "r"(a) : "memory"); break;
    case OP_FETCH: ((void (*)(void))a)(); break;
  }
  (void)v;
  return h->cause;
}

static int width(int op) {
  switch (op) { case OP_LB: case OP_SB: return 1; case OP_LH: case OP_SH: return 2;
    case OP_LW: case OP_SW: case OP_LR: case OP_AMO: return 4; default: return 8; }
}
static int is_store(int op) { return op >= OP_SB && op <= OP_SD; }

/* What the board answers at physical `a` (virt, as rvplay and QEMU map it):
 * the access widths a device takes (a mask of sizes), or 0 where nothing
 * answers. Memory (RAM, the boot ROM for reads) takes every width. */
#define W1 1
#define W2 2
#define W4 4
#define W8 8
#define MEMORY 0x100
static int widths_at(u64 a, int store) {
  if (a >= RAM_BASE && a < ram_end) return MEMORY;
  if (a >= 0x1000 && a < 0x10000) return store ? 0 : MEMORY;       /* boot ROM */
  if (a >= TEST_DEV && a < TEST_DEV + 0x1000) return W2 | W4;      /* sifive,test */
  if (a >= 0x101000 && a < 0x102000) return W4;                    /* goldfish RTC */
  if (a >= 0x2000000 && a < 0x2010000) return W4 | W8;             /* CLINT */
  if (a >= 0xc000000 && a < 0xc600000) return W4;                  /* PLIC */
  if (a >= UART && a < UART + 0x100) return W1;                    /* 16550A */
  if (a >= VIRTIO && a < VIRTIO + 8 * 0x1000                       /* virtio-mmio */
      && (virtio_slots >> ((a - VIRTIO) >> 12) & 1)) {              /* (where a device is) */
    if ((a & 0xfff) >= 0x100 && !store) return W1 | W2 | W4 | W8;  /* config space, read */
    return W4;                                                     /* registers */
  }
  return 0;
}

/* The causes the spec allows for `op` at `a`: -1 means it must not fault. */
static void expect(int op, u64 a, long *want, long *alt) {
  *alt = -2;
  if (op == OP_FETCH) {
    int memory = (a >= RAM_BASE && a < ram_end) || (a >= 0x1000 && a < 0x10000);
    *want = memory ? -1 : C_FETCH;
    return;
  }
  int w = width(op), store = is_store(op) || op == OP_AMO;
  int atomic = op == OP_LR || op == OP_AMO;
  int ws = widths_at(a, store);
  long fault = (op == OP_LR || !store) ? C_LOAD : C_STORE;
  long mis = (op == OP_LR || !store) ? C_LOAD_MIS : C_STORE_MIS;
  if (a & (u64)(w - 1)) {
    /* Misaligned: atomics must raise address-misaligned (or access fault);
     * plain accesses are done in RAM, and elsewhere fault either way. */
    if (ws == MEMORY && !atomic) { *want = -1; return; }
    *want = fault; *alt = mis;
    return;
  }
  if (atomic) { *want = (ws == MEMORY && a >= RAM_BASE) ? -1 : fault; return; }
  *want = (ws == MEMORY || (ws & w)) ? -1 : fault;
}

static void check(int op, u64 a) {
  struct hart *h = &harts[hartid()];
  long want, alt;
  expect(op, a, &want, &alt);
  long got = probe(op, a);
  h->accesses++;
  if (got >= 0) h->faults++;
  int ok = got == want || got == alt;
  /* An access fault's mtval is the address (this is M-mode, bare). */
  if (ok && got >= 0 && op != OP_FETCH && h->tval != a) ok = 0;
  if (!ok) {
    if (h->mismatches++ == 0) { h->bad_addr = a; h->bad_op = op; h->bad_cause = got; h->bad_want = want; }
  }
}

/* Every width, read and write, LR and AMO at one address; writes skip this
 * image and its stacks (and the kernel area we leave alone). */
static void sweep_at(u64 a) {
  int own = a >= RAM_BASE && a < RAM_BASE + 0x200000;
  for (int op = OP_LB; op <= OP_AMO; op++) {
    if (own && (is_store(op) || op == OP_AMO)) continue;
    check(op, a);
  }
}

/* ---- translation through page tables that are not memory ---- */
static void check_translated(u64 root_pa, int op) {
  struct hart *h = &harts[hartid()];
  u64 satp = (8ul << 60) | (root_pa >> 12);
  u64 va = 0x1000;
  u64 mprv = (1ul << 17) | (1ul << 11); /* MPRV, MPP = S */
  h->cause = -1;
  __asm__ volatile("csrw satp, %0; sfence.vma" :: "r"(satp) : "memory");
  __asm__ volatile("csrs mstatus, %0" :: "r"(mprv) : "memory");
  u64 v = 0;
  if (op == OP_LD) __asm__ volatile("ld %0, 0(%1)" : "=r"(v) : "r"(va) : "memory");
  else __asm__ volatile("sd %0, 0(%1)" :: "r"(v), "r"(va) : "memory");
  __asm__ volatile("csrc mstatus, %0" :: "r"(mprv) : "memory");
  __asm__ volatile("csrw satp, zero; sfence.vma" ::: "memory");
  long want = op == OP_LD ? C_LOAD : C_STORE;
  h->accesses++;
  if (h->cause >= 0) h->faults++;
  if (h->cause != want && h->mismatches++ == 0) { h->bad_addr = root_pa; h->bad_op = op; h->bad_cause = h->cause; h->bad_want = want; }
}

/* ---- a virtio queue full of malformed descriptors ---- */
struct desc { u64 addr; u32 len; u16 flags, next; };
static struct desc table[16] __attribute__((aligned(4096)));
static u16 avail[4 + 16] __attribute__((aligned(4096)));
static u32 used[2 + 2 * 16] __attribute__((aligned(4096)));

static void bad_queue(void) {
  for (int slot = 0; slot < 8; slot++) {
    volatile u32 *r = (volatile u32 *)(VIRTIO + slot * 0x1000ul);
    if (r[0] != 0x74726976 || r[2] == 0) continue; /* magic "virt", a device */
    for (int i = 0; i < 16; i++) {
      table[i].addr = (i & 1) ? 0x0ul : ~0ul - 4095;  /* outside RAM */
      table[i].len = (i & 2) ? 0xffffffffu : 512;
      table[i].flags = (u16)((i % 3 == 0) ? 4 : 3);   /* INDIRECT or NEXT|WRITE */
      table[i].next = (u16)((i + 7) & 15);           /* cycles */
    }
    table[0].addr = (u64)table; table[0].len = sizeof table; table[0].flags = 4; /* indirect: itself */
    for (int i = 0; i < 16; i++) avail[2 + i] = (u16)(i * 5);
    avail[1] = 40000;  /* idx runs far ahead of the queue size */
    r[0x070 / 4] = 0;  /* reset */
    r[0x070 / 4] = 1 | 2 | 8;
    r[0x030 / 4] = 0;  /* queue 0 */
    r[0x038 / 4] = 16;
    r[0x080 / 4] = (u32)(u64)table; r[0x084 / 4] = (u32)((u64)table >> 32);
    r[0x090 / 4] = (u32)(u64)avail; r[0x094 / 4] = (u32)((u64)avail >> 32);
    r[0x0a0 / 4] = (u32)(u64)used;  r[0x0a4 / 4] = (u32)((u64)used >> 32);
    r[0x044 / 4] = 1;
    r[0x070 / 4] = 1 | 2 | 8 | 4;  /* DRIVER_OK */
    r[0x050 / 4] = 0;              /* notify */
    /* Also the transmit queue of a console, where the hart serves it itself. */
    r[0x030 / 4] = 1;
    if (r[0x034 / 4]) { r[0x038 / 4] = 16; r[0x080 / 4] = (u32)(u64)table; r[0x090 / 4] = (u32)(u64)avail; r[0x0a0 / 4] = (u32)(u64)used; r[0x044 / 4] = 1; r[0x050 / 4] = 1; }
    /* The device must flag itself (NEEDS_RESET, 64) and the host go on. */
    for (long spin = 0; spin < 20000000 && !(r[0x070 / 4] & 64); spin++) {}
    lock();
    puts_("hostile: virtio slot "); putn((u64)slot); puts_(" device "); putn(r[2]);
    puts_((r[0x070 / 4] & 64) ? ": NEEDS_RESET after malformed queues\n" : ": still running after malformed queues\n");
    unlock();
    r[0x070 / 4] = 0;
  }
}

/* The number of harts: the DTB's nodes named cpu@N (the boot ROM passes its
 * address in a1). The flattened tree is big-endian (devicetree spec 5.4). */
static u32 be32(const u8 *p) { return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3]; }
static int storm; /* the command line says "hostile.storm": sweep until the host quits */
static int has_word(const char *s, u32 len, const char *w) {
  for (u32 i = 0; i < len; i++) {
    u32 j = 0;
    while (w[j] && i + j < len && s[i + j] == w[j]) j++;
    if (!w[j]) return 1;
  }
  return 0;
}
static int dtb_cpus(const u8 *dtb) {
  if (be32(dtb) != 0xd00dfeedu) return 0;
  const u8 *p = dtb + be32(dtb + 8), *end = p + be32(dtb + 36);
  const char *strings = (const char *)dtb + be32(dtb + 12);
  int cpus = 0;
  while (p < end) {
    u32 token = be32(p); p += 4;
    if (token == 1) {          /* FDT_BEGIN_NODE, a NUL-terminated name */
      const char *name = (const char *)p;
      if (name[0] == 'c' && name[1] == 'p' && name[2] == 'u' && name[3] == '@') cpus++;
      while (*p) p++;
      p = (const u8 *)(((u64)p + 4) & ~3ul);
    } else if (token == 3) {   /* FDT_PROP: len, nameoff, value */
      u32 len = be32(p);
      if (has_word(strings + be32(p + 4), 9, "bootargs") && has_word((const char *)p + 8, len, "hostile.storm")) storm = 1;
      p += 8 + ((len + 3) & ~3u);
    } else if (token == 9) {
      break;                   /* FDT_END */
    } else if (token != 2 && token != 4) {
      return 0;                /* not a tree we can read */
    }
  }
  return cpus;
}

void hart_main(u64 id, const u8 *dtb) {
  /* PMP: everything for S-mode (the MPRV accesses), as OpenSBI would. */
  u64 all = ~0ul >> 10, cfg = 0x1f;
  __asm__ volatile("csrw pmpaddr0, %0; csrw pmpcfg0, %1" :: "r"(all), "r"(cfg));
  __atomic_fetch_add(&arrived, 1, __ATOMIC_SEQ_CST);
  if (id == 0) {
    /* Wait for every hart the DTB lists (the ROM starts them all; a loaded
     * host may start a worker late), bounded in case one never comes. */
    int want = dtb_cpus(dtb);
    if (want < 1 || want > 8) want = 1;
    for (long spin = 0; spin < 2000000000l && __atomic_load_n(&arrived, __ATOMIC_ACQUIRE) < want; spin++) {}
    nharts = arrived;
    /* How much RAM: the first page past it faults. */
    u64 a = RAM_BASE, step = 64ul << 20;
    while (a + step < (1ul << 32) && probe(OP_LB, a + step) < 0) a += step;
    while (a < (1ul << 32) && probe(OP_LB, a) < 0) a += 4096;
    ram_end = a;
    for (int slot = 0; slot < 8; slot++)
      if (probe(OP_LW, VIRTIO + slot * 0x1000ul) < 0) virtio_slots |= 1u << slot;
    lock(); puts_("hostile: "); putn((u64)nharts); puts_(" harts, RAM ends at "); putx(ram_end); puts_("\n"); unlock();
    __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
  } else {
    while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE)) {}
  }
  int n = nharts;
  if ((int)id >= n) for (;;) __asm__ volatile("wfi"); /* came too late to share the work */
  struct hart *h = &harts[id];
  /* The low 4 GiB, in turns between the harts: every page of the first
   * 512 MiB (all the devices), every sixteenth above (RAM, and nothing). */
  for (u64 round = 1;; round++) {
  u64 turn = 0;
  for (u64 p = 0; p < (1ul << 20); p += p < 0x20000 ? 1 : 16) {
    if (turn++ % (u64)n != id) continue;
    u64 a = p << 12;
    sweep_at(a);
    h->pages++;
    /* Device pages: misaligned registers too, and a jump into the page. */
    if (widths_at(a, 0) && widths_at(a, 0) != MEMORY) {
      for (int op = OP_LH; op <= OP_AMO; op++) if (op != OP_SB) check(op, a + 1), check(op, a + 2), check(op, a + 3);
    }
    /* A jump: into a device page, or now and then where nothing answers
     * (never into memory, which would run whatever is there). */
    int ws = widths_at(a, 0);
    if (ws != MEMORY && (ws || (p & 255) == 0)) check(OP_FETCH, a);
  }
  if (!storm) break;
  if (id == 0) { lock(); puts_("hostile: storm round "); putn(round); puts_(" done\n"); unlock(); }
  }
  /* A sample above 4 GiB, up to and past the 56-bit physical space. */
  static const u64 high[] = { 1ul << 32, (1ul << 32) + 0x1000, 1ul << 36, 1ul << 40, 1ul << 48, (1ul << 56) - 4096, 1ul << 56, ~0ul - 4095 };
  for (unsigned i = 0; i < sizeof high / sizeof high[0]; i++) { sweep_at(high[i]); if (widths_at(high[i], 0) != MEMORY) check(OP_FETCH, high[i]); }
  /* Page tables where there is no memory, or a device. */
  /* (Not the CLINT: it answers 64-bit reads, so a walk there reads a PTE.) */
  static const u64 roots[] = { 0x0ul, 0x200000ul, TEST_DEV, UART, 0xc000000ul, VIRTIO, 0x40000000ul, 1ul << 40 };
  for (unsigned i = 0; i < sizeof roots / sizeof roots[0]; i++) { check_translated(roots[i], OP_LD); check_translated(roots[i], OP_SD); }
  if (id == 0) bad_queue();

  __atomic_fetch_add(&finished, 1, __ATOMIC_SEQ_CST);
  if (id != 0) for (;;) __asm__ volatile("wfi");
  while (__atomic_load_n(&finished, __ATOMIC_ACQUIRE) != n) {}
  u64 bad = 0;
  lock();
  for (int i = 0; i < n; i++) {
    struct hart *x = &harts[i];
    puts_("hostile: hart "); putn((u64)i); puts_(": "); putn(x->pages); puts_(" pages, ");
    putn(x->accesses); puts_(" accesses, "); putn(x->faults); puts_(" faults, "); putn(x->mismatches); puts_(" mismatches\n");
    if (x->mismatches) {
      puts_("hostile:   first: "); puts_(op_name[x->bad_op]); puts_(" at "); putx(x->bad_addr);
      puts_(" gave cause "); putn((u64)x->bad_cause); puts_(", the spec wants "); putn((u64)x->bad_want); puts_("\n");
    }
    bad += x->mismatches;
  }
  puts_(bad ? "hostile: FAILED\n" : "hostile: all OK\n");
  unlock();
  volatile u32 *test = (volatile u32 *)TEST_DEV;
  *test = bad ? 0x3333u | ((u32)(bad > 0xffff ? 0xffff : bad) << 16) : 0x5555u;
  for (;;) __asm__ volatile("wfi");
}
