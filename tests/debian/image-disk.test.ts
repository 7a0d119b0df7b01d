// rvplay boot --image's disk, cheaply (no Debian needed): a store disk over
// a built image's disk base read in place (a file: URL), the restore target
// that writes a snapshot's disk pages into it, and a corrupt chunk of the
// base, which is refused by its hash (never read as data).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { writeDiskBase, parseDiskManifest } from "../../image/debian/disk-base.js";
import type { ImageManifest } from "../../image/debian/image-manifest.js";
import { imageStoreDisk } from "../../src/cli/image-session.js";
import { storeDiskTarget } from "../../src/disks/restore-target.js";
import { fileFetch } from "../../src/node/disk-files.js";
import type { BootImageChoice } from "../../src/cli/boot-image.js";

const PAGE = 4096;
const CHUNK = 256 * 1024;

// A 1 MiB disk: chunk 0 and 2 patterned, chunk 1 zero, chunk 3 patterned.
function rawDisk(): Uint8Array {
  const raw = new Uint8Array(4 * CHUNK);
  for (const c of [0, 2, 3]) for (let i = 0; i < CHUNK; i++) raw[c * CHUNK + i] = (i * 7 + c * 13 + (i >> 12)) & 0xff;
  return raw;
}

function image(dir: string, sha256: string, size: number): BootImageChoice {
  const manifest: ImageManifest = {
    format: "rvplay-image", version: 1, name: "debian", title: "Debian 13 (trixie)",
    kernel: { file: "Image", size: 4, sha256: "a".repeat(64) }, initrd: { file: "initrd.img", size: 4, sha256: "b".repeat(64) },
    disk: { base: "disk.json", raw: "disk.img", size, sha256 }, append: "root=/dev/vda", memMiB: 512, linux: "6.12",
    debian: { suite: "trixie", release: "13.8", releaseDate: "2026-11-21T09:15:44Z", packages: 1 }, sourceDateEpoch: 0,
  };
  return { dir, manifest, kernel: join(dir, "Image"), initrd: join(dir, "initrd.img"), disk: join(dir, "disk.img") };
}

// A built image's disk base in a new folder (rawDisk() as disk.img, its
// chunks and disk.json) and an empty store folder, both removed afterwards.
async function withBase(body: (b: { dir: string; storeDir: string; raw: Uint8Array; m: ReturnType<typeof parseDiskManifest> }) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "rvplay-image-base-"));
  const storeDir = mkdtempSync(join(tmpdir(), "rvplay-image-store-"));
  try {
    const raw = rawDisk();
    writeFileSync(join(dir, "disk.img"), raw);
    writeDiskBase(join(dir, "disk.img"), dir, CHUNK);
    await body({ dir, storeDir, raw, m: parseDiskManifest(readFileSync(join(dir, "disk.json"))) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(storeDir, { recursive: true, force: true });
  }
}

test("an image's store disk reads its base in place, takes a snapshot's pages, and is fresh only until written", () => withBase(async ({ dir, storeDir, raw, m }) => {
  const img = image(dir, m.sha256, m.size);

  const d = await imageStoreDisk(img, storeDir);
  assert.equal(d.fresh, true);
  assert.equal(d.name, "debian");
  assert.deepEqual(d.spec, { kind: "blk", disk: { type: "store", store: storeDir, id: d.id }, serial: "debian" });
  // The restore target: page 1 changed, page 70 (in the zero chunk) zeroed, page 130 new bytes.
  const target = storeDiskTarget(d.store, d.id, d.base, d.spec);
  const a = new Uint8Array(PAGE).fill(0xaa), b = new Uint8Array(PAGE).fill(0xbb);
  await target.write([{ index: 1, bytes: a }, { index: 70, bytes: undefined }]);
  await target.write([{ index: 130, bytes: b }]);
  await target.close();

  const again = await imageStoreDisk(img, storeDir);
  assert.equal(again.id, d.id, "the same disk, kept");
  assert.equal(again.fresh, false, "written: no longer as a snapshot would find it");
  const disk = await again.store.open(again.id, { readOnly: true });
  try {
    assert.deepEqual(await disk.read(PAGE, PAGE), a);
    assert.deepEqual(await disk.read(70 * PAGE, PAGE), new Uint8Array(PAGE));
    assert.deepEqual(await disk.read(130 * PAGE, PAGE), b);
    // The rest is the base's, read from the folder on demand.
    assert.deepEqual(await disk.read(0, PAGE), raw.subarray(0, PAGE));
    assert.deepEqual(await disk.read(3 * CHUNK + 5 * PAGE, 2 * PAGE), raw.subarray(3 * CHUNK + 5 * PAGE, 3 * CHUNK + 7 * PAGE));
  } finally {
    await disk.close();
  }
}));

test("a chunk of the base that fails its hash is an error naming it, never data; a missing one too", () => withBase(async ({ dir, storeDir, raw, m }) => {
  const h2 = m.chunks[2]!, h3 = m.chunks[3]!;
  // Chunk 2: well-formed gzip of other bytes; chunk 3: gone.
  const bad = gunzipSync(readFileSync(join(dir, "chunks", `${h2}.gz`)));
  bad[100] ^= 1;
  writeFileSync(join(dir, "chunks", `${h2}.gz`), gzipSync(bad));
  rmSync(join(dir, "chunks", `${h3}.gz`));
  const d = await imageStoreDisk(image(dir, m.sha256, m.size), storeDir);
  const disk = await d.store.open(d.id, { readOnly: true });
  try {
    await assert.rejects(disk.read(2 * CHUNK, PAGE), (e: Error) => e.name !== "TypeError" && e.message.includes(h2.slice(0, 12)));
    await assert.rejects(disk.read(3 * CHUNK, PAGE), (e: Error) => /HTTP 404/.test(e.message) && e.message.includes(h3.slice(0, 12)));
    assert.deepEqual(await disk.read(0, PAGE), raw.subarray(0, PAGE), "the other chunks read on");
  } finally {
    await disk.close();
  }
}));

test("fileFetch reads file: URLs (404 for a missing file) and leaves other URLs to fetch", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rvplay-file-fetch-"));
  try {
    writeFileSync(join(dir, "x"), "hello");
    const ok = await fileFetch(new URL(`file://${dir}/x`));
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), "hello");
    assert.equal((await fileFetch(`file://${dir}/nope`)).status, 404);
    await assert.rejects(fileFetch("http://127.0.0.1:1/"), TypeError); // nothing listens: fetch's own failure
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
