// Reading and driving the playground's serial console from a browser test,
// through xterm.js's screen-reader mirror (the accessibility tree): the
// same text a screen reader gets, one element per visible row.
import type { Page } from "playwright-core";

export const PROMPT = "root@rvplay:~# ";

// The visible rows of the console, as text.
// (Empty while the page is being reloaded.)
export async function screenRows(page: Page): Promise<string[]> {
  try {
    return await page.locator(".xterm-accessibility-tree [role=listitem]").evaluateAll(
      (rows) => rows.map((r) => (r.textContent ?? "").replace(/\u00a0/g, " ").trimEnd()));
  } catch (e) {
    if (/context was destroyed|navigation/i.test((e as Error).message)) return [];
    throw e;
  }
}

export async function screenText(page: Page): Promise<string> {
  return (await screenRows(page)).join("\n");
}

// Wait until the visible console matches `re`; the error shows the screen.
export async function waitForScreen(page: Page, re: RegExp, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await screenText(page);
    if (re.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`no ${re} on the console within ${timeoutMs} ms; it shows:\n${text}`);
    await page.waitForTimeout(50);
  }
}

// The last row is the shell prompt, with nothing typed after it.
export async function waitForPrompt(page: Page, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = (await screenRows(page)).filter((r) => r.trim() !== "");
    if (rows.length && rows[rows.length - 1] === PROMPT.trimEnd()) return;
    if (Date.now() > deadline) throw new Error(`no idle prompt within ${timeoutMs} ms; the console shows:\n${rows.join("\n")}`);
    await page.waitForTimeout(50);
  }
}

let seq = 0;

// Type a shell command into the console and return what it printed: the
// rows between the command's echo and an end marker. (The marker is typed as
// `E""ND` so that the echo of the command line does not match it.)
export async function runCommand(page: Page, cmd: string, timeoutMs = 30_000): Promise<string> {
  const id = ++seq;
  await page.locator(".xterm").click();
  await page.keyboard.type(`${cmd}; echo @@E""ND${id}@@\n`);
  const end = `@@END${id}@@`;
  const text = await waitForScreen(page, new RegExp(`^${end}$`, "m"), timeoutMs);
  const rows = text.split("\n");
  const last = rows.lastIndexOf(end);
  const echo = rows.slice(0, last).findLastIndex((r) => r.includes(`@@E""ND${id}@@`));
  if (echo < 0) throw new Error(`the echo of '${cmd}' scrolled away:\n${text}`);
  return rows.slice(echo + 1, last).join("\n");
}

// The figures the page shows, from its data attributes.
export async function totalMips(page: Page): Promise<number> {
  return Number(await page.getByTestId("mips-total").getAttribute("data-mips"));
}

export async function powerState(page: Page): Promise<string | null> {
  return page.getByTestId("power-state").getAttribute("data-state");
}

export async function waitForState(page: Page, state: string, timeoutMs = 60_000): Promise<void> {
  try {
    await page.locator(`[data-testid=power-state][data-state=${state}]`).waitFor({ timeout: timeoutMs });
  } catch {
    throw new Error(`the machine is ${await powerState(page)}, not ${state}, after ${timeoutMs} ms; the console shows:\n${await screenText(page)}`);
  }
}

// How many boots reached the shell prompt on this page (the page counts them).
export async function boots(page: Page): Promise<number> {
  return Number(await page.getByTestId("boot-time").getAttribute("data-boots"));
}

// Wait until the page has counted `n` boots and the console is at an idle
// prompt: the new boot's, not one an earlier boot left on the screen.
export async function waitForBoots(page: Page, n: number, timeoutMs: number): Promise<void> {
  try {
    await page.locator(`[data-testid=boot-time][data-boots="${n}"]`).waitFor({ timeout: timeoutMs });
  } catch (e) {
    throw new Error(`boot ${n} did not reach a prompt within ${timeoutMs} ms (the machine is ${await powerState(page)}); the console shows:\n${await screenText(page)}`, { cause: e });
  }
  await waitForPrompt(page, timeoutMs);
}
