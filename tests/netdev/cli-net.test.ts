// `rvplay boot` with its network card on the user network, end to end on
// the sample image: DHCP, a download from and an upload to a server on the
// host's loopback (through 10.0.2.2), names from a DNS server the test runs,
// a UDP round trip, ICMP to the gateway, and a port forward to the guest's
// httpd. One boot serves them all, in order.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Console } from "../boot/console.js";
import {
  freePort, httpGet, patternBytes, serveDns, serveHttp, serveUdpEcho, sha256, WAIT_LEASE, type DnsServer, type HttpFiles, type UdpEcho,
} from "./host-services.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const cli = join(root, "bin", "rvplay.js");
const PROMPT = /root@rvplay:[^\n]*# $/m;
const FILE = patternBytes(3 << 20, 7);


describe("rvplay boot --net user", { timeout: 300_000 }, () => {
  let c: Console;
  let http: HttpFiles, dns: DnsServer, echo: UdpEcho;
  let fwdPort = 0;

  before(async () => {
    http = await serveHttp({ "file.bin": FILE });
    dns = await serveDns({ "files.rvplay.test": "10.0.2.2", "doc.rvplay.test": "192.0.2.77" });
    echo = await serveUdpEcho();
    fwdPort = await freePort();
    c = new Console((await import("node:child_process")).spawn(process.execPath,
      [cli, "boot", "--mem", "128", "--net-forward", `tcp:${fwdPort}:80`],
      { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, RVPLAY_NET_DNS: `127.0.0.1:${dns.port}` } }), "rvplay boot --net user");
    await c.waitFor(PROMPT, 120_000);
    await c.run(WAIT_LEASE, 60_000);
  });

  after(async () => {
    if (c && c.exitCode === null) {
      c.send("poweroff\n");
      const code = await Promise.race([c.exited, new Promise((r) => setTimeout(() => r("timeout"), 30_000))]);
      if (c.exitCode === null) c.proc.kill("SIGKILL");
      assert.equal(code, 0, "the guest powered off");
    }
    await http?.close();
    dns?.close();
    echo?.close();
  });

  test("DHCP gives 10.0.2.15 with the gateway and the resolver; the MAC is locally administered; the gateway answers ping", async () => {
    assert.match(await c.run("ip -4 addr show eth0"), /inet 10\.0\.2\.15\/24/);
    assert.match(await c.run("ip route"), /default via 10\.0\.2\.2 dev eth0/);
    assert.match(await c.run("cat /etc/resolv.conf"), /^nameserver 10\.0\.2\.3$/m);
    const mac = (await c.run("cat /sys/class/net/eth0/address")).trim();
    assert.match(mac, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    assert.equal(parseInt(mac.slice(0, 2), 16) & 3, 2, `${mac}: locally administered, unicast`);
    assert.equal((await c.run("cat /sys/class/net/eth0/mtu")).trim(), "1500", "VIRTIO_NET_F_MTU");
    assert.equal((await c.run("cat /sys/class/net/eth0/carrier")).trim(), "1", "VIRTIO_NET_F_STATUS: link up");
    assert.match(await c.run("ping -c 2 -W 3 10.0.2.2"), /2 packets received/);
  });

  test("wget of a 3 MiB file from the host's loopback through 10.0.2.2: the checksum matches", async () => {
    const out = await c.run(`wget -q -O - http://10.0.2.2:${http.port}/file.bin | sha256sum`, 120_000);
    assert.equal(out.trim().split(/\s+/)[0], sha256(FILE));
    // Nothing arrived broken at the driver (a packet over several buffers is
    // published whole).
    const dev = (await c.run("cat /proc/net/dev | grep eth0")).trim().split(/[\s:]+/);
    assert.deepEqual([dev[3], dev[4], dev[6]], ["0", "0", "0"], `rx errs, drop, frame: ${dev.join(" ")}`);
  });

  test("a 2 MiB upload from the guest to the host (an HTTP PUT through nc): the host gets the same bytes", async () => {
    const guestSum = (await c.run("dd if=/dev/urandom of=/tmp/up.bin bs=64k count=32 2>/dev/null; sha256sum /tmp/up.bin")).trim().split(/\s+/)[0];
    // (busybox wget --post-file sends the file with strlen(): binary data
    // would stop at its first zero byte.)
    const reply = await c.run(`(printf 'PUT /up.bin HTTP/1.0\\r\\nContent-Length: 2097152\\r\\n\\r\\n'; cat /tmp/up.bin) | nc -w 10 10.0.2.2 ${http.port}`, 120_000);
    assert.match(reply, /^HTTP\/1\.[01] 200/m);
    const got = http.uploads.get("up.bin");
    assert.ok(got, "the host received the upload");
    assert.equal(got.length, 2 << 20);
    assert.equal(sha256(got), guestSum);
  });

  test("DNS through 10.0.2.3: names the test's DNS server serves resolve, others do not, and wget fetches by name", async () => {
    assert.match(await c.run("nslookup doc.rvplay.test"), /Address:?\s+192\.0\.2\.77/);
    assert.ok(dns.queries.includes("doc.rvplay.test"), `the test's server was asked (${dns.queries.join(", ")})`);
    assert.match(await c.run("nslookup nothing.rvplay.test; echo status=$?"), /status=1/);
    const out = await c.run(`wget -q -O - http://files.rvplay.test:${http.port}/file.bin | sha256sum`, 120_000);
    assert.equal(out.trim().split(/\s+/)[0], sha256(FILE));
  });

  test("UDP: nc -u to an echo server on the host's loopback gets its answer", async () => {
    const out = await c.run(`echo ping-$((6 * 7)) | nc -u -w 2 10.0.2.2 ${echo.port}`);
    assert.match(out, /echo:ping-42/);
    assert.ok(echo.seen.includes("ping-42\n"));
  });

  test("--net-forward tcp:HOSTPORT:80 reaches the guest's httpd", async () => {
    await c.run("mkdir -p /tmp/www && echo served-by-guest-$((6 * 7)) > /tmp/www/hello.txt && httpd -p 80 -h /tmp/www");
    const r = await httpGet(`http://127.0.0.1:${fwdPort}/hello.txt`);
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), "served-by-guest-42\n");
    const big = await c.run("dd if=/dev/urandom of=/tmp/www/big.bin bs=64k count=16 2>/dev/null; sha256sum /tmp/www/big.bin");
    const r2 = await httpGet(`http://127.0.0.1:${fwdPort}/big.bin`);
    assert.equal(r2.body.length, 1 << 20);
    assert.equal(sha256(r2.body), big.trim().split(/\s+/)[0]);
  });

  test("after the guest reboots, the card is reset and negotiated again: DHCP, then a download with its checksum", async () => {
    const from = c.output.length;
    c.send("reboot\n");
    await c.waitFor(/Welcome to rvplay/, 120_000, from);
    await c.waitFor(PROMPT, 60_000, from);
    await c.run(WAIT_LEASE, 60_000);
    assert.match(await c.run("ip -4 addr show eth0"), /inet 10\.0\.2\.15\/24/);
    const out = await c.run(`wget -q -O - http://10.0.2.2:${http.port}/file.bin | sha256sum`, 120_000);
    assert.equal(out.trim().split(/\s+/)[0], sha256(FILE));
  });
});

test("bad --net and --net-forward values are refused before anything boots", () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, "boot", ...args], { encoding: "utf8", timeout: 30_000 });
  let r = run("--net", "tap");
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--net 'tap': expected user or none/);
  r = run("--net-forward", "tcp:80");
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bad port forward "tcp:80"/);
  r = run("--net-forward", "udp:5353:53");
  assert.equal(r.status, 2);
  assert.match(r.stderr, /only tcp forwards/);
  r = run("--net", "none", "--net-forward", "tcp:8080:80");
  assert.equal(r.status, 2);
  assert.match(r.stderr, /needs the network/);
  r = run("--net-forward", "tcp:8080:80", "--net-forward", "tcp:127.0.0.1:8080-:22");
  assert.equal(r.status, 2);
  assert.match(r.stderr, /forwarded twice/);
});

test("a forward whose host port is taken is refused by name before the boot", async () => {
  const { createServer } = await import("node:net");
  const { spawn } = await import("node:child_process");
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
  const port = (taken.address() as { port: number }).port;
  try {
    const p = spawn(process.execPath, [cli, "boot", "--net-forward", `tcp:${port}:80`], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    p.stderr.on("data", (d) => { err += d; });
    const code = await new Promise<number | null>((r) => p.on("exit", r));
    assert.equal(code, 1);
    assert.match(err, new RegExp(`--net-forward 'tcp:${port}:80': cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`));
  } finally {
    taken.close();
  }
});
