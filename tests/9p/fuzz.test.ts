// Fuzzing the server with a fixed seed: thousands of mutated messages, each
// answered by one valid R-message (Rlerror or the request's reply) in time,
// never a throw; over the host folder, nothing outside it changes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { P9Server } from "../../src/9p/server.js";
import { NodeFsBackend } from "../../src/9p/node-fs-backend.js";
import { MemoryBackend } from "../../src/9p/memory-backend.js";
import { runFuzz, fuzzServer, P9FuzzFailure } from "../../src/9p/fuzz.js";
import type { P9Server as Server } from "../../src/9p/server.js";

function summary(s: Awaited<ReturnType<typeof runFuzz>>): string {
  const errnos = [...s.byErrno].sort((a, b) => b[1] - a[1]).map(([e, n]) => `${e}:${n}`).join(" ");
  return `${s.messages} messages, ${s.ok} answered, ${s.errors} Rlerror (errno:count ${errnos})`;
}

test("fuzz: 4000 mutated messages against the memory back end", async (t) => {
  const server = new P9Server(new MemoryBackend({ capacity: 256 * 1024 * 1024 }));
  const stats = await runFuzz(server, 0x9e3779b9, 4000);
  t.diagnostic(summary(stats));
  assert.equal(stats.messages, 4000);
  assert.ok(stats.ok > 400, "a good share of the messages get past the parser and are served");
  assert.ok(stats.byErrno.size >= 8, "the errors are varied, not one early refusal");
  await server.reset();
});

test("fuzz: 3000 mutated messages against a host folder; nothing outside it changes", async (t) => {
  const parent = mkdtempSync(join(tmpdir(), "rvplay-9p-fuzz-"));
  try {
    const share = join(parent, "share");
    mkdirSync(share);
    writeFileSync(join(parent, "sentinel"), "untouched");
    mkdirSync(join(share, "d"));
    writeFileSync(join(share, "f"), "seed file");
    const server = new P9Server(await NodeFsBackend.create(share));
    const stats = await runFuzz(server, 12345, 3000);
    t.diagnostic(summary(stats));
    assert.equal(stats.messages, 3000);
    assert.ok(stats.ok > 300);
    await server.reset();
    assert.deepEqual(readdirSync(parent).sort(), ["sentinel", "share"]);
    assert.equal(readFileSync(join(parent, "sentinel"), "utf8"), "untouched");
    assert.equal(lstatSync(join(parent, "sentinel")).nlink, 1);
  } finally { rmSync(parent, { recursive: true, force: true }); }
});

test("the fuzz checker itself fails on a wrong reply, a throw and a hang", async () => {
  const input = new Uint8Array([11, 0, 0, 0, 120, 5, 0, 1, 0, 0, 0]); // Tclunk tag 5
  const fake = (handle: (b: Uint8Array) => Promise<Uint8Array>) => ({ handle }) as unknown as Server;
  const wrongTag = fake(async () => new Uint8Array([11, 0, 0, 0, 7, 6, 0, 9, 0, 0, 0]));
  await assert.rejects(fuzzServer(wrongTag, input), P9FuzzFailure);
  const wrongType = fake(async () => new Uint8Array([7, 0, 0, 0, 123, 5, 0]));
  await assert.rejects(fuzzServer(wrongType, input), P9FuzzFailure);
  const throws = fake(async () => { throw new Error("boom"); });
  await assert.rejects(fuzzServer(throws, input), P9FuzzFailure);
  const hangs = fake(() => new Promise(() => undefined));
  await assert.rejects(fuzzServer(hangs, input, 50), P9FuzzFailure);
  const right = fake(async () => new Uint8Array([7, 0, 0, 0, 121, 5, 0]));
  assert.equal((await fuzzServer(right, input)).type, "Rclunk");
});
