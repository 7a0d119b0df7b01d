// The page's JIT switch: on by default, ?jit=0 (or the checkbox) turns it
// off for the next boot, and the sample Linux boots and answers with it in
// Chromium (the translated code runs in the page's hart workers, compiled in
// each hart's compile worker).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import type { ViteDevServer } from "vite";
import { browserSkipReason, launchBrowser, startServer } from "./browser.js";
import { runCommand, waitForPrompt } from "./screen.js";

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

test("the JIT switch: on by default, ?jit=0 turns it off; with it Linux boots and commands answer right", { skip, timeout: 240_000 }, async (t) => {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
  t.after(() => context.close());
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // A fresh context: nothing stored, so the default shows.
  await page.goto(`${url}?cpus=1&mem=128`);
  assert.equal(await page.getByTestId("jit").isChecked(), true);
  await page.goto(`${url}?cpus=1&mem=128&jit=0`);
  assert.equal(await page.getByTestId("jit").isChecked(), false);
  // (The page stores its settings: back on with ?jit=1.)
  const workers: string[] = [];
  page.on("worker", (w) => workers.push(w.url()));
  await page.goto(`${url}?cpus=1&mem=128&jit=1`);
  assert.equal(await page.getByTestId("jit").isChecked(), true);
  await waitForPrompt(page, 180_000);
  assert.equal((await runCommand(page, "awk 'BEGIN { printf \"%.6f\\n\", sqrt(2) * 3.5 }'")).trim(), "4.949747");
  assert.equal((await runCommand(page, "i=0; s=0; while [ $i -lt 3000 ]; do i=$((i+1)); s=$((s+i)); done; echo $s", 120_000)).trim(), "4501500");
  assert.equal((await runCommand(page, "echo $(seq 1 300 | sort -rn | head -2)")).trim(), "300 299");
  // Hot enough for the default threshold: regions come back from the
  // compile worker and run.
  assert.equal((await runCommand(page, "i=0; while [ $i -lt 40000 ]; do i=$((i+1)); done; echo $i", 180_000)).trim(), "40000");
  assert.deepEqual(errors, []);
  // The hart's compile worker started (its code got hot) and compiled.
  assert.ok(workers.some((w) => /jit-compile-worker/.test(w)), `workers: ${workers.join(", ")}`);
  const hart = page.workers().find((w) => /hart-worker/.test(w.url()));
  assert.ok(hart, `workers: ${workers.join(", ")}`);
  const figures = await hart.evaluate(() => {
    const jit = (globalThis as { rvplayJit?: { stats: { regions: number; failed: number }; retiredInCode: bigint } }).rvplayJit;
    return jit && { regions: jit.stats.regions, failed: jit.stats.failed, inCode: Number(jit.retiredInCode) };
  });
  t.diagnostic(`hart 0 JIT: ${JSON.stringify(figures)}`);
  assert.ok(figures && figures.regions > 0 && figures.inCode > 1_000_000, `the hart's JIT: ${JSON.stringify(figures)}`);
});
