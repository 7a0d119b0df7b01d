// Snapshots of a machine with a shared folder: the virtio-9p device's 9P
// session goes into the snapshot (manifest device "virtio-9p"), and a
// restore given the same folder takes it up: the guest's mount at
// /mnt/host works on, a file it held open reads on through the restored
// fid, and one the host deleted in between fails in the guest instead of
// reading other bytes. A restore without a folder is refused by name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VirtMachine } from "../../src/machine/virt-machine.js";
import { MiB } from "../../src/machine/core.js";
import { loadCoreModule } from "../../src/node/core-module.js";
import { spawnNodeHart } from "../../src/node/harts.js";
import { spawnNodeIo } from "../../src/node/io.js";
import { SnapshotTaker } from "../../src/snapshot/take-snapshot.js";
import { prepareRestore, restoreMachine } from "../../src/snapshot/restore-snapshot.js";
import { readSnapshotFile, writeSnapshotFile } from "../../src/snapshot/snapshot-file.js";
import { SnapshotError } from "../../src/snapshot/snapshot-error.js";
import type { Virtio9pState } from "../../src/snapshot/manifest.js";
import { Guest, firmware, kernel, IMAGES, DISKS, sampleSnapshotDisk } from "../snapshot/sample-machine.js";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

test("a snapshot carries the shared folder's session; restored with the folder, the guest's mount and open files work on", { timeout: 400_000 }, async () => {
  const host = mkdtempSync(join(tmpdir(), "rvplay-share-snap-"));
  const input = randomBytes(300_000);
  writeFileSync(join(host, "in.bin"), input);
  writeFileSync(join(host, "held.txt"), "held open across the snapshot\n");
  writeFileSync(join(host, "gone.txt"), "deleted by the host before the restore\n");
  const share = { type: "host" as const, path: host, readOnly: false };
  const disk = sampleSnapshotDisk();
  const m = await VirtMachine.create(await loadCoreModule(), {
    ramBytes: 128 * MiB, harts: 1, bootargs: "console=ttyS0 quiet", firmware, kernel,
    devices: [disk.spec, { kind: "9p", tag: "host", share }],
  }, spawnNodeHart, spawnNodeIo);
  const guest = new Guest(m);
  let restored: Guest | undefined;
  try {
    await guest.until(/root@rvplay:~# $/, 180_000);
    assert.match(await guest.run("grep ' /mnt/host ' /proc/mounts"), /^host \/mnt\/host 9p /m);
    // The shell holds two files of the share open (fd 3, 4) across the snapshot.
    await guest.run("exec 3</mnt/host/held.txt; exec 4</mnt/host/gone.txt; echo guest-wrote > /mnt/host/before.txt");
    const taker = new SnapshotTaker([{ role: "firmware", name: "fw_dynamic.bin", bytes: firmware }, { role: "kernel", name: "Image", bytes: kernel }]);
    const { snapshot } = await taker.take(m, undefined, [disk]);
    await guest.stop();

    const file = writeSnapshotFile(snapshot);
    const snap = await readSnapshotFile(file);
    const dev = snap.manifest.devices.find((d) => d.type === "virtio-9p");
    assert.ok(dev, "the manifest lists the virtio-9p device");
    const st = dev.state as unknown as Virtio9pState;
    assert.equal(st.tag, "host");
    assert.ok(st.session.msize >= 4096);
    const paths = st.session.fids.map((f) => f.path.join("/"));
    assert.ok(paths.includes("held.txt") && paths.includes("gone.txt"), `the open files' fids are saved (${paths.join(", ")})`);

    // Without a folder: refused by name, before anything is built.
    const p0 = await prepareRestore(snap, IMAGES, DISKS);
    await assert.rejects(restoreMachine(p0, await loadCoreModule(), spawnNodeHart, spawnNodeIo),
      (e: unknown) => e instanceof SnapshotError && e.code === "missing_share" && /shared folder .*--share DIR/.test(e.message));

    unlinkSync(join(host, "gone.txt"));
    const p = await prepareRestore(snap, IMAGES, DISKS);
    const t0 = performance.now();
    restored = new Guest(await restoreMachine(p, await loadCoreModule(), spawnNodeHart, spawnNodeIo, { share }));
    const restoreMs = performance.now() - t0;
    restored.send("\n");
    await restored.until(/root@rvplay:~# $/, 60_000);
    assert.equal((await restored.run("cat <&3")).trim(), "held open across the snapshot", "the held file reads on through its restored fid");
    assert.match(await restored.run("cat <&4 >/dev/null 2>&1; echo status=$?"), /status=[1-9]/, "the deleted file's fid fails, not reads other bytes");
    assert.equal((await restored.run("sha256sum /mnt/host/in.bin")).split(" ")[0], sha(input));
    assert.equal((await restored.run("cat /mnt/host/before.txt")).trim(), "guest-wrote");
    await restored.run("echo after-restore > /mnt/host/after.txt && mkdir /mnt/host/d && ls /mnt/host/d");
    assert.equal(readFileSync(join(host, "after.txt"), "utf8"), "after-restore\n");
    process.stdout.write(`# share snapshot: ${st.session.fids.length} fids saved, restore ${restoreMs.toFixed(0)} ms\n`);
  } finally {
    if (restored) await restored.stop();
    else await guest.stop().catch(() => {});
    rmSync(host, { recursive: true, force: true });
  }
});
