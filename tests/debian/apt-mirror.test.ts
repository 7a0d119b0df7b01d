// apt in the Debian guest, over the user network, from a local mirror
// (issue 14: "apt works where the host reaches a Debian mirror; a test can
// point apt at a local mirror of a few packages"). The test builds a small
// package on the host (dpkg-deb), serves it as a flat repository (Release,
// Packages, the .deb) over HTTP on the host's loopback, and in the resumed
// Debian machine points apt at http://10.0.2.2:PORT/ (the user network's
// gateway is the host's loopback), runs apt-get update and apt-get install,
// and runs what it installed. Skips, saying why, without the built image,
// its snapshot or dpkg-deb.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Console } from "../boot/console.js";
import { builtImageDir } from "../../src/node/built-images.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const cli = join(root, "bin", "rvplay.js");
const out = builtImageDir("debian");
const dpkgDeb = [process.env.DPKG_DEB, "/usr/bin/dpkg-deb"].find((p): p is string => !!p && existsSync(p));
const skip = !existsSync(join(out, "image.json")) ? `no Debian image in ${out}: run npm run image:debian first`
  : !existsSync(join(out, "snapshot.rvsnap")) ? `the Debian image in ${out} has no snapshot: run npm run image:debian -- --snapshot-only`
  : !dpkgDeb ? "no dpkg-deb to build the test package (apt-get install dpkg)" : false;

const PKG = "rvplay-hello";
const GREETING = "hello from the local mirror";

// A flat repository in `dir`: the package, its Packages index and an
// unsigned Release naming the index by size and SHA-256.
function makeRepository(dir: string): void {
  const tree = join(dir, "tree");
  mkdirSync(join(tree, "DEBIAN"), { recursive: true });
  mkdirSync(join(tree, "usr", "bin"), { recursive: true });
  const fields = [
    `Package: ${PKG}`, "Version: 1.0", "Architecture: all", "Maintainer: rvplay tests <tests@rvplay.invalid>",
    "Description: a package served by the rvplay apt test",
  ];
  writeFileSync(join(tree, "DEBIAN", "control"), `${fields.join("\n")}\n`);
  writeFileSync(join(tree, "usr", "bin", PKG), `#!/bin/sh\necho '${GREETING}'\n`);
  chmodSync(join(tree, "usr", "bin", PKG), 0o755);
  const deb = join(dir, `${PKG}_1.0_all.deb`);
  const r = spawnSync(dpkgDeb!, ["--root-owner-group", "--build", tree, deb], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`dpkg-deb failed: ${r.stderr}`);
  rmSync(tree, { recursive: true });
  const debBytes = readFileSync(deb);
  const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
  // The index's stanza: the control fields plus where the file is.
  const packages = `${[...fields, `Filename: ./${PKG}_1.0_all.deb`, `Size: ${debBytes.length}`, `SHA256: ${sha(debBytes)}`].join("\n")}\n\n`;
  writeFileSync(join(dir, "Packages"), packages);
  writeFileSync(join(dir, "Release"), [
    "Origin: rvplay-test", "Label: rvplay-test", "Suite: local", "Codename: local",
    `Date: ${new Date().toUTCString()}`, "Architectures: all riscv64", "SHA256:",
    ` ${sha(packages)} ${Buffer.byteLength(packages)} Packages`, "",
  ].join("\n"));
}

test("apt-get update and install from a local mirror over the user network, in the resumed Debian", { skip, timeout: 20 * 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "rvplay-apt-mirror-"));
  const store = mkdtempSync(join(tmpdir(), "rvplay-debian-store-"));
  makeRepository(dir);
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? "/").split("?")[0]).replace(/^\/+(\.\/)?/, "");
    requests.push(`${req.method} ${name}`);
    const file = join(dir, name);
    if (name.includes("/") || name === "" || !existsSync(file)) { res.writeHead(404); res.end(); return; }
    const body = readFileSync(file);
    res.writeHead(200, { "Content-Length": body.length });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as AddressInfo).port;
  const c = Console.spawn(process.execPath, [cli, "boot", "--image", "debian", "--store", store], "rvplay boot --image debian (apt)");
  try {
    await c.waitFor(/resumed its snapshot in [\d.]+ s/, 120_000);
    await c.waitFor(/root@rvplay:~# $/, 120_000);
    // The resumed machine's cable is pulled and comes back after 2 s (a new
    // network behind the card); the address and route return with DHCP.
    const up = await c.run("for i in $(seq 120); do ping -c 1 -W 1 10.0.2.2 >/dev/null 2>&1 && break; sleep 1; done; ip -color=never -4 -o addr show eth0; ip -color=never -4 route show default", 300_000);
    assert.match(up, /inet 10\.0\.2\.15\//, "eth0 has its address on the user network");
    assert.match(up, /default via 10\.0\.2\.2/, "the default route is back");
    // Only the local mirror: the image's own sources (deb.debian.org) left out.
    const A = "-o Dir::Etc::SourceList=/tmp/rvplay-local.list -o Dir::Etc::SourceParts=/tmp/rvplay-no-parts";
    await c.run(`mkdir -p /tmp/rvplay-no-parts; echo 'deb [trusted=yes] http://10.0.2.2:${port}/ ./' > /tmp/rvplay-local.list`, 60_000);
    const update = await c.run(`apt-get ${A} update 2>&1; echo "update-status=$?"`, 600_000);
    t.diagnostic(`apt-get update:\n${update.trim()}`);
    assert.match(update, /update-status=0/, update);
    const install = await c.run(`DEBIAN_FRONTEND=noninteractive apt-get ${A} install -y ${PKG} 2>&1; echo "install-status=$?"`, 600_000);
    t.diagnostic(`apt-get install:\n${install.trim()}`);
    assert.match(install, /install-status=0/, install);
    assert.equal((await c.run(PKG, 60_000)).trim(), GREETING);
    assert.match(await c.run(`dpkg-query -W -f='\${Status} \${Version}\\n' ${PKG}`, 60_000), /^install ok installed 1\.0$/m);
    // It came over the network from this server.
    assert.ok(requests.some((r) => /^GET (InRelease|Release)$/.test(r)), requests.join(", "));
    assert.ok(requests.some((r) => /^GET Packages/.test(r)), requests.join(", "));
    assert.ok(requests.includes(`GET ${PKG}_1.0_all.deb`), requests.join(", "));
    c.send("poweroff\n");
    assert.equal(await c.exited, 0);
  } finally {
    if (c.exitCode === null) c.proc.kill("SIGKILL");
    server.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(store, { recursive: true, force: true });
  }
});
