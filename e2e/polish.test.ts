// The playground's frame, in headless Chromium (issue 16, the page's side):
// the off state, quiet boot and the boot log toggle, the address following
// the settings, phones, keyboard-only use, About, the unload guard, booting
// your own files, and an accessibility check (axe-core) with screenshots of
// the page kept under test-results/.
import { test, before, after, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { defaultBootargs } from "../src/machine/bootargs.js";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import type { ViteDevServer } from "vite";
import { browserSkipReason, launchBrowser, repoRoot, startServer } from "./browser.js";
import { boots, runCommand, screenText, waitForBoots, waitForPrompt, waitForScreen, waitForState } from "./screen.js";

const skip = browserSkipReason();
let server: ViteDevServer | undefined;
let browser: Browser | undefined;
let url = "";
const BOOT_MS = 90_000;
const TEST_MS = 150_000;
const shots = join(repoRoot, "test-results");
const sampleKernel = join(repoRoot, "public", "images", "Image.gz");

before(async () => {
  if (skip) return;
  mkdirSync(shots, { recursive: true });
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

async function open(t: TestContext, query = "", options: BrowserContextOptions = {}): Promise<{ page: Page; errors: string[] }> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  t.after(() => context.close());
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url + query);
  return { page, errors };
}

const query = (page: Page) => new URL(page.url()).searchParams;

test("power off shows the off state plainly; typing says so; Power on boots again", { skip, timeout: TEST_MS }, async (t) => {
  const { page, errors } = await open(t);
  await waitForPrompt(page, BOOT_MS);
  await page.getByRole("button", { name: "Pause" }).waitFor();
  await page.waitForTimeout(1200); // the figures have run
  assert.match(await page.getByTestId("uptime").innerText(), /\d s/);
  await page.getByRole("button", { name: "Power off" }).click();
  await waitForState(page, "off", 10_000);
  const banner = page.getByTestId("off-banner");
  await banner.waitFor({ timeout: 5000 });
  assert.match(await banner.innerText(), /The machine is off/);
  // Nothing keeps its last value, even after the next statistics tick.
  await page.waitForTimeout(1200);
  assert.equal(await page.getByTestId("uptime").innerText(), "off");
  assert.equal(await page.getByTestId("shape").innerText(), "off");
  assert.equal(await page.getByTestId("mips-total").innerText(), "off");
  assert.match(await page.getByTestId("memory").innerText(), /^off/);
  assert.equal(await page.locator(".legend li").count(), 0);
  assert.match(await page.getByTestId("boot-time").innerText(), /last boot/);
  await waitForScreen(page, /\[rvplay\] Powered off\. Press Power on/, 5000);
  // Typing into a machine that is off is answered, not swallowed.
  await page.locator(".xterm").click();
  await page.keyboard.type("ls\n");
  await waitForScreen(page, /The machine is off: what you type goes nowhere/, 5000);
  const before = await boots(page);
  await banner.getByRole("button", { name: "Power on" }).click();
  await waitForBoots(page, before + 1, BOOT_MS);
  assert.equal(await banner.count(), 0);
  assert.match(await page.getByTestId("shape").innerText(), /1 vCPU, 256 MiB/);
  assert.equal((await runCommand(page, "echo on$((1+1))")).trim(), "on2");
  assert.deepEqual(errors, []);
});

test("quiet boot by default; Show boot log (?log=1) boots with the full log and is remembered", { skip, timeout: TEST_MS }, async (t) => {
  const { page } = await open(t);
  const t0 = Date.now();
  await waitForPrompt(page, BOOT_MS);
  console.log(`# page open -> prompt (quiet): ${Date.now() - t0} ms (the page's figure: ${await page.getByTestId("boot-time").getAttribute("data-ms")} ms)`);
  assert.equal((await runCommand(page, "cat /proc/cmdline")).trim(), defaultBootargs({ sample: true, verbose: false }));
  assert.doesNotMatch(await screenText(page), /Linux version|OpenSBI/, "neither the kernel's nor the firmware's log on a quiet first screen");
  const box = page.getByRole("checkbox", { name: "Show boot log" });
  assert.equal(await box.isChecked(), false);
  await box.check();
  assert.equal(query(page).get("log"), "1");
  const n = await boots(page);
  await page.getByRole("button", { name: "Reset", exact: true }).click();
  await waitForBoots(page, n + 1, BOOT_MS);
  assert.equal((await runCommand(page, "cat /proc/cmdline")).trim(), defaultBootargs({ sample: true, verbose: true }));
  // Remembered: a fresh page with no query keeps it (localStorage) ...
  const again = await page.context().newPage();
  again.on("dialog", (d) => void d.accept());
  await again.goto(url);
  await waitForPrompt(again, BOOT_MS);
  assert.equal(await again.getByRole("checkbox", { name: "Show boot log" }).isChecked(), true);
  assert.equal(query(again).get("log"), "1");
  assert.equal((await runCommand(again, "cat /proc/cmdline")).trim(), defaultBootargs({ sample: true, verbose: true }));
  await again.close();
});

test("the address follows vCPUs, RAM, speed, log and font; Copy link copies it", { skip, timeout: TEST_MS }, async (t) => {
  const { page } = await open(t);
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await waitForPrompt(page, BOOT_MS);
  assert.equal(new URL(page.url()).search, "");
  await page.getByRole("slider", { name: "RAM" }).fill("6");
  assert.equal(query(page).get("mem"), "512");
  await page.getByRole("slider", { name: "CPU speed cap" }).fill("50");
  assert.equal(query(page).get("speed"), "50");
  await page.getByRole("button", { name: "Larger console text" }).click();
  await page.getByRole("button", { name: "Larger console text" }).click();
  assert.equal(query(page).get("font"), "16");
  assert.equal(await page.getByTestId("font-size").innerText(), "16 px");
  assert.equal(await page.locator(".xterm").evaluate((el) => getComputedStyle(el.querySelector(".xterm-rows")!).fontSize), "16px");
  await page.getByRole("checkbox", { name: "Show boot log" }).check();
  if (await page.evaluate(() => navigator.hardwareConcurrency) >= 2) {
    await page.getByRole("slider", { name: "vCPUs" }).fill("2");
    assert.equal(query(page).get("cpus"), "2");
  }
  // Back to a default value: the parameter goes.
  await page.getByRole("slider", { name: "CPU speed cap" }).fill("100");
  assert.equal(query(page).has("speed"), false);
  await page.getByRole("button", { name: "Copy link" }).click();
  await page.getByText("Link copied").waitFor({ timeout: 5000 });
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, page.url());
  assert.match(copied, /mem=512/);
  // The link opens the same settings in a browser that has none stored.
  const { page: other } = await open(t, new URL(copied).search);
  await other.getByTestId("slider-ram-value").waitFor();
  assert.equal(await other.getByTestId("slider-ram-value").innerText(), "512 MiB");
  assert.equal(await other.getByTestId("font-size").innerText(), "16 px");
  assert.equal(await other.getByRole("checkbox", { name: "Show boot log" }).isChecked(), true);
});

test("a phone (390×844): the console takes the width, the key row sends Ctrl-C and keeps the keyboard up", { skip, timeout: TEST_MS }, async (t) => {
  const { page, errors } = await open(t, "", { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  await waitForPrompt(page, BOOT_MS);
  const term = (await page.locator(".term").boundingBox())!;
  assert.ok(term.width >= 0.8 * 390, `the console is ${term.width} px wide of 390`);
  // No nested scroll box: the page scrolls as a whole.
  const nested = await page.evaluate(() => [...document.querySelectorAll<HTMLElement>(".app *")]
    .filter((el) => !el.closest(".xterm") && /(auto|scroll)/.test(getComputedStyle(el).overflowY) && el.scrollHeight > el.clientHeight + 1)
    .map((el) => el.className));
  assert.deepEqual(nested, []);
  const row = page.getByRole("group", { name: "Keys for touch screens" });
  assert.equal(await row.isVisible(), true);
  await page.locator(".xterm").tap();
  const focused = () => page.evaluate(() => document.activeElement?.className ?? "");
  assert.match(await focused(), /xterm-helper-textarea/);
  // A pipe from the row, the rest from the (soft) keyboard.
  await page.keyboard.type("echo abc ");
  await row.getByRole("button", { name: "Vertical bar" }).tap();
  await page.keyboard.type(" tr a-z A-Z\n");
  await waitForScreen(page, /^ABC$/m, 10_000);
  assert.match(await focused(), /xterm-helper-textarea/, "tapping a key took the focus from the terminal");
  // Sticky Ctrl, then c from the keyboard: an interrupt.
  await waitForPrompt(page, 10_000);
  await page.keyboard.type("sleep 30\n");
  await page.waitForTimeout(500);
  const ctrl = row.getByRole("button", { name: /^Control/ });
  await ctrl.tap();
  assert.equal(await ctrl.getAttribute("aria-pressed"), "true");
  await page.keyboard.type("c");
  await waitForPrompt(page, 5000);
  assert.equal(await ctrl.getAttribute("aria-pressed"), "false");
  assert.match(await focused(), /xterm-helper-textarea/);
  // Esc and the arrows: recall the last command with ↑.
  await page.keyboard.type("echo up$((2+2))\n");
  await waitForScreen(page, /^up4$/m, 10_000);
  await row.getByRole("button", { name: "Up arrow" }).tap();
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => (document.querySelector(".xterm-accessibility-tree")?.textContent ?? "").split("up4").length >= 3, undefined, { timeout: 10_000 });
  // The font size control, also in the address.
  await page.getByRole("button", { name: "Smaller console text" }).tap();
  assert.equal(query(page).get("font"), "13");
  await page.screenshot({ path: join(shots, "phone.png"), fullPage: true });
  assert.deepEqual(errors, []);
});

// Start keyboard navigation at the top of the page, as on arriving from
// the address bar (the page itself puts the focus in the console).
async function fromTheTop(page: Page): Promise<void> {
  await page.evaluate(() => {
    const start = document.createElement("span");
    start.tabIndex = -1;
    document.body.prepend(start);
    start.focus();
    start.addEventListener("blur", () => start.remove());
  });
}

// Tab through the page from the top, leaving the console with Ctrl+] where
// the terminal keeps Tab; returns the controls reached, in order.
async function tabThrough(page: Page): Promise<string[]> {
  await fromTheTop(page);
  const reached: string[] = [];
  for (let i = 0; i < 200; i++) {
    const inTerm = await page.evaluate(() => document.activeElement?.classList.contains("xterm-helper-textarea") ?? false);
    await page.keyboard.press(inTerm ? "Control+]" : "Tab");
    // Named when focused: panels that refresh may have rendered the
    // control anew since the list was made.
    const id = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return "";
      return el.getAttribute("aria-label") ?? (el as HTMLInputElement).labels?.[0]?.textContent?.trim() ?? el.textContent?.trim().slice(0, 24) ?? "";
    });
    if (reached.length && id === reached[0]) break;
    reached.push(id);
  }
  return reached;
}

test("keyboard only: a skip link, every control reachable, Ctrl+] out of and back to the console, visible focus", { skip, timeout: TEST_MS }, async (t) => {
  const { page } = await open(t);
  await waitForPrompt(page, BOOT_MS);
  // Name every control the user can reach, as it is now.
  const controls = await page.evaluate(() => {
    const sel = "a[href], button:not([disabled]), input:not([disabled]), select, textarea, [tabindex]:not([tabindex='-1'])";
    // Not what a closed <details> holds (its summary is reachable; Chromium
    // keeps the rest laid out, content-visibility: hidden, but Tab skips it).
    const inClosed = (el: HTMLElement) => { const d = el.closest("details"); return !!d && !d.open && el.tagName !== "SUMMARY" && !el.closest("summary"); };
    const all = [...document.querySelectorAll<HTMLElement>(sel)].filter((el) => el.getClientRects().length > 0 && !el.closest("dialog") && !inClosed(el));
    const name = (el: HTMLElement) => el.getAttribute("aria-label") ?? (el as HTMLInputElement).labels?.[0]?.textContent?.trim() ?? el.textContent?.trim().slice(0, 24) ?? "";
    return all.map(name);
  });
  const reached = await tabThrough(page);
  assert.match(reached[0], /Skip to the console/);
  const missed = controls.filter((c) => !reached.includes(c));
  assert.deepEqual(missed, [], `not reached with Tab: ${missed.join(", ")}\nreached: ${reached.join(", ")}`);
  // The order: header, then the console, then the side panel.
  const at = (re: RegExp) => { const i = reached.findIndex((r) => re.test(r)); assert.ok(i >= 0, `${re} not reached`); return i; };
  assert.ok(at(/Power off/) < at(/Smaller console text/), reached.join(", "));
  assert.ok(at(/Smaller console text/) < at(/Terminal input/), reached.join(", "));
  assert.ok(at(/Terminal input/) < at(/^vCPUs/), reached.join(", "));
  // The skip link goes to the console; Ctrl+] leaves it and comes back.
  await fromTheTop(page);
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  const inTerm = () => page.evaluate(() => document.activeElement?.classList.contains("xterm-helper-textarea") ?? false);
  assert.equal(await inTerm(), true);
  await page.keyboard.press("Control+]");
  assert.equal(await inTerm(), false);
  const focusedOutline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
  assert.notEqual(focusedOutline, "none", "the focused control shows no focus ring");
  await page.keyboard.press("Control+]");
  assert.equal(await inTerm(), true);
  await page.keyboard.type("echo back$((3+4))\n");
  await waitForScreen(page, /^back7$/m, 10_000);
  // The speed slider reads as a percentage.
  assert.equal(await page.getByRole("slider", { name: "CPU speed cap" }).getAttribute("aria-valuetext"), "100%");
  // About, by keyboard: the version and the shortcuts; Escape closes it.
  await page.getByRole("button", { name: "About" }).focus();
  await page.keyboard.press("Enter");
  const about = page.getByTestId("about");
  await about.waitFor({ state: "visible", timeout: 5000 });
  const version = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
  const text = await about.innerText();
  assert.ok(text.includes(`rvplay ${version}`), text);
  assert.match(text, /Ctrl\s*\+\s*\]/);
  await about.getByRole("button", { name: "Read the README" }).click();
  await about.getByLabel("README").waitFor({ timeout: 5000 });
  assert.match(await about.getByLabel("README").innerText(), /## The CLI/);
  await page.keyboard.press("Escape");
  await about.waitFor({ state: "hidden", timeout: 5000 });
});

test("leaving the page asks first while the machine runs, not once it is off", { skip, timeout: TEST_MS }, async (t) => {
  const { page } = await open(t);
  await waitForPrompt(page, BOOT_MS);
  await runCommand(page, "true"); // a user gesture: browsers ask only after one
  let asked = 0;
  page.on("dialog", (d) => { if (d.type() === "beforeunload") asked++; void d.dismiss(); });
  await page.close({ runBeforeUnload: true });
  await page.waitForTimeout(500);
  assert.equal(asked, 1, "no question before closing a running machine");
  assert.equal(page.isClosed(), false, "the page closed although the question was answered no");

  await page.getByRole("button", { name: "Power off" }).click();
  await waitForState(page, "off", 10_000);
  await page.close({ runBeforeUnload: true });
  await page.waitForEvent("close", { timeout: 5000 });
  assert.equal(asked, 1);
});

test("boot your own: a non-RISC-V file is refused and the machine goes on; the sample kernel as a file boots, and again after a reload", { skip, timeout: 200_000 }, async (t) => {
  const { page, errors } = await open(t);
  page.on("dialog", (d) => void d.accept());
  await waitForPrompt(page, BOOT_MS);
  await runCommand(page, "M=still$((2+3))");
  const n = await boots(page);
  const dialog = page.getByTestId("boot-own");
  const openDialog = async () => {
    await page.getByRole("button", { name: "Boot your own…" }).click();
    await dialog.waitFor({ state: "visible", timeout: 5000 });
  };
  // An x86 program as the kernel (as /bin/true is): refused, by name.
  await openDialog();
  await dialog.getByLabel("Kernel file").setInputFiles(nonRiscvProgram());
  await dialog.getByRole("button", { name: "Boot", exact: true }).click();
  await dialog.getByTestId("kernel-error").getByText(/not a RISC-V ELF/).waitFor({ timeout: 15_000 });
  // A truncated gzip file: refused, naming the file.
  await dialog.getByLabel("Kernel file").setInputFiles(truncatedGzip());
  await dialog.getByRole("button", { name: "Boot", exact: true }).click();
  await dialog.getByTestId("kernel-error").getByText(/is a corrupt gzip file/).waitFor({ timeout: 15_000 });
  // No kernel at all, and a URL that is not http: the form says so at once.
  await dialog.getByLabel("Kernel file").setInputFiles([]);
  await dialog.getByLabel("Disk URL").fill("ftp://example.org/disk.img");
  await dialog.getByRole("button", { name: "Boot", exact: true }).click();
  await dialog.getByTestId("kernel-error").getByText(/choose a kernel file/).waitFor({ timeout: 5000 });
  await dialog.getByTestId("disk-error").getByText(/only http and https/).waitFor({ timeout: 5000 });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await dialog.waitFor({ state: "hidden" });
  // The running machine was not touched.
  assert.equal(await boots(page), n);
  assert.equal((await runCommand(page, "echo $M")).trim(), "still5");
  assert.equal(await page.getByTestId("power-state").getAttribute("data-state"), "running");

  // The sample kernel uploaded as a file, with a command line of our own.
  await openDialog();
  await dialog.getByLabel("Kernel file").setInputFiles(sampleKernel);
  await dialog.getByLabel("Kernel command line").fill("console=ttyS0 quiet rvplay.own=1");
  await dialog.getByRole("button", { name: "Boot", exact: true }).click();
  await dialog.waitFor({ state: "hidden", timeout: 30_000 });
  await waitForBoots(page, n + 1, BOOT_MS);
  assert.equal((await runCommand(page, "cat /proc/cmdline")).trim(), "console=ttyS0 quiet rvplay.own=1");
  assert.match(await page.getByTestId("image").innerText(), /your own: kernel Image\.gz/);
  // The disks attached in the Disks panel (the sample disk) go with any kernel.
  assert.equal((await runCommand(page, "[ -b /dev/vda ] && echo disk || echo nodisk")).trim(), "disk");
  // Kept in IndexedDB: a reload boots it again.
  await page.reload();
  await waitForPrompt(page, BOOT_MS);
  assert.equal((await runCommand(page, "cat /proc/cmdline")).trim(), "console=ttyS0 quiet rvplay.own=1");
  assert.match(await page.getByTestId("image").innerText(), /your own/);
  // And back to the sample.
  const m = await boots(page);
  await page.getByRole("button", { name: "Boot the sample instead" }).click();
  await waitForBoots(page, m + 1, BOOT_MS);
  assert.equal((await runCommand(page, "cat /proc/cmdline")).trim(), defaultBootargs({ sample: true, verbose: false }));
  assert.match(await page.getByTestId("image").innerText(), /sample Linux/);
  assert.deepEqual(errors, []);
});

test("a link names the kernel by URL and the command line", { skip, timeout: TEST_MS }, async (t) => {
  const { page } = await open(t, "?kernel=images/Image.gz&append=console%3DttyS0+quiet+via.link");
  await waitForPrompt(page, BOOT_MS);
  assert.equal((await runCommand(page, "cat /proc/cmdline")).trim(), "console=ttyS0 quiet via.link");
  assert.match(await page.getByTestId("image").innerText(), /your own: kernel Image\.gz/);
  assert.equal(query(page).get("kernel"), "images/Image.gz");
  // A link to a file that is not there (this server answers with its home
  // page), or to a server that is not there: refused, with a way back.
  const { page: html } = await open(t, "?kernel=images/nothing-here.gz");
  await html.getByTestId("refused").waitFor({ timeout: 30_000 });
  assert.match(await html.getByTestId("refused").innerText(), /answered .*nothing-here\.gz with a web page \(text\/html\), not a kernel file/);
  const { page: bad } = await open(t, "?kernel=http://127.0.0.1:9/Image.gz");
  const refused = bad.getByTestId("refused");
  await refused.waitFor({ timeout: 30_000 });
  assert.match(await refused.innerText(), /cannot fetch the kernel from http:\/\/127\.0\.0\.1:9\/Image\.gz: the network failed, or that server does not allow/);
  await refused.getByRole("button", { name: "Boot the sample" }).click();
  await waitForPrompt(bad, BOOT_MS);
  assert.equal(query(bad).has("kernel"), false);
});

const require = createRequire(import.meta.url);

// axe-core in the page: the violations that matter (serious, critical).
async function axe(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
  const result = await page.evaluate(async () => {
    const a = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    return a.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } });
  });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 4).map((n) => n.target.join(" ")).join("; ")})`);
}

test("accessibility (axe-core): no serious or critical violations, dark, light, phone and in the dialogs; screenshots kept", { skip, timeout: 200_000 }, async (t) => {
  const cases: [string, BrowserContextOptions][] = [
    ["desktop", { colorScheme: "dark" }],
    ["light", { colorScheme: "light" }],
    ["phone-light", { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, colorScheme: "light" }],
  ];
  for (const [name, options] of cases) {
    const { page } = await open(t, "", options);
    await waitForPrompt(page, BOOT_MS);
    await runCommand(page, "ls --color=always / && echo -e '\\e[31mred \\e[32mgreen \\e[33myellow \\e[34mblue \\e[35mmagenta \\e[36mcyan\\e[0m'");
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: name.startsWith("phone") });
    assert.deepEqual(await axe(page), [], `${name}: the page`);
    if (name === "desktop") {
      await page.getByRole("button", { name: "About" }).click();
      await page.getByTestId("about").waitFor({ state: "visible" });
      assert.deepEqual(await axe(page), [], "the About dialog");
      await page.keyboard.press("Escape");
      await page.getByRole("button", { name: "Boot your own…" }).click();
      const dialog = page.getByTestId("boot-own");
      await dialog.waitFor({ state: "visible" });
      await dialog.getByRole("button", { name: "Boot", exact: true }).click();
      await dialog.getByTestId("kernel-error").getByText(/choose a kernel/).waitFor();
      await page.screenshot({ path: join(shots, "boot-your-own.png") });
      assert.deepEqual(await axe(page), [], "the Boot your own dialog");
      await page.keyboard.press("Escape");
      await page.getByRole("button", { name: "Power off" }).click();
      await waitForState(page, "off", 10_000);
      await page.getByTestId("off-banner").waitFor();
      await page.screenshot({ path: join(shots, "off.png") });
      assert.deepEqual(await axe(page), [], "the off state");
    }
    await page.context().close();
  }
});

// A program for another machine: /bin/true where it is not a RISC-V ELF (on
// an x86-64 host it is x86-64), else an x86-64 ELF header made here.
function nonRiscvProgram(): string {
  if (existsSync("/bin/true")) {
    const head = readFileSync("/bin/true").subarray(0, 20);
    if (head[0] === 0x7f && head[1] === 0x45 && head.readUInt16LE(18) !== 243) return "/bin/true";
  }
  const b = new Uint8Array(4096);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  new DataView(b.buffer).setUint16(16, 3, true);
  new DataView(b.buffer).setUint16(18, 62, true);
  const path = join(mkdtempSync(join(tmpdir(), "rvplay-x86-")), "true");
  writeFileSync(path, b);
  return path;
}

function truncatedGzip(): string {
  const gz = readFileSync(sampleKernel);
  const path = join(mkdtempSync(join(tmpdir(), "rvplay-gz-")), "Image-truncated.gz");
  writeFileSync(path, gz.subarray(0, gz.length >> 1));
  return path;
}
