// The built site (vite build) on a static host that sends no isolation
// headers: our service worker turns cross-origin isolation on, the page
// reloads once and boots. Where service workers are blocked, the page says
// what is missing instead of showing nothing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { build } from "vite";
import { browserSkipReason, launchBrowser, repoRoot, startStaticServer, type StaticServer } from "./browser.js";
import { runCommand, waitForPrompt } from "./screen.js";

const skip = browserSkipReason();
let browser: Browser | undefined;
let site: StaticServer | undefined;
let outDir = "";

before(async () => {
  if (skip) return;
  outDir = mkdtempSync(join(tmpdir(), "rvplay-site-"));
  await build({ root: repoRoot, configFile: join(repoRoot, "vite.config.ts"), logLevel: "error", build: { outDir, emptyOutDir: true } });
  // Served from a sub-directory, as on a project page of a static host.
  site = await startStaticServer(outDir, "/play/");
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await site?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

test("without headers, the service worker isolates the page and it boots", { skip, timeout: 150_000 }, async (t) => {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
  t.after(() => context.close());
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const first = await page.goto(site!.url);
  assert.equal(first?.headers()["cross-origin-embedder-policy"], undefined, "the static server must not send the headers");
  await waitForPrompt(page, 60_000);
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), true);
  assert.equal(await page.evaluate(() => !!navigator.serviceWorker.controller), true);
  assert.match(await runCommand(page, "uname -m"), /^riscv64$/m);
  assert.deepEqual(errors, []);
});

test("with service workers blocked, the page explains what is missing", { skip, timeout: 60_000 }, async (t) => {
  const context = await browser!.newContext({ serviceWorkers: "block" });
  t.after(() => context.close());
  const page = await context.newPage();
  await page.goto(site!.url);
  const msg = page.getByTestId("unsupported");
  await msg.waitFor({ timeout: 30_000 });
  const text = await msg.innerText();
  assert.match(text, /not cross-origin isolated/);
  assert.match(text, /What to do:/);
  assert.match(text, /Cross-Origin-Opener-Policy: same-origin/);
});
