// The machine's shape as the user chooses it: vCPUs, guest RAM and the CPU
// speed cap. Values come from the URL (?cpus=2&mem=512&speed=50), from
// localStorage, or the defaults; the URL wins over what was stored, and an
// invalid value is refused with a note the page shows, never used.
// Pure logic (no DOM), so Node's unit tests run it.

export interface Settings {
  cpus: number;     // vCPUs (harts)
  memMiB: number;   // guest RAM in MiB
  speed: number;    // CPU speed cap in percent of full speed
}

export interface Limits {
  maxCpus: number;  // 1 .. min(8, the host's logical cores)
}

import { checkHarts, checkRamMiB, MAX_HARTS, MIN_RAM_MIB, MAX_RAM_MIB } from "../machine/shape.js";
import { DEFAULT_RAM_MIB } from "../../wasm-core/limits.js";

export const MAX_VCPUS = MAX_HARTS;
export const MIN_MEM_MIB = MIN_RAM_MIB;
export const MAX_MEM_MIB = MAX_RAM_MIB;
export const MIN_SPEED = 5;
export const SPEED_STEP = 5;
export const DEFAULTS: Settings = { cpus: 1, memMiB: DEFAULT_RAM_MIB, speed: 100 };
export const STORAGE_KEY = "rvplay.settings";

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
const NAMES: Record<Key, string> = { cpus: "cpus", memMiB: "mem", speed: "speed" };

// Why `raw` is not a valid value for `key`, or undefined if it is.
export function checkValue(key: Key, value: unknown, limits: Limits): string | undefined {
  const n = typeof value === "number" ? value : typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
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
  }
}

export interface Resolved {
  settings: Settings;
  notes: string[];                            // shown to the user: what was refused and why
  fromUrl: Partial<Record<Key, boolean>>;     // which values the URL gave
}

// Settings from the URL's query string, the stored JSON (or null) and the defaults.
export function resolveSettings(search: string, stored: string | null, limits: Limits): Resolved {
  const settings = defaultsFor(limits);
  const notes: string[] = [];
  const fromUrl: Partial<Record<Key, boolean>> = {};
  const keys = Object.keys(NAMES) as Key[];

  if (stored !== null) {
    let saved: unknown;
    try { saved = JSON.parse(stored); } catch { saved = undefined; }
    if (typeof saved !== "object" || saved === null || Array.isArray(saved)) {
      notes.push("The saved settings could not be read; using the defaults.");
    } else {
      for (const key of keys) {
        const v = (saved as Record<string, unknown>)[key];
        if (v === undefined) continue;
        const why = checkValue(key, v, limits);
        if (why) notes.push(`Saved ${NAMES[key]}=${JSON.stringify(v)} ignored: ${why}; using ${settings[key]}.`);
        else settings[key] = Number(v);
      }
    }
  }

  const params = new URLSearchParams(search);
  for (const key of keys) {
    const raw = params.get(NAMES[key]);
    if (raw === null) continue;
    const why = checkValue(key, raw, limits);
    if (why) {
      notes.push(`URL ${NAMES[key]}=${JSON.stringify(raw)} ignored: ${why}; using ${settings[key]}.`);
    } else {
      settings[key] = Number(raw);
      fromUrl[key] = true;
    }
  }
  return { settings, notes, fromUrl };
}

export function serializeSettings(s: Settings): string {
  return JSON.stringify({ cpus: s.cpus, memMiB: s.memMiB, speed: s.speed });
}

// The query string after applying `s`: parameters the URL already had are
// rewritten to the current values (so a reload keeps what the user chose),
// others are left out to keep the address clean; unrelated ones stay.
export function updateSearch(search: string, s: Settings): string {
  const params = new URLSearchParams(search);
  for (const key of Object.keys(NAMES) as Key[]) {
    if (params.has(NAMES[key])) params.set(NAMES[key], String(s[key]));
  }
  const q = params.toString();
  return q ? `?${q}` : "";
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

// A change of vCPUs or RAM needs a reboot; the speed cap applies live.
export function needsReboot(running: Settings, chosen: Settings): boolean {
  return running.cpus !== chosen.cpus || running.memMiB !== chosen.memMiB;
}
