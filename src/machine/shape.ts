// Checking a machine's shape (vCPUs, guest RAM) against the limits in
// wasm-core/limits.ts, with one wording for the CLI, the page and the
// controller: each returns why a value is refused, or undefined.
import { MIN_HARTS, MAX_HARTS, MIN_RAM_MIB, MAX_RAM_MIB } from "../../wasm-core/limits.js";

export { MIN_HARTS, MAX_HARTS, MIN_RAM_MIB, MAX_RAM_MIB };

// A whole number from a number or a string of digits, else NaN.
export function wholeNumber(value: unknown): number {
  if (typeof value === "number") return Number.isInteger(value) ? value : NaN;
  if (typeof value === "string" && /^\s*\d+\s*$/.test(value)) return Number(value);
  return NaN;
}

// `max` may be lower than MAX_HARTS (the page offers no more vCPUs than the
// host has cores); `why` then says so.
export function checkHarts(value: unknown, max = MAX_HARTS, why = ""): string | undefined {
  const n = wholeNumber(value);
  if (Number.isInteger(n) && n >= MIN_HARTS && n <= Math.min(max, MAX_HARTS)) return undefined;
  return `vCPUs must be a whole number from ${MIN_HARTS} to ${Math.min(max, MAX_HARTS)}${why}`;
}

export function checkRamMiB(value: unknown): string | undefined {
  const n = wholeNumber(value);
  if (Number.isInteger(n) && n >= MIN_RAM_MIB && n <= MAX_RAM_MIB) return undefined;
  return `RAM must be a whole number of MiB from ${MIN_RAM_MIB} to ${MAX_RAM_MIB}`;
}
