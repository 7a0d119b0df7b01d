// npm run bench -- --only share: share links of the booted sample VM (256
// MiB, 1 hart, at the prompt) in headless Chromium against the snapshot
// service on loopback, as `npm run serve` runs it (the built app and the API
// on one origin, a local-disk store in a temp dir). Share: click to link,
// and the bytes uploaded. Open: the link to a live prompt (Enter at the
// restored prompt gets another) in a fresh browser context (empty cache and IndexedDB), the bytes
// fetched from the service and in all (the app and the boot images too);
// and again in the same context (warm).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { build } from "vite";
import { chromiumPath, launchBrowser } from "../e2e/browser.js";
import { PROMPT, screenRows, waitForPrompt } from "../e2e/screen.js";
import { createSnapshotServer } from "../server/http-server.js";
import { DiskStore } from "../server/disk-store.js";

interface Figure { name: string; value: number; unit: string }
const root = fileURLToPath(new URL("../../", import.meta.url));
const r2 = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Bytes a page moves (its workers' requests included): to and from the API, and in all.
function traffic(page: Page): { api: () => Promise<number>; all: () => Promise<number>; apiRequests: () => number } {
  const api: Promise<number>[] = [], all: Promise<number>[] = [];
  page.on("requestfinished", (req) => {
    const n = req.sizes().then((s) => s.requestBodySize + s.responseBodySize, () => 0);
    all.push(n);
    if (new URL(req.url()).pathname.startsWith("/api/")) api.push(n);
  });
  const sum = async (xs: Promise<number>[]) => (await Promise.all(xs)).reduce((a, b) => a + b, 0);
  return { api: () => sum(api), all: () => sum(all), apiRequests: () => api.length };
}

// The shell answers: Enter at the restored prompt, and one more prompt line
// on the screen (typing a command key by key would time Playwright).
async function shellAnswers(page: Page): Promise<void> {
  const prompts = async () => (await screenRows(page)).filter((r) => r === PROMPT.trimEnd()).length;
  const before = await prompts();
  await page.locator(".xterm-helper-textarea").focus();
  await page.keyboard.press("Enter");
  const deadline = Date.now() + 60_000;
  while ((await prompts()) <= before) {
    if (Date.now() > deadline) throw new Error(`the shell did not answer Enter; the screen:\n${(await screenRows(page)).join("\n")}`);
    await sleep(20);
  }
}

interface Opened { ms: number; workerMs: number; fetchMs: number; restoreMs: number; pageAt: number }

async function openLink(page: Page, link: string): Promise<Opened> {
  const t0 = performance.now();
  await page.goto(link);
  const done = page.locator("[data-testid=link-box][data-kind=done]");
  await done.waitFor({ timeout: 120_000 });
  await shellAnswers(page);
  const ms = performance.now() - t0;
  const msg = done.getByTestId("link-message");
  const n = async (a: string) => Number(await msg.getAttribute(a));
  return { ms, workerMs: await n("data-ms"), fetchMs: await n("data-fetch-ms"), restoreMs: await n("data-restore-ms"), pageAt: await n("data-page-at") };
}

function openFigures(figures: Figure[], o: Opened, label: string): void {
  figures.push({ name: `open link -> live prompt, ${label}`, value: r2(o.ms, 0), unit: "ms" });
  figures.push({ name: `open link: page opened -> machine resumed (the page's clock), ${label}`, value: r2(o.pageAt, 0), unit: "ms" });
  figures.push({ name: `open link: in the worker, snapshot in hand / restored, ${label}`, value: r2(o.fetchMs, 0), unit: `ms / ${r2(o.restoreMs, 0)} ms` });
}

export async function shareBench(figures: Figure[]): Promise<void> {
  if (!chromiumPath()) return;
  const web = mkdtempSync(join(tmpdir(), "rvplay-bench-share-web-"));
  const data = mkdtempSync(join(tmpdir(), "rvplay-bench-share-data-"));
  await build({ root, configFile: join(root, "vite.config.ts"), logLevel: "error", build: { outDir: web, emptyOutDir: true } });
  const app = createSnapshotServer({
    store: new DiskStore(data),
    limits: { blobBytes: 32 << 20, manifestBytes: 4 << 20, snapshotBytes: 256 << 20, missingList: 4096, manifestBlobs: 4096 },
    rate: { requestsPerMinute: 100_000, bytesPerMinute: 1 << 30, concurrent: 64 },
    timeouts: { headersMs: 10_000, requestMs: 120_000, idleMs: 15_000 },
    webDir: web,
  });
  const url = await app.listen(0, "127.0.0.1");
  const browser = await launchBrowser();
  try {
    const a = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await a.goto(`${url}?cpus=1&mem=256&speed=100`);
    await waitForPrompt(a, 120_000);
    await sleep(2000);
    const up = traffic(a);
    const t0 = performance.now();
    await a.getByRole("button", { name: "Share", exact: true }).click();
    const field = a.getByRole("textbox", { name: "Share link" });
    await field.waitFor({ timeout: 60_000 });
    const shareMs = performance.now() - t0;
    const link = await field.inputValue();
    figures.push({ name: "share (Chromium, loopback): click to link, booted sample VM", value: r2(shareMs, 0), unit: "ms" });
    figures.push({ name: "share: in the worker, snapshot taken / uploaded and published", value: Number(await field.getAttribute("data-snapshot-ms")),
      unit: `ms / ${await field.getAttribute("data-upload-ms")} ms` });
    figures.push({ name: "share: bytes uploaded (blobs, the page's count)", value: r2(Number(await field.getAttribute("data-uploaded")) / 1e6, 3), unit: "MB" });
    figures.push({ name: "share: bytes to and from the service, all requests", value: r2((await up.api()) / 1e6, 3), unit: "MB" });
    await a.context().close();

    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const b = await ctx.newPage();
    const cold = traffic(b);
    const first = await openLink(b, link);
    openFigures(figures, first, "fresh context (empty cache and IndexedDB)");
    figures.push({ name: "open link: bytes from the service, fresh", value: r2((await cold.api()) / 1e6, 3), unit: "MB" });
    figures.push({ name: "open link: bytes fetched in all, fresh (app, core, boot images, snapshot)", value: r2((await cold.all()) / 1e6, 2), unit: "MB" });
    await b.close();

    const c = await ctx.newPage();
    const warm = traffic(c);
    const again = await openLink(c, link);
    openFigures(figures, again, "warm (same context)");
    figures.push({ name: "open link: bytes from the service, warm", value: r2((await warm.api()) / 1e6, 4), unit: "MB" });
    figures.push({ name: "open link: bytes fetched in all, warm", value: r2((await warm.all()) / 1e6, 2), unit: "MB" });
    await ctx.close();
  } finally {
    await browser.close();
    await app.close();
    rmSync(web, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  }
}
