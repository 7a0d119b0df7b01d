// Fuzzing the recipe's parsers with a fixed seed: mutated manifests, chunks,
// locks and apt output either parse or fail with the parser's own error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { formatDiskManifest } from "../../image/debian/disk-base.js";
import { formatImageManifest } from "../../image/debian/image-manifest.js";
import { FuzzFailure, fuzzTargets, guard, mutate, rng } from "../../image/debian/fuzz.js";
import { LockError } from "../../image/debian/package-lock.js";

const recipe = fileURLToPath(new URL("../../../image/debian/", import.meta.url));
const enc = (s: string) => new TextEncoder().encode(s);

const seeds: Record<keyof typeof fuzzTargets, Uint8Array> = {
  diskManifest: enc(formatDiskManifest({ format: "rvplay-disk", version: 1, size: 8192, chunkSize: 4096, sha256: "a".repeat(64), compression: "gzip", chunks: ["b".repeat(64), null] })),
  chunk: gzipSync(new Uint8Array(4096).fill(7)),
  imageManifest: enc(formatImageManifest({
    format: "rvplay-image", version: 1, name: "debian", title: "Debian 13 (trixie)",
    kernel: { file: "Image", size: 1, sha256: "a".repeat(64) }, initrd: { file: "initrd.img", size: 1, sha256: "b".repeat(64) },
    disk: { base: "disk.json", raw: "disk.img", size: 512, sha256: "c".repeat(64) }, append: "root=/dev/vda", memMiB: 512,
    linux: "6.12", debian: { suite: "trixie", release: "13.8", releaseDate: "2026-11-21T09:15:44Z", packages: 1 }, sourceDateEpoch: 1,
  })),
  // The header and the first dozen packages (essential ones): a valid lock, short.
  lock: enc(readFileSync(`${recipe}packages.lock`, "utf8").split("\n").filter((l, i, a) => !l.startsWith("deb ") || a.slice(0, i).filter((x) => x.startsWith("deb ")).length < 12).join("\n")),
  selection: new Uint8Array(readFileSync(`${recipe}packages.list`)),
  deb822: enc("Package: a\nDescription: x\n y\n\nPackage: b\nVersion: 1\n"),
  simulation: enc("Inst libc6 (2.41-12 Debian:13.8/stable [riscv64]) []\nConf libc6 (2.41-12 Debian:13.8/stable [riscv64])\n"),
  release: enc("Codename: trixie\nVersion: 13.8\nDate: Sat, 21 Nov 2026 09:15:44 UTC\n"),
};

test("fuzz: 2000 mutations per parser, only typed errors", (t) => {
  for (const [name, target] of Object.entries(fuzzTargets) as [keyof typeof fuzzTargets, (b: Uint8Array) => string][]) {
    const next = rng(0xdeb13 ^ name.length);
    let ok = target(seeds[name]) === "ok" ? 1 : 0;
    let refused = 0;
    for (let i = 0; i < 2000; i++) {
      const r = target(mutate(seeds[name], next));
      if (r === "ok") ok++; else refused++;
    }
    t.diagnostic(`${name}: ${ok} parsed, ${refused} refused`);
    assert.ok(refused > 0, `${name}: some mutations are refused`);
    if (name !== "chunk") assert.equal(target(seeds[name]), "ok", `${name}: the seed parses`);
  }
});

test("the fuzz guard passes the parser's own error and reports any other", () => {
  const input = new Uint8Array(1);
  assert.equal(guard("t", input, LockError, () => { throw new LockError("typed"); }), "refused");
  assert.equal(guard("t", input, LockError, () => undefined), "ok");
  assert.throws(() => guard("t", input, LockError, () => { throw new TypeError("boom"); }), (e: unknown) => e instanceof FuzzFailure && /TypeError: boom/.test(e.message));
  assert.throws(() => guard("t", input, LockError, () => { throw new RangeError("x"); }), FuzzFailure);
  assert.equal(fuzzTargets.chunk(new Uint8Array([1, 2, 3])), "refused");
});
