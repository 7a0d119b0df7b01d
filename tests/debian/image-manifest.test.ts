// image.json: what a built image is made of. The parser takes what the
// recipe writes and refuses anything that could point outside the folder.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeFile } from "../../image/debian/describe-file.js";
import { formatImageManifest, ImageManifestError, parseImageManifest, type ImageManifest } from "../../image/debian/image-manifest.js";

const enc = (s: string) => new TextEncoder().encode(s);
const good: ImageManifest = {
  format: "rvplay-image", version: 1, name: "debian", title: "Debian 13 (trixie)",
  kernel: { file: "Image", size: 31167488, sha256: "a".repeat(64) },
  initrd: { file: "initrd.img", size: 9000000, sha256: "b".repeat(64) },
  disk: { base: "disk.json", raw: "disk.img", size: 1073741824, sha256: "c".repeat(64) },
  append: "root=/dev/vda rw console=ttyS0", memMiB: 512, linux: "6.12.117+deb13-riscv64",
  debian: { suite: "trixie", release: "13.8", releaseDate: "2026-11-21T09:15:44Z", packages: 155 },
  sourceDateEpoch: 1795252544,
};

test("image.json round-trips, with and without the gzip'd kernel", () => {
  assert.deepEqual(parseImageManifest(enc(formatImageManifest(good))), good);
  const gz = { ...good, kernelGzip: { file: "Image.gz", size: 10478005, sha256: "d".repeat(64) } };
  assert.deepEqual(parseImageManifest(enc(formatImageManifest(gz))), gz);
});

test("bad image manifests are refused", () => {
  const cases: [string, unknown, RegExp][] = [
    ["other format", { ...good, format: "x" }, /"format"/],
    ["newer version", { ...good, version: 2 }, /not supported/],
    ["kernel path", { ...good, kernel: { ...good.kernel, file: "../Image" } }, /kernel.file/],
    ["kernel absolute", { ...good, kernel: { ...good.kernel, file: "/boot/Image" } }, /kernel.file/],
    ["initrd dot-dot", { ...good, initrd: { ...good.initrd, file: ".." } }, /initrd.file/],
    ["disk base elsewhere", { ...good, disk: { ...good.disk, base: "https://example.com/disk.json" } }, /disk.base/],
    ["size negative", { ...good, kernel: { ...good.kernel, size: -1 } }, /kernel.size/],
    ["disk not sectors", { ...good, disk: { ...good.disk, size: 1000 } }, /sectors/],
    ["hash", { ...good, initrd: { ...good.initrd, sha256: "B".repeat(64) } }, /initrd.sha256/],
    ["append control chars", { ...good, append: "root=/dev/vda\ninit=/bin/sh" }, /append/],
    ["tiny memory", { ...good, memMiB: 16 }, /memMiB/],
    ["name with slash", { ...good, name: "deb/ian" }, /image.name/],
    ["no debian block", { ...good, debian: undefined }, /debian is not an object/],
    ["gzip'd kernel elsewhere", { ...good, kernelGzip: { file: "../Image.gz", size: 1, sha256: "d".repeat(64) } }, /kernelGzip.file/],
    ["gzip'd kernel not an object", { ...good, kernelGzip: "Image.gz" }, /kernelGzip is not an object/],
  ];
  for (const [what, v, re] of cases) {
    assert.throws(() => parseImageManifest(enc(JSON.stringify(v))), (e: unknown) => e instanceof ImageManifestError && re.test(e.message), what);
  }
  assert.throws(() => parseImageManifest(enc("[")), ImageManifestError);
  assert.throws(() => parseImageManifest(new Uint8Array([0xff])), ImageManifestError);
});

test("describeFile streams a file's size and SHA-256", () => {
  const dir = mkdtempSync(join(tmpdir(), "rvplay-image-json-"));
  try {
    const bytes = new Uint8Array(3 * 1024 * 1024 + 7).map((_, i) => i * 31);
    writeFileSync(join(dir, "f"), bytes);
    assert.deepEqual(describeFile(join(dir, "f"), "f"), { file: "f", size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") });
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
