// Seeded, deterministic mutation of byte strings for the fuzz targets: the
// same seed and index give the same input on any machine, so a failure can
// be replayed and kept as a regression file.

// mulberry32: small, seedable, good enough to pick mutations.
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x10, 0x20, 0x40, 0xfe];

// One input: a seed from the corpus with 1..8 mutations (bit flips, bytes
// set to edge values, 16/32/64-bit edge values, truncation, extension, a
// splice with another seed, a repeated block).
export function mutate(corpus: readonly Uint8Array[], r: () => number, maxLen = 1 << 20): Uint8Array {
  const pick = (n: number) => Math.floor(r() * n);
  let b = corpus[pick(corpus.length)].slice();
  const rounds = 1 + pick(8);
  for (let k = 0; k < rounds; k++) {
    const at = b.length ? pick(b.length) : 0;
    switch (pick(9)) {
      case 0: if (b.length) b[at] ^= 1 << pick(8); break;
      case 1: if (b.length) b[at] = INTERESTING[pick(INTERESTING.length)]; break;
      case 2: if (b.length) b[at] = pick(256); break;
      case 3: { // a 16, 32 or 64-bit field set to an edge value
        const w = [2, 4, 8][pick(3)];
        if (at + w > b.length) break;
        const v = [0, 0xff, 0x7f, 0x80][pick(4)];
        b.fill(v, at, at + w);
        if (r() < 0.5) b[at] = pick(256);
        break;
      }
      case 4: b = b.subarray(0, pick(b.length + 1)).slice(); break; // truncate
      case 5: { // extend with random bytes
        const extra = new Uint8Array(pick(64));
        for (let i = 0; i < extra.length; i++) extra[i] = pick(256);
        const out = new Uint8Array(b.length + extra.length);
        out.set(b); out.set(extra, b.length);
        b = out;
        break;
      }
      case 6: { // splice: our head, another seed's tail
        const other = corpus[pick(corpus.length)];
        const cut = pick(other.length + 1);
        const out = new Uint8Array(at + other.length - cut);
        out.set(b.subarray(0, at)); out.set(other.subarray(cut), at);
        b = out;
        break;
      }
      case 7: { // repeat a block
        const len = Math.min(pick(32) + 1, b.length - at);
        if (len <= 0) break;
        const times = 1 + pick(8);
        const out = new Uint8Array(b.length + len * times);
        out.set(b.subarray(0, at + len));
        for (let i = 1; i <= times; i++) out.set(b.subarray(at, at + len), at + len * i);
        out.set(b.subarray(at + len), at + len * (times + 1));
        b = out;
        break;
      }
      default: { // delete a block
        const len = Math.min(pick(32) + 1, b.length - at);
        const out = new Uint8Array(b.length - Math.max(0, len));
        out.set(b.subarray(0, at)); out.set(b.subarray(at + Math.max(0, len)), at);
        b = out;
      }
    }
    if (b.length > maxLen) b = b.subarray(0, maxLen).slice();
  }
  return b;
}
