// `npm run bench -- --only console`: console throughput. `seq 1 20000`
// (128,893 bytes with CR LF) from the command to its last line and the next
// prompt on the host: rvplay in Node (the UART, ttyS0, and the virtio
// console, hvc0) and in
// Chromium (the page draws it with xterm.js), beside QEMU's serial console
// (ttyS0) on the same image. Medians of 3, KB/s.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { Console } from "../tests/boot/console.js";
import { unpackSampleImage } from "../tests/boot/sample-image.js";
import { chromiumPath, launchBrowser, startServer } from "../e2e/browser.js";
import { waitForPrompt, screenText } from "../e2e/screen.js";


interface Figure { name: string; value: number; unit: string }
const root = fileURLToPath(new URL("../../", import.meta.url));
const PROMPT = /root@rvplay:[^\n]*# $/m;
const CMD = "seq 1 20000";
const BYTES = Array.from({ length: 20000 }, (_, i) => String(i + 1).length + 2).reduce((a, b) => a + b, 0);
const RUNS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kbs = (s: number) => Math.round(BYTES / 1024 / s);

async function cliRuns(cmd: string, args: string[]): Promise<number[]> {
  const c = Console.spawn(cmd, args, cmd);
  try {
    await c.waitFor(PROMPT, 300_000);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Watch the output's tail as it comes (matching the whole of it each
      // time would cost the host more than the guest's output does).
      let tail = "";
      const t0 = performance.now();
      const done = new Promise<void>((resolve) => {
        const on = (d: Buffer | string) => {
          tail = (tail + d.toString()).slice(-200);
          if (/\n20000\r?\n[^\n]*# $/.test(tail)) { c.proc.stdout.off("data", on); resolve(); }
        };
        c.proc.stdout.on("data", on);
      });
      c.send(`${CMD}\n`);
      await done;
      times.push((performance.now() - t0) / 1000);
    }
    c.send("poweroff\n");
    await c.exited;
    return times;
  } finally {
    if (c.exitCode === null) c.proc.kill("SIGKILL");
  }
}

export async function consoleBench(figures: Figure[]): Promise<void> {
  for (const [label, append] of [["ttyS0", "console=ttyS0 quiet"], ["hvc0", "console=hvc0 quiet"]]) {
    const node = median(await cliRuns(process.execPath, [join(root, "bin", "rvplay.js"), "boot", "--mem", "256", "--append", append]));
    figures.push({ name: `console: ${CMD}, rvplay CLI (${label})`, value: Math.round(node * 100) / 100, unit: "s" });
    figures.push({ name: `console throughput, rvplay CLI (${label})`, value: kbs(node), unit: "KB/s" });
  }
  const jit = median(await cliRuns(process.execPath, [join(root, "bin", "rvplay.js"), "boot", "--mem", "256", "--jit",
    "--append", "console=ttyS0 quiet"]));
  figures.push({ name: `console: ${CMD}, rvplay CLI --jit (ttyS0)`, value: Math.round(jit * 100) / 100, unit: "s" });
  figures.push({ name: "console throughput, rvplay CLI --jit (ttyS0)", value: kbs(jit), unit: "KB/s" });
  const qemu = [process.env.QEMU_SYSTEM_RISCV64, "/usr/bin/qemu-system-riscv64"].find((p): p is string => !!p && existsSync(p));
  if (qemu) {
    const dir = unpackSampleImage(["fw_dynamic.bin", "Image"]);
    const q = median(await cliRuns(qemu, ["-M", "virt", "-nographic", "-m", "256M", "-smp", "1", "-bios", join(dir, "fw_dynamic.bin"),
      "-kernel", join(dir, "Image"), "-append", "console=ttyS0 quiet"]));
    figures.push({ name: `console: ${CMD}, QEMU serial (ttyS0)`, value: Math.round(q * 100) / 100, unit: "s" });
    figures.push({ name: "console throughput, QEMU serial (ttyS0)", value: kbs(q), unit: "KB/s" });
  }
  if (!chromiumPath()) return;
  const { server, url } = await startServer();
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${url}?cpus=1&mem=256&speed=100`);
    await waitForPrompt(page, 120_000);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await page.locator(".xterm-helper-textarea").focus();
      const t0 = performance.now();
      // A marker of this run after the output (typed as E""ND so that the
      // echo of the command line does not show it).
      await page.keyboard.type(`${CMD}; echo E""ND-${i}\n`);
      for (;;) {
        const rows = (await screenText(page)).split("\n").map((r) => r.trimEnd()).filter((r) => r !== "");
        const end = rows.lastIndexOf(`END-${i}`);
        if (end >= 1 && rows[end - 1] === "20000") break;
        if (performance.now() - t0 > 300_000) throw new Error("the page did not finish seq");
        await new Promise((r) => setTimeout(r, 20));
      }
      times.push((performance.now() - t0) / 1000);
    }
    const b = median(times);
    figures.push({ name: `console: ${CMD}, rvplay page (Chromium, xterm.js)`, value: Math.round(b * 100) / 100, unit: "s" });
    figures.push({ name: "console throughput, rvplay page (Chromium)", value: kbs(b), unit: "KB/s" });
    await page.close();
  } finally {
    await browser.close();
    await server.close();
  }
}
