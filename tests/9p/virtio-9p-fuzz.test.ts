// Malformed 9P chains through the virtio-9p device, from a fixed seed:
// mutated and spliced messages, split at random into readable buffers,
// answered into writable parts of random shapes (one buffer, Linux's
// header-then-pages, too small, none), direct or through an indirect
// table, now and then a buffer outside guest RAM. Whatever comes, the host
// never throws; a chain that carries no header, has no room for an answer
// or points outside RAM sets NEEDS_RESET and nothing else does; every other
// chain is answered by one well-formed R-message with the request's tag
// that fits the room given.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decode, decodeHeader, messageName, HEADER_SIZE, type Message } from "../../src/9p/codec.js";
import { mutate, seedCorpus, seededRandom, sessionSetup } from "../../src/9p/fuzz.js";
import { MemoryBackend } from "../../src/9p/memory-backend.js";
import { Virtio9p } from "../../src/devices/virtio-9p.js";
import { GuestQueue, type Part } from "./virtio-guest.js";

const SEED = 0x9b2c_0015;
const ITERATIONS = 1500;
const MSIZE = 64 * 1024;

test(`${ITERATIONS} malformed chains (seed ${SEED.toString(16)}): an answer or NEEDS_RESET, never a host error`, { timeout: 120_000 }, async () => {
  const rnd = seededRandom(SEED);
  const pick = (n: number) => Math.floor(rnd() * n);
  const corpus = seedCorpus(MSIZE);
  const dev = new Virtio9p(new MemoryBackend({ capacity: 8 * 2 ** 20 }), "host", { msizeCap: MSIZE });
  const g = new GuestQueue(dev);
  const stats = { answered: 0, errors: 0, resets: 0 };

  const setUp = async () => {
    for (const m of sessionSetup(MSIZE)) {
      g.post([{ out: m }, { in: MSIZE }]);
      g.kick();
      await g.waitUsed(1);
    }
  };
  await setUp();

  for (let i = 0; i < ITERATIONS; i++) {
    const base = corpus[pick(corpus.length)];
    const msg = rnd() < 0.2 ? base : mutate(base, rnd, corpus);
    // Readable: the message cut into 1..4 pieces (empty pieces allowed), or nothing at all.
    const parts: (Part & { addr?: bigint })[] = [];
    if (rnd() > 0.02) {
      const cuts = [0, ...Array.from({ length: pick(4) }, () => pick(msg.length + 1)).sort((a, b) => a - b), msg.length];
      for (let c = 0; c + 1 < cuts.length; c++) parts.push({ out: msg.subarray(cuts[c], cuts[c + 1]) });
    }
    // Writable: one msize buffer; Linux's 11-byte header then pages; something small; nothing.
    const shape = pick(5);
    if (shape === 0) parts.push({ in: MSIZE });
    else if (shape === 1) { parts.push({ in: 11 }); for (let n = 1 + pick(4); n > 0; n--) parts.push({ in: 4096 }); }
    else if (shape === 2) parts.push({ in: pick(24) });
    else if (shape === 3) parts.push({ in: 7 + pick(200) }, { in: pick(300) });
    if (parts.length === 0) parts.push({ out: new Uint8Array(0) }); // a chain has at least one descriptor
    // Now and then one (non-empty) buffer entirely outside RAM.
    const nonEmpty = parts.filter((p) => ("out" in p ? p.out.length : p.in) > 0);
    const badAddr = nonEmpty.length > 0 && rnd() < 0.03;
    if (badAddr) nonEmpty[pick(nonEmpty.length)].addr = g.ramEnd + 16n + BigInt(pick(4096));
    const readable = parts.reduce((n, p) => n + ("out" in p ? p.out.length : 0), 0);
    const room = parts.reduce((n, p) => n + ("in" in p ? p.in : 0), 0);
    const broken = readable < HEADER_SIZE || room < 11;

    const before = g.usedIdx();
    try {
      g.post(parts, { indirect: rnd() < 0.3 });
      g.kick();
    } catch (e) {
      assert.fail(`iteration ${i}: the host threw ${String(e)}`);
    }
    // A chain without a header or room fails at once. One with a buffer
    // outside RAM fails when that buffer is touched (or is answered, if the
    // reply never reaches it).
    if (badAddr) {
      const until = Date.now() + 5000;
      while (!g.needsReset && g.usedIdx() === before && Date.now() < until) await new Promise((r) => setTimeout(r, 1));
    }
    if (g.needsReset) {
      assert.ok(broken || badAddr, `iteration ${i}: NEEDS_RESET for a well-formed chain (readable ${readable}, room ${room})`);
      assert.equal(g.usedIdx(), before, `iteration ${i}: a broken chain was also answered`);
      while (dev.requestsInFlight > 0) await new Promise((r) => setTimeout(r, 1));
      g.resetDevice();
      stats.resets++;
      await setUp();
      continue;
    }
    assert.ok(!broken, `iteration ${i}: readable ${readable}, room ${room}: NEEDS_RESET expected`);
    const [u] = await g.waitUsed(1);
    assert.ok(u.written <= room && u.written >= HEADER_SIZE, `iteration ${i}: ${u.written} bytes written into ${room}`);
    let reply: Message;
    try {
      reply = decode(u.reply);
    } catch (e) {
      assert.fail(`iteration ${i}: the reply does not decode: ${String(e)}`);
    }
    assert.equal(decodeHeader(u.reply).size, u.written);
    assert.equal(reply.tag, msg[5] | (msg[6] << 8), `iteration ${i}: reply tag`);
    if (reply.type === "Rlerror") stats.errors++;
    else {
      assert.equal(reply.type, messageName(msg[4] + 1), `iteration ${i}: ${reply.type} answers type ${msg[4]}`);
      stats.answered++;
    }
  }
  // The seed reaches all three outcomes.
  assert.ok(stats.answered > 100 && stats.errors > 100 && stats.resets > 20, JSON.stringify(stats));
});
