// The Network panel's settings: what the machine's network card is plugged
// into (the Internet through a Wisp relay, a LAN between the tabs of this
// site, or no card at all), whether the cable is in, the LAN's name and the
// relay's URL. Like settings.ts (which this mirrors, kept apart so that each
// panel owns its parameters): values come from the URL
// (?net=lan&lan=class1&cable=0&relay=wss://...), else localStorage, else the
// defaults; an invalid value is refused with a note, never used. Pure logic
// (no DOM), so Node's unit tests run it.
import type { DeviceSpec } from "../devices/specs.js";

export type NetMode = "internet" | "lan" | "none";

export interface NetSettings {
  mode: NetMode;
  cable: boolean;   // the cable is in (the guest sees its link up); applies at once
  lan: string;      // the LAN's name (tabs that use the same name see each other)
  relay: string;    // the Wisp relay's URL; "" = this site's own (/wisp/)
}

export const NET_DEFAULTS: NetSettings = { mode: "internet", cable: true, lan: "lan1", relay: "" };
export const NET_STORAGE_KEY = "rvplay.network";
export const NET_MODES: readonly NetMode[] = ["internet", "lan", "none"];
export const MAX_RELAY_URL = 2000;
const LAN_NAME = /^[A-Za-z0-9._-]{1,40}$/;

type Key = keyof NetSettings;
const PARAMS: Record<Key, string> = { mode: "net", cable: "cable", lan: "lan", relay: "relay" };
const KEYS = Object.keys(PARAMS) as Key[];

/** This site's relay: the page's origin, ws: or wss:, path /wisp/. */
export function defaultRelayUrl(pageUrl: string): string {
  const u = new URL(pageUrl);
  return `${u.protocol === "https:" ? "wss:" : "ws:"}//${u.host}/wisp/`;
}

/** The relay the machine uses. */
export function relayUrlOf(s: NetSettings, pageUrl: string): string {
  return s.relay || defaultRelayUrl(pageUrl);
}

export function checkRelayUrl(raw: string): string | undefined {
  if (raw.length > MAX_RELAY_URL) return `the relay URL is limited to ${MAX_RELAY_URL} characters`;
  let u: URL;
  try { u = new URL(raw); } catch { return "the relay URL is not a URL"; }
  if (u.protocol !== "ws:" && u.protocol !== "wss:") return `the relay URL must start with ws:// or wss:// (it is ${u.protocol})`;
  return undefined;
}

export function checkLanName(raw: string): string | undefined {
  return LAN_NAME.test(raw) ? undefined : "a LAN name is 1 to 40 letters, digits, '.', '_' or '-'";
}

function toBool(v: unknown): boolean | undefined {
  if (v === true || v === 1 || v === "1" || v === "on" || v === "true") return true;
  if (v === false || v === 0 || v === "0" || v === "off" || v === "false") return false;
  return undefined;
}

// The value for `key`, or why `v` is not one.
function check(key: Key, v: unknown): { value: NetSettings[Key] } | { why: string } {
  switch (key) {
    case "mode": return NET_MODES.includes(v as NetMode) ? { value: v as NetMode } : { why: "the network is internet, lan or none" };
    case "cable": { const b = toBool(v); return b === undefined ? { why: "the cable is 1 (in) or 0 (out)" } : { value: b }; }
    case "lan": { if (typeof v !== "string") return { why: "not text" }; const why = checkLanName(v); return why ? { why } : { value: v }; }
    case "relay": {
      if (typeof v !== "string") return { why: "not text" };
      if (v === "") return { value: "" };
      const why = checkRelayUrl(v);
      return why ? { why } : { value: v };
    }
  }
}

const show = (key: Key, v: NetSettings[Key]): string => key === "cable" ? (v ? "1" : "0") : String(v);

export interface NetResolved { settings: NetSettings; notes: string[] }

export function resolveNetSettings(search: string, stored: string | null): NetResolved {
  const settings: NetSettings = { ...NET_DEFAULTS };
  const notes: string[] = [];
  const set = (key: Key, value: NetSettings[Key]) => { (settings as unknown as Record<Key, unknown>)[key] = value; };
  if (stored !== null) {
    let saved: unknown;
    try { saved = JSON.parse(stored); } catch { saved = undefined; }
    if (typeof saved !== "object" || saved === null || Array.isArray(saved)) {
      notes.push("The saved network settings could not be read; using the defaults.");
    } else {
      for (const key of KEYS) {
        const v = (saved as Record<string, unknown>)[key];
        if (v === undefined) continue;
        const r = check(key, v);
        if ("why" in r) notes.push(`Saved network ${PARAMS[key]}=${JSON.stringify(v).slice(0, 80)} ignored: ${r.why}.`);
        else set(key, r.value);
      }
    }
  }
  const params = new URLSearchParams(search);
  for (const key of KEYS) {
    const raw = params.get(PARAMS[key]);
    if (raw === null) continue;
    const r = check(key, raw);
    if ("why" in r) notes.push(`URL ${PARAMS[key]}=${JSON.stringify(raw.slice(0, 80))} ignored: ${r.why}; using ${show(key, settings[key]) || "this site's relay"}.`);
    else set(key, r.value);
  }
  return { settings, notes };
}

export function serializeNetSettings(s: NetSettings): string {
  return JSON.stringify({ mode: s.mode, cable: s.cable, lan: s.lan, relay: s.relay });
}

// The query string with our parameters set from `s` (left out where they
// are the defaults); other parameters stay where they were.
export function formatNetSearch(search: string, s: NetSettings): string {
  const params = new URLSearchParams(search);
  for (const key of KEYS) {
    if (s[key] === NET_DEFAULTS[key]) params.delete(PARAMS[key]);
    else params.set(PARAMS[key], show(key, s[key]));
  }
  const q = params.toString();
  return q ? `?${q}` : "";
}

/** Does changing from `a` to `b` need a reboot (everything but the cable does)? */
export function netNeedsReboot(a: NetSettings, b: NetSettings): boolean {
  return a.mode !== b.mode || (b.mode === "lan" && a.lan !== b.lan) || (b.mode === "internet" && a.relay !== b.relay);
}

/** The network card the machine worker builds, or none. */
export function netDeviceSpec(s: NetSettings, pageUrl: string): DeviceSpec | undefined {
  if (s.mode === "none") return undefined;
  const net = s.mode === "lan" ? { type: "lan" as const, name: s.lan } : { type: "user" as const, relayUrl: relayUrlOf(s, pageUrl) };
  return { kind: "net", net, linkUp: s.cable };
}

/** For a fuzzer: any bytes as the query string and the stored JSON; never throws. */
export function fuzzNetSettings(bytes: Uint8Array): NetResolved {
  const text = new TextDecoder().decode(bytes);
  const r = resolveNetSettings(text, text);
  formatNetSearch(text, r.settings);
  return r;
}
