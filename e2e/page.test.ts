// The page is served cross-origin isolated and the core instantiates in a
// Web Worker over shared memory.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import type { ViteDevServer } from "vite";
import { browserSkipReason, launchBrowser, repoRoot, startServer } from "./browser.js";

const skip = browserSkipReason();
let server: ViteDevServer | undefined;
let browser: Browser | undefined;
let url = "";

before(async () => {
  if (skip) return;
  ({ server, url } = await startServer());
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test("the page is cross-origin isolated and the core runs in a worker", { skip, timeout: 120_000 }, async () => {
  const page = await browser!.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const response = await page.goto(url);
  assert.equal(response?.headers()["cross-origin-opener-policy"], "same-origin");
  assert.equal(response?.headers()["cross-origin-embedder-policy"], "require-corp");
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), true);
  const status = page.getByTestId("core-status");
  await status.and(page.locator("[data-state=ready]")).waitFor({ timeout: 60_000 });
  assert.match(await status.innerText(), /core instantiated in a worker/);
  const dir = join(repoRoot, "test-results");
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, "page.png") });
  assert.deepEqual(errors, []);
});
