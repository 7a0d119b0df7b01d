// What the browser must offer, and what to tell the user when it does not.
// The checks take the global object as a parameter so that unit tests can
// hand them a fake one.

export interface Lack { what: string; todo: string }

// A tiny module with a shared memory and an atomic load: validates only
// where WebAssembly threads are supported.
const THREADS_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,             // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,                   // type: () -> i32
  0x03, 0x02, 0x01, 0x00,                                     // func 0 of type 0
  0x05, 0x04, 0x01, 0x03, 0x01, 0x01,                         // memory: shared, min 1, max 1
  0x0a, 0x0a, 0x01, 0x08, 0x00, 0x41, 0x00, 0xfe, 0x10, 0x02, 0x00, 0x0b, // i32.const 0; i32.atomic.load; end
]);

const BROWSERS = "a current version of Chrome, Edge, Firefox or Safari";

// The first thing missing, or undefined when everything is there.
// `g` is globalThis (window on the page).
export function missingFeature(g: Record<string, unknown>): Lack | undefined {
  const wasm = g.WebAssembly as typeof WebAssembly | undefined;
  if (!wasm) {
    return { what: "This browser does not run WebAssembly (or it is turned off).", todo: `Open the page in ${BROWSERS}, with WebAssembly enabled.` };
  }
  if (typeof g.SharedArrayBuffer !== "function" || g.crossOriginIsolated !== true) {
    return {
      what: "This page is not cross-origin isolated, so the browser withholds shared memory (SharedArrayBuffer), which the emulator's threads need.",
      todo: g.isSecureContext === false
        ? "Open it over HTTPS (or from localhost): there its service worker can turn isolation on. If you host it, you can instead send the headers 'Cross-Origin-Opener-Policy: same-origin' and 'Cross-Origin-Embedder-Policy: require-corp'."
        : "Reload the page once. If this message stays: service workers may be blocked (private windows, some privacy settings) — allow them for this site, or serve the page with the headers 'Cross-Origin-Opener-Policy: same-origin' and 'Cross-Origin-Embedder-Policy: require-corp' (npm start and npm run preview do).",
    };
  }
  let threads = false;
  try {
    threads = wasm.validate(THREADS_PROBE) &&
      new wasm.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof (g.SharedArrayBuffer as SharedArrayBufferConstructor);
  } catch { threads = false; }
  if (!threads) {
    return { what: "This browser's WebAssembly has no threads (shared memory and atomics).", todo: `Open the page in ${BROWSERS}.` };
  }
  const atomics = g.Atomics as { waitAsync?: unknown } | undefined;
  if (typeof atomics?.waitAsync !== "function") {
    return { what: "This browser lacks Atomics.waitAsync, which the machine's controller waits with.", todo: `Update the browser, or open the page in ${BROWSERS}.` };
  }
  if (typeof g.Worker !== "function" || typeof g.DecompressionStream !== "function") {
    return { what: "This browser lacks Web Workers or DecompressionStream.", todo: `Open the page in ${BROWSERS}.` };
  }
  return undefined;
}
