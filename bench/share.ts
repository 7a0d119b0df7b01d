// `npm run bench -- --only share`: the shared folder's figures. In the
// guest, a 64 MiB file in /mnt/host written (dd conv=fsync) and read back,
// MB/s: under Node with `rvplay boot --share DIR` beside QEMU's 9p server
// over the same sample image, and in Chromium with the page's folder
// (IndexedDB).
//
// QEMU: `-virtfs local,path=DIR,mount_tag=host,security_model=none` is
// shorthand for a -fsdev plus a virtio-9p-pci device, and the sample kernel
// has no PCI (QEMU virt's virtio-mmio slots are its only virtio transport),
// so the bench spells out the same thing on virtio-mmio: `-fsdev
// local,id=fs0,path=DIR,security_model=none -device
// virtio-9p-device,fsdev=fs0,mount_tag=host`: the same 9p server and
// back end.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Console } from "../tests/boot/console.js";
import { unpackSampleImage, qemuSystem } from "../tests/boot/sample-image.js";
import { chromiumPath, launchBrowser, startServer } from "../e2e/browser.js";
import { runCommand, waitForPrompt } from "../e2e/screen.js";

interface Figure { name: string; value: number; unit: string }
const root = fileURLToPath(new URL("../../", import.meta.url));
const cli = join(root, "bin", "rvplay.js");
const PROMPT = /root@rvplay:[^\n]*# $/m;
const MB64 = 64 * 1024 * 1024;
const WRITE = "dd if=/dev/zero of=/mnt/host/bench.bin bs=1M count=64 conv=fsync 2>/dev/null";
// v9fs with cache=none (the image's mount) keeps no page cache; dropping
// caches makes sure of it.
const READ = "echo 3 > /proc/sys/vm/drop_caches; dd if=/mnt/host/bench.bin of=/dev/null bs=1M 2>/dev/null";
const CLEAN = "rm -f /mnt/host/bench.bin";
const RUNS = 3;
const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function guest<T>(label: string, cmd: string, args: string[], body: (c: Console) => Promise<T>): Promise<T> {
  const c = Console.spawn(cmd, args, label);
  try {
    await c.waitFor(PROMPT, 300_000);
    const r = await body(c);
    c.send("poweroff\n");
    // Both exit once the guest is off (rvplay's quiet console prints no "Power down").
    await Promise.race([c.exited, new Promise((r) => setTimeout(r, 60_000))]);
    return r;
  } finally {
    if (c.exitCode === null) c.proc.kill("SIGKILL");
  }
}

// Write then read, RUNS times in one guest; the median of each, in seconds.
async function rounds(c: Console): Promise<[number, number]> {
  const w: number[] = [], r: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    w.push(await c.guestSeconds(WRITE));
    r.push(await c.guestSeconds(READ));
    await c.run(CLEAN);
  }
  return [median(w), median(r)];
}

async function nodeRows(figures: Figure[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "rvplay-bench-share-"));
  try {
    const [w, r] = await guest("rvplay share", process.execPath, [cli, "boot", "--mem", "256", "--share", dir], rounds);
    figures.push({ name: "share: in-guest 64 MiB write (conv=fsync), rvplay Node --share, median of 3", value: round(MB64 / 1e6 / w), unit: "MB/s" });
    figures.push({ name: "share: in-guest 64 MiB read, rvplay Node --share, median of 3", value: round(MB64 / 1e6 / r), unit: "MB/s" });
    const qemu = qemuSystem();
    if (!qemu) return;
    const img = unpackSampleImage(["fw_jump.bin", "Image"]);
    const [qw, qr] = await guest("qemu 9p", qemu, ["-M", "virt", "-nographic", "-m", "256M", "-smp", "1",
      "-bios", join(img, "fw_jump.bin"), "-kernel", join(img, "Image"), "-append", "console=ttyS0",
      "-fsdev", `local,id=fs0,path=${dir},security_model=none`, "-device", "virtio-9p-device,fsdev=fs0,mount_tag=host"], rounds);
    figures.push({ name: "share: in-guest 64 MiB write, QEMU virt (TCG) 9p local, median of 3", value: round(MB64 / 1e6 / qw), unit: "MB/s" });
    figures.push({ name: "share: in-guest 64 MiB read, QEMU virt (TCG) 9p local, median of 3", value: round(MB64 / 1e6 / qr), unit: "MB/s" });
    figures.push({ name: "share: write time rvplay Node / QEMU", value: round(w / qw, 2), unit: "x" });
    figures.push({ name: "share: read time rvplay Node / QEMU", value: round(r / qr, 2), unit: "x" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function shareBench(figures: Figure[]): Promise<void> {
  await nodeRows(figures);
}
