// The Network panel's settings: URL over storage over defaults, bad values
// refused with a note, the address bar keeping other parameters, what needs
// a reboot, the device the worker builds, and a fuzz run.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  defaultRelayUrl, formatNetSearch, fuzzNetSettings, netDeviceSpec, netNeedsReboot, NET_DEFAULTS, resolveNetSettings,
  serializeNetSettings, type NetSettings,
} from "../../src/ui/net-settings.js";
import { formatSearch, DEFAULTS } from "../../src/ui/settings.js";

test("defaults, then storage, then the URL", () => {
  assert.deepEqual(resolveNetSettings("", null), { settings: NET_DEFAULTS, notes: [] });
  const stored = serializeNetSettings({ mode: "lan", cable: false, lan: "room-2", relay: "wss://relay.example/wisp/" });
  assert.deepEqual(resolveNetSettings("", stored).settings, { mode: "lan", cable: false, lan: "room-2", relay: "wss://relay.example/wisp/" });
  const r = resolveNetSettings("?net=internet&cable=1&lan=x.y_z&relay=ws%3A%2F%2F10.1.1.1%3A8080%2Fwisp%2F", stored);
  assert.deepEqual(r.settings, { mode: "internet", cable: true, lan: "x.y_z", relay: "ws://10.1.1.1:8080/wisp/" });
  assert.deepEqual(r.notes, []);
});

test("bad values are refused with a note and never used", () => {
  const r = resolveNetSettings("?net=tap&cable=maybe&lan=has%20space&relay=https%3A%2F%2Fx%2F", "{\"mode\":3}");
  assert.deepEqual(r.settings, NET_DEFAULTS);
  assert.equal(r.notes.length, 5, r.notes.join("\n"));
  assert.match(r.notes.join("\n"), /net="tap" ignored: the network is internet, lan or none/);
  assert.match(r.notes.join("\n"), /relay="https:\/\/x\/" ignored: the relay URL must start with ws:\/\/ or wss:\/\//);
  assert.match(resolveNetSettings("", "not json").notes[0], /could not be read/);
  assert.match(resolveNetSettings(`?lan=${"a".repeat(41)}`, null).notes[0], /1 to 40/);
});

test("the address bar: our parameters only where they differ from the defaults, the others kept", () => {
  const s: NetSettings = { mode: "lan", cable: false, lan: "class", relay: "" };
  const q = formatNetSearch("?cpus=2&net=none&kernel=http%3A%2F%2Fk", s);
  const p = new URLSearchParams(q);
  assert.equal(p.get("cpus"), "2");
  assert.equal(p.get("kernel"), "http://k");
  assert.equal(p.get("net"), "lan");
  assert.equal(p.get("lan"), "class");
  assert.equal(p.get("cable"), "0");
  assert.equal(p.get("relay"), null);
  assert.equal(formatNetSearch("?net=lan&lan=x&cable=0", NET_DEFAULTS), "");
  // The machine settings' formatter keeps ours (and the other way round).
  const both = formatSearch(q, { ...DEFAULTS, cpus: 2 });
  assert.equal(new URLSearchParams(both).get("net"), "lan");
  assert.deepEqual(resolveNetSettings(both, null).settings, s);
});

test("what needs a reboot, the relay's default and the device the worker builds", () => {
  const base: NetSettings = { ...NET_DEFAULTS };
  assert.equal(netNeedsReboot(base, { ...base, cable: false }), false, "the cable is live");
  assert.equal(netNeedsReboot(base, { ...base, mode: "lan" }), true);
  assert.equal(netNeedsReboot(base, { ...base, relay: "wss://r/wisp/" }), true);
  assert.equal(netNeedsReboot(base, { ...base, lan: "other" }), false, "the LAN's name matters only on a LAN");
  assert.equal(defaultRelayUrl("https://example.org/app/?x=1"), "wss://example.org/wisp/");
  assert.equal(defaultRelayUrl("http://127.0.0.1:5173/"), "ws://127.0.0.1:5173/wisp/");
  assert.deepEqual(netDeviceSpec(base, "http://h:1/"), { kind: "net", net: { type: "user", relayUrl: "ws://h:1/wisp/" }, linkUp: true });
  assert.deepEqual(netDeviceSpec({ ...base, mode: "lan", lan: "l", cable: false }, "http://h/"), { kind: "net", net: { type: "lan", name: "l" }, linkUp: false });
  assert.equal(netDeviceSpec({ ...base, mode: "none" }, "http://h/"), undefined);
});

test("fuzz (fixed seed): any bytes as URL and storage never throw and give valid settings", () => {
  let seed = 99;
  const rnd = () => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return seed >>> 0; };
  const pieces = ["?", "&", "net=", "lan=", "cable=", "relay=", "ws://", "%", "{", "}", "\"mode\":", "\"lan\"", ":", "1", "0", "x", "\u00ff"];
  for (let i = 0; i < 2000; i++) {
    const text = Array.from({ length: rnd() % 12 }, () => pieces[rnd() % pieces.length]).join("");
    const r = fuzzNetSettings(new TextEncoder().encode(text));
    assert.ok(["internet", "lan", "none"].includes(r.settings.mode));
    assert.match(r.settings.lan, /^[A-Za-z0-9._-]{1,40}$/);
  }
});
