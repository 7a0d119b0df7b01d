// virtio-rng (virtio 1.1 spec 5.4): entropy from the host's CSPRNG, fresh on
// every request (a machine restored from a snapshot draws new bytes); or,
// in deterministic mode, a seeded stream (xoshiro128**: the same bytes in
// the same order every run; not secret, which is the point).
import { VIRTIO_ID_RNG } from "../../wasm-core/spec/virtio.js";
import { scatter, totalLen, SyncDevice, type Chain, type GuestMemory } from "./virtio.js";

// xoshiro128** (Blackman and Vigna), its state filled from the seed by
// splitmix32 so that any seed, 0 included, gives a good state.
export class SeededBytes {
  private readonly s = new Uint32Array(4);
  constructor(seed: number) {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }
  private next(): number {
    const s = this.s;
    const r = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return r;
  }
  fill(out: Uint8Array): void {
    for (let i = 0; i < out.length; i += 4) {
      const v = this.next();
      for (let k = 0; k < 4 && i + k < out.length; k++) out[i + k] = v >>> (8 * k);
    }
  }
}
const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

export class VirtioEntropy extends SyncDevice {
  readonly deviceId = VIRTIO_ID_RNG;
  readonly numQueues = 1;
  readonly features = 0n;
  private readonly seeded: SeededBytes | undefined;
  // seed: a deterministic stream instead of the host's randomness.
  constructor(seed?: number) {
    super();
    this.seeded = seed === undefined ? undefined : new SeededBytes(seed);
  }
  config(): Uint8Array { return new Uint8Array(0); }
  protected handle(_q: number, chain: Chain, mem: GuestMemory): number {
    const len = Math.min(totalLen(chain.writable), 4096);
    const bytes = new Uint8Array(len);
    if (this.seeded) this.seeded.fill(bytes);
    else crypto.getRandomValues(bytes);
    return scatter(mem, chain.writable, bytes);
  }
}
