// The phone key row's bytes and the sticky Ctrl; the unload guard's rule.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ROW_KEYS, rowKeyBytes, withCtrl } from "../../src/ui/key-row.js";
import { unloadLoses } from "../../src/ui/unload-guard.js";

const plain = { appCursor: false, ctrl: false };

test("each key of the row sends what a keyboard's would", () => {
  assert.deepEqual(ROW_KEYS.map((k) => k.key), ["Esc", "Tab", "Ctrl", "Left", "Up", "Down", "Right", "|", "~", "/"]);
  assert.equal(rowKeyBytes("Esc", plain), "\x1b");
  assert.equal(rowKeyBytes("Tab", plain), "\t");
  assert.equal(rowKeyBytes("|", plain), "|");
  assert.equal(rowKeyBytes("~", plain), "~");
  assert.equal(rowKeyBytes("/", plain), "/");
  assert.equal(rowKeyBytes("Ctrl", plain), "");
  assert.deepEqual(["Up", "Down", "Right", "Left"].map((k) => rowKeyBytes(k as "Up", plain)), ["\x1b[A", "\x1b[B", "\x1b[C", "\x1b[D"]);
  // vi and top switch the terminal to application cursor keys (DECCKM).
  assert.equal(rowKeyBytes("Up", { appCursor: true, ctrl: false }), "\x1bOA");
  assert.equal(rowKeyBytes("Left", { appCursor: false, ctrl: true }), "\x1b[1;5D");
  // Every key has a name a screen reader can say.
  for (const k of ROW_KEYS) assert.ok(k.name.length > 1 && k.label.length >= 1);
});

test("Ctrl turns the next key into its control code", () => {
  assert.equal(withCtrl("c"), "\x03");
  assert.equal(withCtrl("C"), "\x03");
  assert.equal(withCtrl("d"), "\x04");
  assert.equal(withCtrl("["), "\x1b");
  assert.equal(withCtrl("]"), "\x1d");
  assert.equal(withCtrl("@"), "\x00");
  assert.equal(withCtrl(" "), "\x00");
  assert.equal(withCtrl("?"), "\x7f");
  assert.equal(withCtrl("1"), "1");
  assert.equal(withCtrl("ls"), "ls"); // a word from the soft keyboard goes as typed
  assert.equal(withCtrl(""), "");
  assert.equal(rowKeyBytes("/", { appCursor: false, ctrl: true }), "/");
});

test("leaving the page asks first only while a machine would be lost", () => {
  for (const power of ["running", "paused", "starting"] as const) {
    assert.equal(unloadLoses({ power, saved: false }), true, power);
    assert.equal(unloadLoses({ power, saved: true }), false, power);
  }
  for (const power of ["off", "error", "loading"] as const) assert.equal(unloadLoses({ power, saved: false }), false, power);
});
