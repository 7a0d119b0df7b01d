// rvplay boot --image: how a built image is found by name or folder, and
// what the CLI says when it is not built or its image.json is bad. Cheap (no
// Debian needed): a folder with a made-up image.json and tiny files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { builtImageDir, resolveBootImage } from "../../src/cli/boot-image.js";
import { formatImageManifest, type ImageManifest } from "../../image/debian/image-manifest.js";
import { ImageError } from "../../src/machine/boot-images.js";

const cli = fileURLToPath(new URL("../../../bin/rvplay.js", import.meta.url));
const manifest: ImageManifest = {
  format: "rvplay-image", version: 1, name: "debian", title: "Debian 13 (trixie)",
  kernel: { file: "Image", size: 4, sha256: "a".repeat(64) },
  initrd: { file: "initrd.img", size: 4, sha256: "b".repeat(64) },
  disk: { base: "disk.json", raw: "disk.img", size: 4096, sha256: "c".repeat(64) },
  append: "root=/dev/vda rw console=ttyS0", memMiB: 512, linux: "6.12.117+deb13-riscv64",
  debian: { suite: "trixie", release: "13.8", releaseDate: "2026-11-21T09:15:44Z", packages: 155 },
  sourceDateEpoch: 1795252544,
};

function folder(files: Record<string, string | Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), "rvplay-image-"));
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
  return dir;
}

test("--image sample is the sample; a name is found in $RVPLAY_<NAME>_OUT, else image/<name>/out", () => {
  assert.equal(resolveBootImage("sample"), undefined);
  assert.equal(builtImageDir("debian", { RVPLAY_DEBIAN_OUT: "/x/y" }), "/x/y");
  assert.match(builtImageDir("debian", {}), /[/\\]image[/\\]debian[/\\]out$/);
  const dir = folder({ "image.json": formatImageManifest(manifest), Image: "kern", "initrd.img": "init", "disk.img": new Uint8Array(4096) });
  try {
    const byName = resolveBootImage("debian", { RVPLAY_DEBIAN_OUT: dir });
    assert.equal(byName?.kernel, join(dir, "Image"));
    assert.equal(byName?.initrd, join(dir, "initrd.img"));
    assert.equal(byName?.disk, join(dir, "disk.img"));
    assert.equal(byName?.manifest.append, manifest.append);
    assert.equal(resolveBootImage(dir, {})?.disk, join(dir, "disk.img"), "a folder works too");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--image refuses, with a typed error, what is not built, a bad image.json, a missing file, a bad name", () => {
  const empty = folder({});
  const bad = folder({ "image.json": "{\"format\": \"rvplay-image\", \"version\": 9}" });
  const noDisk = folder({ "image.json": formatImageManifest(manifest), Image: "kern", "initrd.img": "init" });
  try {
    assert.throws(() => resolveBootImage("debian", { RVPLAY_DEBIAN_OUT: empty }), (e: Error) =>
      e instanceof ImageError && /no built image in .*no image\.json.*npm run image:debian/.test(e.message));
    assert.throws(() => resolveBootImage("debian", { RVPLAY_DEBIAN_OUT: bad }), (e: Error) =>
      e instanceof ImageError && /image\.json: image manifest: "version" 9 is not supported/.test(e.message));
    assert.throws(() => resolveBootImage("debian", { RVPLAY_DEBIAN_OUT: noDisk }), (e: Error) =>
      e instanceof ImageError && /its disk .*disk\.img is missing/.test(e.message));
    assert.throws(() => resolveBootImage("Debian 13!", {}), (e: Error) => e instanceof ImageError && /not an image name/.test(e.message));
  } finally {
    for (const d of [empty, bad, noDisk]) rmSync(d, { recursive: true, force: true });
  }
});

test("rvplay boot --image: a clear message and status 1 when the image is not built; --kernel with it is refused", () => {
  const empty = folder({});
  try {
    const r = spawnSync(process.execPath, [cli, "boot", "--image", "debian"], { encoding: "utf8", env: { ...process.env, RVPLAY_DEBIAN_OUT: empty }, timeout: 60_000 });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^rvplay boot: --image 'debian': no built image in .* \(no image\.json\): build it with npm run image:debian\n$/);
    const k = spawnSync(process.execPath, [cli, "boot", "--image", "debian", "--kernel", "x"], { encoding: "utf8", timeout: 60_000 });
    assert.equal(k.status, 2);
    assert.match(k.stderr, /--image names the kernel and initrd: drop --kernel/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test("rvplay boot --from-scratch without --image is refused with status 2", () => {
  const r = spawnSync(process.execPath, [cli, "boot", "--from-scratch"], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr, "rvplay boot: --from-scratch goes with --image\n");
});
