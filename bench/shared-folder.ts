// `npm run bench -- --only folder`: the shared folder's figures. In the
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
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { chromium } from "playwright-core";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Console } from "../tests/boot/console.js";
import { unpackSampleImage, qemuSystem } from "../tests/boot/sample-image.js";
import { chromiumPath, startServer } from "../e2e/browser.js";
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
    figures.push({ name: "folder: in-guest 64 MiB write (conv=fsync), rvplay Node --share, median of 3", value: round(MB64 / 1e6 / w), unit: "MB/s" });
    figures.push({ name: "folder: in-guest 64 MiB read, rvplay Node --share, median of 3", value: round(MB64 / 1e6 / r), unit: "MB/s" });
    const qemu = qemuSystem();
    if (!qemu) return;
    const img = unpackSampleImage(["fw_dynamic.bin", "Image"]);
    const [qw, qr] = await guest("qemu 9p", qemu, ["-M", "virt", "-nographic", "-m", "256M", "-smp", "1",
      "-bios", join(img, "fw_dynamic.bin"), "-kernel", join(img, "Image"), "-append", "console=ttyS0",
      "-fsdev", `local,id=fs0,path=${dir},security_model=none`, "-device", "virtio-9p-device,fsdev=fs0,mount_tag=host"], rounds);
    figures.push({ name: "folder: in-guest 64 MiB write, QEMU virt (TCG) 9p local, median of 3", value: round(MB64 / 1e6 / qw), unit: "MB/s" });
    figures.push({ name: "folder: in-guest 64 MiB read, QEMU virt (TCG) 9p local, median of 3", value: round(MB64 / 1e6 / qr), unit: "MB/s" });
    figures.push({ name: "folder: write time rvplay Node / QEMU", value: round(w / qw, 2), unit: "x" });
    figures.push({ name: "folder: read time rvplay Node / QEMU", value: round(r / qr, 2), unit: "x" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The renderer processes' resident memory (the tab and its workers), bytes.
function rendererRss(): number {
  let total = 0;
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (!cmd.includes("--type=renderer") || !cmd.includes("chrom")) continue;
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m) total += Number(m[1]) * 1024;
    } catch { /* gone */ }
  }
  return total;
}

// Time `body` while sampling the tab's memory; seconds and peak growth in bytes.
async function measured(body: () => Promise<void>): Promise<{ secs: number; growth: number }> {
  const base = rendererRss();
  let peak = base;
  const sampler = setInterval(() => { peak = Math.max(peak, rendererRss()); }, 100);
  const t0 = performance.now();
  try { await body(); } finally { clearInterval(sampler); }
  return { secs: (performance.now() - t0) / 1000, growth: peak - base };
}

const BIG = 2 ** 30; // "a 1 GiB file must not be held whole in memory"

async function browserRows(figures: Figure[]): Promise<void> {
  if (!chromiumPath()) return;
  const { server, url } = await startServer();
  const prof = mkdtempSync(join(tmpdir(), "rvplay-bench-share-prof-"));
  const dir = mkdtempSync(join(tmpdir(), "rvplay-bench-share-big-"));
  const ctx = await chromium.launchPersistentContext(prof, {
    executablePath: chromiumPath(), headless: true, viewport: { width: 1280, height: 900 }, acceptDownloads: true, args: ["--no-sandbox", "--disable-gpu"],
  });
  try {
    const page = ctx.pages()[0] ?? await ctx.newPage();
    page.on("dialog", (d) => void d.accept());
    await page.goto(`${url}?cpus=1&mem=256`);
    await waitForPrompt(page, 120_000);
    // Short command lines: a long one wraps on the console and its echo is
    // harder to find. T runs its argument and prints the guest's uptime
    // before and after.
    await runCommand(page, `cd /mnt/host; T(){ s=$(cut -d' ' -f1 /proc/uptime);eval "$1";e=$(cut -d' ' -f1 /proc/uptime);echo "$s $e";}`);
    const secs = async (cmd: string) => {
      const [s0, e0] = (await runCommand(page, `T '${cmd}'`, 600_000)).trim().split("\n").at(-1)!.split(" ").map(Number);
      if (!Number.isFinite(e0 - s0)) throw new Error(`could not time '${cmd}'`);
      return e0 - s0;
    };
    const w: number[] = [], r: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      w.push(await secs("dd if=/dev/zero of=b bs=1M count=64 conv=fsync 2>/dev/null"));
      r.push(await secs("dd if=b of=/dev/null bs=1M 2>/dev/null"));
      await runCommand(page, "rm b");
    }
    figures.push({ name: "folder: in-guest 64 MiB write (conv=fsync), Chromium IndexedDB, median of 3", value: round(MB64 / 1e6 / median(w)), unit: "MB/s" });
    figures.push({ name: "folder: in-guest 64 MiB read, Chromium IndexedDB, median of 3", value: round(MB64 / 1e6 / median(r)), unit: "MB/s" });

    // A 1 GiB file in through the Files panel's picker and out through its
    // Download button: the tab's memory must not grow by the file.
    const big = join(dir, "big.bin");
    const block = Buffer.alloc(2 ** 20);
    for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((i * 2654435761) >>> 0, i);
    const fd = openSync(big, "w");
    for (let i = 0; i < BIG / block.length; i++) { block.writeUInt32LE(i, 0); writeSync(fd, block); }
    closeSync(fd);
    const up = await measured(async () => {
      await page.getByTestId("files-pick").setInputFiles(big);
      await page.getByTestId("files-message").filter({ hasText: "added 'big.bin'" }).waitFor({ timeout: 1_200_000 });
    });
    figures.push({ name: "folder: 1 GiB file into the Files panel (IndexedDB)", value: round(BIG / 1e6 / up.secs), unit: "MB/s" });
    figures.push({ name: "folder: peak tab memory growth while it goes in (renderer RSS)", value: round(up.growth / 2 ** 20), unit: "MiB" });
    const row = page.locator("[data-testid=file-row][data-name='big.bin']");
    let saved = "";
    const down = await measured(async () => {
      const [d] = await Promise.all([page.waitForEvent("download", { timeout: 1_200_000 }), row.getByTestId("file-download").click()]);
      saved = (await d.path())!;
    });
    if (statSync(saved).size !== BIG) throw new Error(`the download is ${statSync(saved).size} bytes, not ${BIG}`);
    figures.push({ name: "folder: 1 GiB file out through its Download button", value: round(BIG / 1e6 / down.secs), unit: "MB/s" });
    figures.push({ name: "folder: peak tab memory growth while it goes out (renderer RSS)", value: round(down.growth / 2 ** 20), unit: "MiB" });
  } finally {
    await ctx.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(prof, { recursive: true, force: true });
  }
}

export { browserRows as folderBrowserRows };

export async function folderBench(figures: Figure[]): Promise<void> {
  await nodeRows(figures);
  await browserRows(figures);
}
