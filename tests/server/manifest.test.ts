// The service's checks of a manifest, of its configuration and of its rate
// limiter, as units; the parsers also under random and mutated input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseManifest, type ManifestLimits } from "../../server/manifest.js";
import { HttpError } from "../../server/http-error.js";
import { ConfigError, defaultDataDir, helpText, OPTIONS, parseConfig, parseDuration, parseSize } from "../../server/config.js";
import { RateLimiter } from "../../server/rate-limit.js";
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

const DEFAULTS = { dataDir: "/d", webDir: "/w" };

test("config: defaults, flags over environment, units", () => {
  const r = parseConfig([], {}, DEFAULTS);
  assert.ok(!r.help);
  const c = r.config;
  assert.equal(c.port, 8080);
  assert.equal(c.host, "127.0.0.1");
  assert.equal(c.dataDir, "/d");
  assert.equal(c.webDir, "/w");
  assert.equal(c.s3, undefined);
  assert.deepEqual(c.limits, { blobBytes: 32 << 20, manifestBytes: 4 << 20, snapshotBytes: 256 << 20, missingList: 4096, manifestBlobs: 4096 });
  assert.deepEqual(c.timeouts, { headersMs: 10_000, requestMs: 120_000, idleMs: 15_000 });

  const r2 = parseConfig(["--port", "9000", "--max-blob-bytes=16MiB", "--idle-timeout", "500ms", "--no-web", "--s3-bucket", "snaps"],
    { RVPLAY_PORT: "1234", RVPLAY_HOST: "0.0.0.0", AWS_ENDPOINT_URL: "http://127.0.0.1:9", AWS_REGION: "eu-west-3", RVPLAY_S3_PREFIX: "a/b" }, DEFAULTS);
  assert.ok(!r2.help);
  assert.equal(r2.config.port, 9000, "the flag wins");
  assert.equal(r2.config.host, "0.0.0.0");
  assert.equal(r2.config.limits.blobBytes, 16 << 20);
  assert.equal(r2.config.timeouts.idleMs, 500);
  assert.equal(r2.config.webDir, undefined);
  assert.deepEqual(r2.config.s3, { bucket: "snaps", endpoint: "http://127.0.0.1:9", region: "eu-west-3", prefix: "a/b/", forcePathStyle: true, spoolDir: undefined });
  assert.deepEqual(parseConfig(["--help"], {}, DEFAULTS), { help: true });
  assert.equal(parseSize("4k"), 4096);
  assert.equal(parseSize("1GiB"), 1 << 30);
  assert.equal(parseDuration("2m"), 120_000);
  assert.equal(parseDuration("1.5"), 1500);
  assert.equal(defaultDataDir({ XDG_DATA_HOME: "/x" }, "server"), "/x/rvplay/server");
  assert.equal(defaultDataDir({ XDG_DATA_HOME: "rel", HOME: "/h" }, "server"), "/h/.local/share/rvplay/server");
});

test("config: bad flags and values are ConfigErrors that say which", () => {
  const bad: [string[], Record<string, string>, RegExp][] = [
    [["--nope"], {}, /unknown option --nope/],
    [["stray"], {}, /unexpected argument/],
    [["--port"], {}, /needs a value/],
    [["--port", "70000"], {}, /--port/],
    [[], { RVPLAY_PORT: "x" }, /--port/],
    [["--max-blob-bytes", "12 parsecs"], {}, /--max-blob-bytes: not a size/],
    [["--max-blob-bytes", "0"], {}, /out of range/],
    [["--idle-timeout", "soon"], {}, /--idle-timeout: not a duration/],
    [["--rate-requests", "-1"], {}, /--rate-requests/],
    [["--trust-proxy=maybe"], {}, /--trust-proxy/],
    [["--s3-bucket", "Bad_Bucket"], {}, /--s3-bucket/],
    [["--s3-bucket", "ok-bucket", "--s3-endpoint", "ftp://x"], {}, /--s3-endpoint/],
    [["--s3-bucket", "ok-bucket", "--s3-prefix", "../up"], {}, /--s3-prefix/],
    [["--s3-endpoint", "http://x"], {}, /without --s3-bucket/],
    [["--headers-timeout", "60s", "--request-timeout", "10s"], {}, /headers-timeout/],
  ];
  for (const [argv, env, msg] of bad) {
    assert.throws(() => parseConfig(argv, env, DEFAULTS), (e: unknown) => e instanceof ConfigError && msg.test(e.message), argv.join(" "));
  }
  // Random argv: only ConfigError (or a result).
  const words = ["--port", "--data", "--s3-bucket", "--max-blob-bytes", "--idle-timeout", "x", "1", "-1", "1k", "=", "--no-web=2", "--help", ""];
  for (let i = 0; i < 500; i++) {
    const r = randomBytesSeeded(6, i + 100);
    const argv = Array.from(r.subarray(1, 1 + (r[0] % 5)), (b) => words[b % words.length]);
    try { parseConfig(argv, {}, DEFAULTS); } catch (e) { assert.ok(e instanceof ConfigError, `${argv.join(" ")}: ${e}`); }
  }
});

test("--help lists every flag and its environment variables", () => {
  const text = helpText();
  for (const o of OPTIONS) {
    assert.ok(text.includes(`--${o.flag}`), o.flag);
    for (const e of o.env) assert.ok(text.includes(e), e);
  }
  assert.match(text, /AWS_ACCESS_KEY_ID/);
});

test("rate limiter: token buckets refill over the minute; concurrency is released", () => {
  let now = 0;
  const rl = new RateLimiter({ requestsPerMinute: 3, bytesPerMinute: 1000, concurrent: 2 }, () => now);
  const r1 = rl.begin("a"); const r2 = rl.begin("a");
  assert.throws(() => rl.begin("a"), (e: unknown) => e instanceof HttpError && e.code === "rate_limited" && /in flight/.test(e.message));
  r1(); r1();  // releasing twice is harmless
  const r3 = rl.begin("a");
  r2(); r3();
  assert.throws(() => rl.begin("a"), (e: unknown) => e instanceof HttpError && e.headers["Retry-After"] === "20");
  now += 20_000;  // a third of a minute: one request back
  rl.begin("a")();
  assert.throws(() => rl.begin("a"));
  rl.takeBytes("b", 900);
  assert.throws(() => rl.takeBytes("b", 200), (e: unknown) => e instanceof HttpError && e.status === 429);
  rl.takeBytes("b", 100);
  now += 60_000;
  rl.takeBytes("b", 1000);
  // Forgotten clients: a full bucket with nothing in flight is dropped when many are tracked.
  for (let i = 0; i < 10_001; i++) rl.begin(`c${i}`)();
  now += 60_000;
  rl.begin("late")();
  assert.ok(rl.trackedClients < 100, `tracked ${rl.trackedClients}`);
});
