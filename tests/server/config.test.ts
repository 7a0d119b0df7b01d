// The server's configuration from flags and environment, and --help; the
// parser also under random argv.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, defaultDataDir, helpText, OPTIONS, parseConfig, parseDuration, parseSize } from "../../server/config.js";
import { randomBytesSeeded } from "./harness.js";

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

