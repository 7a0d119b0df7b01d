// `npm run bench -- --only disk`: the disk store's figures.
// - In the guest, sequential 64 MiB on /dev/vda: write (dd conv=fsync) and
//   read (caches dropped first), MB/s, on a store disk under Node beside
//   QEMU on a raw file of the same size, and in Chromium (IndexedDB).
// - Durable commits for 1,000 separate 4 KiB guest writes and one sync
//   (Node: the disk's own counters; Chromium: the same counters in IndexedDB).
// - Upload of a 256 MiB image into IndexedDB through the Disks panel: MB/s
//   and the peak growth of the tab's memory (the renderer processes' RSS).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, openSync, ftruncateSync, closeSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Page } from "playwright-core";
import { Console } from "../tests/boot/console.js";
import { unpackSampleImage, qemuSystem } from "../tests/boot/sample-image.js";
import { chromiumPath, startServer } from "../e2e/browser.js";
import { runCommand, waitForPrompt } from "../e2e/screen.js";

interface Figure { name: string; value: number; unit: string }
const root = fileURLToPath(new URL("../../", import.meta.url));
const cli = join(root, "bin", "rvplay.js");
const PROMPT = /root@rvplay:[^\n]*# $/m;
const MB64 = 64 * 1024 * 1024;
const WRITE = "dd if=/dev/zero of=/dev/vda bs=1M count=64 conv=fsync 2>/dev/null";
const READ = "echo 3 > /proc/sys/vm/drop_caches; dd if=/dev/vda of=/dev/null bs=1M count=64 2>/dev/null";
// 1,000 separate 4 KiB writes (8 KiB apart, so writeback cannot merge them),
// then one fsync of the device (a plain `sync` writes a raw block device's
// pages back but sends it no FLUSH; fsync does).
const BURST = "i=0; while [ $i -lt 1000 ]; do dd if=/dev/urandom of=/dev/vda bs=4096 seek=$((i*3)) count=1 conv=notrunc 2>/dev/null; i=$((i+1)); done; " +
  "dd if=/dev/zero of=/dev/vda bs=4096 count=0 conv=notrunc,fsync 2>/dev/null";
const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;

async function guest<T>(label: string, cmd: string, args: string[], body: (c: Console) => Promise<T>): Promise<T> {
  const c = Console.spawn(cmd, args, label);
  try {
    await c.waitFor(PROMPT, 300_000);
    const r = await body(c);
    c.send("poweroff\n");
    await c.waitFor(/reboot: Power down/, 60_000);
    await c.exited;
    return r;
  } finally {
    if (c.exitCode === null) c.proc.kill("SIGKILL");
  }
}

function rv(...args: string[]): string { return execFileSync(process.execPath, [cli, ...args], { encoding: "utf8" }); }

async function nodeRows(figures: Figure[]): Promise<void> {
  const store = mkdtempSync(join(tmpdir(), "rvplay-bench-store-"));
  rv("disk", "create", "bench", "128M", "--store", store);
  const boot = ["boot", "--mem", "256", "--store", store, "--disk", "bench"];
  const [w, r] = await guest("rvplay disk", process.execPath, [cli, ...boot], async (c) => [await c.guestSeconds(WRITE), await c.guestSeconds(READ)]);
  figures.push({ name: "disk: in-guest 64 MiB sequential write (conv=fsync), rvplay Node store", value: round(MB64 / 1e6 / w), unit: "MB/s" });
  figures.push({ name: "disk: in-guest 64 MiB sequential read (caches dropped), rvplay Node store", value: round(MB64 / 1e6 / r), unit: "MB/s" });
  const qemu = qemuSystem();
  if (qemu) {
    const dir = unpackSampleImage(["fw_dynamic.bin", "Image"]);
    const raw = join(dir, "bench.img");
    const fd = openSync(raw, "w"); ftruncateSync(fd, 128 * 1024 * 1024); closeSync(fd);
    const [qw, qr] = await guest("qemu disk", qemu, ["-M", "virt", "-nographic", "-m", "256M", "-smp", "1",
      "-bios", join(dir, "fw_dynamic.bin"), "-kernel", join(dir, "Image"), "-append", "console=ttyS0",
      "-drive", `file=${raw},format=raw,if=none,id=d0`, "-device", "virtio-blk-device,drive=d0"],
    async (c) => [await c.guestSeconds(WRITE), await c.guestSeconds(READ)]);
    figures.push({ name: "disk: in-guest 64 MiB sequential write, QEMU virt (TCG) raw file", value: round(MB64 / 1e6 / qw), unit: "MB/s" });
    figures.push({ name: "disk: in-guest 64 MiB sequential read, QEMU virt (TCG) raw file", value: round(MB64 / 1e6 / qr), unit: "MB/s" });
    figures.push({ name: "disk: write time rvplay Node / QEMU", value: round(w / qw, 2), unit: "x" });
    figures.push({ name: "disk: read time rvplay Node / QEMU", value: round(r / qr, 2), unit: "x" });
  }
  rv("disk", "create", "burst", "64M", "--store", store);
  await guest("rvplay burst", process.execPath, [cli, "boot", "--mem", "128", "--store", store, "--disk", "burst"], (c) => c.run(BURST, 600_000));
  const burst = (JSON.parse(rv("disk", "list", "--json", "--store", store)) as { name: string; durableCommits: number; relaxedCommits: number }[]).find((d) => d.name === "burst")!;
  figures.push({ name: "disk: durable commits for 1,000 guest 4 KiB writes + one sync (Node)", value: burst.durableCommits, unit: "commits" });
  figures.push({ name: "disk: relaxed commits meanwhile (Node)", value: burst.relaxedCommits, unit: "commits" });
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

async function diskRecord(page: Page, name: string): Promise<{ durableCommits: number; relaxedCommits: number; id: string }> {
  return page.evaluate(async (n) => {
    const db = await new Promise<IDBDatabase>((res, rej) => { const r = indexedDB.open("rvplay-disks"); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
    const all = await new Promise<{ name: string; durableCommits: number; relaxedCommits: number; id: string }[]>((res) => {
      const r = db.transaction("disks").objectStore("disks").getAll();
      r.onsuccess = () => res(r.result);
    });
    db.close();
    return all.find((d) => d.name === n)!;
  }, name);
}

async function useOnly(page: Page, name: string): Promise<void> {
  for (const row of await page.locator("[data-testid=disk-row]").all()) {
    const want = (await row.getAttribute("data-name")) === name;
    const box = row.getByTestId("disk-attach");
    if ((await box.isChecked()) !== want) {
      await box.click(); // checked once the store says so
      await row.getByText(want ? /attached as/ : /^attach$/).waitFor();
    }
  }
  await page.getByTestId("disks-pending").getByRole("button", { name: "Reboot now" }).click();
  await page.waitForTimeout(1000);
  await waitForPrompt(page, 120_000);
}

async function createDisk(page: Page, name: string, sizeLabel: string): Promise<void> {
  if (!(await page.getByTestId("disk-new-name").isVisible())) await page.getByText("Create an empty disk").click();
  await page.getByTestId("disk-new-name").fill(name);
  await page.getByTestId("disk-new-size").selectOption({ label: sizeLabel });
  await page.getByTestId("disk-create").click();
  await page.locator(`[data-testid=disk-row][data-name="${name}"]`).waitFor();
}

async function browserRows(figures: Figure[]): Promise<void> {
  if (!chromiumPath()) return;
  const { server, url } = await startServer();
  const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "rvplay-bench-prof-")), {
    executablePath: chromiumPath(), headless: true, viewport: { width: 1280, height: 900 }, args: ["--no-sandbox", "--disable-gpu"],
  });
  try {
    const page = ctx.pages()[0] ?? await ctx.newPage();
    page.on("dialog", (d) => void d.accept());
    await page.goto(`${url}?cpus=1&mem=256`);
    await waitForPrompt(page, 120_000);
    await createDisk(page, "bench", "256 MiB");
    await useOnly(page, "bench");
    const secs = async (cmd: string) => {
      const out = await runCommand(page, `s=$(cut -d' ' -f1 /proc/uptime); ${cmd}; e=$(cut -d' ' -f1 /proc/uptime); awk -v s=$s -v e=$e 'BEGIN { print e - s }'`, 600_000);
      return Number(out.trim().split("\n").at(-1));
    };
    const w = await secs(WRITE), r = await secs(READ);
    figures.push({ name: "disk: in-guest 64 MiB sequential write (conv=fsync), Chromium IndexedDB", value: round(MB64 / 1e6 / w), unit: "MB/s" });
    figures.push({ name: "disk: in-guest 64 MiB sequential read (caches dropped), Chromium IndexedDB", value: round(MB64 / 1e6 / r), unit: "MB/s" });
    await createDisk(page, "burst", "64 MiB");
    await useOnly(page, "burst");
    const before = await diskRecord(page, "burst");
    await runCommand(page, BURST, 600_000);
    const after = await diskRecord(page, "burst");
    figures.push({ name: "disk: durable transactions for 1,000 guest 4 KiB writes + one sync (Chromium)", value: after.durableCommits - before.durableCommits, unit: "transactions" });
    figures.push({ name: "disk: relaxed transactions meanwhile (Chromium)", value: after.relaxedCommits - before.relaxedCommits, unit: "transactions" });
    // Upload 256 MiB (not zeros: every chunk is stored).
    const dir = mkdtempSync(join(tmpdir(), "rvplay-bench-img-"));
    const img = join(dir, "big.img");
    const block = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((i * 2654435761) >>> 0, i);
    const fd = openSync(img, "w");
    for (let i = 0; i < 256; i++) { block.writeUInt32LE(i, 0); writeFileSync(fd, block); }
    closeSync(fd);
    await page.getByText("Add an image").click();
    await page.getByTestId("disk-file").setInputFiles(img);
    await page.getByTestId("disk-upload").waitFor();
    const base = rendererRss();
    let peak = base;
    const sampler = setInterval(() => { peak = Math.max(peak, rendererRss()); }, 100);
    const t0 = performance.now();
    await page.getByTestId("disk-upload").click();
    await page.getByTestId("disk-message").filter({ hasText: "added 'big'" }).waitFor({ timeout: 600_000 });
    const t = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    figures.push({ name: "disk: upload of a 256 MiB image into IndexedDB", value: round(256 * 1.048576 / t), unit: "MB/s" });
    figures.push({ name: "disk: peak tab memory growth during the upload (renderer RSS)", value: round((peak - base) / 2 ** 20), unit: "MiB" });
  } finally {
    await ctx.close();
    await server.close();
  }
}

export async function diskBench(figures: Figure[]): Promise<void> {
  await nodeRows(figures);
  await browserRows(figures);
  void spawnSync;
}
