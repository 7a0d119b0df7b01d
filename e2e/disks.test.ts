// Disks kept in the browser, in real Chromium with its real IndexedDB (a
// persistent profile in a temporary directory, so a reload and a reopen
// find what was stored): the sample disk is persistent; reset brings it back
// to its first state; an uploaded ext4 image attaches as /dev/vdb; a page
// closed in the middle of a write loop loses nothing that was synced; a
// second tab never gets the disk writable.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import type { ViteDevServer } from "vite";
import { browserSkipReason, chromiumPath, startServer } from "./browser.js";
import { boots, runCommand, waitForBoots, waitForPrompt, waitForScreen } from "./screen.js";

const skip = browserSkipReason();
const mke2fs = [process.env.MKE2FS, "/usr/sbin/mke2fs", "/sbin/mke2fs"].find((p): p is string => !!p && existsSync(p));
let server: ViteDevServer | undefined;
let url = "";
const BOOT_MS = 90_000;

before(async () => {
  if (skip) return;
  ({ server, url } = await startServer());
});
after(async () => { await server?.close(); });

// A browser whose profile (and so IndexedDB) lives in `dir` and survives closing.
async function profile(dir: string): Promise<BrowserContext> {
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: chromiumPath(), headless: true, viewport: { width: 1280, height: 900 },
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  return ctx;
}

async function openPage(ctx: BrowserContext, query = "?cpus=1&mem=128"): Promise<Page> {
  const page = ctx.pages()[0] && ctx.pages()[0].url() === "about:blank" ? ctx.pages()[0] : await ctx.newPage();
  page.on("dialog", (d) => void d.accept()); // confirmations and the leave-page question: yes
  await page.goto(url + query);
  await waitForPrompt(page, BOOT_MS);
  return page;
}

async function diskRow(page: Page, name: string) {
  const row = page.locator(`[data-testid=disk-row][data-name="${name}"]`);
  await row.waitFor({ timeout: 30_000 });
  return row;
}

async function powerOff(page: Page): Promise<void> {
  await page.getByRole("button", { name: /Power off/ }).first().click();
  await page.locator("[data-testid=power-state][data-state=off]").waitFor({ timeout: 30_000 });
}

test("the sample disk is kept: write, sync, reload, it is there; reset, it is gone", { skip, timeout: 400_000 }, async () => {
  const ctx = await profile(mkdtempSync(join(tmpdir(), "rvplay-profile-")));
  try {
    let page = await openPage(ctx);
    await diskRow(page, "sample");
    assert.match(await page.getByTestId("disk-list").innerText(), /attached as \/dev\/vda/);
    await runCommand(page, "echo kept-$((6*7)) > /mnt/disk/kept.txt && sync");
    await page.reload();
    await waitForPrompt(page, BOOT_MS);
    assert.equal((await runCommand(page, "cat /mnt/disk/kept.txt")).trim(), "kept-42");
    // Reset needs the machine off (it is in use).
    await powerOff(page);
    const row = await diskRow(page, "sample");
    await row.getByTestId("disk-reset").click();
    await page.getByTestId("disk-message").filter({ hasText: "back to its first state" }).waitFor({ timeout: 30_000 });
    // The new boot's prompt, not the one left on the screen (the quiet
    // boot prints nothing for a while, and what was typed then would go to
    // a machine still in its firmware).
    const booted = await boots(page);
    await page.getByRole("button", { name: "Power on" }).first().click();
    await waitForBoots(page, booted + 1, BOOT_MS);
    assert.match(await runCommand(page, "ls /mnt/disk/kept.txt 2>&1"), /No such file or directory/);
    assert.equal((await runCommand(page, "cat /mnt/disk/hello.txt")).trim(), "hello from the rvplay disk");
  } finally {
    await ctx.close();
  }
});

test("an uploaded ext4 image (mke2fs -d) attaches as /dev/vdb and mounts", { skip: skip ?? (mke2fs ? false : "mke2fs not installed (apt-get install e2fsprogs)"), timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "rvplay-upload-"));
  mkdirSync(join(dir, "root"));
  writeFileSync(join(dir, "root", "greeting.txt"), "uploaded into IndexedDB\n");
  const img = join(dir, "mine.img");
  const r = spawnSync(mke2fs!, ["-q", "-F", "-t", "ext4", "-d", join(dir, "root"), img, "16M"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const ctx = await profile(mkdtempSync(join(tmpdir(), "rvplay-profile-")));
  try {
    const page = await openPage(ctx);
    await page.getByText("Add an image").click();
    await page.getByTestId("disk-file").setInputFiles(img);
    await page.getByTestId("disk-quota").waitFor();
    assert.match(await page.getByTestId("disk-quota").innerText(), /^16 MiB; .* free$/);
    await page.getByTestId("disk-upload").click();
    const row = await diskRow(page, "mine");
    await row.getByTestId("disk-attach").click(); // checked once the store says so
    await row.getByText("attached as /dev/vdb").waitFor({ timeout: 30_000 });
    await page.getByTestId("disks-pending").waitFor();
    // The new boot's prompt, not the old one still on the screen: the page
    // counts the boots that reached a prompt. (Typing into a machine that
    // is still booting loses what the guest's tty flushes at its start.)
    await waitForPrompt(page, BOOT_MS); // the first boot's
    const booted = await boots(page);
    await page.getByTestId("disks-pending").getByRole("button", { name: "Reboot now" }).click();
    await waitForBoots(page, booted + 1, BOOT_MS);
    assert.equal((await runCommand(page, "mkdir -p /mnt/mine && mount /dev/vdb /mnt/mine && cat /mnt/mine/greeting.txt")).trim(), "uploaded into IndexedDB");
  } finally {
    await ctx.close();
  }
});

test("a page closed in the middle of a write loop: every synced file is intact and the disk mounts", { skip, timeout: 400_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "rvplay-profile-"));
  let ctx = await profile(dir);
  try {
    const page = await openPage(ctx);
    await page.locator(".xterm").click();
    // Each file is synced before its number is printed; the loop runs on after that.
    await page.keyboard.type("i=0; while true; do i=$((i+1)); dd if=/dev/urandom of=/mnt/disk/f$i bs=4k count=8 2>/dev/null; md5sum /mnt/disk/f$i > /mnt/disk/f$i.md5; sync; echo synced-$i; done\n");
    const text = await waitForScreen(page, /^synced-8$/m, 120_000);
    void text;
  } finally {
    // Close without any goodbye: the browser and its tab go away at once.
    await ctx.close();
  }
  ctx = await profile(dir);
  try {
    const page = await openPage(ctx);
    const out = await runCommand(page, "mount | grep -c ' /mnt/disk '; n=0; for f in /mnt/disk/f*.md5; do md5sum -c $f >/dev/null 2>&1 && n=$((n+1)); done; echo ok=$n", 60_000);
    assert.match(out, /^1$/m, "the disk mounts");
    const ok = Number(/ok=(\d+)/.exec(out)?.[1]);
    assert.ok(ok >= 8, `at least the 8 files synced before the close check out (${ok})`);
    const broken = await runCommand(page, "for f in /mnt/disk/f*.md5; do [ -e ${f%.md5} ] && md5sum -c $f >/dev/null 2>&1 || echo BAD $f; done; echo done");
    assert.doesNotMatch(broken.replace(/BAD \/mnt\/disk\/f(\d+)\.md5/g, (m, n) => (Number(n) > 8 ? "" : m)), /BAD/);
  } finally {
    await ctx.close();
  }
});

test("a second tab does not get the disk writable: it boots without it and offers to take it over", { skip, timeout: 300_000 }, async () => {
  const ctx = await profile(mkdtempSync(join(tmpdir(), "rvplay-profile-")));
  try {
    const first = await openPage(ctx);
    await diskRow(first, "sample");
    await runCommand(first, "echo from-first > /mnt/disk/first.txt && sync");
    const second = await ctx.newPage();
    second.on("dialog", (d) => void d.accept());
    await second.goto(url + "?cpus=1&mem=128");
    await waitForPrompt(second, BOOT_MS);
    await second.getByTestId("disk-busy").waitFor({ timeout: 30_000 });
    assert.match(await second.getByTestId("disk-busy").innerText(), /sample.*in use in another tab/s);
    assert.match(await runCommand(second, "ls /dev/vda 2>&1"), /No such file or directory/);
    // The first tab still writes to it.
    assert.equal((await runCommand(first, "echo still > /mnt/disk/still.txt && sync && cat /mnt/disk/first.txt")).trim(), "from-first");
    // Take it over: the second tab reboots with it; the first is told it no longer keeps changes.
    await second.getByTestId("disk-busy").getByRole("button", { name: "Use it here" }).click();
    await second.locator("[data-testid=boot-time][data-boots='2']").waitFor({ timeout: BOOT_MS });
    await waitForPrompt(second, BOOT_MS);
    assert.equal((await runCommand(second, "cat /mnt/disk/first.txt /mnt/disk/still.txt")).trim(), "from-first\nstill");
    await first.getByTestId("disk-warning").filter({ hasText: "another tab took over" }).waitFor({ timeout: 30_000 });
  } finally {
    await ctx.close();
  }
});
