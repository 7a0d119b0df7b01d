// A scripted 9P2000.L session, the operations Linux's v9fs uses, against every
// back end: the host folder (checked on the host as well), the memory tree,
// and the page's IndexedDB folder (over fake-indexeddb here).
import "fake-indexeddb/auto";
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, lstatSync, readlinkSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { P9Server } from "../../src/9p/server.js";
import { NodeFsBackend } from "../../src/9p/node-fs-backend.js";
import { MemoryBackend } from "../../src/9p/memory-backend.js";
import { IdbShare } from "../../src/web/share-idb.js";
import type { FsBackend } from "../../src/9p/backend.js";
import { QTDIR, QTFILE, QTSYMLINK } from "../../src/9p/codec.js";
import * as E from "../../src/9p/errno.js";
import { P9Client, O, S_IFMT, S_IFREG, S_IFDIR, S_IFLNK } from "./client.js";

interface Setup { backend: FsBackend; host?: string; server?: P9Server; cleanup(): void }

// Closes what the session left open, then removes the host folder.
async function done(s: Setup): Promise<void> {
  await s.server?.reset();
  s.cleanup();
}

const backends: [string, () => Promise<Setup>][] = [
  ["host folder", async () => {
    const host = mkdtempSync(join(tmpdir(), "rvplay-9p-"));
    return { backend: await NodeFsBackend.create(host), host, cleanup: () => rmSync(host, { recursive: true, force: true }) };
  }],
  ["memory", async () => ({ backend: new MemoryBackend(), cleanup: () => undefined })],
  ["IndexedDB", async () => {
    const share = await IdbShare.open(`session-${Math.random()}`, { channel: false });
    return { backend: share, cleanup: () => { void share.close(); } };
  }],
];

async function session(setup: Setup): Promise<P9Client> {
  setup.server = new P9Server(setup.backend);
  const c = new P9Client(setup.server);
  await c.version();
  await c.attach(0);
  return c;
}

for (const [label, make] of backends) {
  describe(`9P session over the ${label} back end`, () => {
    test("create, write, read back, getattr", async () => {
      const s = await make();
      try {
        const c = await session(s);
        assert.equal(c.msize, 512 * 1024);
        await c.walk(0, 1, []);
        const qid = await c.lcreate(1, "hello.txt", O.RDWR, 0o644);
        assert.equal(qid.type, QTFILE);
        assert.equal(await c.write(1, 0, "hello world"), 11);
        assert.equal(new TextDecoder().decode(await c.read(1, 6, 100)), "world");
        await c.clunk(1);
        assert.equal(await c.readPath(0, ["hello.txt"]), "hello world");
        const qids = await c.walk(0, 2, ["hello.txt"]);
        assert.equal(qids[0].path, qid.path, "the same file has the same qid");
        const a = await c.getattr(2);
        assert.equal(a.size, 11n);
        assert.equal(a.mode & S_IFMT, S_IFREG);
        assert.equal(a.mode & 0o777, 0o644);
        assert.equal(a.uid, 0);
        assert.equal(a.gid, 0);
        assert.equal(a.nlink, 1n);
        assert.equal(a.qid.path, qid.path);
        await c.lopen(2, O.RDONLY);
        assert.equal((await c.read(2, 11, 100)).length, 0, "read at the end: nothing");
        assert.equal((await c.read(2, 1n << 62n, 100)).length, 0, "read far past the end: nothing");
        if (s.host) assert.equal(readFileSync(join(s.host, "hello.txt"), "utf8"), "hello world");
      } finally { await done(s); }
    });

    test("directories: mkdir, readdir in small batches, rmdir", async () => {
      const s = await make();
      try {
        const c = await session(s);
        const dq = await c.mkdir(0, "sub");
        assert.equal(dq.type, QTDIR);
        await c.walk(0, 1, ["sub"]);
        const names: string[] = [];
        for (let i = 0; i < 60; i++) {
          const name = `file-${i.toString().padStart(2, "0")}-${"x".repeat(i)}`;
          names.push(name);
          await c.walk(1, 2, []);
          await c.lcreate(2, name, O.WRONLY);
          await c.clunk(2);
        }
        await c.mkdir(1, "nested");
        await c.walk(0, 3, ["sub"]);
        await c.lopen(3, O.RDONLY | O.DIRECTORY);
        const entries = await c.readdir(3, 300); // several Treaddir round trips
        const got = entries.map((e) => e.name).sort();
        assert.deepEqual(got, [".", "..", ...names, "nested"].sort());
        const nested = entries.find((e) => e.name === "nested")!;
        assert.equal(nested.dtype, 4); // DT_DIR
        assert.equal(nested.qid.type, QTDIR);
        assert.equal(entries.find((e) => e.name === names[3])!.dtype, 8); // DT_REG
        assert.equal(entries.find((e) => e.name === ".")!.qid.path, dq.path);
        // The reported inode of an entry is the one getattr gives.
        await c.walk(1, 4, [names[5]]);
        assert.equal(entries.find((e) => e.name === names[5])!.qid.path, (await c.getattr(4)).qid.path);
        // Reading again from offset 0 starts over.
        assert.equal((await c.readdir(3, 8192)).length, entries.length);
        const dirAttr = await c.getattr(1);
        assert.equal(dirAttr.mode & S_IFMT, S_IFDIR);
        assert.equal(dirAttr.nlink, 3n, "a directory with one subdirectory has 3 links");
        assert.equal(await c.errno(c.unlinkat(0, "sub", 0x200)), E.ENOTEMPTY);
        assert.equal(await c.errno(c.unlinkat(1, "nested", 0)), E.EISDIR);
        assert.equal(await c.errno(c.unlinkat(1, names[0], 0x200)), E.ENOTDIR);
        await c.unlinkat(1, "nested", 0x200);
        for (const n of names) await c.unlinkat(1, n);
        await c.unlinkat(0, "sub", 0x200);
        if (s.host) assert.equal(existsSync(join(s.host, "sub")), false);
        assert.equal(await c.errno(c.walk(0, 5, ["sub"])), E.ENOENT);
      } finally { await done(s); }
    });

    test("rename and renameat move files and the fids that name them", async () => {
      const s = await make();
      try {
        const c = await session(s);
        await c.mkdir(0, "a");
        await c.mkdir(0, "b");
        await c.walk(0, 1, ["a"]);
        await c.lcreate(1, "f", O.WRONLY);
        await c.write(1, 0, "moving");
        await c.clunk(1);
        await c.walk(0, 2, ["a"]); // a directory fid
        await c.walk(0, 3, ["a", "f"]); // a fid below it
        await c.walk(0, 4, ["b"]);
        await c.rename(2, 4, "a2"); // a -> b/a2
        assert.equal(await c.errno(c.walk(0, 5, ["a"])), E.ENOENT);
        assert.equal(await c.readPath(0, ["b", "a2", "f"]), "moving");
        await c.lopen(3, O.RDONLY); // fid 3 followed the move
        assert.equal(new TextDecoder().decode(await c.read(3, 0, 100)), "moving");
        await c.renameat(2, "f", 0, "top"); // b/a2/f -> top
        assert.equal(await c.readPath(0, ["top"]), "moving");
        // Replacing: rename over an existing file.
        await c.walk(0, 6, []);
        await c.lcreate(6, "other", O.WRONLY);
        await c.write(6, 0, "old");
        await c.clunk(6);
        await c.renameat(0, "top", 0, "other");
        assert.equal(await c.readPath(0, ["other"]), "moving");
        assert.equal(await c.errno(c.renameat(0, "missing", 0, "x")), E.ENOENT);
        assert.equal(await c.errno(c.renameat(0, "b", 2, "inside")), E.EINVAL, "a directory into itself");
        if (s.host) {
          assert.equal(readFileSync(join(s.host, "other"), "utf8"), "moving");
          assert.equal(existsSync(join(s.host, "top")), false);
        }
      } finally { await done(s); }
    });

    test("symlinks and hard links", async () => {
      const s = await make();
      try {
        const c = await session(s);
        await c.walk(0, 1, []);
        await c.lcreate(1, "target", O.WRONLY);
        await c.write(1, 0, "data");
        await c.clunk(1);
        const sq = await c.symlink(0, "ln", "target");
        assert.equal(sq.type, QTSYMLINK);
        const [wq] = await c.walk(0, 2, ["ln"]);
        assert.equal(wq.type, QTSYMLINK);
        assert.equal(await c.readlink(2), "target");
        const a = await c.getattr(2);
        assert.equal(a.mode & S_IFMT, S_IFLNK);
        assert.equal(a.size, 6n);
        assert.equal(await c.errno(c.lopen(2, O.RDONLY)), E.ELOOP, "a symlink is not opened by the server");
        await c.walk(0, 3, ["target"]);
        assert.equal(await c.errno(c.readlink(3)), E.EINVAL);
        await c.link(0, 3, "hard");
        assert.equal((await c.getattr(3)).nlink, 2n);
        assert.equal(await c.readPath(0, ["hard"]), "data");
        await c.walk(0, 4, ["hard"]);
        assert.equal((await c.getattr(4)).qid.path, (await c.getattr(3)).qid.path);
        await c.walk(0, 5, []);
        assert.equal(await c.errno(c.link(0, 5, "dirlink")), E.EPERM, "no hard links to directories");
        if (s.host) {
          assert.equal(readlinkSync(join(s.host, "ln")), "target");
          assert.equal(lstatSync(join(s.host, "target")).nlink, 2);
        }
      } finally { await done(s); }
    });

    test("setattr: truncate, mode (set-id bits dropped), times; chown changes nothing", async () => {
      const s = await make();
      try {
        const c = await session(s);
        await c.walk(0, 1, []);
        await c.lcreate(1, "f", O.RDWR);
        await c.write(1, 0, "hello world");
        await c.clunk(1);
        await c.walk(0, 2, ["f"]);
        await c.truncate(2, 5);
        assert.equal(await c.readPath(0, ["f"]), "hello");
        await c.truncate(2, 8);
        assert.deepEqual([...new TextEncoder().encode(await c.readPath(0, ["f"]))], [104, 101, 108, 108, 111, 0, 0, 0]);
        await c.setattr(2, { valid: 0x1, mode: 0o104600 });
        assert.equal((await c.getattr(2)).mode, S_IFREG | 0o600);
        await c.setattr(2, { valid: 0x2 | 0x4, uid: 1234, gid: 99 });
        const a = await c.getattr(2);
        assert.equal(a.uid, 0);
        assert.equal(a.gid, 0);
        await c.setattr(2, { valid: 0x10 | 0x20 | 0x80 | 0x100, atimeSec: 1_000_000_000n, atimeNsec: 0n, mtimeSec: 1_500_000_000n, mtimeNsec: 250_000_000n });
        const t = await c.getattr(2);
        assert.equal(t.mtimeSec, 1_500_000_000n);
        assert.ok(t.mtimeNsec >= 249_000_000n && t.mtimeNsec <= 251_000_000n, `mtime ns ${t.mtimeNsec}`);
        assert.equal(t.atimeSec, 1_000_000_000n);
        assert.equal(await c.errno(c.setattr(2, { valid: 0x20 | 0x100, mtimeSec: 1n, mtimeNsec: 2_000_000_000n })), E.EINVAL);
        if (s.host) {
          const st = lstatSync(join(s.host, "f"));
          assert.equal(st.mode & 0o7777, 0o600);
          assert.equal(st.mtime.getTime(), 1_500_000_000_250);
        }
        await c.walk(0, 3, []);
        assert.equal(await c.errno(c.truncate(3, 0)), E.EISDIR);
        // Truncate through an open fid, as ftruncate(2) in the guest does.
        await c.lopen(2, O.RDWR);
        await c.truncate(2, 2);
        assert.equal((await c.getattr(2)).size, 2n);
      } finally { await done(s); }
    });

    test("a file unlinked while open is still read, written and stat-ed through its fid", async () => {
      const s = await make();
      try {
        const c = await session(s);
        await c.walk(0, 1, []);
        await c.lcreate(1, "tmp", O.RDWR);
        await c.write(1, 0, "still here");
        await c.unlinkat(0, "tmp");
        assert.equal(new TextDecoder().decode(await c.read(1, 0, 100)), "still here");
        await c.write(1, 10, "!");
        const a = await c.getattr(1);
        assert.equal(a.size, 11n);
        assert.equal(a.nlink, 0n);
        await c.clunk(1);
        assert.equal(await c.errno(c.walk(0, 2, ["tmp"])), E.ENOENT);
      } finally { await done(s); }
    });

    test("Tremove, statfs, fsync, locks, xattrs, mknod", async () => {
      const s = await make();
      try {
        const c = await session(s);
        await c.walk(0, 1, []);
        await c.lcreate(1, "f", O.RDWR);
        await c.call("Tfsync", { fid: 1, datasync: 0 });
        await c.call("Tfsync", { fid: 1, datasync: 1 });
        const lk = await c.call("Tlock", { fid: 1, lockType: 1, flags: 1, start: 0n, length: 0n, procId: 7, clientId: "g" });
        assert.equal(lk.status, 0);
        const gl = await c.call("Tgetlock", { fid: 1, lockType: 1, start: 4n, length: 8n, procId: 7, clientId: "g" });
        assert.equal(gl.lockType, 2); // unlocked: no conflicting lock
        assert.equal(gl.start, 4n);
        assert.equal(await c.errno(c.call("Tlock", { fid: 1, lockType: 9, flags: 0, start: 0n, length: 0n, procId: 7, clientId: "g" })), E.EINVAL);
        await c.remove(1);
        assert.equal(await c.errno(c.clunk(1)), E.EBADF, "Tremove clunks the fid");
        assert.equal(await c.errno(c.walk(0, 2, ["f"])), E.ENOENT);
        assert.equal(await c.errno(c.remove(0)), E.EBUSY, "the root is never removed");
        await c.attach(0);
        const st = await c.statfs(0);
        assert.equal(st.fsType, 0x01021997);
        assert.equal(st.namelen, 255);
        assert.ok(st.bsize > 0 && st.blocks > 0n && st.bfree <= st.blocks);
        const xw = await c.call("Txattrwalk", { fid: 0, newfid: 3, name: "" });
        assert.equal(xw.size, 0n);
        assert.equal((await c.read(3, 0, 100)).length, 0);
        await c.clunk(3);
        assert.equal(await c.errno(c.call("Txattrwalk", { fid: 0, newfid: 3, name: "security.selinux" })), E.EOPNOTSUPP);
        assert.equal(await c.errno(c.call("Txattrcreate", { fid: 0, name: "user.a", attrSize: 1n, flags: 0 })), E.EOPNOTSUPP);
        const nq = await c.call("Tmknod", { dfid: 0, name: "plain", mode: S_IFREG | 0o600, major: 0, minor: 0, gid: 0 });
        assert.equal(nq.qid.type, QTFILE);
        for (const type of [0o020000, 0o060000, 0o010000, 0o140000]) { // chr, blk, fifo, socket
          assert.equal(await c.errno(c.call("Tmknod", { dfid: 0, name: "dev", mode: type | 0o666, major: 1, minor: 3, gid: 0 })), E.EPERM);
        }
        assert.equal(await c.errno(c.walk(0, 4, ["dev"])), E.ENOENT);
        if (s.host) assert.equal(existsSync(join(s.host, "dev")), false);
      } finally { await done(s); }
    });
  });
}
