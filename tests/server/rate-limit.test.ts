// Per-client rate limits as a unit (the HTTP side is in limits.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { HttpError } from "../../server/http-error.js";
import { RateLimiter } from "../../server/rate-limit.js";
import { rateKey } from "../../server/http-server.js";

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

test("rate limits count an IPv4 address, or an IPv6 /64", () => {
  assert.equal(rateKey("192.0.2.7"), "192.0.2.7");
  assert.equal(rateKey("::ffff:192.0.2.7"), "192.0.2.7");
  assert.equal(rateKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  assert.equal(rateKey("2001:DB8:1:2:bbbb:cccc:dddd:eeee"), "2001:db8:1:2::/64");
  assert.equal(rateKey("2001:db8::1"), "2001:db8:0:0::/64");
  assert.equal(rateKey("::1"), "0:0:0:0::/64");
  assert.equal(rateKey("fe80::1%eth0"), "fe80:0:0:0::/64");
});
