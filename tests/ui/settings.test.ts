// Slider state and the settings' sources: URL, localStorage, defaults.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type Settings,
  DEFAULTS, MEM_STOPS_MIB, checkValue, formatMem, limitsFor, memAtStop, memStopIndex, needsReboot,
  resolveSettings, serializeSettings, formatSearch, fuzzSettings, checkFileUrl, checkAppend, MAX_APPEND,
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
  assert.deepEqual(r.settings, { ...DEFAULTS, cpus: 2, memMiB: 512, speed: 50 });
  assert.deepEqual(r.fromUrl, { cpus: true, memMiB: true, speed: true });
  assert.deepEqual(r.notes, []);
});

test("stored values are used, and the URL wins over them", () => {
  const stored = serializeSettings({ cpus: 3, memMiB: 1024, speed: 40, log: true, jit: true, font: 18 });
  assert.deepEqual(resolveSettings("", stored, four).settings, { cpus: 3, memMiB: 1024, speed: 40, log: true, jit: true, font: 18 });
  assert.deepEqual(resolveSettings("?mem=128&log=0", stored, four).settings, { cpus: 3, memMiB: 128, speed: 40, log: false, jit: true, font: 18 });
});

test("invalid URL values are refused with a note and fall back (to stored, else default)", () => {
  const r = resolveSettings("?cpus=99&mem=lots&speed=0", null, four);
  assert.deepEqual(r.settings, DEFAULTS);
  assert.equal(r.notes.length, 3);
  assert.match(r.notes[0], /^URL cpus="99" ignored: vCPUs must be a whole number from 1 to 4 \(this computer has 4 logical cores\); using 1\.$/);
  assert.match(r.notes[1], /^URL mem="lots" ignored: RAM must be a whole number of MiB from 64 to 2048; using 256\.$/);
  assert.match(r.notes[2], /^URL speed="0" ignored/);
  const withStored = resolveSettings("?mem=4096", serializeSettings({ ...DEFAULTS, memMiB: 768 }), four);
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
  const r = resolveSettings("", serializeSettings({ ...DEFAULTS, cpus: 8, memMiB: 512 }), limitsFor(2));
  assert.deepEqual(r.settings, { ...DEFAULTS, cpus: 1, memMiB: 512 });
  assert.match(r.notes[0], /^Saved cpus=8 ignored: vCPUs must be a whole number from 1 to 2/);
});

test("unreadable stored settings give the defaults and a note", () => {
  for (const junk of ["{", "null", "[1,2]", "42", "\"x\""]) {
    const r = resolveSettings("", junk, four);
    assert.deepEqual(r.settings, DEFAULTS, junk);
    assert.match(r.notes[0], /saved settings could not be read/, junk);
  }
});

test("the address carries what differs from the defaults, ours first, others kept", () => {
  assert.equal(formatSearch("", DEFAULTS), "");
  assert.equal(formatSearch("?mem=512", DEFAULTS), "");
  const s = { cpus: 2, memMiB: 1024, speed: 75, log: true, jit: false, font: 16 };
  assert.equal(formatSearch("", s), "?cpus=2&mem=1024&speed=75&log=1&jit=0&font=16");
  assert.equal(formatSearch("?x=y&speed=10", { ...DEFAULTS, speed: 50 }), "?speed=50&x=y");
  // What is formatted parses back to the same settings.
  assert.deepEqual(resolveSettings(formatSearch("", s), null, four).settings, s);
  const link = { kernel: "https://example.org/Image.gz", append: "console=ttyS0 root=/dev/vda" };
  const q = formatSearch("?font=20", DEFAULTS, link);
  assert.equal(q, "?kernel=https%3A%2F%2Fexample.org%2FImage.gz&append=console%3DttyS0+root%3D%2Fdev%2Fvda");
  assert.deepEqual(resolveSettings(q, null, four).link, { ...link, initrd: undefined, firmware: undefined, disk: undefined });
});

test("log and font: parsed, checked, and refused with a note when malformed", () => {
  assert.equal(resolveSettings("?log=1", null, four).settings.log, true);
  assert.equal(resolveSettings("?log=true", null, four).settings.log, true);
  assert.equal(resolveSettings("?log=0", serializeSettings({ ...DEFAULTS, log: true }), four).settings.log, false);
  assert.equal(DEFAULTS.jit, true);
  assert.equal(resolveSettings("?jit=0", null, four).settings.jit, false);
  assert.equal(resolveSettings("?jit=1", serializeSettings({ ...DEFAULTS, jit: false }), four).settings.jit, true);
  assert.equal(resolveSettings("?jit=0", serializeSettings({ ...DEFAULTS, jit: true }), four).settings.jit, false);
  assert.equal(formatSearch("", { ...DEFAULTS, jit: false }), "?jit=0");
  assert.match(resolveSettings("?jit=fast", null, four).notes.join(" "), /URL jit="fast" ignored: the JIT setting is 1 \(on\) or 0 \(off\)/);
  assert.equal(resolveSettings("?font=20", null, four).settings.font, 20);
  for (const q of ["?log=yes", "?log=", "?font=9", "?font=25", "?font=14.5", "?font=big"]) {
    const r = resolveSettings(q, null, four);
    assert.deepEqual(r.settings, DEFAULTS, q);
    assert.equal(r.notes.length, 1, q);
    assert.match(r.notes[0], /ignored: the (boot log setting|font size)/, q);
  }
  const stored = resolveSettings("", JSON.stringify({ log: "maybe", font: 3 }), four);
  assert.deepEqual(stored.settings, DEFAULTS);
  assert.equal(stored.notes.length, 2);
});

test("a link names boot files by URL; bad ones are refused with a note", () => {
  const base = "https://play.example/rv/";
  const r = resolveSettings("?kernel=files/Image&initrd=https://cdn.example/initrd.gz&append=console%3DttyS0", null, four, base);
  assert.deepEqual(r.notes, []);
  assert.equal(r.link?.kernel, "files/Image");
  assert.equal(r.link?.initrd, "https://cdn.example/initrd.gz");
  assert.equal(r.link?.append, "console=ttyS0");
  const noKernel = resolveSettings("?initrd=https://x.example/i", null, four, base);
  assert.equal(noKernel.link, undefined);
  assert.match(noKernel.notes[0], /needs kernel=<url>; booting the sample/);
  const js = resolveSettings("?kernel=javascript:alert(1)", null, four, base);
  assert.equal(js.link, undefined);
  assert.match(js.notes[0], /only http and https URLs/);
  const badDisk = resolveSettings("?kernel=https://x.example/k&disk=ftp://x.example/d", null, four, base);
  assert.equal(badDisk.link?.kernel, "https://x.example/k");
  assert.equal(badDisk.link?.disk, undefined);
  assert.equal(badDisk.notes.length, 2);
  assert.equal(checkFileUrl("http://[::1", base), "not a URL");
  assert.equal(checkAppend("console=ttyS0 quiet"), undefined);
  assert.match(checkAppend("x".repeat(MAX_APPEND + 1))!, /limited to 1023/);
  assert.match(checkAppend("a\u0000b")!, /printable ASCII/);
});

test("any bytes as URL and stored settings: notes, never an exception", () => {
  let seed = 0x1234567;
  const rand = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed >>> 16; };
  const alphabet = "?&=%+{}[]\":,0123456789-.abcdkernlogfontmemcpusspeedhttps:/\u0000\u00ff";
  for (let i = 0; i < 2000; i++) {
    const n = rand() % 60;
    const text = Array.from({ length: n }, () => alphabet[rand() % alphabet.length]).join("");
    const bytes = i % 2 ? new TextEncoder().encode(text) : Uint8Array.from({ length: n }, () => rand() & 0xff);
    const r = fuzzSettings(bytes);
    assert.equal(typeof r.settings.cpus, "number");
  }
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
  const a: Settings = DEFAULTS;
  const live: Settings = { ...a, speed: 20, log: true, font: 20 };
  assert.equal(needsReboot(a, live), false);
  assert.equal(needsReboot(a, { ...a, cpus: 2 }), true);
  assert.equal(needsReboot(a, { ...a, memMiB: 512 }), true);
});
