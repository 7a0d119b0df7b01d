// The service's checks of a manifest, as a unit, also under random and mutated input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseManifest, type ManifestLimits } from "../../server/manifest.js";
import { HttpError } from "../../server/http-error.js";
import { randomBytesSeeded, sha256 } from "./harness.js";

const LIMITS: ManifestLimits = { blobBytes: 1000, snapshotBytes: 2500, manifestBlobs: 4 };
const enc = (x: unknown) => new TextEncoder().encode(typeof x === "string" ? x : JSON.stringify(x));
const H = (i: number) => sha256(new Uint8Array([i]));

function code(f: () => unknown): string {
  try { f(); } catch (e) { assert.ok(e instanceof HttpError, `not an HttpError: ${e}`); return e.code; }
  assert.fail("no error");
}

test("parseManifest: a good manifest, with fields of the client's own", () => {
  const m = parseManifest(enc({ format: "rvplay-snapshot", version: 3, blobs: [{ hash: H(1), size: 10 }, { hash: H(2), size: 0 }], cpu: {} }), LIMITS);
  assert.deepEqual(m, { version: 3, blobs: [{ hash: H(1), size: 10 }, { hash: H(2), size: 0 }], totalBytes: 10 });
});

test("parseManifest: each bad input has its own clear error", () => {
  const base = { format: "rvplay-snapshot", version: 1, blobs: [] as unknown[] };
  const cases: [unknown, string, RegExp][] = [
    [new Uint8Array([0x7b, 0xff, 0x7d]), "bad_json", /UTF-8/],
    ["{", "bad_json", /not JSON/],
    ["", "bad_json", /not JSON/],
    ["[]", "bad_manifest", /object/],
    ["null", "bad_manifest", /object/],
    [{ ...base, format: "rvplay" }, "bad_manifest", /format/],
    [{ version: 1, blobs: [] }, "bad_manifest", /format/],
    [{ ...base, version: 1.5 }, "bad_manifest", /version/],
    [{ ...base, version: "1" }, "bad_manifest", /version/],
    [{ ...base, version: 0 }, "bad_manifest", /version/],
    [{ ...base, blobs: {} }, "bad_manifest", /blobs/],
    [{ ...base, blobs: [null] }, "bad_manifest", /blobs\[0\]/],
    [{ ...base, blobs: [{ hash: H(1).toUpperCase(), size: 1 }] }, "bad_manifest", /hash/],
    [{ ...base, blobs: [{ hash: H(1).slice(1), size: 1 }] }, "bad_manifest", /hash/],
    [{ ...base, blobs: [{ hash: H(1), size: -1 }] }, "bad_manifest", /size/],
    [{ ...base, blobs: [{ hash: H(1), size: 1e300 }] }, "bad_manifest", /size/],
    [{ ...base, blobs: [{ hash: H(1), size: "1" }] }, "bad_manifest", /size/],
    [{ ...base, blobs: [{ hash: H(1), size: 1001 }] }, "bad_manifest", /blob limit/],
    [{ ...base, blobs: [{ hash: H(1), size: 1 }, { hash: H(1), size: 1 }] }, "bad_manifest", /twice/],
    [{ ...base, blobs: [1, 2, 3, 4, 5].map((i) => ({ hash: H(i), size: 1 })) }, "too_large", /limit is 4/],
    [{ ...base, blobs: [1, 2, 3].map((i) => ({ hash: H(i), size: 1000 })) }, "too_large", /limit is 2500/],
  ];
  for (const [input, want, msg] of cases) {
    const bytes = input instanceof Uint8Array ? input : enc(input);
    try {
      parseManifest(bytes, LIMITS);
      assert.fail(`accepted ${JSON.stringify(input)}`);
    } catch (e) {
      assert.ok(e instanceof HttpError, String(e));
      assert.equal(e.code, want, JSON.stringify(input));
      assert.match(e.message, msg);
    }
  }
});

test("parseManifest under random and mutated bytes throws only HttpError", () => {
  const good = enc({ format: "rvplay-snapshot", version: 1, blobs: [{ hash: H(1), size: 10 }, { hash: H(2), size: 20 }] });
  let accepted = 0;
  for (let i = 0; i < 3000; i++) {
    const r = randomBytesSeeded(8, i + 1);
    let bytes: Uint8Array;
    if (i % 3 === 0) bytes = randomBytesSeeded(r[0], i + 7);
    else {
      bytes = good.slice();
      for (let k = 0; k < 1 + (r[1] & 3); k++) {
        const at = ((r[2 + k] << 8) | r[3 + k]) % bytes.length;
        bytes[at] = i % 3 === 1 ? r[6] : "{}[]\",:0123456789e-.a \\".charCodeAt(r[7] % 24);
      }
      if (r[5] & 1) bytes = bytes.subarray(0, r[4] % bytes.length);
    }
    try { parseManifest(bytes, LIMITS); accepted++; } catch (e) {
      assert.ok(e instanceof HttpError, `input ${Buffer.from(bytes).toString("hex")}: ${e}`);
      assert.ok(e.status >= 400 && e.status < 500);
    }
  }
  assert.ok(accepted > 0 && accepted < 3000, `accepted ${accepted}: the mutations do reach both outcomes`);
});

