// The page's Image picker with a built Debian image (npm run image:debian):
// "Debian 13" is offered, picking it puts ?image=debian in the address and
// boots Debian's kernel with its disk read on demand (chunks of the remote
// base), to a root prompt where Debian's own commands answer. Skips, saying
// why, where the image is not built (it is not committed; CI does not build
// it) or there is no Chromium. Run by npm run test:debian.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ViteDevServer } from "vite";
import { browserSkipReason, launchBrowser, startServer } from "./browser.js";
import { runCommand, waitForPrompt, waitForScreen } from "./screen.js";
import { builtImageDir } from "../src/node/built-images.js";

const out = builtImageDir("debian");
const skip = browserSkipReason() ?? (existsSync(join(out, "image.json")) ? undefined : `no Debian image in ${out}: run npm run image:debian first`);
let server: ViteDevServer | undefined;
let url = "";

before(async () => {
  if (skip) return;
  ({ server, url } = await startServer());
});
after(async () => { await server?.close(); });

test("pick Debian 13 in the Image picker: it boots to a root prompt and Debian's commands answer", { skip, timeout: 60 * 60_000 }, async (t) => {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("dialog", (d) => void d.accept());
    let chunkBytes = 0, chunks = 0;
    page.on("response", (r) => {
      if (!/\/images\/debian\/chunks\//.test(r.url())) return;
      chunks++;
      void r.body().then((b) => { chunkBytes += b.length; }, () => {});
    });
    await page.goto(url + "?cpus=2");
    await waitForPrompt(page, 120_000); // the sample first
    const picker = page.getByLabel("Image", { exact: true });
    await page.waitForFunction(() => [...document.querySelectorAll("#image-picker option")].some((o) => (o as HTMLOptionElement).value === "debian"), undefined, { timeout: 30_000 });
    assert.match(await picker.locator("option[value=debian]").textContent() ?? "", /^Debian 13 \(trixie\) · .* \+ disk 1(\.0+)? GiB on demand$/);
    const t0 = Date.now();
    await picker.selectOption("debian");
    await page.waitForURL(/[?&]image=debian\b/, { timeout: 10_000 });
    // The sample's prompt is still on the screen until the new boot clears
    // it: wait for Debian's own login banner (agetty's issue line), then its prompt.
    await waitForScreen(page, /Debian GNU\/Linux 13 rvplay ttyS0/, 50 * 60_000);
    await waitForPrompt(page, 10 * 60_000);
    t.diagnostic(`Debian in the page, picked -> root prompt: ${((Date.now() - t0) / 1000).toFixed(1)} s; ${chunks} chunks fetched, ${(chunkBytes / 1e6).toFixed(1)} MB`);
    assert.match((await runCommand(page, "cat /etc/debian_version", 120_000)).trim(), /^13\.\d+$/);
    assert.equal((await runCommand(page, "python3 -c 'print(6*7)'", 300_000)).trim(), "42");
    assert.match(await runCommand(page, "findmnt -n -o SOURCE,FSTYPE /", 120_000), /^\/dev\/vda\s+ext4$/m);
    assert.ok(chunks > 0, "the disk's chunks came from the server as the guest read them");
    assert.ok(chunkBytes < 1024 ** 3 / 2, `fetched ${chunkBytes} bytes of a 1 GiB disk: only what the guest reads`);
  } finally {
    await browser.close();
  }
});
