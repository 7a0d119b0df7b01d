// A saved console screen replayed on restore must not ask the terminal
// anything: its answers would reach the guest as typed input (a resumed
// Debian showed ";1R;108R" at its prompt: agetty's size probe).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ConsoleTail, withoutTerminalQueries } from "../../src/snapshot/console-tail.js";

const enc = (s: string) => new Uint8Array(Buffer.from(s, "latin1"));
const dec = (b: Uint8Array) => Buffer.from(b).toString("latin1");

test("terminal queries are dropped from a saved screen; everything else is kept byte for byte", () => {
  // agetty's probe, as the Debian image's console printed it.
  const agetty = "\x1b[!p\x1b]104\x07\x1b[?7h\x1b[6n\x1b[32766;32766H\x1b[6n\r\r\nDebian GNU/Linux 13 rvplay ttyS0\r\n";
  assert.equal(dec(withoutTerminalQueries(enc(agetty))), "\x1b[!p\x1b]104\x07\x1b[?7h\x1b[32766;32766H\r\r\nDebian GNU/Linux 13 rvplay ttyS0\r\n");
  for (const q of ["\x1b[5n", "\x1b[?6n", "\x1b[c", "\x1b[0c", "\x1b[>c", "\x1b[=0c", "\x1b[?2004$p", "\x1b[12$p", "\x1b[18t", "\x1b[14;2t", "\x1b]10;?\x07", "\x1b]11;?\x1b\\", "\x1b]4;1;?\x07"]) {
    assert.equal(dec(withoutTerminalQueries(enc(`a${q}b`))), "ab", JSON.stringify(q));
  }
  // Not queries: colours, cursor moves, clear, a title, UTF-8 text.
  const keep = "\x1b[1;32mgreen\x1b[0m \x1b[2J\x1b[H\x1b[6;1H\x1b]0;title\x07\x1b[?2004h" + Buffer.from("héllo → ✓", "utf8").toString("latin1");
  const kept = enc(keep);
  assert.equal(withoutTerminalQueries(kept), kept, "nothing to drop: the same bytes");
  // Arbitrary bytes never throw, and never grow.
  for (let n = 0; n < 200; n++) {
    const b = new Uint8Array(1 + (n * 37) % 300).map((_, i) => (i * 131 + n * 7) & 0xff);
    assert.ok(withoutTerminalQueries(b).length <= b.length);
  }
});

test("the CLI's console tail keeps no terminal queries", () => {
  const t = new ConsoleTail(64);
  t.push(enc("login\r\n\x1b[6nroot@rvplay:~# "));
  assert.equal(dec(t.screen()), "login\r\nroot@rvplay:~# ");
});
