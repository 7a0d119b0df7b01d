/* smc.c - code written by one hart and run by another (issue 12). Hart 1
 * calls smc_fn (start.S, a page of its own) until that page is hot and runs
 * translated; hart 0 then rewrites smc_fn's first instruction twice:
 *   1. with a remote fence.i: hart 0 stores, fences, and sends hart 1 a
 *      software interrupt (CLINT msip, what an SBI remote fence.i does);
 *      hart 1's handler runs fence.i. After it, hart 1 must run the new
 *      code (the ISA manual's Zifencei rule);
 *   2. with no fence.i at all: hart 0 stores, fences, and sets a flag;
 *      hart 1, once it sees the flag, calls smc_fn at once. The ISA does
 *      not promise the new code here, but this machine does (a store to a
 *      page holding translated code retires that code on every hart before
 *      its next use, as the interpreter always fetches what memory holds;
 *      QEMU's TCG behaves the same).
 * Before the change is seen, the old value is allowed too. Hart 0 prints
 * what hart 1 saw and powers off through the sifive,test device: 0x5555
 * (pass) or 0x3333 (fail). */
typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned char u8;

#define UART 0x10000000ul
#define TEST_DEV 0x100000ul
#define CLINT_MSIP 0x2000000ul
#define ADDI_A0(k) ((u32)(((k) << 20) | (10 << 7) | 0x13))
#define WARM_CALLS 200000
#define SPIN_LIMIT 50000000ul

extern u32 smc_fn[];
typedef long (*fn_t)(void);

static volatile int ready, fenced, done1, written, done2, failed;
static volatile long bad_value, after_fence, after_write, calls_before_fence, calls_before_flag;
static volatile u64 bad_cause;

static inline u64 hartid(void) { u64 v; __asm__ volatile("csrr %0, mhartid" : "=r"(v)); return v; }
static inline long call(void) { return ((fn_t)smc_fn)(); }

static void putc_(char c) {
  volatile u8 *u = (volatile u8 *)UART;
  while (!(u[5] & 0x20)) {}
  u[0] = (u8)c;
}
static void puts_(const char *s) { while (*s) { if (*s == '\n') putc_('\r'); putc_(*s++); } }
static void putn(long v) { char b[24]; int i = 0; if (v < 0) { putc_('-'); v = -v; } do { b[i++] = '0' + v % 10; v /= 10; } while (v); while (i) putc_(b[--i]); }

static void power(u32 v) { *(volatile u32 *)TEST_DEV = v; for (;;) __asm__ volatile("wfi"); }

/* Hart 1's software interrupt: the remote half of a remote fence.i. */
void trap(void) {
  u64 cause;
  __asm__ volatile("csrr %0, mcause" : "=r"(cause));
  if (cause == ((1ul << 63) | 3)) {
    *(volatile u32 *)(CLINT_MSIP + 4 * hartid()) = 0;
    __asm__ volatile("fence.i" ::: "memory");
    fenced = 1;
    return;
  }
  bad_cause = cause;
  failed = 1;
  for (;;) __asm__ volatile("wfi");
}

static void hart1(void) {
  __asm__ volatile("fence.i" ::: "memory");
  for (long i = 0; i < WARM_CALLS; i++) {
    long v = call();
    if (v != 1) { bad_value = v; failed = 1; }
  }
  ready = 1;
  /* 1: wait for the software interrupt, calling the code meanwhile. */
  __asm__ volatile("csrs mie, %0" :: "r"(1ul << 3));
  __asm__ volatile("csrs mstatus, %0" :: "r"(1ul << 3));
  long n = 0;
  while (!fenced) {
    long v = call();
    if (v != 1 && v != 2) { bad_value = v; failed = 1; }
    if (++n > (long)SPIN_LIMIT) { failed = 1; break; }
  }
  __asm__ volatile("csrc mstatus, %0" :: "r"(1ul << 3));
  calls_before_fence = n;
  after_fence = call();
  done1 = 1;
  /* 2: no fence.i: wait for the flag, calling the code meanwhile. */
  n = 0;
  while (!__atomic_load_n(&written, __ATOMIC_ACQUIRE)) {
    long v = call();
    if (v != 2 && v != 3) { bad_value = v; failed = 1; }
    if (++n > (long)SPIN_LIMIT) { failed = 1; break; }
  }
  after_write = call();
  calls_before_flag = n;
  done2 = 1;
}

static int wait_for(volatile int *flag) {
  for (u64 i = 0; i < SPIN_LIMIT; i++) {
    if (*flag) return 1;
    if (failed) return 0;
  }
  return 0;
}

void hart_main(u64 id) {
  if (id == 1) { hart1(); for (;;) __asm__ volatile("wfi"); }
  if (id != 0) for (;;) __asm__ volatile("wfi");
  puts_("smc: start\n");
  int ok = wait_for(&ready);
  /* 1: store, fence, software interrupt to hart 1 (a remote fence.i). */
  smc_fn[0] = ADDI_A0(2);
  __asm__ volatile("fence rw, rw" ::: "memory");
  *(volatile u32 *)(CLINT_MSIP + 4) = 1;
  ok = ok && wait_for(&done1);
  /* 2: store, fence, flag; no fence.i anywhere. */
  smc_fn[0] = ADDI_A0(3);
  __atomic_store_n(&written, 1, __ATOMIC_RELEASE);
  ok = ok && wait_for(&done2);
  puts_("smc: after the remote fence.i: "); putn(after_fence);
  puts_(" ("); putn(calls_before_fence); puts_(" calls before it)\n");
  puts_("smc: after the store, no fence.i: "); putn(after_write);
  puts_(" ("); putn(calls_before_flag); puts_(" calls before the flag)\n");
  if (failed) { puts_("smc: hart 1 failed: value "); putn(bad_value); puts_(" cause "); putn((long)bad_cause); puts_("\n"); }
  ok = ok && !failed && after_fence == 2 && after_write == 3;
  puts_(ok ? "smc: all OK\n" : "smc: FAILED\n");
  power(ok ? 0x5555 : 0x3333);
}
