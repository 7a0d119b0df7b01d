// The shared folder in the page, in real Chromium with its real IndexedDB
// (a persistent profile, so a reload finds what was stored): a file dropped
// onto the page is at /mnt/host in the guest at once, with the same
// SHA-256; a file the guest writes shows up in the Files panel by itself
// and its Download button gives the same bytes; a folder downloads as a zip
// holding its files; all of it is there after a reload. A drop larger than
// the site's quota gets a message and leaves nothing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import type { ViteDevServer } from "vite";
import { browserSkipReason, chromiumPath, startServer } from "./browser.js";
import { runCommand, waitForPrompt } from "./screen.js";

const skip = browserSkipReason();
let server: ViteDevServer | undefined;
let url = "";
const BOOT_MS = 120_000;
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

before(async () => {
  if (skip) return;
  ({ server, url } = await startServer());
});
after(async () => { await server?.close(); });

async function profile(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "rvplay-files-profile-")), {
    executablePath: chromiumPath(), headless: true, viewport: { width: 1280, height: 900 }, acceptDownloads: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

async function openPage(ctx: BrowserContext): Promise<Page> {
  const page = ctx.pages()[0] ?? await ctx.newPage();
  page.on("dialog", (d) => void d.accept());
  await page.goto(url + "?cpus=1&mem=128");
  await waitForPrompt(page, BOOT_MS);
  return page;
}

// Drop files (made in the page from these bytes) onto `selector`, as a user
// dragging them from the desktop would.
// A file given by `size` alone is that many zero bytes, made in the page.
async function drop(page: Page, selector: string, files: ({ name: string; bytes: Uint8Array } | { name: string; size: number })[]): Promise<void> {
  const dt = await page.evaluateHandle((fs) => {
    const d = new DataTransfer();
    for (const f of fs) d.items.add(new File([f.b64 !== undefined ? Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0)) : new Uint8Array(f.size)], f.name));
    return d;
  }, files.map((f) => ({ name: f.name, b64: "bytes" in f ? Buffer.from(f.bytes).toString("base64") : undefined, size: "size" in f ? f.size : 0 })));
  await page.dispatchEvent(selector, "dragover", { dataTransfer: dt });
  await page.dispatchEvent(selector, "drop", { dataTransfer: dt });
}

const row = (page: Page, name: string) => page.locator(`[data-testid=file-row][data-name="${name}"]`);

async function download(page: Page, button: ReturnType<Page["locator"]>): Promise<Buffer> {
  const [d] = await Promise.all([page.waitForEvent("download", { timeout: 60_000 }), button.click()]);
  return readFileSync((await d.path())!);
}

test("drop a file: the guest reads it (SHA-256); the guest writes one: the panel lists it and Download gives its bytes; a folder zips; all kept across a reload", { skip, timeout: 600_000 }, async () => {
  const ctx = await profile();
  try {
    let page = await openPage(ctx);
    assert.match(await runCommand(page, "grep ' /mnt/host ' /proc/mounts"), /^host \/mnt\/host 9p /m);
    await page.getByTestId("files-where").filter({ hasText: "The machine sees this folder at /mnt/host" }).waitFor({ timeout: 30_000 });

    // Onto the console, the middle of the page.
    const dropped = randomBytes(700 * 1024 + 321);
    await drop(page, ".xterm", [{ name: "dropped.bin", bytes: dropped }]);
    await row(page, "dropped.bin").waitFor({ timeout: 60_000 });
    assert.equal((await runCommand(page, "sha256sum /mnt/host/dropped.bin")).trim().split(/\s+/)[0], sha(dropped));

    // The guest writes; the panel follows without being asked.
    const guestSum = (await runCommand(page, "dd if=/dev/urandom of=/mnt/host/from-guest.bin bs=1024 count=900 2>/dev/null; sha256sum /mnt/host/from-guest.bin", 60_000)).trim().split(/\s+/)[0];
    await row(page, "from-guest.bin").waitFor({ timeout: 30_000 });
    const got = await download(page, row(page, "from-guest.bin").getByTestId("file-download"));
    assert.equal(got.length, 900 * 1024);
    assert.equal(sha(got), guestSum);

    // A folder the guest makes downloads as a zip with its files (stored, so their bytes are in it whole).
    await runCommand(page, "mkdir -p /mnt/host/proj/src && echo 'int main(void) { return 42; }' > /mnt/host/proj/src/main.c && printf 'all:\\n\\tcc src/main.c\\n' > /mnt/host/proj/Makefile");
    await row(page, "proj").waitFor({ timeout: 30_000 });
    const zip = await download(page, row(page, "proj").getByTestId("file-zip"));
    assert.equal(zip.subarray(0, 4).toString("latin1"), "PK\x03\x04");
    const text = zip.toString("latin1");
    for (const name of ["proj/src/main.c", "proj/Makefile", "proj/src/"]) assert.ok(text.includes(name), `the zip names ${name}`);
    assert.ok(text.includes("int main(void) { return 42; }\n"));
    assert.ok(text.includes("PK\x05\x06"), "the zip has its end record");

    // A folder picked whole (Add a folder…): its tree, nested files and all.
    const tree = mkdtempSync(join(tmpdir(), "rvplay-files-tree-"));
    const nested = randomBytes(150_000);
    mkdirSync(join(tree, "album", "2024"), { recursive: true });
    writeFileSync(join(tree, "album", "2024", "photo.raw"), nested);
    writeFileSync(join(tree, "album", "index.txt"), "one photo\n");
    await page.getByTestId("files-pick-folder").setInputFiles(join(tree, "album"));
    await row(page, "album").waitFor({ timeout: 60_000 });
    assert.equal((await runCommand(page, "sha256sum /mnt/host/album/2024/photo.raw")).trim().split(/\s+/)[0], sha(nested));
    assert.equal((await runCommand(page, "cat /mnt/host/album/index.txt")).trim(), "one photo");
    rmSync(tree, { recursive: true, force: true });

    // Removed by the guest: gone from the panel.
    await runCommand(page, "rm /mnt/host/proj/Makefile && rm -r /mnt/host/proj");
    await row(page, "proj").waitFor({ state: "detached", timeout: 30_000 });

    // A reload: the files are in the panel and in the guest, unchanged.
    await page.reload();
    await waitForPrompt(page, BOOT_MS);
    await row(page, "dropped.bin").waitFor({ timeout: 30_000 });
    await row(page, "from-guest.bin").waitFor({ timeout: 30_000 });
    const sums = await runCommand(page, "sha256sum /mnt/host/dropped.bin /mnt/host/from-guest.bin");
    assert.match(sums, new RegExp(`^${sha(dropped)}\\s+/mnt/host/dropped.bin$`, "m"));
    assert.match(sums, new RegExp(`^${guestSum}\\s+/mnt/host/from-guest.bin$`, "m"));
    const again = await download(page, row(page, "dropped.bin").getByTestId("file-download"));
    assert.equal(sha(again), sha(dropped));
  } finally {
    await ctx.close();
  }
});

// A File backed by a file on this computer (as one dragged from the
// desktop is): picked through an input of its own that nothing listens to,
// so the test decides when it is dropped.
async function diskFile(page: Page, path: string) {
  const input = await page.evaluateHandle(() => {
    const i = document.createElement("input");
    i.type = "file";
    i.style.display = "none";
    document.body.append(i);
    return i;
  });
  await input.asElement()!.setInputFiles(path);
  return page.evaluateHandle((i) => (i as HTMLInputElement).files![0], input);
}

async function dropFile(page: Page, selector: string, file: Awaited<ReturnType<typeof diskFile>>): Promise<void> {
  const dt = await page.evaluateHandle((f) => { const d = new DataTransfer(); d.items.add(f as File); return d; }, file);
  await page.dispatchEvent(selector, "dragover", { dataTransfer: dt });
  await page.dispatchEvent(selector, "drop", { dataTransfer: dt });
}

test("a dropped file that cannot be read, and one larger than the site may store: a clear message each, nothing listed, nothing in the guest", { skip, timeout: 400_000 }, async () => {
  const ctx = await profile();
  const dir = mkdtempSync(join(tmpdir(), "rvplay-files-drop-"));
  try {
    const page = await openPage(ctx);
    await page.getByTestId("files-storage").filter({ hasText: "more may be stored" }).waitFor({ timeout: 30_000 });

    // Changed on disk after it was picked: the browser refuses to read it.
    const changing = join(dir, "changing.bin");
    writeFileSync(changing, randomBytes(3 * 2 ** 20));
    const stale = await diskFile(page, changing);
    await new Promise((r) => setTimeout(r, 1100)); // a new modification time, to the second
    writeFileSync(changing, randomBytes(3 * 2 ** 20 + 5));
    await dropFile(page, ".xterm", stale);
    const msg = page.getByTestId("files-message");
    await msg.filter({ hasText: "changing.bin" }).waitFor({ timeout: 60_000 });
    assert.match(await msg.innerText(), /could not read it .*Nothing of it was kept/);

    // Larger than the quota this origin has (a sparse file: no disk used).
    const quota = await page.evaluate(async () => (await navigator.storage.estimate()).quota ?? 0);
    assert.ok(quota > 0);
    const huge = join(dir, "huge.img");
    writeFileSync(huge, "");
    truncateSync(huge, quota + 2 ** 30);
    await dropFile(page, ".xterm", await diskFile(page, huge));
    await msg.filter({ hasText: "huge.img" }).waitFor({ timeout: 60_000 });
    assert.match(await msg.innerText(), /'huge\.img' is .* and this site may store only .* more: nothing was added/);

    await page.waitForTimeout(1000);
    assert.equal(await row(page, "changing.bin").count(), 0);
    assert.equal(await row(page, "huge.img").count(), 0);
    assert.match(await runCommand(page, "ls /mnt/host/ 2>&1 | wc -l"), /^0$/m);
  } finally {
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
