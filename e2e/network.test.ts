// The page's network in headless Chromium against the Vite dev server (whose
// Wisp relay allows loopback): the guest downloads a file from a server this
// test runs on 127.0.0.1 (through 10.0.2.2) and checks its checksum, the
// Network panel shows the address and the traffic, the cable comes out and
// goes back in, a private destination is refused by the relay; and two tabs
// on one LAN (chosen in the panel, carried by the link) ping each other; a
// snapshot of the machine with its card restores onto the relay again (and
// is refused, the machine going on, with the Network panel's "none").
import { test, before, after, type TestContext } from "node:test";
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { ViteDevServer } from "vite";
import { browserSkipReason, launchBrowser, startServer } from "./browser.js";
import { runCommand, waitForPrompt, waitForState } from "./screen.js";
import { patternBytes, serveHttp, sha256, type HttpFiles } from "../tests/netdev/host-services.js";

const skip = browserSkipReason();
let server: ViteDevServer | undefined;
let browser: Browser | undefined;
let http: HttpFiles | undefined;
let url = "";
const FILE = patternBytes(2 << 20, 11);
const BOOT_MS = 90_000;

before(async () => {
  if (skip) return;
  ({ server, url } = await startServer());
  http = await serveHttp({ "file.bin": FILE });
  browser = await launchBrowser();
  const page = await browser.newPage(); // warm up Vite's compiler
  await page.goto(url);
  await page.locator("[data-testid=power-state]").waitFor({ timeout: 120_000 });
  await page.close();
});
after(async () => {
  await browser?.close();
  await server?.close();
  await http?.close();
});

async function context(t: TestContext): Promise<BrowserContext> {
  const c = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
  t.after(() => c.close());
  return c;
}

async function open(c: BrowserContext, query: string, errors: string[]): Promise<Page> {
  const page = await c.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("dialog", (d) => void d.accept());
  await page.goto(url + query);
  return page;
}

// The guest's address as the panel shows it (from the device's DHCP figures).
async function guestAddress(page: Page, re: RegExp, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const a = await page.getByTestId("net-address").getAttribute("data-address");
    if (a && re.test(a)) return a;
    if (Date.now() > deadline) throw new Error(`the panel shows no address like ${re} (it shows ${JSON.stringify(await page.getByTestId("net-address").textContent())})`);
    await page.waitForTimeout(100);
  }
}

test("the guest downloads a file from the host's loopback through the dev server's relay; the panel shows the address and the bytes; the cable comes out and back", { skip, timeout: 240_000 }, async (t) => {
  const errors: string[] = [];
  const page = await open(await context(t), "", errors);
  await waitForPrompt(page, BOOT_MS);
  assert.equal(await guestAddress(page, /^10\.0\.2\.15$/), "10.0.2.15");
  assert.match(await page.getByTestId("net-relay").textContent() ?? "", /connected/);
  const out = await runCommand(page, `wget -q -O - http://10.0.2.2:${http!.port}/file.bin | sha256sum`, 120_000);
  assert.equal(out.trim().split(/\s+/)[0], sha256(FILE), out);
  // The figures follow (they come about twice a second).
  await page.waitForFunction((n) => Number(document.querySelector("[data-testid=net-bytes]")?.getAttribute("data-in")) > n, FILE.length, { timeout: 10_000 });
  // The relay refuses a private destination: the guest's connection is refused at once.
  const refused = await runCommand(page, "wget -q -T 5 -O - http://192.168.77.1/ 2>&1; echo status=$?", 30_000);
  assert.match(refused, /refused/i);
  assert.match(refused, /status=1/);
  // The cable: out (the guest loses its carrier), then in again.
  await page.getByTestId("net-cable").uncheck();
  await page.waitForFunction(() => /down/.test(document.querySelector("[data-testid=net-link]")?.textContent ?? ""), null, { timeout: 10_000 });
  assert.equal((await runCommand(page, "cat /sys/class/net/eth0/carrier")).trim(), "0");
  assert.match(page.url(), /[?&]cable=0\b/);
  await page.getByTestId("net-cable").check();
  assert.equal((await runCommand(page, "sleep 1; cat /sys/class/net/eth0/carrier")).trim(), "1");
  const again = await runCommand(page, `wget -q -O - http://10.0.2.2:${http!.port}/file.bin | sha256sum`, 120_000);
  assert.equal(again.trim().split(/\s+/)[0], sha256(FILE));
  assert.deepEqual(errors, []);
});

test("two tabs on one LAN ping each other: the first chooses the LAN in the panel and reboots, the second opens its link", { skip, timeout: 300_000 }, async (t) => {
  const errors: string[] = [];
  const c = await context(t);
  const lan = `e2e-${Date.now().toString(36)}`;
  const a = await open(c, "", errors);
  await waitForPrompt(a, BOOT_MS);
  // Choose the LAN: it applies at the next boot.
  await a.getByTestId("net-mode").selectOption("lan");
  await a.locator("#net-lan").fill(lan);
  await a.locator("#net-lan").press("Enter");
  await a.getByTestId("net-pending").getByRole("button", { name: "Reboot now" }).click();
  assert.match(a.url(), new RegExp(`[?&]net=lan\\b`));
  assert.match(a.url(), new RegExp(`[?&]lan=${lan}\\b`));
  // The second tab opens the first's address (a shared link).
  const b = await open(c, a.url().slice(url.length), errors);
  await waitForPrompt(a, BOOT_MS);
  await waitForPrompt(b, BOOT_MS);
  const addrA = await guestAddress(a, /^10\.0\.3\.\d+$/);
  const addrB = await guestAddress(b, /^10\.0\.3\.\d+$/);
  assert.notEqual(addrA, addrB);
  assert.match(await runCommand(a, `ping -c 2 -W 5 ${addrB}`, 30_000), /2 packets received/);
  assert.match(await runCommand(b, `ping -c 2 -W 5 ${addrA}`, 30_000), /2 packets received/);
  assert.deepEqual(errors, []);
});

test("a snapshot with the network card restores onto the relay: the address, a download with its checksum; with Network none it is refused and the machine goes on", { skip, timeout: 300_000 }, async (t) => {
  const errors: string[] = [];
  const page = await open(await context(t), "", errors);
  await waitForPrompt(page, BOOT_MS);
  assert.equal(await guestAddress(page, /^10\.0\.2\.15$/), "10.0.2.15");
  await runCommand(page, "echo before-snapshot > /tmp/mark");
  const status = async (kind: "done" | "error") => {
    const s = page.locator(`[data-testid=snapshot-status][data-kind=${kind}]`);
    try { await s.waitFor({ timeout: 90_000 }); } catch {
      throw new Error(`no snapshot status ${kind}: it says ${JSON.stringify(await page.getByTestId("snapshot-status").textContent())}`);
    }
    return (await s.textContent()) ?? "";
  };
  await page.getByTestId("snapshot-button").click();
  assert.match(await status("done"), /Saved/);
  // Something else happens after the snapshot, which the restore undoes.
  await runCommand(page, "echo after-snapshot > /tmp/mark");
  await page.getByTestId("snapshot-item").first().getByRole("button", { name: /^Restore/ }).click();
  assert.match(await status("done"), /Restored/);
  await waitForState(page, "running");
  assert.equal((await runCommand(page, "cat /tmp/mark")).trim(), "before-snapshot");
  assert.match(await runCommand(page, "ip -4 addr show eth0"), /inet 10\.0\.2\.15\/24/);
  const out = await runCommand(page, `wget -q -T 20 -O - http://10.0.2.2:${http!.port}/file.bin | sha256sum`, 120_000);
  assert.equal(out.trim().split(/\s+/)[0], sha256(FILE), out);
  // The new network learns the address from the guest's traffic (no new lease).
  assert.equal(await guestAddress(page, /^10\.0\.2\.15$/, 10_000), "10.0.2.15");
  assert.match(await page.getByTestId("net-relay").textContent() ?? "", /connected/);

  // With no network chosen the snapshot's card has nowhere to go: refused by name.
  await page.getByTestId("net-mode").selectOption("none");
  await page.getByTestId("snapshot-item").first().getByRole("button", { name: /^Restore/ }).click();
  assert.match(await status("error"), /network card/);
  assert.equal((await runCommand(page, "cat /tmp/mark")).trim(), "before-snapshot", "the running machine goes on");
  assert.match(await page.getByTestId("net-link").textContent() ?? "", /up/, "the panel still shows the running card");
  assert.deepEqual(errors, []);
});
