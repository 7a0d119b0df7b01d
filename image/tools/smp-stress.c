// smp-stress: a parallel workout for the emulator's SMP, built into the
// sample image (/usr/bin/smp-stress). Each check has an exact expected
// result; any lost atomic, stale translation or broken wake-up shows up as a
// wrong total or a hang.
//
//   smp-stress [workers] [iterations]
//
// 1. atomic: workers pinned to different CPUs add to shared counters with
//    AMOs (amoadd), with LR/SC compare-and-swap loops, and under a spinlock
//    protecting a plain counter.
// 2. fork: each worker forks and reaps children that exit with a code.
// 3. pipe: pairs of workers on different CPUs pass a counter through pipes.
// 4. remap: each worker repeatedly maps, writes, unmaps fresh pages (TLB
//    shootdowns) and checks what it reads back.
// Prints one line per check and "smp-stress: all OK" with status 0.
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct shared {
  long amo;
  long cas;
  long plain;
  int lock;
  int cpus_seen[64];
};

static struct shared *sh;
static int ncpu;

static void pin(int i) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(i % ncpu, &set);
  sched_setaffinity(0, sizeof set, &set);
}

static void lock(int *l) { while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE)) while (__atomic_load_n(l, __ATOMIC_RELAXED)) ; }
static void unlock(int *l) { __atomic_store_n(l, 0, __ATOMIC_RELEASE); }

static void atomic_worker(int id, long iters) {
  pin(id);
  int cpu = sched_getcpu();
  if (cpu >= 0 && cpu < 64) __atomic_store_n(&sh->cpus_seen[cpu], 1, __ATOMIC_RELAXED);
  for (long i = 0; i < iters; i++) {
    __atomic_fetch_add(&sh->amo, 1, __ATOMIC_RELAXED);
    long old = __atomic_load_n(&sh->cas, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n(&sh->cas, &old, old + 1, 1, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) ;
    lock(&sh->lock);
    sh->plain++;
    unlock(&sh->lock);
  }
}

static int fork_worker(int id, int children) {
  pin(id);
  long sum = 0, want = 0;
  for (int c = 0; c < children; c++) {
    pid_t p = fork();
    if (p < 0) return 1;
    if (p == 0) _exit((id * 7 + c) & 0x7f);
    int st;
    if (waitpid(p, &st, 0) != p || !WIFEXITED(st)) return 1;
    sum += WEXITSTATUS(st);
    want += (id * 7 + c) & 0x7f;
  }
  return sum == want ? 0 : 1;
}

static int pipe_pair(int id, int rounds) {
  int ab[2], ba[2];
  if (pipe(ab) || pipe(ba)) return 1;
  pid_t p = fork();
  if (p < 0) return 1;
  if (p == 0) {
    pin(id + 1);
    for (int r = 0; r < rounds; r++) {
      long v;
      if (read(ab[0], &v, sizeof v) != sizeof v) _exit(1);
      v++;
      if (write(ba[1], &v, sizeof v) != sizeof v) _exit(1);
    }
    _exit(0);
  }
  pin(id);
  long v = 0;
  for (int r = 0; r < rounds; r++) {
    if (write(ab[1], &v, sizeof v) != sizeof v) return 1;
    long got;
    if (read(ba[0], &got, sizeof got) != sizeof got || got != v + 1) return 1;
    v = got;
  }
  int st;
  waitpid(p, &st, 0);
  return (WIFEXITED(st) && WEXITSTATUS(st) == 0 && v == rounds) ? 0 : 1;
}

static int remap_worker(int id, int rounds) {
  pin(id);
  for (int r = 0; r < rounds; r++) {
    size_t len = 16 * 4096;
    unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return 1;
    for (size_t o = 0; o < len; o += 4096) m[o] = (unsigned char)(id + r + o / 4096);
    for (size_t o = 0; o < len; o += 4096) if (m[o] != (unsigned char)(id + r + o / 4096)) return 1;
    if (mprotect(m, len, PROT_READ)) return 1;
    if (munmap(m, len)) return 1;
  }
  return 0;
}

typedef int (*job)(int id, long n);
static int run_parallel(int workers, long n, int (*fn)(int, long)) {
  pid_t pids[64];
  for (int i = 0; i < workers; i++) {
    pids[i] = fork();
    if (pids[i] == 0) _exit(fn(i, n));
  }
  int bad = 0;
  for (int i = 0; i < workers; i++) {
    int st;
    waitpid(pids[i], &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) bad++;
  }
  return bad;
}

static int atomic_job(int id, long n) { atomic_worker(id, n); return 0; }
static int fork_job(int id, long n) { return fork_worker(id, (int)n); }
static int pipe_job(int id, long n) { return pipe_pair(id * 2, (int)n); }
static int remap_job(int id, long n) { return remap_worker(id, (int)n); }

int main(int argc, char **argv) {
  int workers = argc > 1 ? atoi(argv[1]) : 4;
  long iters = argc > 2 ? atol(argv[2]) : 20000;
  if (workers < 1 || workers > 64 || iters < 1) { fprintf(stderr, "usage: smp-stress [workers 1-64] [iterations]\n"); return 2; }
  ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
  sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (sh == MAP_FAILED) { perror("mmap"); return 1; }
  memset(sh, 0, sizeof *sh);
  int fails = 0;

  int bad = run_parallel(workers, iters, atomic_job);
  long want = (long)workers * iters;
  int ok = !bad && sh->amo == want && sh->cas == want && sh->plain == want;
  printf("atomic: amo %ld cas %ld locked %ld of %ld: %s\n", sh->amo, sh->cas, sh->plain, want, ok ? "OK" : "FAIL");
  fails += !ok;
  printf("cpus used:");
  for (int c = 0; c < 64; c++) if (sh->cpus_seen[c]) printf(" %d", c);
  printf("\n");

  bad = run_parallel(workers, 200, fork_job);
  printf("fork: %d workers x 200 children: %s\n", workers, bad ? "FAIL" : "OK");
  fails += bad != 0;

  int pairs = workers / 2 > 0 ? workers / 2 : 1;
  bad = run_parallel(pairs, 2000, pipe_job);
  printf("pipe: %d pairs x 2000 round trips: %s\n", pairs, bad ? "FAIL" : "OK");
  fails += bad != 0;

  bad = run_parallel(workers, 300, remap_job);
  printf("remap: %d workers x 300 map/write/unmap: %s\n", workers, bad ? "FAIL" : "OK");
  fails += bad != 0;

  printf("smp-stress: %s\n", fails ? "FAILED" : "all OK");
  return fails ? 1 : 0;
}
