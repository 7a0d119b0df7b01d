// Snapshots in the page (headless Chromium against the Vite dev server):
// take one of a machine with a counter running and a file written, reload
// the page, restore it: the counter goes on, the file is there, the screen
// is back. Download it, import it in a fresh browser profile, restore it;
// a tampered file is refused. A CLI snapshot restores in the page, and a
// page snapshot in the CLI (over a folder given for the page's shared folder).
import { test, before, after, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import type { ViteDevServer } from "vite";
import { browserSkipReason, launchBrowser, startServer } from "./browser.js";
import { runCommand, screenText, waitForPrompt, waitForScreen, waitForState } from "./screen.js";
import { Console } from "../tests/boot/console.js";
import { bootSample } from "../tests/snapshot/sample-machine.js";
import { writeSnapshotFile } from "../src/snapshot/snapshot-file.js";

const skip = browserSkipReason();
let server: ViteDevServer | undefined;
let browser: Browser | undefined;
let url = "";
const dir = mkdtempSync(join(tmpdir(), "rvplay-e2e-snap-"));
const RVPLAY = fileURLToPath(new URL("../../bin/rvplay.js", import.meta.url));
let downloaded = "";

before(async () => {
  if (skip) return;
  ({ server, url } = await startServer());
  browser = await launchBrowser();
  const page = await browser.newPage();
  await page.goto(url);
  await page.locator("[data-testid=power-state]").waitFor({ timeout: 120_000 });
  await page.close();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

async function open(t: TestContext): Promise<Page> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
  t.after(() => context.close());
  const page = await context.newPage();
  page.on("dialog", (d) => void d.accept()); // the reload's "leave the page?" question
  await page.goto(url);
  await waitForPrompt(page, 90_000);
  return page;
}

async function status(page: Page, kind: "done" | "error", timeoutMs = 60_000): Promise<string> {
  const s = page.getByTestId("snapshot-status");
  try {
    await page.locator(`[data-testid=snapshot-status][data-kind=${kind}]`).waitFor({ timeout: timeoutMs });
  } catch {
    throw new Error(`no snapshot status "${kind}"; it says "${await s.textContent()}" (${await s.getAttribute("data-kind")})`);
  }
  return (await s.textContent()) ?? "";
}

async function restoreFirst(page: Page): Promise<void> {
  await page.getByTestId("snapshot-item").first().getByRole("button", { name: /^Restore/ }).click();
  await status(page, "done", 90_000);
  await waitForState(page, "running");
}

async function importFile(page: Page, file: string): Promise<void> {
  await page.getByTestId("snapshot-import-file").setInputFiles(file);
}

test("snapshot, reload, restore: the counter goes on, the file is there, the screen is back", { skip, timeout: 300_000 }, async (t) => {
  const page = await open(t);
  await page.locator(".xterm").click();
  await page.keyboard.type("echo snapfile-$((6*7)) > /tmp/marker; (n=0; while :; do n=$((n+1)); echo $n > /tmp/count; sleep 1; done) &\n");
  await runCommand(page, "echo SCREEN-MARK-$((7*6))");
  await runCommand(page, "sleep 2");
  // A file of the page's shared folder held open (fd 7) across the snapshot.
  await runCommand(page, "echo held-in-the-share > /mnt/host/held");
  await runCommand(page, "exec 7</mnt/host/held");
  const before = Number((await runCommand(page, "cat /tmp/count")).trim());
  await page.getByTestId("snapshot-button").click();
  assert.match(await status(page, "done"), /Saved ".*" \([\d.]+ MB/);
  assert.equal(await page.getByTestId("snapshot-item").count(), 1);

  await page.reload();
  await waitForPrompt(page, 90_000);
  assert.doesNotMatch(await screenText(page), /SCREEN-MARK-42/, "a fresh boot after the reload");
  await page.getByTestId("snapshot-item").first().waitFor();
  await restoreFirst(page);
  await waitForScreen(page, /SCREEN-MARK-42/, 30_000);
  assert.equal((await runCommand(page, "cat /tmp/marker")).trim(), "snapfile-42");
  assert.equal((await runCommand(page, "cat <&7")).trim(), "held-in-the-share", "the shared folder's session came back with the machine");
  const a = Number((await runCommand(page, "cat /tmp/count")).trim());
  assert.ok(a >= before, `the counter was ${before}, after the restore ${a}`);
  await runCommand(page, "sleep 2");
  const b = Number((await runCommand(page, "cat /tmp/count")).trim());
  assert.ok(b > a, `the counter goes on: ${a} then ${b}`);

  // Download it as a file for the next tests.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("snapshot-item").first().getByRole("button", { name: /^Download/ }).click()]);
  downloaded = join(dir, "page.rvsnap");
  await download.saveAs(downloaded);
  assert.match(download.suggestedFilename(), /\.rvsnap$/);
});

test("a downloaded snapshot imports in a fresh browser profile and restores; a tampered one is refused", { skip, timeout: 300_000 }, async (t) => {
  assert.ok(downloaded, "the first test downloaded a snapshot");
  const page = await open(t);
  assert.equal(await page.getByTestId("snapshot-item").count(), 0, "a fresh profile has no snapshots");
  const tampered = join(dir, "tampered.rvsnap");
  const bytes = readFileSync(downloaded);
  bytes[bytes.length - 3000] ^= 0x20;
  writeFileSync(tampered, bytes);
  await importFile(page, tampered);
  assert.match(await status(page, "error"), /damaged/);
  assert.equal(await page.getByTestId("snapshot-item").count(), 0, "nothing of a refused file is kept");
  assert.equal((await runCommand(page, "echo still-$((1+2))")).trim(), "still-3", "the running machine goes on");

  await importFile(page, downloaded);
  assert.match(await status(page, "done"), /Imported/);
  await restoreFirst(page);
  assert.equal((await runCommand(page, "cat /tmp/marker")).trim(), "snapfile-42");
});

test("a CLI snapshot restores in the page, and a page snapshot in the CLI", { skip, timeout: 300_000 }, async (t) => {
  assert.ok(downloaded, "the first test downloaded a snapshot");
  // 192 MiB, not the page's 256: the restored machine's shape is not the sliders'.
  const { guest, take } = await bootSample(1, 192);
  const cliFile = join(dir, "cli.rvsnap");
  try {
    await guest.run("echo from-the-cli > /tmp/origin; echo CLI-SCREEN-$((5*5))");
    writeFileSync(cliFile, writeSnapshotFile((await take(() => ({ bytes: new TextEncoder().encode("CLI-SCREEN-25\r\nroot@rvplay:~# "), cols: 80, rows: 24 }))).snapshot));
  } finally {
    await guest.stop();
  }
  const page = await open(t);
  await importFile(page, cliFile);
  await status(page, "done");
  await restoreFirst(page);
  await waitForScreen(page, /CLI-SCREEN-25/, 30_000);
  assert.equal(await page.getByTestId("shape").textContent(), "1 vCPU, 192 MiB");
  assert.equal(await page.getByTestId("pending-reboot").count(), 0, "the sliders follow the restored machine");
  assert.equal((await runCommand(page, "cat /tmp/origin")).trim(), "from-the-cli");

  // The page's machine has its Files folder (virtio-9p): restored over a folder given with --share.
  const shared = mkdtempSync(join(dir, "shared-"));
  const c = Console.spawn(process.execPath, [RVPLAY, "boot", "--restore", downloaded, "--share", shared], "rvplay boot --restore (page snapshot)");
  try {
    assert.equal((await c.run("cat /tmp/marker")).trim(), "snapfile-42");
    assert.match(c.output, /SCREEN-MARK-42/, "the page's screen is drawn in the terminal");
    await c.run("echo via-the-cli > /mnt/host/from-page-snapshot.txt");
    assert.equal(readFileSync(join(shared, "from-page-snapshot.txt"), "utf8"), "via-the-cli\n", "the guest's /mnt/host is the folder given");
  } finally {
    c.send("\x01x");
    c.proc.kill();
    await c.exited;
  }
});
