// Slider state and the settings' sources: URL, localStorage, defaults.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULTS, MEM_STOPS_MIB, checkValue, formatMem, limitsFor, memAtStop, memStopIndex, needsReboot,
  resolveSettings, serializeSettings, updateSearch,
} from "../../src/ui/settings.js";

const four = limitsFor(4);

test("the vCPU limit is the host's cores, at most 8, at least 1", () => {
  assert.equal(limitsFor(2).maxCpus, 2);
  assert.equal(limitsFor(16).maxCpus, 8);
  assert.equal(limitsFor(undefined).maxCpus, 1);
  assert.equal(limitsFor(0).maxCpus, 1);
  assert.equal(limitsFor(2.5).maxCpus, 1);
});

test("no URL and nothing stored: the defaults, no notes", () => {
  const r = resolveSettings("", null, four);
  assert.deepEqual(r.settings, DEFAULTS);
  assert.deepEqual(r.notes, []);
});

test("the URL gives cpus, mem and speed", () => {
  const r = resolveSettings("?cpus=2&mem=512&speed=50", null, four);
  assert.deepEqual(r.settings, { cpus: 2, memMiB: 512, speed: 50 });
  assert.deepEqual(r.fromUrl, { cpus: true, memMiB: true, speed: true });
  assert.deepEqual(r.notes, []);
});

test("stored values are used, and the URL wins over them", () => {
  const stored = serializeSettings({ cpus: 3, memMiB: 1024, speed: 40 });
  assert.deepEqual(resolveSettings("", stored, four).settings, { cpus: 3, memMiB: 1024, speed: 40 });
  assert.deepEqual(resolveSettings("?mem=128", stored, four).settings, { cpus: 3, memMiB: 128, speed: 40 });
});

test("invalid URL values are refused with a note and fall back (to stored, else default)", () => {
  const r = resolveSettings("?cpus=99&mem=lots&speed=0", null, four);
  assert.deepEqual(r.settings, DEFAULTS);
  assert.equal(r.notes.length, 3);
  assert.match(r.notes[0], /^URL cpus="99" ignored: vCPUs must be a whole number from 1 to 4 \(this computer has 4 logical cores\); using 1\.$/);
  assert.match(r.notes[1], /^URL mem="lots" ignored: RAM must be a whole number of MiB from 64 to 2048; using 256\.$/);
  assert.match(r.notes[2], /^URL speed="0" ignored/);
  const withStored = resolveSettings("?mem=4096", serializeSettings({ cpus: 1, memMiB: 768, speed: 100 }), four);
  assert.equal(withStored.settings.memMiB, 768);
  assert.match(withStored.notes[0], /using 768\.$/);
});

test("values must be whole numbers within the limits", () => {
  for (const bad of ["", " ", "1.5", "-1", "0x10", "1e3", "2 2", "NaN"]) {
    assert.ok(checkValue("memMiB", bad, four), `mem=${JSON.stringify(bad)} accepted`);
  }
  assert.equal(checkValue("memMiB", "64", four), undefined);
  assert.equal(checkValue("memMiB", "2048", four), undefined);
  assert.ok(checkValue("memMiB", "63", four));
  assert.ok(checkValue("memMiB", "2049", four));
  assert.equal(checkValue("memMiB", "300", four), undefined); // between slider stops is fine
  assert.equal(checkValue("cpus", "4", four), undefined);
  assert.ok(checkValue("cpus", "5", four));
  assert.ok(checkValue("cpus", "0", four));
  assert.equal(checkValue("speed", "5", four), undefined);
  assert.ok(checkValue("speed", "4", four));
  assert.ok(checkValue("speed", "101", four));
  assert.ok(checkValue("speed", 50.5, four));
});

test("a stored value that no longer fits (fewer cores here) is refused", () => {
  const r = resolveSettings("", serializeSettings({ cpus: 8, memMiB: 512, speed: 100 }), limitsFor(2));
  assert.deepEqual(r.settings, { cpus: 1, memMiB: 512, speed: 100 });
  assert.match(r.notes[0], /^Saved cpus=8 ignored: vCPUs must be a whole number from 1 to 2/);
});

test("unreadable stored settings give the defaults and a note", () => {
  for (const junk of ["{", "null", "[1,2]", "42", "\"x\""]) {
    const r = resolveSettings("", junk, four);
    assert.deepEqual(r.settings, DEFAULTS, junk);
    assert.match(r.notes[0], /saved settings could not be read/, junk);
  }
});

test("the address keeps the parameters it had, with the current values", () => {
  const s = { cpus: 2, memMiB: 1024, speed: 75 };
  assert.equal(updateSearch("", s), "");
  assert.equal(updateSearch("?mem=512", s), "?mem=1024");
  assert.equal(updateSearch("?cpus=1&speed=10&x=y", s), "?cpus=2&speed=75&x=y");
});

test("the RAM slider moves over stops; values between stops show at the nearest", () => {
  assert.equal(MEM_STOPS_MIB[0], 64);
  assert.equal(MEM_STOPS_MIB[MEM_STOPS_MIB.length - 1], 2048);
  MEM_STOPS_MIB.forEach((m, i) => { assert.equal(memStopIndex(m), i); assert.equal(memAtStop(i), m); });
  assert.equal(memAtStop(memStopIndex(300)), 256);
  assert.equal(memAtStop(-3), 64);
  assert.equal(memAtStop(99), 2048);
  assert.equal(formatMem(512), "512 MiB");
  assert.equal(formatMem(2048), "2 GiB");
  assert.equal(formatMem(1536), "1.5 GiB");
});

test("vCPUs and RAM need a reboot; the speed cap does not", () => {
  const a = { cpus: 1, memMiB: 256, speed: 100 };
  assert.equal(needsReboot(a, { ...a, speed: 20 }), false);
  assert.equal(needsReboot(a, { ...a, cpus: 2 }), true);
  assert.equal(needsReboot(a, { ...a, memMiB: 512 }), true);
});
