// Finding the shell prompt and telling the guest the console's size unseen.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PromptWatcher } from "../../src/ui/prompt-watch.js";

const PROMPT = "root@rvplay:~# ";

function booted(): { w: PromptWatcher; firsts: number } & { count: () => number } {
  const w = new PromptWatcher();
  let firsts = 0;
  w.onFirstPrompt = () => { firsts++; };
  w.output("[    0.1] Run /init as init process\r\n\r\n  Welcome\r\n\r\n", 0);
  assert.equal(w.atPrompt, false);
  w.output(PROMPT, 0);
  return { w, firsts, count: () => firsts };
}

test("the first prompt after boot is reported once", () => {
  const w = new PromptWatcher();
  let n = 0;
  w.onFirstPrompt = () => { n++; };
  w.output("OpenSBI v1.1\r\n# not a prompt: the line goes on\r\n", 0);
  assert.equal(n, 0);
  w.output("root@rvplay:", 0);
  w.output("~# ", 0);
  assert.equal(n, 1);
  assert.equal(w.atPrompt, true);
  w.output("ls\r\nbin\r\n" + PROMPT, 0);
  assert.equal(n, 1);
  w.reset();
  w.output(PROMPT, 0);
  assert.equal(n, 2);
});

test("colours in the prompt do not hide it", () => {
  const w = new PromptWatcher();
  w.output("\x1b[1;32mroot@box\x1b[0m:\x1b[34m~\x1b[0m$ ", 0);
  assert.equal(w.atPrompt, true);
});

test("at an idle prompt the size goes out as stty, and its echo and prompt are hidden", () => {
  const { w } = booted();
  w.resize(40, 120);
  const cmd = w.pendingCommand(0);
  assert.deepEqual(cmd, { text: "stty rows 40 cols 120\r", rows: 40, cols: 120 });
  assert.equal(w.pendingCommand(0), undefined); // once
  // The echo arrives in pieces; nothing of it shows.
  assert.equal(w.output("stty rows 40 ", 1), "");
  assert.equal(w.output("cols 120\r\n", 2), "");
  assert.equal(w.output("root@rvplay", 3), "");
  assert.equal(w.output(":~# ", 4), "");
  assert.equal(w.atPrompt, true);
  // Later output shows as usual.
  assert.equal(w.output("ls\r\n", 5), "ls\r\n");
  // The same size is not sent again; a new one is, at the next idle prompt.
  w.output(PROMPT, 6);
  assert.equal(w.pendingCommand(6), undefined);
  w.resize(30, 100);
  assert.equal(w.pendingCommand(7)?.text, "stty rows 30 cols 100\r");
});

test("nothing is sent while the user is typing or a program runs", () => {
  const { w } = booted();
  w.input("l");
  w.output("l", 0);
  w.resize(40, 120);
  assert.equal(w.pendingCommand(0), undefined);
  w.input("s\r");
  w.output("s\r\nbin  etc\r\n", 0);
  assert.equal(w.pendingCommand(0), undefined);  // not at a prompt
  w.output("\x1b[H\x1b[JMem: 1K used\r\n", 0);    // e.g. top
  assert.equal(w.pendingCommand(0), undefined);
  w.output(PROMPT, 0);
  assert.equal(w.pendingCommand(0)?.rows, 40);
});

test("text typed ahead or an error between the echo and the prompt is shown", () => {
  const { w } = booted();
  w.resize(40, 120);
  w.pendingCommand(0);
  assert.equal(w.output("stty rows 40 cols 120\r\nstty: oops\r\n" + PROMPT + "ech", 1), "stty: oops\r\nech");
});

test("output that is not the echo is released at once", () => {
  const { w } = booted();
  w.resize(40, 120);
  w.pendingCommand(0);
  assert.equal(w.output("\r\n[ 12.3] kernel message\r\n", 1), "\r\n[ 12.3] kernel message\r\n");
});

test("an echo without its prompt is released after the timeout", () => {
  const w = new PromptWatcher(1000);
  w.output(PROMPT, 0);
  w.resize(40, 120);
  w.pendingCommand(0);
  assert.equal(w.output("stty rows 40 cols 120\r\nsomething", 10), "");
  assert.equal(w.tick(500), "");
  assert.equal(w.tick(1500), "stty rows 40 cols 120\r\nsomething");
  assert.equal(w.tick(3000), "");
});

test("a new boot forgets the size the guest had been told", () => {
  const { w } = booted();
  w.resize(40, 120);
  w.pendingCommand(0);
  w.output("stty rows 40 cols 120\r\n" + PROMPT, 0);
  w.reset();
  w.output(PROMPT, 0);
  assert.equal(w.pendingCommand(0)?.text, "stty rows 40 cols 120\r");
});
