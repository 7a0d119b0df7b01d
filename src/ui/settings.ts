// The playground's settings: the machine's shape (vCPUs, guest RAM, CPU
// speed cap), the boot log toggle, the JIT toggle and the console's font size, plus the boot
// files a link may name. One place parses and formats them: values come from
// the URL (?cpus=2&mem=512&speed=50&log=1&jit=0&font=16&kernel=<url>...), from
// localStorage, or the defaults; the URL wins over what was stored, and an
// invalid value is refused with a note the page shows, never used (and never
// an exception). The address bar is rewritten from the same table, so it
// follows the machine. Pure logic (no DOM), so Node's unit tests run it.

export interface Settings {
  cpus: number;     // vCPUs (harts)
  memMiB: number;   // guest RAM in MiB
  speed: number;    // CPU speed cap in percent of full speed
  log: boolean;     // boot with the kernel's full log (no `quiet`)
  jit: boolean;     // translate hot guest code to WebAssembly (on by default; ?jit=0 turns it off)
  font: number;     // console font size in CSS px
}

export interface Limits {
  maxCpus: number;  // 1 .. min(8, the host's logical cores)
}

import { checkHarts, checkRamMiB, wholeNumber, MAX_HARTS, MIN_RAM_MIB, MAX_RAM_MIB } from "../machine/shape.js";
import { DEFAULT_RAM_MIB } from "../../wasm-core/limits.js";

// Boot files named by URL in a link (?kernel=<url>&initrd=<url>&...).
export interface BootLink {
  kernel: string;
  initrd?: string;
  firmware?: string;
  disk?: string;
  append?: string;  // the whole kernel command line
}

export const MAX_VCPUS = MAX_HARTS;
export const MIN_MEM_MIB = MIN_RAM_MIB;
export const MAX_MEM_MIB = MAX_RAM_MIB;
export const MIN_SPEED = 5;
export const SPEED_STEP = 5;
export const MIN_FONT = 10;
export const MAX_FONT = 24;
export const DEFAULTS: Settings = { cpus: 1, memMiB: DEFAULT_RAM_MIB, speed: 100, log: false, jit: true, font: 14 };
export const STORAGE_KEY = "rvplay.settings";
// Linux's COMMAND_LINE_SIZE on RISC-V is 1024 bytes, the NUL included.
export const MAX_APPEND = 1023;

// Where the RAM slider stops: roughly logarithmic, round numbers. A value
// between stops (e.g. ?mem=300) is allowed; the slider shows the nearest stop.
export const MEM_STOPS_MIB = [64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048] as const;

export function limitsFor(hardwareConcurrency: number | undefined): Limits {
  const cores = Number.isInteger(hardwareConcurrency) && hardwareConcurrency! > 0 ? hardwareConcurrency! : 1;
  return { maxCpus: Math.min(MAX_VCPUS, cores) };
}

export function defaultsFor(limits: Limits): Settings {
  return { ...DEFAULTS, cpus: Math.min(DEFAULTS.cpus, limits.maxCpus) };
}

type Key = keyof Settings;
// The URL parameter of each setting, in the order the address shows them.
const NAMES: Record<Key, string> = { cpus: "cpus", memMiB: "mem", speed: "speed", log: "log", jit: "jit", font: "font" };
const KEYS = Object.keys(NAMES) as Key[];
const LINK_KEYS = ["kernel", "initrd", "firmware", "disk", "append"] as const;

function toBool(value: unknown): boolean | undefined {
  if (value === true || value === 1 || value === "1" || value === "true" || value === "on") return true;
  if (value === false || value === 0 || value === "0" || value === "false" || value === "off") return false;
  return undefined;
}

// Why `value` is not valid for `key`, or undefined if it is.
export function checkValue(key: Key, value: unknown, limits: Limits): string | undefined {
  const n = wholeNumber(value);
  const ok = Number.isInteger(n);
  switch (key) {
    case "cpus":
      return checkHarts(value, limits.maxCpus,
        limits.maxCpus < MAX_VCPUS ? ` (this computer has ${limits.maxCpus} logical core${limits.maxCpus > 1 ? "s" : ""})` : "");
    case "memMiB":
      return checkRamMiB(value);
    case "speed":
      if (!ok || n < MIN_SPEED || n > 100) return `the speed cap must be a whole percentage from ${MIN_SPEED} to 100`;
      return undefined;
    case "log":
      return toBool(value) === undefined ? "the boot log setting is 1 (show) or 0 (quiet)" : undefined;
    case "jit":
      return toBool(value) === undefined ? "the JIT setting is 1 (on) or 0 (off)" : undefined;
    case "font":
      if (!ok || n < MIN_FONT || n > MAX_FONT) return `the font size must be a whole number of pixels from ${MIN_FONT} to ${MAX_FONT}`;
      return undefined;
  }
}

// The value of a checked input.
function valueOf(key: Key, value: unknown): number | boolean {
  return key === "log" || key === "jit" ? toBool(value)! : wholeNumber(value);
}

function show(key: Key, v: number | boolean): string {
  return key === "log" || key === "jit" ? (v ? "1" : "0") : String(v);
}

export interface Resolved {
  settings: Settings;
  notes: string[];                            // shown to the user: what was refused and why
  fromUrl: Partial<Record<Key, boolean>>;     // which values the URL gave
  link?: BootLink;                            // boot files the URL names
}

// Why a URL given for a boot file cannot be used, or undefined.
export function checkFileUrl(raw: string, base: string): string | undefined {
  let u: URL;
  try { u = new URL(raw, base); } catch { return "not a URL"; }
  if (u.protocol !== "https:" && u.protocol !== "http:") return `only http and https URLs can be fetched (this is ${u.protocol})`;
  return undefined;
}

// Why a kernel command line cannot be used, or undefined.
export function checkAppend(s: string): string | undefined {
  if (s.length > MAX_APPEND) return `the kernel command line is limited to ${MAX_APPEND} characters (it has ${s.length})`;
  // eslint-disable-next-line no-control-regex
  if (/[^\x20-\x7e]/.test(s)) return "the kernel command line must be printable ASCII";
  return undefined;
}

// Settings from the URL's query string, the stored JSON (or null) and the
// defaults; `base` resolves relative boot file URLs (the page's address).
export function resolveSettings(search: string, stored: string | null, limits: Limits, base = "http://localhost/"): Resolved {
  const settings = defaultsFor(limits);
  const notes: string[] = [];
  const fromUrl: Partial<Record<Key, boolean>> = {};
  const set = (key: Key, v: unknown) => { (settings as unknown as Record<Key, number | boolean>)[key] = valueOf(key, v); };

  if (stored !== null) {
    let saved: unknown;
    try { saved = JSON.parse(stored); } catch { saved = undefined; }
    if (typeof saved !== "object" || saved === null || Array.isArray(saved)) {
      notes.push("The saved settings could not be read; using the defaults.");
    } else {
      for (const key of KEYS) {
        const v = (saved as Record<string, unknown>)[key];
        if (v === undefined) continue;
        const why = checkValue(key, v, limits);
        if (why) notes.push(`Saved ${NAMES[key]}=${JSON.stringify(v)} ignored: ${why}; using ${show(key, settings[key])}.`);
        else set(key, v);
      }
    }
  }

  const params = new URLSearchParams(search);
  for (const key of KEYS) {
    const raw = params.get(NAMES[key]);
    if (raw === null) continue;
    const why = checkValue(key, raw, limits);
    if (why) {
      notes.push(`URL ${NAMES[key]}=${JSON.stringify(raw)} ignored: ${why}; using ${show(key, settings[key])}.`);
    } else {
      set(key, raw);
      fromUrl[key] = true;
    }
  }
  return { settings, notes, fromUrl, link: resolveLink(params, base, notes) };
}

function resolveLink(params: URLSearchParams, base: string, notes: string[]): BootLink | undefined {
  const got: Partial<Record<(typeof LINK_KEYS)[number], string>> = {};
  let bad = false;
  for (const key of LINK_KEYS) {
    const raw = params.get(key);
    if (raw === null) continue;
    const why = key === "append" ? checkAppend(raw) : checkFileUrl(raw, base);
    if (why) { notes.push(`URL ${key}=${JSON.stringify(raw.slice(0, 80))} ignored: ${why}.`); bad = true; continue; }
    got[key] = raw;
  }
  const named = LINK_KEYS.filter((k) => got[k] !== undefined);
  if (!got.kernel) {
    if (named.length) notes.push(`URL ${named.join(", ")} ignored: a link to your own boot files needs kernel=<url>; booting the sample.`);
    return undefined;
  }
  if (bad) notes.push("Booting the link's kernel without the parameters refused above.");
  return { kernel: got.kernel, initrd: got.initrd, firmware: got.firmware, disk: got.disk, append: got.append };
}

export function serializeSettings(s: Settings): string {
  return JSON.stringify({ cpus: s.cpus, memMiB: s.memMiB, speed: s.speed, log: s.log, jit: s.jit, font: s.font });
}

// The query string for `s` (and the boot files `link` names): each setting
// that differs from its default is written, the others left out to keep the
// address clean; parameters that are not ours stay, after ours.
export function formatSearch(search: string, s: Settings, link?: BootLink): string {
  const old = new URLSearchParams(search);
  const out = new URLSearchParams();
  for (const key of KEYS) {
    if (s[key] !== DEFAULTS[key]) out.set(NAMES[key], show(key, s[key]));
  }
  for (const key of LINK_KEYS) {
    const v = link?.[key];
    if (v !== undefined) out.set(key, v);
  }
  const ours = new Set<string>([...KEYS.map((k) => NAMES[k]), ...LINK_KEYS]);
  for (const [k, v] of old) if (!ours.has(k)) out.append(k, v);
  const q = out.toString();
  return q ? `?${q}` : "";
}

// For a fuzzer: any bytes as both the query string and the stored JSON. It
// must never throw (bad input becomes notes).
export function fuzzSettings(bytes: Uint8Array): Resolved {
  const text = new TextDecoder().decode(bytes);
  const r = resolveSettings(text, text, limitsFor(4));
  formatSearch(text, r.settings, r.link);
  return r;
}

// The RAM slider works on stop indices.
export function memStopIndex(memMiB: number): number {
  let best = 0;
  MEM_STOPS_MIB.forEach((m, i) => { if (Math.abs(m - memMiB) < Math.abs(MEM_STOPS_MIB[best] - memMiB)) best = i; });
  return best;
}
export function memAtStop(index: number): number {
  return MEM_STOPS_MIB[Math.max(0, Math.min(MEM_STOPS_MIB.length - 1, Math.round(index)))];
}

export function formatMem(memMiB: number): string {
  return memMiB >= 1024 && memMiB % 1024 === 0 ? `${memMiB / 1024} GiB` : memMiB >= 1024 ? `${(memMiB / 1024).toFixed(1)} GiB` : `${memMiB} MiB`;
}

// A change of vCPUs or RAM needs a reboot; the speed cap applies live; the
// boot log and JIT toggles apply from the next boot.
export function needsReboot(running: { cpus: number; memMiB: number }, chosen: { cpus: number; memMiB: number }): boolean {
  return running.cpus !== chosen.cpus || running.memMiB !== chosen.memMiB;
}
