// The Debian image's package lock (image/debian/packages.lock): the exact
// .deb files a build uses, each by name, version, size and SHA-256, plus the
// archive release they were resolved from and the SOURCE_DATE_EPOCH derived
// from it. The recipe writes it once (--update-lock) and every later build
// reads it, so two builds use the same bytes.
//
// Also the two parsers the resolver needs for apt's output: deb822 stanzas
// (`apt-cache show`, InRelease headers) and `apt-get -s` "Inst" lines.
import { createHash } from "node:crypto";

export type PackageRole = "essential" | "image" | "tool";
export const ROLES: readonly PackageRole[] = ["essential", "image", "tool"];

export interface LockedPackage {
  role: PackageRole;   // essential: installed first; image: the rest of the image; tool: used by the build only
  name: string;
  version: string;
  arch: string;
  size: number;
  sha256: string;
  filename: string;    // path under the mirror, pool/...
}

export interface PackageLock {
  suite: string;            // trixie
  release: string;          // 13.8
  releaseDate: string;      // ISO 8601, from InRelease
  sourceDateEpoch: number;  // seconds; the release date
  selection: string;        // SHA-256 of packages.list as resolved (normalised)
  packages: LockedPackage[];
}

export class LockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LockError";
  }
}

const NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const VERSION = /^(?:[0-9]+:)?[0-9A-Za-z][0-9A-Za-z.+~-]*$/;
const ARCH = /^[a-z0-9-]+$/;
const HEX64 = /^[0-9a-f]{64}$/;
const FILENAME = /^pool\/(?:[A-Za-z0-9._+~%-]+\/)+[A-Za-z0-9._+~%-]+\.deb$/;
const SUITE = /^[a-z0-9-]+$/;
const RELEASE = /^[0-9][0-9A-Za-z.~+-]*$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

export const LOCK_HEADER = `# The packages of the rvplay Debian image: exactly these files, checked by SHA-256.
# Written by \`npm run image:debian -- --update-lock\` from the archive's signed index; read by every build.
# Fields of a deb line: role name version arch size sha256 filename (under the mirror).
`;

export function formatLock(lock: PackageLock): string {
  const pkgs = [...lock.packages].sort((a, b) => ROLES.indexOf(a.role) - ROLES.indexOf(b.role) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const lines = [
    `suite ${lock.suite}`,
    `release ${lock.release}`,
    `release-date ${lock.releaseDate}`,
    `source-date-epoch ${lock.sourceDateEpoch}`,
    `selection ${lock.selection}`,
    ...pkgs.map((p) => `deb ${p.role} ${p.name} ${p.version} ${p.arch} ${p.size} ${p.sha256} ${p.filename}`),
  ];
  return LOCK_HEADER + lines.join("\n") + "\n";
}

// Parse a lock file. Throws only LockError, naming the line.
export function parseLock(bytes: Uint8Array): PackageLock {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new LockError("package lock: not UTF-8");
  }
  const head = new Map<string, string>();
  const packages: LockedPackage[] = [];
  const seen = new Set<string>();
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const bad = (why: string) => new LockError(`package lock, line ${i + 1}: ${why}`);
    if (line === "" || line.startsWith("#")) continue;
    const f = line.split(" ");
    if (f.some((x) => x === "")) throw bad("fields are separated by single spaces");
    const key = f[0];
    if (key === "deb") {
      if (f.length !== 8) throw bad(`a deb line has 8 fields, this one ${f.length}`);
      const [, role, name, version, arch, size, sha256, filename] = f;
      if (!(ROLES as readonly string[]).includes(role)) throw bad(`unknown role '${role}'`);
      if (!NAME.test(name)) throw bad(`'${name}' is not a Debian package name`);
      if (!VERSION.test(version)) throw bad(`'${version}' is not a Debian version`);
      if (!ARCH.test(arch)) throw bad(`'${arch}' is not an architecture`);
      if (!/^[1-9][0-9]{0,11}$/.test(size)) throw bad(`size '${size}' is not a positive integer`);
      if (!HEX64.test(sha256)) throw bad("the SHA-256 must be 64 lowercase hex digits");
      if (!FILENAME.test(filename) || filename.split("/").some((s) => s === "." || s === "..")) throw bad(`'${filename}' is not a pool/... .deb path`);
      if (seen.has(name)) throw bad(`package ${name} is listed twice`);
      seen.add(name);
      packages.push({ role: role as PackageRole, name, version, arch, size: Number(size), sha256, filename });
      continue;
    }
    if (!["suite", "release", "release-date", "source-date-epoch", "selection"].includes(key)) throw bad(`unknown key '${key}'`);
    if (f.length !== 2) throw bad(`'${key}' takes one value`);
    if (head.has(key)) throw bad(`'${key}' is given twice`);
    head.set(key, f[1]);
  }
  const need = (key: string, re: RegExp) => {
    const v = head.get(key);
    if (v === undefined) throw new LockError(`package lock: no '${key}' line`);
    if (!re.test(v)) throw new LockError(`package lock: '${key} ${v}' is malformed`);
    return v;
  };
  const suite = need("suite", SUITE);
  const release = need("release", RELEASE);
  const releaseDate = need("release-date", ISO);
  const sde = need("source-date-epoch", /^[0-9]{1,11}$/);
  const selection = need("selection", HEX64);
  if (Date.parse(releaseDate) / 1000 !== Number(sde)) throw new LockError(`package lock: source-date-epoch ${sde} is not the release date ${releaseDate}`);
  if (packages.length === 0) throw new LockError("package lock: no packages");
  if (!packages.some((p) => p.role === "essential")) throw new LockError("package lock: no essential packages");
  return { suite, release, releaseDate, sourceDateEpoch: Number(sde), selection, packages };
}

// The file name a package is kept under in the download cache.
export function debFileName(p: LockedPackage): string {
  return p.filename.slice(p.filename.lastIndexOf("/") + 1);
}

// ---- packages.list: what the image holds, before dependencies ----

export interface Selection {
  image: string[]; // installed (with their Depends and Pre-Depends, not Recommends)
  tool: string[];  // fetched for the build only (the bootstrap initramfs's busybox)
  digest: string;  // SHA-256 of the normalised list, recorded in the lock
}

// Lines: a package name, or "tool:" and a name; "#" starts a comment.
// Throws only LockError.
export function parseSelection(text: string): Selection {
  const image: string[] = [];
  const tool: string[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const entry = lines[i].replace(/#.*/, "").trim();
    if (entry === "") continue;
    const isTool = entry.startsWith("tool:");
    const name = isTool ? entry.slice(5).trim() : entry;
    if (!NAME.test(name)) throw new LockError(`packages.list, line ${i + 1}: '${entry}' is not a package name (or tool:NAME)`);
    const list = isTool ? tool : image;
    if (image.includes(name) || tool.includes(name)) throw new LockError(`packages.list, line ${i + 1}: ${name} is listed twice`);
    list.push(name);
  }
  if (image.length === 0) throw new LockError("packages.list: no packages");
  const normal = [...image.map((n) => n), ...tool.map((n) => `tool:${n}`)].sort().join("\n") + "\n";
  return { image, tool, digest: createHash("sha256").update(normal).digest("hex") };
}

// ---- apt's output ----

export type Stanza = Map<string, string>;

// deb822 (Debian Policy 5.1): stanzas separated by blank lines, "Field: value"
// lines, continuation lines starting with a space or tab. Field names are
// case-insensitive (kept here as first written; look up with `field`).
// Throws only LockError.
export function parseDeb822(text: string): Stanza[] {
  const out: Stanza[] = [];
  let cur: Stanza | null = null;
  let last: string | null = null;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, "");
    if (line.trim() === "") { cur = null; last = null; continue; }
    if (line.startsWith("#")) continue;
    if (line[0] === " " || line[0] === "\t") {
      if (cur === null || last === null) throw new LockError(`deb822, line ${i + 1}: a continuation line with no field before it`);
      cur.set(last, `${cur.get(last)}\n${line.slice(1)}`);
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) throw new LockError(`deb822, line ${i + 1}: expected 'Field: value'`);
    const name = line.slice(0, colon);
    if (!/^[!-9;-~]+$/.test(name)) throw new LockError(`deb822, line ${i + 1}: '${name}' is not a field name`);
    if (cur === null) { cur = new Map(); out.push(cur); }
    const key = name.toLowerCase();
    if (cur.has(key)) throw new LockError(`deb822, line ${i + 1}: field ${name} given twice in one stanza`);
    cur.set(key, line.slice(colon + 1).trim());
    last = key;
  }
  return out;
}

export function field(s: Stanza, name: string): string | undefined {
  return s.get(name.toLowerCase());
}

// `apt-get -s install ...`: "Inst NAME [OLD] (VERSION ARCHIVE [ARCH])".
// Throws only LockError.
export function parseSimulation(text: string): { name: string; version: string; arch: string }[] {
  const out: { name: string; version: string; arch: string }[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line.startsWith("Inst ")) continue;
    const m = /^Inst (\S+)(?: \[[^\]]*\])? \((\S+) .*\[([a-z0-9-]+)\]\)/.exec(line);
    if (!m || !NAME.test(m[1].replace(/:[a-z0-9-]+$/, "")) || !VERSION.test(m[2])) throw new LockError(`apt-get -s, line ${i + 1}: cannot read '${line}'`);
    out.push({ name: m[1].replace(/:[a-z0-9-]+$/, ""), version: m[2], arch: m[3] });
  }
  return out;
}

// The release a signed InRelease describes: its Suite/Codename, Version and
// Date. Throws only LockError.
export function parseRelease(text: string): { suite: string; release: string; releaseDate: string; sourceDateEpoch: number } {
  // Strip the OpenPGP armour around a clear-signed InRelease.
  const body = text.replace(/^-----BEGIN PGP SIGNED MESSAGE-----\n(?:Hash:.*\n)*\n/, "").replace(/\n-----BEGIN PGP SIGNATURE-----[\s\S]*$/, "\n");
  const [s] = parseDeb822(body);
  if (!s) throw new LockError("InRelease: empty");
  const suite = field(s, "Codename");
  const release = field(s, "Version");
  const date = field(s, "Date");
  if (!suite || !SUITE.test(suite)) throw new LockError("InRelease: no Codename");
  if (!release || !RELEASE.test(release)) throw new LockError("InRelease: no Version");
  const ms = date ? Date.parse(date) : NaN;
  if (!Number.isFinite(ms)) throw new LockError(`InRelease: Date '${date}' is not a date`);
  const sourceDateEpoch = Math.floor(ms / 1000);
  return { suite, release, releaseDate: new Date(sourceDateEpoch * 1000).toISOString().replace(/\.000Z$/, "Z"), sourceDateEpoch };
}
