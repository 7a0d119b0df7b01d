// The Debian image (npm run image:debian), rvplay beside QEMU on the same
// files: boot to the auto-login root prompt, and python3 summing 10^7
// integers in the guest. One boot each (a boot takes minutes); the host is
// shared, so read the figures as ±20 %. Skipped when the image is not built.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Console } from "../tests/boot/console.js";
import { unpackSampleImage } from "../tests/boot/sample-image.js";
import { parseImageManifest } from "../image/debian/image-manifest.js";
import { chromium } from "playwright-core";
import { chromiumPath, startServer } from "../e2e/browser.js";
import { runCommand, waitForPrompt } from "../e2e/screen.js";

interface Figure { name: string; value: number; unit: string }

const root = fileURLToPath(new URL("../../", import.meta.url));
// ttyS0's banner and prompt (an image built before the hvc0 drop-in also
// starts a getty on the virtio console; what is typed goes to ttyS0).
const PROMPT = /Debian GNU\/Linux 13 rvplay ttyS0[\s\S]*root@rvplay:~# $/;
const PYTHON = "python3 -c 'sum(range(10**7))'";

async function run(label: string, cmd: string, args: string[]): Promise<{ boot: number; python: number }> {
  const t0 = performance.now();
  const c = Console.spawn(cmd, args, label);
  try {
    await c.waitFor(PROMPT, 30 * 60_000);
    const boot = (performance.now() - t0) / 1000;
    // bash's time keyword, real seconds by the guest's clock.
    const out = await c.run(`TIMEFORMAT=%R; { time ${PYTHON} ; } 2>&1`, 30 * 60_000);
    const python = Number(out.trim().split("\n").at(-1));
    if (!Number.isFinite(python)) throw new Error(`${label}: could not read the time of ${PYTHON}: ${out}`);
    c.send("poweroff\n");
    await c.waitFor(/reboot: Power down/, 5 * 60_000);
    return { boot, python };
  } finally {
    if (c.exitCode === null) c.proc.kill("SIGKILL");
  }
}

// rvplay boot --image OUT on a new disk of a throw-away store: the image's
// snapshot resumed (the instant start), to the prompt on the screen and to
// the first command's answer.
async function resume(out: string): Promise<{ prompt: number; answer: number }> {
  const store = mkdtempSync(join(tmpdir(), "rvplay-bench-store-"));
  const t0 = performance.now();
  const c = Console.spawn(process.execPath, [`${root}bin/rvplay.js`, "boot", "--image", out, "--store", store], "rvplay debian resume");
  try {
    await c.waitFor(/resumed its snapshot/, 5 * 60_000);
    await c.waitFor(/root@rvplay:~# $/, 5 * 60_000);
    const prompt = (performance.now() - t0) / 1000;
    await c.run("true", 5 * 60_000);
    const answer = (performance.now() - t0) / 1000;
    c.send("poweroff\n");
    await c.exited;
    return { prompt, answer };
  } finally {
    if (c.exitCode === null) c.proc.kill("SIGKILL");
    rmSync(store, { recursive: true, force: true });
  }
}

// The page (Vite's dev server, headless Chromium, a fresh profile): the
// sample first, then Debian picked: to its resumed prompt and first answer,
// and the bytes fetched from the pick to the answer (what crossed the wire:
// the image's files, and the page's own code such as the brotli decoder).
async function pageResume(): Promise<{ prompt: number; answer: number; mb: number; kernelMb: number } | undefined> {
  if (!chromiumPath()) return undefined;
  const profile = mkdtempSync(join(tmpdir(), "rvplay-bench-profile-"));
  const { server, url } = await startServer();
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(), headless: true, viewport: { width: 1280, height: 900 },
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = ctx.pages()[0] ?? await ctx.newPage();
    let counting = false, bytes = 0, kernel = 0;
    page.on("requestfinished", (req) => {
      if (!counting) return;
      void req.sizes().then((x) => {
        bytes += x.responseBodySize;
        if (/\/(Image\.gz|initrd\.img)$/.test(new URL(req.url()).pathname)) kernel += x.responseBodySize;
      }, () => {});
    });
    await page.goto(url + "?cpus=2");
    await waitForPrompt(page, 120_000);
    await page.waitForFunction(() => [...document.querySelectorAll("#image-picker option")].some((o) => (o as HTMLOptionElement).value === "debian"), undefined, { timeout: 30_000 });
    await page.waitForTimeout(1000);
    counting = true;
    const t0 = performance.now();
    await page.getByLabel("Image", { exact: true }).selectOption("debian");
    await page.getByTestId("image-status").filter({ hasText: /Resumed from the image's snapshot in/ }).waitFor({ timeout: 120_000 });
    await waitForPrompt(page, 60_000);
    const prompt = (performance.now() - t0) / 1000;
    await runCommand(page, "echo ready", 60_000);
    const answer = (performance.now() - t0) / 1000;
    await page.waitForTimeout(200); // the last sizes() settle
    return { prompt, answer, mb: bytes / 1e6, kernelMb: kernel / 1e6 };
  } finally {
    await ctx.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

export async function debianBench(figures: Figure[], quiet = false): Promise<void> {
  const out = process.env.RVPLAY_DEBIAN_OUT || join(root, "image", "debian", "out");
  if (!existsSync(join(out, "image.json"))) {
    if (!quiet) process.stdout.write(`(no Debian image in ${out}: no Debian figures; npm run image:debian)\n`);
    return;
  }
  const m = parseImageManifest(readFileSync(join(out, "image.json")));
  const f = (name: string) => join(out, name);
  const cpus = "1";
  const ours = await run("rvplay debian", process.execPath, [`${root}bin/rvplay.js`, "boot", "--cpus", cpus, "--mem", String(m.memMiB),
    "--kernel", f(m.kernel.file), "--initrd", f(m.initrd.file), "--disk", f(m.disk.raw), "--append", m.append]);
  const add = (name: string, v: number, q?: number) => {
    figures.push({ name: `Debian: ${name}: rvplay (Node, 1 hart)`, value: Math.round(v * 10) / 10, unit: "s" });
    if (q === undefined) return;
    figures.push({ name: `Debian: ${name}: QEMU virt (TCG)`, value: Math.round(q * 10) / 10, unit: "s" });
    figures.push({ name: `Debian: ${name}: rvplay / QEMU`, value: Math.round((v / q) * 10) / 10, unit: "x" });
  };
  const qemu = [process.env.QEMU_SYSTEM_RISCV64, "/usr/bin/qemu-system-riscv64"].find((p): p is string => !!p && existsSync(p));
  let theirs: { boot: number; python: number } | undefined;
  if (qemu) {
    // The same firmware as rvplay (the sample's OpenSBI fw_dynamic); snapshot=on
    // keeps the guest's writes out of disk.img, as rvplay does.
    const fw = join(unpackSampleImage(["fw_dynamic.bin"], "rvplay-debian-fw-"), "fw_dynamic.bin");
    theirs = await run("qemu debian", qemu, ["-M", "virt", "-nographic", "-m", `${m.memMiB}M`, "-smp", cpus, "-bios", fw,
      "-kernel", f(m.kernel.file), "-initrd", f(m.initrd.file), "-append", m.append,
      "-drive", `file=${f(m.disk.raw)},format=raw,if=none,id=d0,snapshot=on`, "-device", "virtio-blk-device,drive=d0"]);
  }
  add("launch to the root prompt (systemd, auto-login)", ours.boot, theirs?.boot);
  add(`in guest: ${PYTHON}`, ours.python, theirs?.python);
  if (existsSync(join(out, "snapshot.rvsnap"))) {
    const r = await resume(out);
    figures.push({ name: "Debian: resume its snapshot (rvplay boot --image, Node incl. its start) to the prompt", value: Math.round(r.prompt * 100) / 100, unit: "s" });
    figures.push({ name: "Debian: resume its snapshot to the first command's answer", value: Math.round(r.answer * 100) / 100, unit: "s" });
    figures.push({ name: "Debian: snapshot.rvsnap", value: Math.round(readFileSync(join(out, "snapshot.rvsnap")).length / 1e5) / 10, unit: "MB" });
    const p = await pageResume(); // the page serves the same build (builtImageDir reads RVPLAY_DEBIAN_OUT too)
    if (p) {
      figures.push({ name: "Debian in the page: picked -> resumed prompt (Chromium)", value: Math.round(p.prompt * 100) / 100, unit: "s" });
      figures.push({ name: "Debian in the page: picked -> first answer", value: Math.round(p.answer * 100) / 100, unit: "s" });
      figures.push({ name: "Debian in the page: bytes fetched, picked -> first answer (target 20)", value: Math.round(p.mb * 10) / 10, unit: "MB" });
      figures.push({ name: "Debian in the page: of which the kernel and initrd", value: Math.round(p.kernelMb * 10) / 10, unit: "MB" });
    } else if (!quiet) process.stdout.write("(no Chromium: no page resume figures)\n");
  } else if (!quiet) process.stdout.write(`(the Debian image in ${out} has no snapshot: no resume figures; npm run image:debian -- --snapshot-only)\n`);
}
