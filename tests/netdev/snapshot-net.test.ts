// Snapshots of a machine with a network card: the card's state (MAC, cable,
// offloads) is in the manifest as a virtio-net device entry; `rvplay boot
// --restore` plugs the card into a new user network, and the restored guest,
// which keeps its DHCP address, downloads from the host again (checksum) and
// serves a port forward. Restoring it with no network, or onto a LAN, is
// refused by name; a manifest with a bad card state is refused as such.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Console } from "../boot/console.js";
import { freePort, httpGet, patternBytes, serveHttp, sha256, WAIT_LEASE, type HttpFiles } from "./host-services.js";
import { syntheticSnapshot } from "../snapshot/synthetic.js";
import { readSnapshotFile } from "../../src/snapshot/snapshot-file.js";
import { DEVICE_VERSIONS, encodeManifest, parseManifest, type NetState } from "../../src/snapshot/manifest.js";
import { restoredNic } from "../../src/snapshot/restore-snapshot.js";
import { SnapshotError } from "../../src/snapshot/snapshot-error.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const cli = join(root, "bin", "rvplay.js");
const PROMPT = /root@rvplay:[^\n]*# $/m;
const FILE = patternBytes(2 << 20, 11);

describe("a snapshot of a machine with a network card", { timeout: 400_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "rvplay-netsnap-"));
  let http: HttpFiles;
  let file = "";
  let mac = "";

  before(async () => { http = await serveHttp({ "file.bin": FILE }); });
  after(async () => {
    await http?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("is taken with the card's state (Ctrl-A s)", async () => {
    // RVPLAY_ESCAPE=1: Ctrl-A commands on a pipe, as on a terminal.
    const c = new Console(spawn(process.execPath, [cli, "boot", "--mem", "128"],
      { cwd: dir, stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, RVPLAY_ESCAPE: "1" } }), "rvplay boot");
    try {
      await c.waitFor(PROMPT, 120_000);
      await c.run(WAIT_LEASE, 60_000);
      assert.match(await c.run("ip -4 addr show eth0"), /inet 10\.0\.2\.15\/24/);
      mac = (await c.run("cat /sys/class/net/eth0/address")).trim();
      const from = c.output.length;
      c.send("\x01s");
      await c.waitFor(/snapshot written to [^\n]*\.rvsnap/, 120_000, from);
    } finally {
      c.send("\x01x");
      await Promise.race([c.exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (c.exitCode === null) c.proc.kill("SIGKILL");
    }
    const names = readdirSync(dir).filter((n) => n.endsWith(".rvsnap"));
    assert.equal(names.length, 1, `one snapshot file in ${dir}: ${names.join(", ")}`);
    file = join(dir, names[0]);
    const snap = await readSnapshotFile(new Uint8Array(readFileSync(file)));
    const nics = snap.manifest.devices.filter((d) => d.type === "virtio-net");
    assert.equal(nics.length, 1, "one virtio-net entry");
    assert.equal(nics[0].version, DEVICE_VERSIONS["virtio-net"]);
    assert.deepEqual(nics[0].state, { mac, linkUp: true, offloads: true } satisfies NetState, "the MAC the guest's driver uses, the cable, the offloads");
  });

  test("restores onto a new user network: the guest keeps 10.0.2.15, downloads from the host (checksum) and serves a forward", async () => {
    assert.ok(file, "the snapshot was taken");
    const port = await freePort();
    const c = new Console(spawn(process.execPath, [cli, "boot", "--restore", file, "--net-forward", `tcp:${port}:80`],
      { cwd: dir, stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, RVPLAY_ESCAPE: "1" } }), "rvplay boot --restore");
    try {
      // The restored screen shows the old prompt: a fresh command proves it runs.
      assert.equal((await c.run("echo restored-$((20 + 22))", 120_000)).trim(), "restored-42");
      assert.match(await c.run("ip -4 addr show eth0"), /inet 10\.0\.2\.15\/24/);
      assert.equal((await c.run("cat /sys/class/net/eth0/address")).trim(), mac, "the same MAC");
      assert.equal((await c.run("cat /sys/class/net/eth0/carrier")).trim(), "1");
      const out = await c.run(`wget -q -T 20 -O - http://10.0.2.2:${http.port}/file.bin | sha256sum`, 120_000);
      assert.equal(out.trim().split(/\s+/)[0], sha256(FILE), "the download through the new network is whole");
      await c.run("mkdir -p /tmp/www && echo after-restore > /tmp/www/r.txt && httpd -p 80 -h /tmp/www");
      const r = await httpGet(`http://127.0.0.1:${port}/r.txt`);
      assert.equal(r.status, 200);
      assert.equal(r.body.toString().trim(), "after-restore");
    } finally {
      c.send("\x01x");
      await Promise.race([c.exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (c.exitCode === null) c.proc.kill("SIGKILL");
    }
  });

  test("restoring it with --net none is refused by name (exit 1), before anything runs", () => {
    assert.ok(file, "the snapshot was taken");
    const r = spawnSync(process.execPath, [cli, "boot", "--restore", file, "--net", "none"], { encoding: "utf8", timeout: 120_000, input: "" });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /cannot restore .*: the snapshot's machine has a network card \(virtio-net\): restore it onto a network/);
  });
});

describe("virtio-net in the manifest", () => {
  const good: NetState = { mac: "52:54:00:12:34:56", linkUp: false, offloads: true };

  test("a card is plugged into the restorer's network with its MAC, cable and offloads; none, or the wrong kind, is refused", () => {
    assert.deepEqual(restoredNic(good, { type: "user" }), { kind: "net", net: { type: "user" }, mac: good.mac, offloads: true, linkUp: false });
    assert.throws(() => restoredNic(good, undefined), (e) => e instanceof SnapshotError && e.code === "unsupported" && /has a network card/.test(e.message));
    assert.throws(() => restoredNic(good, { type: "lan", name: "x" }), (e) => e instanceof SnapshotError && /onto the user network, not a LAN/.test(e.message));
    const lan = restoredNic({ ...good, offloads: false }, { type: "lan", name: "x" });
    assert.equal(lan.kind === "net" && lan.offloads, false);
    assert.throws(() => restoredNic({ ...good, offloads: false }, { type: "user" }), /onto a LAN, not the user network/);
  });

  test("a bad card state is a bad_manifest error naming the field", async () => {
    const base = await baseManifest();
    const withNic = (state: unknown) => {
      const m = structuredClone(base) as { devices: unknown[] };
      const used = new Set((m.devices as { slot: number }[]).map((d) => d.slot));
      let slot = 0;
      while (used.has(slot)) slot++;
      m.devices.push({ slot, type: "virtio-net", version: 1, state });
      return new TextEncoder().encode(JSON.stringify(m));
    };
    const parsed = parseManifest(withNic(good));
    assert.deepEqual(parsed.devices.find((d) => d.type === "virtio-net")?.state, good);
    const cases: [unknown, RegExp][] = [
      [{ ...good, mac: "01:00:5e:00:00:01" }, /state\.mac is not a unicast MAC/],
      [{ ...good, mac: "52:54:00:12:34" }, /state\.mac is not a unicast MAC/],
      [{ ...good, mac: 7 }, /state\.mac/],
      [{ ...good, linkUp: "yes" }, /state\.linkUp is not true or false/],
      [{ mac: good.mac, linkUp: true }, /state\.offloads is not true or false/],
      [{ ...good, queue: [] }, /state has an unknown field "queue"/],
    ];
    for (const [state, re] of cases) {
      assert.throws(() => parseManifest(withNic(state)), (e) => e instanceof SnapshotError && e.code === "bad_manifest" && re.test(e.message), JSON.stringify(state));
    }
    const future = JSON.parse(new TextDecoder().decode(withNic(good))) as { devices: { type: string; version: number }[] };
    future.devices.find((d) => d.type === "virtio-net")!.version = 2;
    assert.throws(() => parseManifest(new TextEncoder().encode(JSON.stringify(future))), (e) => e instanceof SnapshotError && e.code === "future_version");
  });
});

// A valid manifest to edit: the synthetic snapshot of tests/snapshot/.
async function baseManifest(): Promise<unknown> {
  return JSON.parse(new TextDecoder().decode(encodeManifest((await syntheticSnapshot()).manifest)));
}
