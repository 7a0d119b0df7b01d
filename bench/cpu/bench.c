/* bench.c - a deterministic, CPU-bound bare-metal benchmark for rvplay.
 *
 * Runs a fixed mix of integer work (about 413 million RV64GC instructions
 * when built with -O2, see build.sh) and prints, through HTIF device 1,
 *
 *     cpu-bench checksum 0x................
 *
 * It passes (tohost = 1) only when the checksum equals EXPECTED_CHECKSUM.
 * The workloads:
 *   - a buffer of pseudo-random bytes (xorshift64*)
 *   - CRC-32 (table driven) and FNV-1a 64 over the buffer, several passes
 *   - SHA-256 of the buffer
 *   - quicksort of a pseudo-random array (then verified), several rounds
 *   - an integer matrix multiply
 *   - branchy code: Collatz step counts, a prime sieve, a tiny bytecode
 *     interpreter
 * Everything uses fixed-width arithmetic without undefined behaviour, so the
 * checksum does not depend on the compiler: the same source built for the
 * host (cc -O2 -DHOST_TEST bench.c) prints the same line.
 * Instruction count measured with qemu-system-riscv64 -icount shift=0
 * (minstret around bench()): 412,577,642.
 */
#include <stdint.h>
#include <stddef.h>

#define EXPECTED_CHECKSUM 0x1bdbde7d2de008b0ULL

/* ---- sizes (instruction count scales with these) ---- */
#define BUF_SIZE      (128 * 1024)
#define CRC_PASSES    12
#define FNV_PASSES    12
#define SORT_N        24000
#define SORT_ROUNDS   14
#define MAT_N         128
#define COLLATZ_N     150000
#define SIEVE_N       1000000
#define INTERP_ITERS  600000

/* ---- output ---- */
#ifdef HOST_TEST
#include <stdio.h>
static void putch(char c) { putchar(c); }
#else
extern volatile uint64_t tohost;
extern volatile uint64_t fromhost;
static void putch(char c)
{
    tohost = 0x0101000000000000ULL | (uint8_t)c;
    while (tohost != 0) {
    }
    fromhost = 0;
}
#endif

static void puts_(const char *s)
{
    while (*s) putch(*s++);
}

static void puthex64(uint64_t v)
{
    puts_("0x");
    for (int i = 60; i >= 0; i -= 4) putch("0123456789abcdef"[(v >> i) & 15]);
}

/* ---- the C library functions GCC may call ---- */
void *memset(void *d, int c, size_t n)
{
    uint8_t *p = d;
    while (n--) *p++ = (uint8_t)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    uint8_t *p = d;
    const uint8_t *q = s;
    while (n--) *p++ = *q++;
    return d;
}

void *memmove(void *d, const void *s, size_t n)
{
    uint8_t *p = d;
    const uint8_t *q = s;
    if (p < q) {
        while (n--) *p++ = *q++;
    } else {
        while (n--) p[n] = q[n];
    }
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *p = a, *q = b;
    for (; n; n--, p++, q++)
        if (*p != *q) return *p < *q ? -1 : 1;
    return 0;
}

/* ---- helpers ---- */
static uint64_t rng_state;

static uint64_t rng(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545f4914f6cdd1dULL;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h;
}

static uint8_t buf[BUF_SIZE];

/* ---- CRC-32 ---- */
static uint32_t crc_table[256];

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0xedb88320u : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32(const uint8_t *p, size_t n, uint32_t crc)
{
    crc = ~crc;
    while (n--) crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

/* ---- FNV-1a 64 ---- */
static uint64_t fnv1a(const uint8_t *p, size_t n, uint64_t h)
{
    while (n--) {
        h ^= *p++;
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* ---- SHA-256 ---- */
static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror32(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void sha256_block(uint32_t h[8], const uint8_t *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = hh + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i];
        uint32_t t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d;
    h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

/* SHA-256 of p[0..n); returns the first 8 bytes of the digest (big endian) */
static uint64_t sha256(const uint8_t *p, size_t n)
{
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    size_t i;
    for (i = 0; i + 64 <= n; i += 64) sha256_block(h, p + i);
    uint8_t last[128];
    size_t rest = n - i, len = rest < 56 ? 64 : 128;
    for (size_t k = 0; k < len; k++) last[k] = 0;
    for (size_t k = 0; k < rest; k++) last[k] = p[i + k];
    last[rest] = 0x80;
    uint64_t bits = (uint64_t)n * 8;
    for (int k = 0; k < 8; k++) last[len - 1 - k] = (uint8_t)(bits >> (8 * k));
    sha256_block(h, last);
    if (len == 128) sha256_block(h, last + 64);
    return (uint64_t)h[0] << 32 | h[1];
}

/* ---- sorting ---- */
static uint32_t arr[SORT_N];

static void insertion_sort(uint32_t *a, long lo, long hi)
{
    for (long i = lo + 1; i <= hi; i++) {
        uint32_t v = a[i];
        long j = i - 1;
        while (j >= lo && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static void quicksort(uint32_t *a, long lo, long hi)
{
    while (hi - lo > 16) {
        long mid = lo + (hi - lo) / 2;
        /* median of three */
        if (a[mid] < a[lo]) { uint32_t t = a[mid]; a[mid] = a[lo]; a[lo] = t; }
        if (a[hi] < a[lo]) { uint32_t t = a[hi]; a[hi] = a[lo]; a[lo] = t; }
        if (a[hi] < a[mid]) { uint32_t t = a[hi]; a[hi] = a[mid]; a[mid] = t; }
        uint32_t pivot = a[mid];
        long i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) {
                uint32_t t = a[i]; a[i] = a[j]; a[j] = t;
                i++;
                j--;
            }
        }
        /* recurse into the smaller part */
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
    insertion_sort(a, lo, hi);
}

static uint64_t sort_round(void)
{
    for (long i = 0; i < SORT_N; i++) arr[i] = (uint32_t)(rng() >> 32);
    quicksort(arr, 0, SORT_N - 1);
    uint64_t h = 0xcbf29ce484222325ULL;
    for (long i = 0; i < SORT_N; i++) {
        if (i && arr[i - 1] > arr[i]) return 0xbad;   /* not sorted */
        h = (h ^ arr[i]) * 0x100000001b3ULL;
    }
    return h;
}

/* ---- matrix multiply ---- */
static int32_t ma[MAT_N][MAT_N], mb[MAT_N][MAT_N], mc[MAT_N][MAT_N];

static uint64_t matmul(void)
{
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            ma[i][j] = (int32_t)(rng() % 2001) - 1000;
            mb[i][j] = (int32_t)(rng() % 2001) - 1000;
        }
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            int32_t s = 0;
            for (int k = 0; k < MAT_N; k++) s += ma[i][k] * mb[k][j];
            mc[i][j] = s;
        }
    uint64_t h = 0;
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) h = mix(h, (uint32_t)mc[i][j]);
    return h;
}

/* ---- branchy work ---- */
static uint64_t collatz(void)
{
    uint64_t total = 0, longest = 0, arg = 0;
    for (uint64_t n = 1; n <= COLLATZ_N; n++) {
        uint64_t x = n, steps = 0;
        while (x != 1) {
            x = (x & 1) ? 3 * x + 1 : x >> 1;
            steps++;
        }
        total += steps;
        if (steps > longest) {
            longest = steps;
            arg = n;
        }
    }
    return total << 24 ^ longest << 16 ^ arg;
}

static uint8_t composite[SIEVE_N + 1];

static uint64_t sieve(void)
{
    uint64_t count = 0, sum = 0;
    for (uint64_t i = 2; i * i <= SIEVE_N; i++)
        if (!composite[i])
            for (uint64_t j = i * i; j <= SIEVE_N; j += i) composite[j] = 1;
    for (uint64_t i = 2; i <= SIEVE_N; i++)
        if (!composite[i]) {
            count++;
            sum += i;
        }
    return count << 40 ^ sum;
}

/* a tiny stack machine: computes a running hash over a loop */
enum { OP_PUSH, OP_ADD, OP_MUL, OP_XOR, OP_DUP, OP_SWAP, OP_SHR, OP_DEC, OP_JNZ, OP_HALT };

static const uint8_t program[] = {
    OP_PUSH, 1,          /* acc */
    OP_PUSH, 0,          /* counter placeholder (set below) */
    /* loop: stack = acc counter */
    OP_SWAP,             /* counter acc */
    OP_DUP,              /* counter acc acc */
    OP_PUSH, 31,
    OP_MUL,              /* counter acc acc*31 */
    OP_XOR,              /* counter acc^(acc*31) */
    OP_PUSH, 7,
    OP_ADD,
    OP_DUP,
    OP_PUSH, 13,
    OP_SHR,
    OP_XOR,              /* counter acc' */
    OP_SWAP,             /* acc' counter */
    OP_DEC,
    OP_JNZ, 4,
    OP_HALT,
};

static uint64_t interp(uint64_t iters)
{
    uint64_t stack[16];
    int sp = 0;
    size_t pc = 0;
    for (;;) {
        uint8_t op = program[pc++];
        switch (op) {
        case OP_PUSH:
            stack[sp++] = program[pc++];
            if (pc == 4) stack[sp - 1] = iters;
            break;
        case OP_ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case OP_MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case OP_XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
        case OP_DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case OP_SWAP: { uint64_t t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; break; }
        case OP_SHR: sp--; stack[sp - 1] >>= stack[sp]; break;
        case OP_DEC: stack[sp - 1]--; break;
        case OP_JNZ:
            if (stack[sp - 1] != 0) pc = program[pc];
            else pc++;
            break;
        default:
            return stack[0];
        }
    }
}

uint64_t bench(void)
{
    uint64_t h = 0;
    rng_state = 0x0123456789abcdefULL;
    for (size_t i = 0; i < BUF_SIZE; i += 8) {
        uint64_t v = rng();
        for (int k = 0; k < 8; k++) buf[i + k] = (uint8_t)(v >> (8 * k));
    }
    crc_init();
    uint32_t crc = 0;
    for (int r = 0; r < CRC_PASSES; r++) crc = crc32(buf, BUF_SIZE, crc);
    h = mix(h, crc);
    uint64_t f = 0xcbf29ce484222325ULL;
    for (int r = 0; r < FNV_PASSES; r++) f = fnv1a(buf, BUF_SIZE, f);
    h = mix(h, f);
    h = mix(h, sha256(buf, BUF_SIZE));
    for (int r = 0; r < SORT_ROUNDS; r++) h = mix(h, sort_round());
    h = mix(h, matmul());
    h = mix(h, collatz());
    h = mix(h, sieve());
    h = mix(h, interp(INTERP_ITERS));
    return h;
}

int main(void)
{
    uint64_t h = bench();
    puts_("cpu-bench checksum ");
    puthex64(h);
    putch('\n');
    if (h != EXPECTED_CHECKSUM) {
        puts_("cpu-bench FAIL: expected ");
        puthex64(EXPECTED_CHECKSUM);
        putch('\n');
        return 1;
    }
    return 0;
}
