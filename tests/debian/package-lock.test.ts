// The Debian recipe's lock and the apt output it is made from: the committed
// lock matches packages.list and holds what the image promises; every parser
// refuses malformed input by line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  formatLock, LockError, parseDeb822, parseLock, parseRelease, parseSelection, parseSimulation, field, debFileName, type PackageLock,
} from "../../image/debian/package-lock.js";

const recipe = fileURLToPath(new URL("../../../image/debian/", import.meta.url));
const enc = (s: string) => new TextEncoder().encode(s);
const H = (c: string) => c.repeat(64);

const sample: PackageLock = {
  suite: "trixie", release: "13.8", releaseDate: "2026-11-21T09:15:44Z", sourceDateEpoch: 1795252544, selection: H("1"),
  packages: [
    { role: "image", name: "python3", version: "3.13.5-1", arch: "riscv64", size: 28000, sha256: H("3"), filename: "pool/main/p/python3-defaults/python3_3.13.5-1_riscv64.deb" },
    { role: "essential", name: "bsdutils", version: "1:2.41.5-0+deb13u1", arch: "riscv64", size: 113468, sha256: H("2"), filename: "pool/main/u/util-linux/bsdutils_2.41.5-0+deb13u1_riscv64.deb" },
    { role: "tool", name: "busybox-static", version: "1:1.37.0-6+b9", arch: "riscv64", size: 941532, sha256: H("4"), filename: "pool/main/b/busybox/busybox-static_1.37.0-6+b9_riscv64.deb" },
  ],
};

test("a lock round-trips through its text form, sorted by role then name", () => {
  const text = formatLock(sample);
  const back = parseLock(enc(text));
  assert.deepEqual(back.packages.map((p) => p.name), ["bsdutils", "python3", "busybox-static"]);
  assert.deepEqual({ ...back, packages: [] }, { ...sample, packages: [] });
  const byName = (ps: PackageLock["packages"]) => [...ps].sort((a, b) => (a.name < b.name ? -1 : 1));
  assert.deepEqual(byName(back.packages), byName(sample.packages));
  assert.equal(formatLock(back), text);
  assert.equal(debFileName(back.packages[0]), "bsdutils_2.41.5-0+deb13u1_riscv64.deb");
});

test("the committed packages.lock matches packages.list and holds what the image promises", () => {
  const list = parseSelection(readFileSync(`${recipe}packages.list`, "utf8"));
  const lock = parseLock(readFileSync(`${recipe}packages.lock`));
  assert.equal(lock.selection, list.digest, "packages.list changed since the lock was written: npm run image:debian -- --update-lock");
  assert.equal(lock.suite, "trixie");
  assert.match(lock.release, /^13(\.|$)/);
  const names = new Map(lock.packages.map((p) => [p.name, p]));
  for (const n of [...list.image, "dpkg", "base-files", "libc6", "systemd", "initramfs-tools", "python3.13"]) {
    assert.ok(names.has(n), `${n} is locked`);
    assert.notEqual(names.get(n)!.role, "tool");
  }
  assert.equal(names.get("busybox-static")?.role, "tool");
  assert.ok(lock.packages.filter((p) => p.role === "essential").some((p) => p.name === "dpkg"));
  assert.ok([...names.keys()].some((n) => /^linux-image-6\.\d+\.\d+.*-riscv64$/.test(n)), "a versioned riscv64 kernel");
  for (const p of lock.packages) assert.ok(p.arch === "riscv64" || p.arch === "all", `${p.name} is ${p.arch}`);
});

test("bad lock files are refused, naming the line", () => {
  const good = formatLock(sample);
  const lines = good.split("\n");
  const debLine = lines.findIndex((l) => l.startsWith("deb essential"));
  const replace = (i: number, s: string) => lines.map((l, j) => (j === i ? s : l)).join("\n");
  const cases: [string, string, RegExp][] = [
    ["unknown key", good + "color blue\n", /unknown key 'color'/],
    ["double space", replace(debLine, lines[debLine].replace(" ", "  ")), /single spaces/],
    ["short deb line", replace(debLine, "deb essential bsdutils 1.0 riscv64 1"), /8 fields/],
    ["unknown role", replace(debLine, lines[debLine].replace("essential", "extra")), /unknown role/],
    ["bad name", replace(debLine, lines[debLine].replace("bsdutils", "BSD_utils")), /not a Debian package name/],
    ["bad version", replace(debLine, lines[debLine].replace("1:2.41.5-0+deb13u1", "1:2.41 5")), /single spaces|8 fields/],
    ["bad version chars", replace(debLine, lines[debLine].replace("1:2.41.5-0+deb13u1", "2.41$")), /not a Debian version/],
    ["zero size", replace(debLine, lines[debLine].replace(" 113468 ", " 0 ")), /size/],
    ["bad hash", replace(debLine, lines[debLine].replace(H("2"), "2".repeat(63))), /SHA-256/],
    ["path escape", replace(debLine, lines[debLine].replace("pool/main/u/util-linux/", "pool/../../etc/")), /pool\/\.\.\. \.deb path/],
    ["absolute path", replace(debLine, lines[debLine].replace("pool/main", "/pool/main")), /pool/],
    ["duplicate package", good + lines[debLine] + "\n", /listed twice/],
    ["duplicate key", good + "suite bookworm\n", /given twice/],
    ["no suite", good.replace(/^suite .*\n/m, ""), /no 'suite' line/],
    ["epoch disagrees", good.replace("source-date-epoch 1795252544", "source-date-epoch 1"), /not the release date/],
    ["malformed date", good.replace("2026-11-21T09:15:44Z", "yesterday"), /malformed/],
    ["no essential", good.replace(/^deb essential.*\n/m, ""), /no essential packages/],
  ];
  for (const [what, text, re] of cases) {
    assert.throws(() => parseLock(enc(text)), (e: unknown) => e instanceof LockError && re.test(e.message), what);
  }
  assert.throws(() => parseLock(new Uint8Array([0xc3])), LockError);
});

test("packages.list: names, tool: entries, comments; duplicates and junk refused", () => {
  const s = parseSelection("# c\nbash   # the shell\n\ntool:busybox-static\npython3\n");
  assert.deepEqual(s.image, ["bash", "python3"]);
  assert.deepEqual(s.tool, ["busybox-static"]);
  // The digest ignores order and comments.
  assert.equal(parseSelection("python3\ntool:busybox-static\nbash\n").digest, s.digest);
  assert.notEqual(parseSelection("python3\nbash\n").digest, s.digest);
  assert.throws(() => parseSelection("bash\nbash\n"), /listed twice/);
  assert.throws(() => parseSelection("bash\ntool:bash\n"), /listed twice/);
  assert.throws(() => parseSelection("bash; rm -rf /\n"), /line 1/);
  assert.throws(() => parseSelection("# nothing\n"), /no packages/);
});

test("deb822: stanzas, continuation lines, case-insensitive fields; malformed lines refused", () => {
  const st = parseDeb822("Package: a\nDescription: one\n two\n .\nVersion: 1\n\n\nPackage: b\r\nSHA256: ff\n");
  assert.equal(st.length, 2);
  assert.equal(field(st[0], "description"), "one\ntwo\n.");
  assert.equal(field(st[1], "Sha256"), "ff");
  assert.throws(() => parseDeb822(" leading continuation\n"), /continuation/);
  assert.throws(() => parseDeb822("Package a\n"), /Field: value/);
  assert.throws(() => parseDeb822("Package: a\npackage: b\n"), /twice/);
});

test("apt-get -s: Inst lines give name, version and architecture", () => {
  const out = "NOTE: This is only a simulation!\nReading package lists...\n" +
    "Inst gcc-14-base (14.2.0-19 Debian:13.8/stable [riscv64])\n" +
    "Inst libc6 (2.41-12+deb13u5 Debian:13.8/stable [riscv64]) []\n" +
    "Inst busybox-static [1:1.36.1-1] (1:1.37.0-6+b9 Debian:13.8/stable [riscv64])\n" +
    "Conf libc6 (2.41-12+deb13u5 Debian:13.8/stable [riscv64])\n";
  assert.deepEqual(parseSimulation(out), [
    { name: "gcc-14-base", version: "14.2.0-19", arch: "riscv64" },
    { name: "libc6", version: "2.41-12+deb13u5", arch: "riscv64" },
    { name: "busybox-static", version: "1:1.37.0-6+b9", arch: "riscv64" },
  ]);
  assert.throws(() => parseSimulation("Inst something odd\n"), /line 1/);
});

test("InRelease: suite, point release and date, through the signature armour", () => {
  const text = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nOrigin: Debian\nSuite: stable\nVersion: 13.8\nCodename: trixie\n" +
    "Date: Sat, 21 Nov 2026 09:15:44 UTC\nMD5Sum:\n 3e49 1961125 contrib/Contents-all\n-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----\n";
  assert.deepEqual(parseRelease(text), { suite: "trixie", release: "13.8", releaseDate: "2026-11-21T09:15:44Z", sourceDateEpoch: 1795252544 });
  assert.throws(() => parseRelease("Codename: trixie\nVersion: 13.8\nDate: someday\n"), /not a date/);
  assert.throws(() => parseRelease("Version: 13.8\n"), /Codename/);
  assert.throws(() => parseRelease(""), /empty/);
});
