// A 9P session carried across a snapshot: P9Server.exportSession() and
// importSession() over the same folder (the fids by path, open files opened
// again), a fid whose file is gone dropped (EBADF, never another file's
// bytes), and parseP9Session's refusals of bad saved state, with a seeded
// fuzz of it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, unlinkSync, renameSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { P9Server } from "../../src/9p/server.js";
import { NodeFsBackend } from "../../src/9p/node-fs-backend.js";
import { MemoryBackend } from "../../src/9p/memory-backend.js";
import { parseP9Session, fuzzP9Session, P9SessionError, type P9SessionState } from "../../src/9p/session-state.js";
import { EBADF } from "../../src/9p/errno.js";
import { P9Client, O } from "./client.js";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

test("a saved session is taken up by a new server over the same host folder: open files read and write on, a vanished file's fid is dropped", async () => {
  const host = mkdtempSync(join(tmpdir(), "rvplay-9p-session-"));
  try {
    writeFileSync(join(host, "kept.txt"), "kept bytes");
    writeFileSync(join(host, "gone.txt"), "gone bytes");
    writeFileSync(join(host, "swapped.txt"), "original");
    const fs1 = await NodeFsBackend.create(host);
    const s1 = new P9Server(fs1);
    const c1 = new P9Client(s1);
    await c1.version(65536);
    await c1.attach(0);
    await c1.walk(0, 1, ["kept.txt"]);
    await c1.lopen(1, O.RDONLY);
    await c1.walk(0, 2, ["gone.txt"]);
    await c1.lopen(2, O.RDONLY);
    await c1.lcreate(0, "new.txt", O.RDWR); // fid 0 is now the open new file
    await c1.attach(3);
    await c1.walk(3, 4, ["swapped.txt"]);
    await c1.write(0, 0, "written before");
    const saved = s1.exportSession();
    // Through JSON, as a snapshot's manifest carries it, and checked as a restore checks it.
    const state = parseP9Session(JSON.parse(JSON.stringify(saved)));
    assert.equal(state.msize, 65536);
    assert.deepEqual(state.fids.map((f) => [f.fid, f.path.join("/"), f.open?.read ?? null]),
      [[0, "new.txt", true], [1, "kept.txt", true], [2, "gone.txt", true], [3, "", null], [4, "swapped.txt", null]]);
    await s1.reset();

    // Between the snapshot and the restore the host changed the folder.
    unlinkSync(join(host, "gone.txt"));
    renameSync(join(host, "swapped.txt"), join(host, "old.txt"));
    writeFileSync(join(host, "swapped.txt"), "another file now");

    const fs2 = await NodeFsBackend.create(host);
    const s2 = new P9Server(fs2);
    const dropped = await s2.importSession(state);
    assert.deepEqual(dropped.sort(), [2, 4], "the vanished file's fid and the one whose name is another file now");
    assert.equal(s2.negotiatedMsize, 65536);
    const c2 = new P9Client(s2);
    assert.equal(text(await c2.read(1, 0, 100)), "kept bytes");
    assert.equal(text(await c2.read(0, 0, 100)), "written before");
    await c2.write(0, 14, ", and after");
    assert.equal(await c2.errno(c2.read(2, 0, 100)), EBADF);
    assert.equal(await c2.errno(c2.getattr(4)), EBADF);
    await c2.walk(3, 5, ["swapped.txt"]); // the root fid walks on
    await c2.lopen(5, O.RDONLY);
    assert.equal(text(await c2.read(5, 0, 100)), "another file now");
    await s2.reset();
    assert.equal(readFileSync(join(host, "new.txt"), "utf8"), "written before, and after");
  } finally {
    rmSync(host, { recursive: true, force: true });
  }
});

test("a saved session taken up over another folder: the root fids stand for its root, fids below it whose files are not there are dropped", async () => {
  const a = mkdtempSync(join(tmpdir(), "rvplay-9p-a-"));
  const b = mkdtempSync(join(tmpdir(), "rvplay-9p-b-"));
  try {
    writeFileSync(join(a, "only-in-a.txt"), "a");
    const s1 = new P9Server(await NodeFsBackend.create(a));
    const c1 = new P9Client(s1);
    await c1.version(65536);
    await c1.attach(0);
    await c1.walk(0, 1, ["only-in-a.txt"]);
    await c1.lopen(1, O.RDONLY);
    const state = parseP9Session(JSON.parse(JSON.stringify(s1.exportSession())));
    await s1.reset();
    writeFileSync(join(b, "in-b.txt"), "b's file");
    const s2 = new P9Server(await NodeFsBackend.create(b));
    assert.deepEqual(await s2.importSession(state), [1]);
    const c2 = new P9Client(s2);
    await c2.walk(0, 2, ["in-b.txt"]);
    await c2.lopen(2, O.RDONLY);
    assert.equal(text(await c2.read(2, 0, 100)), "b's file");
    assert.equal(await c2.errno(c2.read(1, 0, 100)), EBADF);
    await s2.reset();
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});

test("importSession refuses a session larger than the server allows", async () => {
  const s = new P9Server(new MemoryBackend(), { msizeCap: 8192 });
  await assert.rejects(s.importSession({ msize: 65536, fids: [] }), P9SessionError);
});

const valid = (): P9SessionState => ({
  msize: 65536,
  fids: [{ fid: 0, kind: "node", path: [], qid: { type: 0x80, path: "1" } },
    { fid: 7, kind: "node", path: ["a", "b.txt"], qid: { type: 0, path: "42" }, open: { dir: false, read: true, write: false, append: false } }],
});

test("parseP9Session refuses bad saved state, naming the field", () => {
  assert.deepEqual(parseP9Session(valid()), valid());
  const cases: [string, (s: any) => void, RegExp][] = [
    ["a '..' in a path", (s) => { s.fids[1].path = ["..", "etc"]; }, /fids\[1\]\.path\[0\]/],
    ["a '/' in a name", (s) => { s.fids[1].path = ["a/b"]; }, /path\[0\]/],
    ["a NUL in a name", (s) => { s.fids[1].path = ["a\0"]; }, /path\[0\]/],
    ["a name too long", (s) => { s.fids[1].path = ["x".repeat(256)]; }, /path\[0\]/],
    ["a path not a list", (s) => { s.fids[1].path = "/etc/passwd"; }, /path/],
    ["a repeated fid", (s) => { s.fids[1].fid = 0; }, /repeats fid 0/],
    ["NOFID", (s) => { s.fids[1].fid = 0xffffffff; }, /fids\[1\]\.fid/],
    ["a tiny msize", (s) => { s.msize = 100; }, /msize/],
    ["a huge msize", (s) => { s.msize = 2 ** 31; }, /msize/],
    ["fids without a Tversion", (s) => { s.msize = 0; }, /without a Tversion/],
    ["an unknown kind", (s) => { s.fids[0].kind = "auth"; }, /kind/],
    ["a qid path beyond 64 bits", (s) => { s.fids[0].qid.path = "18446744073709551616"; }, /qid\.path/],
    ["a qid path as a number", (s) => { s.fids[0].qid.path = 1; }, /qid\.path/],
    ["an unknown field", (s) => { s.fids[1].open.exec = true; }, /unknown field/],
    ["open flags not booleans", (s) => { s.fids[1].open.read = 1; }, /open\.read/],
    ["not an object", (s) => { s.fids = null; }, /fids/],
  ];
  for (const [what, change, re] of cases) {
    const s = valid();
    change(s);
    assert.throws(() => parseP9Session(s), (e: unknown) => e instanceof P9SessionError && re.test(e.message), what);
  }
});

test("fuzz: parseP9Session on mutated saved state throws only P9SessionError (seeded)", () => {
  let seed = 0x9e3779b9;
  const rand = (n: number) => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) % n; };
  const base = new TextEncoder().encode(JSON.stringify(valid()));
  const alphabet = new TextEncoder().encode('{}[]",:0123456789.-/\\ntruefalse\0');
  let accepted = 0;
  for (let i = 0; i < 5000; i++) {
    const b = Uint8Array.from(base);
    for (let k = 1 + rand(4); k > 0; k--) b[rand(b.length)] = rand(3) === 0 ? rand(256) : alphabet[rand(alphabet.length)];
    try {
      const s = fuzzP9Session(b);
      accepted++;
      for (const f of s.fids) for (const n of f.path) assert.ok(n !== ".." && n !== "." && !n.includes("/") && !n.includes("\0"));
    } catch (e) {
      if (!(e instanceof P9SessionError)) throw new Error(`input ${i} threw ${String(e)}`);
    }
  }
  assert.ok(accepted > 0, "some mutations stay valid");
});
