// A snapshot repacked for publishing (repack.ts: every page in the
// snapshot, brotli packs of up to 1024 pages, format version 2): it restores
// the same machine without its kernel at hand; the kernel is loaded only when
// the guest reboots, and a kernel that cannot be had then ends the run with
// a message saying why. The page decodes brotli with brotli-dec-wasm
// (e2e/debian), Node with node:zlib; both are held to the manifest's sizes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { brotliCompressSync } from "node:zlib";
import { loadCoreModule } from "../../src/node/core-module.js";
import { spawnNodeHart } from "../../src/node/harts.js";
import { brotliPack } from "../../src/node/brotli.js";
import { repackSnapshot } from "../../src/snapshot/repack.js";
import { prepareRestore, restoreMachine, type DeferredImage } from "../../src/snapshot/restore-snapshot.js";
import { readSnapshotFile, writeSnapshotFile } from "../../src/snapshot/snapshot-file.js";
import { snapshotInfo } from "../../src/snapshot/snapshot-info.js";
import { BROTLI, checkManifest, PACK_PAGES_V2 } from "../../src/snapshot/manifest.js";
import { decompress } from "../../src/snapshot/blob-codec.js";
import { SnapshotError } from "../../src/snapshot/snapshot-error.js";
import { SnapshotTaker } from "../../src/snapshot/take-snapshot.js";
import { bootSample, DISKS, firmware, Guest, IMAGES, kernel } from "./sample-machine.js";

const FIRMWARE_ONLY = [IMAGES[0]];

test("a repacked snapshot (version 2, brotli, no boot image pages) resumes without its kernel; a reboot loads the kernel then, and boots", { timeout: 300_000 }, async () => {
  const { guest, take } = await bootSample(1, 128);
  let snap;
  try {
    await guest.run("echo before-snapshot > /root/mark; sync");
    snap = (await take()).snapshot;
  } finally {
    await guest.stop();
  }
  assert.ok((await snapshotInfo(snap)).ram.image > 0, "the snapshot as taken refers to the kernel's pages");
  await assert.rejects(repackSnapshot(snap, { codec: BROTLI, packPages: PACK_PAGES_V2, compress: brotliPack }),
    (e: unknown) => e instanceof SnapshotError && e.code === "missing_image" && /refer to its (firmware|kernel) '/.test(e.message), "its pages need the boot images to repack");
  const packed = await repackSnapshot(snap, { codec: BROTLI, packPages: PACK_PAGES_V2, compress: brotliPack, images: [firmware, kernel] });
  // Through the file format and back, as the page and the CLI read it.
  const back = await readSnapshotFile(writeSnapshotFile(packed));
  const info = await snapshotInfo(back);
  assert.equal(info.version, 2);
  assert.equal(info.ram.image, 0, "no page refers to a boot image");
  assert.equal(info.ram.zero, (await snapshotInfo(snap)).ram.zero, "the same pages are zero");
  assert.ok(back.manifest.packs.every((p) => p.codec === BROTLI && p.pages <= PACK_PAGES_V2));
  assert.ok(back.manifest.packs.some((p) => p.pages > 64), "packs larger than version 1's");
  assert.deepEqual(back.manifest.images, snap.manifest.images, "it still names the boot images, for a reboot");

  // Resumed with the firmware alone: the kernel is deferred.
  let loads = 0;
  const deferred: DeferredImage[] = [{ role: "kernel", load: async () => { loads++; return kernel; } }];
  const p = await prepareRestore(back, FIRMWARE_ONLY, DISKS, undefined, deferred);
  assert.equal(loads, 0, "the kernel is not loaded to resume");
  const g = new Guest(await restoreMachine(p, await loadCoreModule(), spawnNodeHart));
  try {
    assert.equal((await g.run("cat /root/mark")).trim(), "before-snapshot", "the resumed machine is the snapshot's");
    // A snapshot of the resumed machine names the deferred kernel by content.
    const again = await new SnapshotTaker(p.images).take(g.m, undefined, p.disk ? [p.disk] : []);
    assert.deepEqual(again.snapshot.manifest.images, snap.manifest.images);
    assert.equal(loads, 0);
    // The guest reboots: the kernel comes now, and the machine boots.
    const from = g.out.length;
    g.send("reboot\n");
    await g.until(/root@rvplay:~# $/, 120_000, from + 10);
    assert.equal(loads, 1, "the reboot loaded the kernel once");
    assert.ok(Number((await g.run("cut -d. -f1 /proc/uptime")).trim()) < 60, "a new boot");
  } finally {
    await g.stop();
  }
});

test("a deferred kernel that is not the snapshot's, or cannot be had, ends the reboot with a message saying why", { timeout: 300_000 }, async () => {
  const { guest, take } = await bootSample(1, 128);
  let snap;
  try { snap = (await take()).snapshot; } finally { await guest.stop(); }
  const packed = await repackSnapshot(snap, { codec: BROTLI, packPages: 256, compress: brotliPack, images: [firmware, kernel] });
  const module = await loadCoreModule();
  for (const [load, re] of [
    [async () => kernel.slice(0, kernel.length - 4096), /the kernel fetched \(.*\) is not the kernel 'Image'/],
    [async () => { throw new Error("HTTP 404"); }, /HTTP 404/],
  ] as const) {
    const p = await prepareRestore(packed, FIRMWARE_ONLY, DISKS, undefined, [{ role: "kernel", load }]);
    const g = new Guest(await restoreMachine(p, module, spawnNodeHart));
    assert.equal((await g.run("echo up")).trim(), "up");
    g.send("reboot\n");
    const ev = await g.done as { kind: string; message: string };
    assert.equal(ev.kind, "error");
    assert.match(ev.message, /the guest rebooted, and its kernel could not be loaded/);
    assert.match(ev.message, re);
  }
  // Without a deferred kernel, a restore says which file it needs.
  await assert.rejects(prepareRestore(packed, FIRMWARE_ONLY, DISKS), (e: unknown) => e instanceof SnapshotError && e.code === "missing_image" && /kernel 'Image'/.test(e.message));
});

test("brotli packs: version 1 refuses them; a pack that decodes past or short of its size, or is not brotli, is refused", async () => {
  const page = new Uint8Array(4096).fill(7);
  const ok = brotliCompressSync(page);
  assert.deepEqual(await decompress(ok, 4096, "pack", BROTLI), page);
  for (const [bytes, size, re] of [
    [brotliCompressSync(new Uint8Array(8192).fill(7)), 4096, /more than the 4096 bytes|of at most 4096 bytes/],
    [ok, 8192, /decompresses to 4096 bytes, not the 8192/],
    [ok.subarray(0, ok.length - 2), 4096, /not valid brotli|decompresses to/],
    [new Uint8Array([1, 2, 3, 4, 5]), 4096, /not valid brotli|decompresses to/],
  ] as const) {
    await assert.rejects(decompress(bytes, size, "pack", BROTLI), (e: unknown) => e instanceof SnapshotError && e.code === "bad_blob" && re.test(e.message));
  }
  const { guest, take } = await bootSample(1, 64);
  let snap;
  try { snap = (await take()).snapshot; } finally { await guest.stop(); }
  const packed = await repackSnapshot(snap, { codec: BROTLI, packPages: 1024, compress: brotliPack, images: [firmware, kernel] });
  const m = JSON.parse(new TextDecoder().decode(packed.manifestBytes));
  assert.equal(checkManifest(m).version, 2);
  assert.throws(() => checkManifest({ ...m, version: 1 }), (e: unknown) => e instanceof SnapshotError && /is compressed with "brotli"; version 1 snapshots use deflate-raw/.test(e.message));
  assert.throws(() => checkManifest({ ...m, version: 3 }), (e: unknown) => e instanceof SnapshotError && e.code === "future_version" && /update rvplay/.test(e.message));
});
