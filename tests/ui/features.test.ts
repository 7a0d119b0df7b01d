// What the page says when the browser lacks something.
import { test } from "node:test";
import assert from "node:assert/strict";
import { missingFeature } from "../../src/ui/features.js";

const full = () => ({
  WebAssembly, SharedArrayBuffer, Atomics, crossOriginIsolated: true, isSecureContext: true,
  Worker: function Worker() {}, DecompressionStream,
}) as Record<string, unknown>;

test("everything there: nothing missing", () => {
  assert.equal(missingFeature(full()), undefined);
});

test("no WebAssembly", () => {
  assert.match(missingFeature({ ...full(), WebAssembly: undefined })!.what, /does not run WebAssembly/);
});

test("not cross-origin isolated: says why and what to do, by context", () => {
  const insecure = missingFeature({ ...full(), crossOriginIsolated: false, isSecureContext: false })!;
  assert.match(insecure.what, /not cross-origin isolated/);
  assert.match(insecure.todo, /HTTPS/);
  const blocked = missingFeature({ ...full(), crossOriginIsolated: false })!;
  assert.match(blocked.todo, /Reload the page once.*service workers may be blocked/);
  assert.match(missingFeature({ ...full(), SharedArrayBuffer: undefined })!.what, /SharedArrayBuffer/);
});

test("no WebAssembly threads", () => {
  const w = { ...WebAssembly, validate: () => false } as unknown as typeof WebAssembly;
  assert.match(missingFeature({ ...full(), WebAssembly: w })!.what, /no threads/);
});

test("no Atomics.waitAsync, no workers", () => {
  assert.match(missingFeature({ ...full(), Atomics: {} })!.what, /Atomics\.waitAsync/);
  assert.match(missingFeature({ ...full(), Worker: undefined })!.what, /Web Workers/);
});
