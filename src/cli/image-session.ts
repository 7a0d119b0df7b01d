// rvplay boot --image NAME: the image's disk is a disk of the store (named
// after the image, over the image's disk base, read in place on demand), so
// that what the guest writes is kept; and when the image has a snapshot of
// itself booted (snapshot.rvsnap, the recipe's snapshot step) and that
// disk is as the snapshot left it (a new disk, or one reset with `rvplay disk
// reset NAME`), the machine resumes it instead of booting. A disk with
// changes of its own boots from scratch: the snapshot's memory would not
// match it (its file system caches were taken over another disk).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { DeviceSpec, NetSpec } from "../devices/specs.js";
import type { DiskStore } from "../disks/disk-store.js";
import { storeDiskTarget } from "../disks/restore-target.js";
import { openFileStore } from "../node/disk-files.js";
import { readBootFile, SAMPLE_DIR } from "../node/boot-files.js";
import { loadCoreModule } from "../node/core-module.js";
import { spawnNodeHart } from "../node/harts.js";
import { spawnNodeIo } from "../node/io.js";
import type { VirtMachine } from "../machine/virt-machine.js";
import { prepareRestore, restoreMachine, type DeferredImage } from "../snapshot/restore-snapshot.js";
import { readSnapshotFile, type Snapshot } from "../snapshot/snapshot-file.js";
import { SnapshotTaker } from "../snapshot/take-snapshot.js";
import { SnapshotError } from "../snapshot/snapshot-error.js";
import type { BootImageChoice } from "./boot-image.js";

export const IMAGE_SNAPSHOT = "snapshot.rvsnap";

export interface ImageDisk { store: DiskStore; id: string; name: string; spec: DeviceSpec; base: { sha256: string; size: number }; fresh: boolean }

// The store's disk for the image (made on first use; a disk of that name
// over another build's base is renamed out of the way and kept).
export async function imageStoreDisk(img: BootImageChoice, storeDir: string): Promise<ImageDisk> {
  const store = await openFileStore(storeDir);
  const url = pathToFileURL(img.dir.endsWith("/") ? img.dir : img.dir + "/").href;
  let base = await store.addRemoteBase(url, `${img.manifest.title} (${img.dir})`);
  if (base.sha256 !== img.manifest.disk.sha256) throw new SnapshotError("missing_image", `the disk base in ${img.dir} (disk.json) is not the one image.json names: rebuild the image`);
  // The same base found elsewhere before (the image moved): read it from here now.
  if (base.url !== url) { base = { ...base, url }; await store.backend.putBase(base); }
  const name = img.manifest.name;
  let d = (await store.list()).find((r) => r.name === name && r.base === base.sha256);
  if (!d) {
    const old = (await store.list()).find((r) => r.name === name);
    if (old) await store.rename(old.id, `${name} ${new Date(old.createdAt).toISOString().slice(0, 10)} ${old.id.slice(0, 6)}`.slice(0, 63));
    d = await store.createFromBase(name, base.sha256);
  }
  const fresh = (await store.overlayChunks(d.id)).size === 0;
  return {
    store, id: d.id, name, base: { sha256: base.sha256, size: base.size }, fresh,
    spec: { kind: "blk", disk: { type: "store", store: storeDir, id: d.id }, serial: name.slice(0, 20) },
  };
}

export function imageSnapshotPath(img: BootImageChoice): string | undefined {
  const p = join(img.dir, IMAGE_SNAPSHOT);
  return existsSync(p) ? p : undefined;
}

// Resume the image's snapshot onto its (fresh) store disk: the snapshot's
// disk pages go into the disk's overlay first. On any failure the disk is
// left as it was (reset), and nothing runs.
export async function resumeImage(img: BootImageChoice, snapshotPath: string, disk: ImageDisk, net: NetSpec | undefined):
  Promise<{ machine: VirtMachine; taker: SnapshotTaker; screen?: Uint8Array; snapshot: Snapshot; diskPages: number }> {
  const snapshot = await readSnapshotFile(new Uint8Array(readFileSync(snapshotPath)));
  const ram = snapshot.manifest.machine.ramBytes, inRam = "the snapshot's RAM";
  const candidates = [{ name: "fw_dynamic.bin", bytes: readBootFile(join(SAMPLE_DIR, "fw_dynamic.bin.gz"), "firmware", ram, inRam) }];
  // The kernel and initrd are read only if the snapshot's pages refer to
  // them (a version 1 snapshot), else at the guest's first reboot.
  const deferred: DeferredImage[] = [
    { role: "kernel", load: async () => readBootFile(img.kernel, "kernel", ram, inRam) },
    { role: "initrd", load: async () => readBootFile(img.initrd, "initrd", ram, inRam) },
  ];
  const target = storeDiskTarget(disk.store, disk.id, disk.base, disk.spec);
  let prepared;
  try {
    prepared = await prepareRestore(snapshot, candidates, [], target, deferred);
    await target.close();
  } catch (e) {
    await target.close().catch(() => {});
    await disk.store.reset(disk.id).catch(() => {});
    throw e;
  }
  let machine: VirtMachine;
  try {
    machine = await restoreMachine(prepared, await loadCoreModule(), spawnNodeHart, spawnNodeIo, { net });
  } catch (e) {
    await disk.store.reset(disk.id).catch(() => {});
    throw e;
  }
  const taker = new SnapshotTaker(prepared.images);
  void taker.remember(prepared.packs).catch(() => {});
  return { machine, taker, screen: prepared.console?.bytes, snapshot, diskPages: prepared.diskPages ?? 0 };
}

// After a resume the network behind the card is new and the guest's clock
// is the snapshot's: pull the cable and plug it back, so that the guest's
// DHCP client asks again (its exit hook, overlay/etc/dhcpcd.exit-hook, also
// sets the clock from the RTC). `wait`: how long the cable stays out.
export function replugNetwork(machine: VirtMachine, wait = 2000): void {
  const nic = machine.deviceSlots.find((d) => d.kind === "net");
  if (!nic) return;
  machine.deviceCommand(nic.slot, { kind: "net-link", up: false });
  setTimeout(() => machine.deviceCommand(nic.slot, { kind: "net-link", up: true }), wait).unref?.();
}
