// npm run bench -- --only snapshot: snapshots of the booted sample VM
// (256 MiB, 1 hart, at the prompt): stored size, what is beyond the boot
// images, the pause the guest sees, the time to take one and to restore to a
// live prompt, in Node and in Chromium; a second snapshot's new bytes; and
// what init_on_free=1 on the kernel command line changes after the guest
// frees a 16 MiB file.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Console } from "../tests/boot/console.js";
import { bootSample, Guest } from "../tests/snapshot/sample-machine.js";
import { loadCoreModule } from "../src/node/core-module.js";
import { readBootFile, SAMPLE_DIR } from "../src/node/boot-files.js";
import { spawnNodeHart } from "../src/node/harts.js";
import { spawnNodeIo } from "../src/node/io.js";
import { readSnapshotFile, writeSnapshotFile } from "../src/snapshot/snapshot-file.js";
import { prepareRestore, restoreMachine } from "../src/snapshot/restore-snapshot.js";
import { chromiumPath, launchBrowser, startServer } from "../e2e/browser.js";
import { runCommand, waitForPrompt } from "../e2e/screen.js";

interface Figure { name: string; value: number; unit: string }
const root = fileURLToPath(new URL("../../", import.meta.url));
const r2 = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function nodeFigures(figures: Figure[]): Promise<void> {
  const { guest, take } = await bootSample(1, 256);
  await sleep(2000);
  const first = await take();
  await sleep(1000);
  const second = await take();
  await guest.stop();
  const s = first.stats;
  figures.push({ name: "snapshot of the booted sample VM (256 MiB, prompt): stored, compressed", value: r2(s.bytes / 1e6, 3), unit: "MB" });
  figures.push({ name: "snapshot: RAM beyond zero pages and boot images (distinct pages, uncompressed)", value: r2((s.storedPages * 4096) / 1e6), unit: "MB" });
  figures.push({ name: "snapshot: non-zero pages / from boot images / stored distinct", value: s.nonZeroPages, unit: `pages / ${s.imagePages} / ${s.storedPages}` });
  figures.push({ name: "snapshot: pause the guest sees (Node)", value: r2(s.pauseMs, 1), unit: "ms" });
  figures.push({ name: "snapshot: time to take (Node)", value: r2(s.totalMs, 0), unit: "ms" });
  figures.push({ name: "snapshot: a second one 1 s later, new bytes", value: r2(second.stats.newBytes / 1e6, 3), unit: "MB" });

  // Restore in this process from the file's bytes, the boot images read
  // from the sample as the CLI does, to a prompt that answers.
  const file = writeSnapshotFile(first.snapshot);
  const t0 = performance.now();
  const snap = await readSnapshotFile(file);
  const images = [join(SAMPLE_DIR, "fw_dynamic.bin.gz"), join(SAMPLE_DIR, "Image.gz")].map((p) => ({ name: p, bytes: readBootFile(p, "image") }));
  const disks = [{ name: "disk", bytes: readBootFile(join(SAMPLE_DIR, "disk.img.gz"), "disk") }];
  const m = await restoreMachine(await prepareRestore(snap, images, disks), await loadCoreModule(), spawnNodeHart, spawnNodeIo);
  const g = new Guest(m);
  await g.run("echo live");
  const restoreMs = performance.now() - t0;
  await g.stop();
  figures.push({ name: "snapshot: restore to a live prompt (Node, in process, images read)", value: r2(restoreMs, 0), unit: "ms" });

  // The CLI: process start to the restored prompt's answer.
  const dir = mkdtempSync(join(tmpdir(), "rvplay-bench-snap-"));
  writeFileSync(join(dir, "s.rvsnap"), file);
  const t1 = performance.now();
  const c = Console.spawn(process.execPath, [`${root}bin/rvplay.js`, "boot", "--restore", join(dir, "s.rvsnap")], "rvplay --restore");
  try {
    await c.run("echo live");
    figures.push({ name: "snapshot: rvplay boot --restore to the prompt's answer (incl. Node start)", value: r2(performance.now() - t1, 0), unit: "ms" });
  } finally {
    c.send("\x01x");
    c.proc.kill();
    await c.exited;
  }
}

// init_on_free=1: freed guest memory is zeroed, so what a deleted file
// occupied drops out of the next snapshot.
async function initOnFree(figures: Figure[]): Promise<void> {
  for (const extra of ["", " init_on_free=1"]) {
    const { guest: g, take } = await bootSample(1, 256, `console=ttyS0 quiet${extra}`);
    try {
      await sleep(2000);
      const a = await take();
      await g.run("dd if=/dev/urandom of=/tmp/big bs=1M count=16 2>/dev/null; rm /tmp/big; sync");
      const b = await take();
      const label = extra ? "with init_on_free=1" : "default command line";
      figures.push({ name: `snapshot (${label}): booted VM, stored`, value: r2(a.stats.bytes / 1e6, 3), unit: "MB" });
      figures.push({ name: `snapshot (${label}): next one after a 16 MiB file is written and deleted, new bytes`, value: r2(b.stats.newBytes / 1e6, 3), unit: "MB" });
    } finally {
      await g.stop();
    }
  }
}

async function chromiumFigures(figures: Figure[]): Promise<void> {
  if (!chromiumPath()) return;
  const { server, url } = await startServer();
  const browser = await launchBrowser();
  try {
    const warm = await browser.newPage();
    await warm.goto(url);
    await waitForPrompt(warm, 120_000);
    await warm.close();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on("dialog", (d) => void d.accept());
    await page.goto(`${url}?cpus=1&mem=256&speed=100`);
    await waitForPrompt(page, 120_000);
    await sleep(2000);
    const done = page.locator("[data-testid=snapshot-status][data-kind=done]");
    const t0 = performance.now();
    await page.getByTestId("snapshot-button").click();
    await done.waitFor({ timeout: 60_000 });
    const takeMs = performance.now() - t0;
    const msg = (await page.getByTestId("snapshot-status").textContent()) ?? "";
    const m = /\(([\d.]+) MB, [\d.]+ MB new; the machine paused (\d+) ms\)/.exec(msg);
    if (!m) throw new Error(`unexpected status: ${msg}`);
    figures.push({ name: "snapshot (Chromium): stored, compressed", value: Number(m[1]), unit: "MB" });
    figures.push({ name: "snapshot (Chromium): pause the guest sees", value: Number(m[2]), unit: "ms" });
    figures.push({ name: "snapshot (Chromium): click to saved in IndexedDB", value: r2(takeMs, 0), unit: "ms" });
    await page.reload();
    await waitForPrompt(page, 120_000);
    const t1 = performance.now();
    await page.getByTestId("snapshot-item").first().getByRole("button", { name: /^Restore/ }).click();
    const restored = page.locator("[data-testid=snapshot-status][data-kind=done]").filter({ hasText: "Restored" });
    await restored.waitFor({ timeout: 60_000 });
    const worker = /Restored in (\d+) ms/.exec((await restored.textContent()) ?? "");
    await runCommand(page, "echo live");
    figures.push({ name: "snapshot (Chromium): restore, from IndexedDB to the harts running (worker's figure)", value: Number(worker?.[1] ?? NaN), unit: "ms" });
    figures.push({ name: "snapshot (Chromium): restore click to the answer of a command typed by the test", value: r2(performance.now() - t1, 0), unit: "ms" });
    await context.close();
  } finally {
    await browser.close();
    await server.close();
  }
}

export async function snapshotBench(figures: Figure[]): Promise<void> {
  await nodeFigures(figures);
  await initOnFree(figures);
  await chromiumFigures(figures);
}
