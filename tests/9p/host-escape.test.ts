// The guest must never reach outside the shared host folder. Each attempt is
// refused with the errno Linux would give, and the host is checked: nothing
// outside the folder is read, written, created, removed or re-moded.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync,
  statSync, readlinkSync,
} from "node:fs";
import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { P9Server } from "../../src/9p/server.js";
import { NodeFsBackend } from "../../src/9p/node-fs-backend.js";
import { MemoryBackend } from "../../src/9p/memory-backend.js";
import type { FsBackend } from "../../src/9p/backend.js";
import { QTSYMLINK } from "../../src/9p/codec.js";
import * as E from "../../src/9p/errno.js";
import { P9Client, O, S_IFMT } from "./client.js";

// A system tool, by environment variable first, then the usual Debian path.
function tool(name: string, envVar: string): string | undefined {
  const p = process.env[envVar] ?? `/usr/bin/${name}`;
  return existsSync(p) ? p : undefined;
}

interface Host {
  parent: string; // holds the share and the things the guest must not reach
  share: string;
  secret: string;
  outside: string;
  snapshot(): string; // everything outside the share, to compare before and after
  cleanup(): void;
}

function makeHost(): Host {
  const parent = mkdtempSync(join(tmpdir(), "rvplay-9p-escape-"));
  const share = join(parent, "share");
  const secret = join(parent, "secret.txt");
  const outside = join(parent, "outside");
  mkdirSync(share);
  mkdirSync(outside);
  writeFileSync(secret, "top secret");
  chmodSync(secret, 0o640);
  writeFileSync(join(outside, "f"), "outside file");
  const snapshot = () => {
    const rows: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir).sort()) {
        const p = join(dir, name);
        if (p === share) continue;
        const st = lstatSync(p);
        rows.push(`${p} ${st.mode.toString(8)} ${st.size} ${st.mtimeMs} ${st.nlink}` +
          (st.isFile() ? ` ${readFileSync(p, "utf8")}` : ""));
        if (st.isDirectory()) walk(p);
      }
    };
    walk(parent);
    return rows.join("\n");
  };
  return { parent, share, secret, outside, snapshot, cleanup: () => rmSync(parent, { recursive: true, force: true }) };
}

async function connect(backend: FsBackend): Promise<P9Client> {
  const c = new P9Client(new P9Server(backend));
  await c.version();
  await c.attach(0);
  return c;
}

test("symlinks pointing out (absolute and relative) are shown as symlinks and never followed", async () => {
  const h = makeHost();
  try {
    symlinkSync(h.secret, join(h.share, "abs"));
    symlinkSync(h.outside, join(h.share, "absdir"));
    symlinkSync("../secret.txt", join(h.share, "rel"));
    symlinkSync("../outside", join(h.share, "reldir"));
    const before = h.snapshot();
    const c = await connect(await NodeFsBackend.create(h.share));

    for (const name of ["abs", "absdir", "rel", "reldir"]) {
      const [q] = await c.walk(0, 1, [name]);
      assert.equal(q.type, QTSYMLINK, `${name} is a symlink to the guest`);
      assert.equal((await c.getattr(1)).mode & S_IFMT, 0o120000);
      assert.equal(await c.errno(c.lopen(1, O.RDONLY)), E.ELOOP, `${name}: open refused`);
      assert.equal(await c.errno(c.lopen(1, O.RDWR | O.TRUNC)), E.ELOOP);
      assert.equal(await c.errno(c.truncate(1, 0)), E.EINVAL, `${name}: truncate refused`);
      await c.setattr(1, { valid: 0x1, mode: 0o777 }); // chmod of a symlink: nothing happens (nothing followed)
      assert.equal(await c.errno(c.mkdir(1, "x")), E.ENOTDIR, `${name}: not a directory to the server`);
      await c.walk(0, 2, []);
      await c.walk(1, 3, []);
      assert.equal(await c.errno(c.lcreate(3, "x")), E.ENOTDIR);
      await c.clunk(3);
      await c.clunk(2);
      await c.clunk(1);
    }
    // Walking through a symlink: from the symlink's fid it is an error; as a
    // later element of a walk, the walk stops there (walk(5): the qids so far, no fid).
    await c.walk(0, 1, ["absdir"]);
    assert.equal(await c.errno(c.walk(1, 2, ["f"])), E.ENOTDIR);
    await c.clunk(1);
    assert.equal((await c.walk(0, 1, ["absdir", "f"])).length, 1);
    assert.equal(await c.errno(c.clunk(1)), E.EBADF);
    // A longer walk stops at the symlink: one qid, no fid.
    await c.mkdir(0, "d");
    symlinkSync(h.outside, join(h.share, "d", "link"));
    const q = await c.walk(0, 1, ["d", "link", "f"]);
    assert.equal(q.length, 2);
    assert.equal(await c.errno(c.clunk(1)), E.EBADF);
    // readlink gives the text; it is the guest that resolves it, in its own namespace.
    await c.walk(0, 1, ["abs"]);
    assert.equal(await c.readlink(1), h.secret);
    // Creating over a symlink's name never writes through it.
    await c.walk(0, 2, []);
    assert.equal(await c.errno(c.lcreate(2, "abs", O.RDWR | O.TRUNC)), E.EEXIST);
    await c.clunk(2);
    assert.equal(await c.errno(c.mkdir(0, "absdir")), E.EEXIST);
    // Rename, hard-link and unlink act on the link, never on what it points to.
    await c.renameat(0, "abs", 0, "abs2");
    await c.link(0, 1, "hard"); // fid 1 followed the rename: a hard link to the symlink itself
    assert.equal(lstatSync(join(h.share, "hard")).isSymbolicLink(), true);
    await c.unlinkat(0, "abs2");
    await c.unlinkat(0, "hard");
    await c.unlinkat(0, "rel");
    // A guest may make a symlink that points out: it is only text on the host.
    await c.symlink(0, "made", "/etc/passwd");
    assert.equal(readlinkSync(join(h.share, "made")), "/etc/passwd");
    const [mq] = await c.walk(0, 4, ["made"]);
    assert.equal(mq.type, QTSYMLINK);
    assert.equal(await c.errno(c.lopen(4, O.RDONLY)), E.ELOOP);
    await c.server.reset();
    assert.equal(h.snapshot(), before, "nothing outside the share changed");
    assert.equal(readFileSync(h.secret, "utf8"), "top secret");
    assert.equal(statSync(h.secret).mode & 0o777, 0o640);
  } finally { h.cleanup(); }
});

test("'..', '/', NUL and absolute names cannot leave the folder", async () => {
  const h = makeHost();
  try {
    const before = h.snapshot();
    const c = await connect(await NodeFsBackend.create(h.share));
    await c.mkdir(0, "d");
    assert.equal(await c.errno(c.walk(0, 1, [".."])), E.EPERM);
    assert.equal(await c.errno(c.walk(0, 1, ["d", "..", ".."])), E.EPERM);
    assert.equal(await c.errno(c.walk(0, 1, ["../secret.txt"])), E.EINVAL);
    assert.equal(await c.errno(c.walk(0, 1, [h.secret])), E.EINVAL);
    assert.equal(await c.errno(c.walk(0, 1, ["secret.txt\0"])), E.EINVAL);
    await c.walk(0, 2, []);
    assert.equal(await c.errno(c.lcreate(2, "../escaped")), E.EINVAL);
    assert.equal(await c.errno(c.lcreate(2, join(h.outside, "escaped"))), E.EINVAL);
    assert.equal(await c.errno(c.mkdir(0, "..")), E.EEXIST);
    assert.equal(await c.errno(c.symlink(0, "../escaped", "x")), E.EINVAL);
    assert.equal(await c.errno(c.renameat(0, "d", 0, "../d")), E.EINVAL);
    assert.equal(await c.errno(c.renameat(0, "..", 0, "x")), E.EINVAL);
    assert.equal(await c.errno(c.unlinkat(0, "..", 0x200)), E.EINVAL);
    assert.equal(await c.errno(c.remove(0)), E.EBUSY, "the share itself is not removed");
    await c.attach(0);
    await c.walk(0, 3, []);
    assert.equal(await c.errno(c.rename(3, 0, "x")), E.EBUSY, "nor renamed");
    // The root's ".." is the root itself.
    await c.walk(0, 4, []);
    await c.lopen(4, O.RDONLY);
    const entries = await c.readdir(4);
    const root = (await c.getattr(0)).qid.path;
    assert.equal(entries.find((e) => e.name === "..")!.qid.path, root);
    await c.server.reset();
    assert.equal(h.snapshot(), before);
    assert.deepEqual(readdirSync(h.share), ["d"]);
  } finally { h.cleanup(); }
});

test("a directory swapped for a symlink after the walk is not followed", async () => {
  const h = makeHost();
  try {
    const before = h.snapshot();
    const c = await connect(await NodeFsBackend.create(h.share));
    await c.mkdir(0, "d");
    await c.walk(0, 1, ["d"]);
    await c.lcreate(1, "f", O.WRONLY);
    await c.clunk(1);
    await c.walk(0, 1, ["d", "f"]); // a stale fid to be
    await c.walk(0, 2, ["d"]); // a stale directory fid to be
    // The guest empties d and puts a symlink to the outside in its place.
    await c.unlinkat(2, "f");
    await c.unlinkat(0, "d", 0x200);
    await c.symlink(0, "d", h.outside);
    // The old fids' paths now cross a symlink: every use is refused.
    assert.equal(await c.errno(c.lopen(1, O.RDONLY)), E.ENOTDIR);
    assert.equal(await c.errno(c.getattr(1)), E.ENOTDIR);
    assert.equal(await c.errno(c.truncate(1, 0)), E.ENOTDIR);
    assert.equal(await c.errno(c.setattr(1, { valid: 0x1, mode: 0o777 })), E.ENOTDIR);
    assert.equal(await c.errno(c.lcreate(2, "planted")), E.ENOTDIR);
    assert.equal(await c.errno(c.mkdir(2, "planted")), E.ENOTDIR);
    assert.equal(await c.errno(c.symlink(2, "planted", "x")), E.ENOTDIR);
    assert.equal(await c.errno(c.unlinkat(2, "f")), E.ENOTDIR);
    assert.equal(await c.errno(c.renameat(2, "f", 0, "stolen")), E.ENOTDIR);
    await c.walk(0, 5, []);
    await c.lcreate(5, "g"); // fid 5 is now the file g, in the share's root
    assert.equal(await c.errno(c.link(2, 5, "x")), E.ENOTDIR);
    assert.equal(await c.errno(c.walk(2, 3, ["f"])), E.ENOTDIR);
    await c.lopen(2, O.RDONLY).then(
      () => assert.fail("a symlink opened as a directory"),
      (e: { errno: number }) => assert.ok([E.ELOOP, E.ENOTDIR].includes(e.errno)));
    await c.server.reset();
    assert.equal(h.snapshot(), before, "nothing outside the share was touched");
  } finally { h.cleanup(); }
});

test("FIFOs, sockets and device files in the folder are listed but never opened", async () => {
  const h = makeHost();
  let sock: Server | undefined;
  try {
    const mkfifo = tool("mkfifo", "MKFIFO");
    const mknod = tool("mknod", "MKNOD");
    const special: string[] = [];
    if (mkfifo && spawnSync(mkfifo, [join(h.share, "fifo")]).status === 0) special.push("fifo");
    // A character device (1:3, /dev/null's numbers) can only be made as root.
    if (mknod && spawnSync(mknod, [join(h.share, "null"), "c", "1", "3"]).status === 0) special.push("null");
    sock = createServer();
    await new Promise<void>((r) => sock!.listen(join(h.share, "sock"), r));
    special.push("sock");
    const c = await connect(await NodeFsBackend.create(h.share));
    for (const name of special) {
      await c.walk(0, 1, [name]);
      const a = await c.getattr(1);
      assert.notEqual(a.mode & S_IFMT, 0o100000, `${name} is not shown as a regular file`);
      assert.equal(await c.errno(c.lopen(1, O.RDONLY)), E.EPERM, `${name}: open refused`);
      assert.equal(await c.errno(c.lopen(1, O.WRONLY)), E.EPERM);
      assert.equal(await c.errno(c.truncate(1, 0)), E.EINVAL);
      await c.clunk(1);
    }
    await c.walk(0, 1, []);
    await c.lopen(1, O.RDONLY);
    const names = (await c.readdir(1)).map((e) => e.name);
    for (const name of special) assert.ok(names.includes(name), `${name} listed`);
    assert.ok(special.includes("fifo"), "mkfifo is available to the test");
  } finally {
    await new Promise((r) => sock ? sock.close(r) : r(undefined));
    h.cleanup();
  }
});

test("a read-only share refuses every change with EROFS and the host is unchanged", async () => {
  const h = makeHost();
  try {
    writeFileSync(join(h.share, "f"), "read me");
    mkdirSync(join(h.share, "d"));
    const snapshot = () => `${h.snapshot()}\n${readdirSync(h.share).sort().join(",")} ${readFileSync(join(h.share, "f"), "utf8")} ` +
      `${statSync(join(h.share, "f")).mode} ${statSync(join(h.share, "f")).mtimeMs}`;
    for (const backend of [await NodeFsBackend.create(h.share, { readOnly: true }), new MemoryBackend({ readOnly: true })]) {
      const before = snapshot();
      const c = await connect(backend);
      if (backend instanceof NodeFsBackend) assert.equal(await c.readPath(0, ["f"]), "read me");
      await c.walk(0, 1, []);
      await c.lopen(1, O.RDONLY);
      assert.ok((await c.readdir(1)).length >= 2);
      await c.clunk(1);
      const fileFid = backend instanceof NodeFsBackend ? ["f"] : [];
      await c.walk(0, 2, fileFid);
      if (fileFid.length) {
        assert.equal(await c.errno(c.lopen(2, O.WRONLY)), E.EROFS);
        assert.equal(await c.errno(c.lopen(2, O.RDWR)), E.EROFS);
        assert.equal(await c.errno(c.lopen(2, O.RDONLY | O.TRUNC)), E.EROFS);
        assert.equal(await c.errno(c.truncate(2, 0)), E.EROFS);
        await c.lopen(2, O.RDONLY);
        assert.equal(await c.errno(c.write(2, 0, "x")), E.EBADF);
        assert.equal(await c.errno(c.truncate(2, 0)), E.EROFS);
      }
      await c.walk(0, 3, []);
      assert.equal(await c.errno(c.lcreate(3, "new")), E.EROFS);
      assert.equal(await c.errno(c.mkdir(0, "new")), E.EROFS);
      assert.equal(await c.errno(c.symlink(0, "new", "f")), E.EROFS);
      assert.equal(await c.errno(c.call("Tmknod", { dfid: 0, name: "new", mode: 0o100644, major: 0, minor: 0, gid: 0 })), E.EROFS);
      assert.equal(await c.errno(c.setattr(0, { valid: 0x1, mode: 0o700 })), E.EROFS);
      assert.equal(await c.errno(c.setattr(0, { valid: 0x2, uid: 5 })), E.EROFS);
      assert.equal(await c.errno(c.setattr(0, { valid: 0x20, mtimeSec: 5n })), E.EROFS);
      if (fileFid.length) {
        assert.equal(await c.errno(c.link(0, 2, "new")), E.EROFS);
        assert.equal(await c.errno(c.renameat(0, "f", 0, "g")), E.EROFS);
        assert.equal(await c.errno(c.unlinkat(0, "f")), E.EROFS);
        assert.equal(await c.errno(c.unlinkat(0, "d", 0x200)), E.EROFS);
        await c.walk(0, 4, ["f"]);
        assert.equal(await c.errno(c.remove(4)), E.EROFS);
        await c.walk(0, 4, ["d"]);
        await c.walk(0, 5, ["f"]);
        assert.equal(await c.errno(c.rename(5, 4, "moved")), E.EROFS);
      }
      assert.equal((await c.statfs(0)).namelen, 255);
      await c.server.reset();
      assert.equal(snapshot(), before);
    }
  } finally { h.cleanup(); }
});

test("the shared directory given through a symlink is resolved once; a file instead of a directory is refused", async () => {
  const h = makeHost();
  try {
    writeFileSync(join(h.share, "inside"), "in");
    symlinkSync(h.share, join(h.parent, "via-link"));
    const c = await connect(await NodeFsBackend.create(join(h.parent, "via-link")));
    assert.equal(await c.readPath(0, ["inside"]), "in");
    await assert.rejects(NodeFsBackend.create(h.secret), /not a directory/);
    await c.server.reset();
  } finally { h.cleanup(); }
});
