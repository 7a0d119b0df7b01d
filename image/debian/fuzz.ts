// Fuzz entry points of the recipe's parsers: each takes any bytes and either
// returns or throws that parser's own error type; anything else escaping is
// a bug (FuzzFailure). `mutate` is a small seeded mutator for the tests.
import { createHash } from "node:crypto";
import { DiskBaseError, decodeChunk, parseDiskManifest } from "./disk-base.js";
import { ImageManifestError, parseImageManifest } from "./image-manifest.js";
import { LockError, parseDeb822, parseLock, parseRelease, parseSelection, parseSimulation } from "./package-lock.js";

export class FuzzFailure extends Error {
  constructor(readonly target: string, readonly input: Uint8Array, readonly cause: unknown) {
    super(`${target} threw ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)} on ${input.length} bytes`);
    this.name = "FuzzFailure";
  }
}

export function guard(target: string, input: Uint8Array, allowed: new (...a: never[]) => Error, f: () => void): "ok" | "refused" {
  try {
    f();
    return "ok";
  } catch (e) {
    if (e instanceof allowed) return "refused";
    throw new FuzzFailure(target, input, e);
  }
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

export const fuzzTargets = {
  diskManifest: (b: Uint8Array) => guard("parseDiskManifest", b, DiskBaseError, () => { parseDiskManifest(b); }),
  // A chunk file claimed to be the first 4 KiB of an image whose hash is that
  // of its first bytes (so a lucky input can pass).
  chunk: (b: Uint8Array) => guard("decodeChunk", b, DiskBaseError, () => {
    decodeChunk(b, createHash("sha256").update(b.subarray(0, 4096)).digest("hex"), 4096);
  }),
  imageManifest: (b: Uint8Array) => guard("parseImageManifest", b, ImageManifestError, () => { parseImageManifest(b); }),
  lock: (b: Uint8Array) => guard("parseLock", b, LockError, () => { parseLock(b); }),
  selection: (b: Uint8Array) => guard("parseSelection", b, LockError, () => { parseSelection(text(b)); }),
  deb822: (b: Uint8Array) => guard("parseDeb822", b, LockError, () => { parseDeb822(text(b)); }),
  simulation: (b: Uint8Array) => guard("parseSimulation", b, LockError, () => { parseSimulation(text(b)); }),
  release: (b: Uint8Array) => guard("parseRelease", b, LockError, () => { parseRelease(text(b)); }),
};

// xorshift32: the same seed gives the same inputs on every machine.
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s;
  };
}

// One mutation of `input`: flip, set, insert, delete or duplicate bytes, or
// splice in a token that parsers treat specially.
const TOKENS = ["null", "-1", "1e309", "\"", "{", "}", "[", "]", ",", ":", "\n", " ", "deb ", "#", "0", "4294967296", "\u0000", "\uffff", "..", "/"]
  .map((t) => new TextEncoder().encode(t));
export function mutate(input: Uint8Array, next: () => number): Uint8Array {
  const b = [...input];
  const n = 1 + (next() % 4);
  for (let k = 0; k < n; k++) {
    const at = b.length ? next() % b.length : 0;
    switch (next() % 6) {
      case 0: if (b.length) b[at] ^= 1 << (next() % 8); break;
      case 1: if (b.length) b[at] = next() & 0xff; break;
      case 2: b.splice(at, 0, next() & 0xff); break;
      case 3: b.splice(at, 1 + (next() % 8)); break;
      case 4: b.splice(at, 0, ...b.slice(at, at + 1 + (next() % 32))); break;
      default: b.splice(at, next() % 3, ...TOKENS[next() % TOKENS.length]); break;
    }
  }
  return Uint8Array.from(b);
}
