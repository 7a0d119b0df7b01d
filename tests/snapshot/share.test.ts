// Sharing through the snapshot service (src/snapshot/share-snapshot.ts and
// the CLI) against a real server on loopback with its local-disk store:
// only the blobs the service lacks go up; a fetch checks everything and
// takes only what this side lacks; unknown ids, newer formats, machines too
// large, blobs damaged in the store or in transit, a server that is down or
// answers garbage are refused with clear words. `rvplay share` prints a
// link and `rvplay boot --restore LINK` resumes it in another process.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RemoteStore, RemoteStoreError } from "../../src/snapshot/remote-store.js";
import { fetchSnapshot, shareFailure, uploadSnapshot } from "../../src/snapshot/share-snapshot.js";
import { SnapshotError } from "../../src/snapshot/snapshot-error.js";
import { writeSnapshotFile, type Snapshot } from "../../src/snapshot/snapshot-file.js";
import { parseShareLink } from "../../src/snapshot/share-link.js";
import { DiskStore } from "../../server/disk-store.js";
import { freePort, startTestServer, type TestServer } from "../server/harness.js";
import { Console } from "../boot/console.js";
import { syntheticSnapshot } from "./synthetic.js";
import { bootSample } from "./sample-machine.js";

const RVPLAY = fileURLToPath(new URL("../../../bin/rvplay.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "rvplay-share-"));
let srv: TestServer;
let snap: Snapshot;

// A RemoteStore that counts what it asks for and can change what it gets.
function counted(base: string, alter?: (url: string, body: Uint8Array) => Uint8Array) {
  const log: { method: string; path: string; bytes: number }[] = [];
  const remote = new RemoteStore(base, {
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      const url = String(input);
      const path = new URL(url).pathname;
      const sent = init?.body instanceof Uint8Array ? init.body.length : 0;
      if (!alter && !res.ok) { log.push({ method: init?.method ?? "GET", path, bytes: sent }); return res; }
      let body = new Uint8Array(await res.arrayBuffer());
      if (alter && res.ok) body = alter(url, body) as Uint8Array<ArrayBuffer>;
      log.push({ method: init?.method ?? "GET", path, bytes: sent + body.length });
      return new Response(res.status === 304 ? null : body, { status: res.status, headers: res.headers });
    },
  });
  return { remote, log };
}

before(async () => {
  srv = await startTestServer("disk");
  snap = await syntheticSnapshot();
});
after(async () => { await srv?.close(); });

test("share: only the blobs the service lacks go up, then the manifest; a fetch gets it back verified", async () => {
  // One of the two blobs is there already.
  const [first, second] = snap.manifest.blobs;
  assert.equal((await fetch(new URL(`api/v1/blobs/${first.hash}`, srv.url), { method: "PUT", body: snap.blobs.get(first.hash) as Uint8Array<ArrayBuffer> })).status, 201);
  const up = counted(srv.url);
  const progress: number[] = [];
  const r = await uploadSnapshot(up.remote, snap, (p) => progress.push(p.bytesDone));
  assert.equal(r.id, snap.id);
  assert.deepEqual({ blobs: r.blobs, uploaded: r.uploadedBlobs, bytes: r.uploadedBytes }, { blobs: 2, uploaded: 1, bytes: second.size });
  assert.deepEqual(up.log.filter((x) => x.method === "PUT").map((x) => x.path), [`/api/v1/blobs/${second.hash}`]);
  assert.equal(progress.at(-1), second.size);
  // Shared again: nothing goes up.
  const again = counted(srv.url);
  assert.equal((await uploadSnapshot(again.remote, snap)).uploadedBlobs, 0);
  assert.equal(again.log.filter((x) => x.method === "PUT").length, 0);

  const down = counted(srv.url);
  const got = await fetchSnapshot(down.remote, r.id);
  assert.equal(got.snapshot.id, snap.id);
  assert.deepEqual(got.snapshot.manifestBytes, snap.manifestBytes);
  for (const b of snap.manifest.blobs) assert.deepEqual(got.snapshot.blobs.get(b.hash), snap.blobs.get(b.hash));
  assert.equal(got.fetchedBlobs, 2);
  // With one blob here, only the other is fetched.
  const partly = counted(srv.url);
  const got2 = await fetchSnapshot(partly.remote, r.id, { local: async () => new Map([[first.hash, snap.blobs.get(first.hash)!]]) });
  assert.deepEqual({ fetched: got2.fetchedBlobs, local: got2.localBlobs }, { fetched: 1, local: 1 });
  assert.deepEqual(partly.log.map((x) => x.path), [`/api/v1/manifests/${r.id}`, `/api/v1/blobs/${second.hash}`]);
});

test("opening: unknown id, newer format, a machine too large, bad bytes in transit: refused, with words for people", async () => {
  const { id } = await uploadSnapshot(new RemoteStore(srv.url), snap);
  const service = new URL(srv.url).host;
  const failure = async (p: Promise<unknown>) => {
    try { await p; } catch (e) { return { e, text: shareFailure(e, "open", service) }; }
    throw new Error("it was not refused");
  };
  // Unknown id.
  const unknown = await failure(fetchSnapshot(new RemoteStore(srv.url), "ab".repeat(32)));
  assert.ok(unknown.e instanceof RemoteStoreError && unknown.e.status === 404);
  assert.match(unknown.text, /No shared machine has this link's id on 127\.0\.0\.1:\d+/);

  // A manifest of a newer format version (the service stores any version).
  const blob = snap.manifest.blobs[0];
  const future = new TextEncoder().encode(JSON.stringify({ format: "rvplay-snapshot", version: 3, blobs: [blob], machine: { harts: 1 } }));
  const futureId = await new RemoteStore(srv.url).publishManifest(future);
  const newer = await failure(fetchSnapshot(new RemoteStore(srv.url), futureId));
  assert.ok(newer.e instanceof SnapshotError && newer.e.code === "future_version");
  assert.match(newer.text, /format version 3; this rvplay reads versions up to 2: update rvplay/);

  // Larger than this side runs: refused before any blob is fetched.
  const small = counted(srv.url);
  const large = await failure(fetchSnapshot(small.remote, id, { limits: { maxHarts: 1, maxRamMiB: 32, why: "this browser's limit" } }));
  assert.ok(large.e instanceof SnapshotError && large.e.code === "limits");
  assert.match(large.text, /64 MiB of RAM; here at most 32 MiB can run \(this browser's limit\)/);
  assert.deepEqual(small.log.map((x) => x.path), [`/api/v1/manifests/${id}`]);
  const harts = await failure(fetchSnapshot(new RemoteStore(srv.url), id, { limits: { maxHarts: 0, maxRamMiB: 2048 } }));
  assert.match(harts.text, /1 vCPUs; here at most 0 can run/);

  // A blob changed on its way here.
  const bent = counted(srv.url, (url, body) => {
    if (!url.includes("/blobs/")) return body;
    const c = body.slice(); c[c.length >> 1] ^= 4; return c;
  });
  const transit = await failure(fetchSnapshot(bent.remote, id));
  assert.ok(transit.e instanceof RemoteStoreError && transit.e.kind === "integrity");
  assert.match(transit.text, /did not arrive intact .* hash to .*nothing from it is used/);
});

test("a blob damaged in the service's store is refused, and the service sets it aside", async () => {
  const s = await syntheticSnapshot({ manifest: (m) => { m.created = "2026-02-02T00:00:00.000Z"; } });
  const { id } = await uploadSnapshot(new RemoteStore(srv.url), s);
  const target = s.manifest.blobs[1];
  const path = (srv.store as DiskStore).path("blobs", target.hash);
  const bytes = readFileSync(path);
  bytes[0] ^= 0xff;
  writeFileSync(path, bytes);
  let text = "";
  await assert.rejects(fetchSnapshot(new RemoteStore(srv.url), id), (e) => {
    text = shareFailure(e, "open", "here");
    return e instanceof RemoteStoreError && (e.code === "corrupt_object" || e.kind === "integrity");
  });
  assert.match(text, /damaged in its storage and set it aside|did not arrive intact/);
  // Sharing the machine again heals it: the service asks for that blob again.
  const r = await uploadSnapshot(new RemoteStore(srv.url), s);
  assert.equal(r.uploadedBlobs, 1);
  assert.equal((await fetchSnapshot(new RemoteStore(srv.url), id)).fetchedBlobs, 2);
});

test("a service that is down, or answers garbage, or is no snapshot service: clear refusals", async () => {
  const port = await freePort();
  const down = await fetchSnapshot(new RemoteStore(`http://127.0.0.1:${port}/`), snap.id).catch((e) => e);
  assert.ok(down instanceof RemoteStoreError && down.kind === "unreachable");
  assert.match(shareFailure(down, "open", `127.0.0.1:${port}`), /^Cannot reach the snapshot service at 127\.0\.0\.1:\d+: .* Is the server running\?$/);

  const garbage: Server = createServer((req, res) => {
    if (req.url?.startsWith("/nothing/")) { res.writeHead(404, { "Content-Type": "text/html" }); res.end("<h1>no</h1>"); return; }
    res.writeHead(200, { "Content-Type": "text/html" }); res.end("<html>hello</html>");
  });
  await new Promise<void>((r) => garbage.listen(0, "127.0.0.1", r));
  try {
    const base = `http://127.0.0.1:${(garbage.address() as { port: number }).port}/`;
    const bad = await fetchSnapshot(new RemoteStore(base), snap.id).catch((e) => e);
    assert.ok(bad instanceof RemoteStoreError && bad.kind === "integrity", String(bad));
    const up = await uploadSnapshot(new RemoteStore(base), snap).catch((e) => e);
    assert.ok(up instanceof RemoteStoreError && up.kind === "bad_response", String(up));
    assert.match(shareFailure(up, "share", "h"), /has no snapshot service .*the answer is not JSON/);
    const none = await uploadSnapshot(new RemoteStore(`${base}nothing/`), snap).catch((e) => e);
    assert.match(shareFailure(none, "share", "h"), /has no snapshot service .*sharing needs the rvplay server/);
  } finally {
    await new Promise<void>((r) => garbage.close(() => r()));
  }
});

function rvplay(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [RVPLAY, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr });
    });
  });
}

test("rvplay share: prints the link, uploads only what is missing; bad arguments and a server that is down", async () => {
  const s = await syntheticSnapshot({ manifest: (m) => { m.created = "2026-03-03T00:00:00.000Z"; } });
  const file = join(dir, "synthetic.rvsnap");
  writeFileSync(file, writeSnapshotFile(s));
  const first = await rvplay(["share", file, "--server", srv.url]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, `${srv.url}#/s/${s.id}\n`);
  assert.deepEqual(parseShareLink(first.stdout), { id: s.id, apiBase: srv.url });
  assert.match(first.stderr, /uploaded \([0-2] of 2 blobs; the server had the rest\)/);
  const second = await rvplay(["share", file], { RVPLAY_SERVER: srv.url });
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /0\.00 MB uploaded \(0 of 2 blobs/);

  const port = await freePort();
  const down = await rvplay(["share", file, "--server", `http://127.0.0.1:${port}`]);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /^rvplay share: Cannot reach the snapshot service at 127\.0\.0\.1:\d+/);
  const none = await rvplay(["share", file]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /--server URL/);
  const bad = await rvplay(["share", file, "--server", "ftp://x/"]);
  assert.equal(bad.code, 2);
  const missing = await rvplay(["share", join(dir, "nope.rvsnap"), "--server", srv.url]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no such file/);
  const damaged = join(dir, "damaged.rvsnap");
  const d = writeSnapshotFile(s); d[d.length - 5] ^= 1; writeFileSync(damaged, d);
  const refusedFile = await rvplay(["share", damaged, "--server", srv.url]);
  assert.equal(refusedFile.code, 1);
  assert.match(refusedFile.stderr, /damaged/);
});

test("rvplay boot --restore LINK: a bad link, an unknown id and a server that is down end with a message", async () => {
  const port = await freePort();
  const cases: [string, RegExp][] = [
    [`${srv.url}#/s/${"ab".repeat(20)}`, /40 hex digits, not 64/],
    [`${srv.url}#/s/${"cd".repeat(32)}`, /No shared machine has this link's id/],
    [`http://127.0.0.1:${port}/#/s/${"cd".repeat(32)}`, /Cannot reach the snapshot service/],
  ];
  for (const [link, re] of cases) {
    const r = await rvplay(["boot", "--restore", link]);
    assert.equal(r.code, 1, `${link}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
});

test("the sample machine: snapshot, rvplay share, rvplay boot --restore LINK in a fresh process: the file and the counter are there", { timeout: 300_000 }, async () => {
  const { guest, take } = await bootSample(1);
  const file = join(dir, "sample.rvsnap");
  try {
    await guest.run("echo shared-$((6*7)) > /tmp/marker");
    guest.send("(n=0; while :; do n=$((n+1)); echo $n > /tmp/count; sleep 1; done) &\n");
    await guest.run("sleep 2");
    const { snapshot } = await take(() => ({ bytes: new TextEncoder().encode("SHARED-SCREEN\r\nroot@rvplay:~# "), cols: 80, rows: 24 }));
    writeFileSync(file, writeSnapshotFile(snapshot));
  } finally {
    await guest.stop();
  }
  const shared = await rvplay(["share", file, "--server", srv.url]);
  assert.equal(shared.code, 0, shared.stderr);
  const link = shared.stdout.trim();
  const c = Console.spawn(process.execPath, [RVPLAY, "boot", "--restore", link], "rvplay boot --restore LINK");
  try {
    await c.waitFor(/\[rvplay\] fetched [\d.]+ MB \(\d+ blobs and the manifest\) from 127\.0\.0\.1:\d+/);
    assert.equal((await c.run("cat /tmp/marker")).trim(), "shared-42");
    const a = Number((await c.run("cat /tmp/count")).trim());
    await new Promise((r) => setTimeout(r, 2500));
    const b = Number((await c.run("cat /tmp/count")).trim());
    assert.ok(a >= 2 && b > a, `the counter goes on: ${a} then ${b}`);
    assert.match(c.output, /SHARED-SCREEN/, "the saved screen is drawn");
  } finally {
    c.send("\x01x");
    c.proc.kill();
    await c.exited;
  }
});
