// The package lock as a command (run by build.sh):
//   lock-cli update --list FILE --lock FILE --work DIR --mirror URL --suite NAME
//       resolve packages.list against the archive with a private apt
//       configuration (never the host's sources) and write the lock
//   lock-cli check  --list FILE --lock FILE     the lock matches packages.list
//   lock-cli fetch  --lock FILE --mirror URL --cache DIR
//       download every locked .deb not yet in DIR, checking size and SHA-256
//   lock-cli list   --lock FILE --role ROLE     cache file names, one a line
//   lock-cli get    --lock FILE KEY             suite, release, source-date-epoch, ...
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  debFileName, field, formatLock, LockError, parseDeb822, parseLock, parseRelease, parseSelection, parseSimulation,
  ROLES, type LockedPackage, type PackageLock, type PackageRole,
} from "./package-lock.js";

const ARCH = "riscv64";
const tool = (env: string, path: string) => process.env[env] || path;

function readLock(path: string): PackageLock {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new LockError(`cannot read the package lock '${path}': ${(e as Error).message}`);
  }
  return parseLock(bytes);
}

// ---- update: resolve with apt, privately ----

function aptOptions(dir: string): string[] {
  // Every place apt reads or writes is under `dir`; the host's sources,
  // preferences, configuration snippets and dpkg status are not read.
  return [
    "-o", `Dir::Etc::SourceList=${join(dir, "sources.list")}`,
    "-o", "Dir::Etc::SourceParts=/dev/null",
    "-o", "Dir::Etc::Preferences=/dev/null",
    "-o", `Dir::Etc::PreferencesParts=${join(dir, "preferences.d")}`,
    "-o", `Dir::Etc::Parts=${join(dir, "apt.conf.d")}`,
    "-o", `Dir::State=${join(dir, "state")}`,
    "-o", `Dir::State::Lists=${join(dir, "lists")}`,
    "-o", `Dir::State::status=${join(dir, "status")}`,
    "-o", `Dir::Cache=${join(dir, "cache")}`,
    "-o", `Dir::Log=${join(dir, "log")}`,
    "-o", `APT::Architecture=${ARCH}`,
    "-o", `APT::Architectures::=${ARCH}`,
    "-o", "APT::Install-Recommends=false",
    "-o", "Acquire::Languages=none",
    "-o", "Debug::NoLocking=true",
    // apt drops privileges to _apt for downloads when run as root; the
    // private directories belong to whoever runs the build.
    "-o", "APT::Sandbox::User=root",
  ];
}

function run(cmd: string, args: string[], what: string): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 512 * 1024 * 1024, env: { ...process.env, LC_ALL: "C" } });
  if (r.error) throw new LockError(`${what}: cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    const err = (r.stderr || r.stdout).trim().split("\n").slice(-12).join("\n");
    throw new LockError(`${what} failed (${cmd} exit ${r.status}):\n${err}`);
  }
  return r.stdout;
}

function update(listPath: string, lockPath: string, work: string, mirror: string, suite: string): void {
  const selection = parseSelection(readFileSync(listPath, "utf8"));
  const dir = resolve(work, "apt");
  const keyring = tool("DEBIAN_ARCHIVE_KEYRING", "/usr/share/keyrings/debian-archive-keyring.gpg");
  if (!existsSync(keyring)) throw new LockError(`the Debian archive keyring '${keyring}' is missing: apt-get install debian-archive-keyring (or set DEBIAN_ARCHIVE_KEYRING)`);
  for (const d of ["lists/partial", "cache/archives/partial", "preferences.d", "apt.conf.d", "state", "log"]) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, "sources.list"), `deb [arch=${ARCH} signed-by=${keyring}] ${mirror} ${suite} main\n`);
  writeFileSync(join(dir, "status"), "");
  const aptGet = tool("APT_GET", "/usr/bin/apt-get");
  const aptCache = tool("APT_CACHE", "/usr/bin/apt-cache");
  const opts = aptOptions(dir);
  process.stderr.write(`lock: reading the ${suite} ${ARCH} index from ${mirror}\n`);
  try {
    run(aptGet, [...opts, "-q", "update"], `fetching the package index of ${suite} from ${mirror}`);
  } catch (e) {
    throw new LockError(`${(e as Error).message}\n(is the network up, and does ${mirror} serve ${suite}? set DEBIAN_MIRROR to another mirror)`);
  }
  const listsDir = join(dir, "lists");
  const inRelease = readdirSync(listsDir).find((f) => f.endsWith("_InRelease"));
  if (!inRelease) throw new LockError(`apt fetched no InRelease for ${suite} from ${mirror}`);
  const rel = parseRelease(readFileSync(join(listsDir, inRelease), "utf8"));

  const avail = parseDeb822(run(aptCache, [...opts, "dumpavail"], "listing the index"));
  const required: string[] = [];
  const essential: string[] = [];
  for (const s of avail) {
    const name = field(s, "Package");
    if (!name) continue;
    if (field(s, "Priority") === "required" && !required.includes(name)) required.push(name);
    if (field(s, "Essential") === "yes" && !essential.includes(name)) essential.push(name);
  }
  if (essential.length === 0 || required.length === 0) throw new LockError(`the ${suite} index lists no Essential or required packages`);
  const simulate = (names: string[], what: string) =>
    parseSimulation(run(aptGet, [...opts, "-s", "-q", "install", ...names], `resolving ${what}`));
  // debootstrap's minbase: the required packages, then what packages.list asks for.
  const essentialSet = simulate(essential, "the essential packages");
  const imageSet = simulate([...new Set([...required, ...selection.image])], "the image's packages");
  const toolSet = selection.tool.length ? simulate(selection.tool, "the build's tools") : [];
  const imageNames = new Map(imageSet.map((p) => [p.name, p]));
  for (const p of essentialSet) {
    const q = imageNames.get(p.name);
    if (!q || q.version !== p.version) throw new LockError(`essential package ${p.name} ${p.version} is not in the image's set`);
  }
  const roles = new Map<string, { role: PackageRole; version: string }>();
  for (const p of essentialSet) roles.set(p.name, { role: "essential", version: p.version });
  for (const p of imageSet) if (!roles.has(p.name)) roles.set(p.name, { role: "image", version: p.version });
  for (const p of toolSet) {
    const had = roles.get(p.name);
    if (had && had.version !== p.version) throw new LockError(`${p.name}: the tools want ${p.version}, the image ${had.version}`);
    if (!had) roles.set(p.name, { role: "tool", version: p.version });
  }
  const wanted = [...roles].map(([name, r]) => `${name}=${r.version}`);
  const shown = parseDeb822(run(aptCache, [...opts, "show", "--no-all-versions", ...wanted], "reading package records"));
  const packages: LockedPackage[] = [];
  for (const [name, r] of roles) {
    const s = shown.find((x) => field(x, "Package") === name && field(x, "Version") === r.version);
    if (!s) throw new LockError(`apt-cache show gave no record for ${name} ${r.version}`);
    const filename = field(s, "Filename"), sha256 = field(s, "SHA256"), size = field(s, "Size"), arch = field(s, "Architecture");
    if (!filename || !sha256 || !size || !arch) throw new LockError(`the record of ${name} ${r.version} lacks Filename, SHA256, Size or Architecture`);
    packages.push({ role: r.role, name, version: r.version, arch, size: Number(size), sha256, filename });
  }
  const lock: PackageLock = { ...rel, selection: selection.digest, packages };
  const text = formatLock(lock);
  parseLock(new TextEncoder().encode(text)); // what we write, we can read
  writeFileSync(lockPath, text);
  const by = (role: PackageRole) => packages.filter((p) => p.role === role).length;
  process.stderr.write(`lock: ${suite} ${rel.release} (${rel.releaseDate}): ${by("essential")} essential + ${by("image")} more packages, ${by("tool")} build tool(s) -> ${lockPath}\n`);
}

function check(listPath: string, lockPath: string): void {
  const selection = parseSelection(readFileSync(listPath, "utf8"));
  const lock = readLock(lockPath);
  if (lock.selection !== selection.digest) {
    throw new LockError(`${listPath} has changed since ${lockPath} was written: run npm run image:debian -- --update-lock`);
  }
  for (const name of selection.image) {
    if (!lock.packages.some((p) => p.name === name && p.role !== "tool")) throw new LockError(`${name} (packages.list) is not in the lock: run with --update-lock`);
  }
}

// ---- fetch ----

function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

function cached(p: LockedPackage, cache: string): boolean {
  const file = join(cache, debFileName(p));
  try {
    return statSync(file).size === p.size && sha256File(file) === p.sha256;
  } catch {
    return false;
  }
}

async function fetchOne(p: LockedPackage, mirror: string, cache: string): Promise<void> {
  const url = `${mirror.replace(/\/+$/, "")}/${p.filename}`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(300_000) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`network: ${cause?.code ?? ""} ${cause?.message ?? (e as Error).message}`.trim());
  }
  if (res.status === 404 || res.status === 410) {
    throw new Error(`HTTP ${res.status}: this version is no longer in the archive`);
  }
  if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.length !== p.size) throw new Error(`got ${bytes.length} bytes, the lock says ${p.size}`);
  const got = createHash("sha256").update(bytes).digest("hex");
  if (got !== p.sha256) throw new Error(`SHA-256 ${got} is not the locked ${p.sha256}`);
  const file = join(cache, debFileName(p));
  writeFileSync(`${file}.part`, bytes);
  renameSync(`${file}.part`, file);
}

async function fetchAll(lockPath: string, mirror: string, cache: string): Promise<void> {
  const lock = readLock(lockPath);
  mkdirSync(cache, { recursive: true });
  const todo = lock.packages.filter((p) => !cached(p, cache));
  if (todo.length === 0) { process.stderr.write(`fetch: all ${lock.packages.length} packages are in ${cache}\n`); return; }
  const bytes = todo.reduce((n, p) => n + p.size, 0);
  process.stderr.write(`fetch: ${todo.length} of ${lock.packages.length} packages (${(bytes / 1e6).toFixed(1)} MB) from ${mirror}\n`);
  const failed: { p: LockedPackage; why: string }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const p = todo[next++];
      try {
        await fetchOne(p, mirror, cache);
      } catch (e) {
        failed.push({ p, why: (e as Error).message });
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  if (failed.length) {
    failed.sort((a, b) => (a.p.name < b.p.name ? -1 : 1));
    const gone = failed.some((f) => f.why.startsWith("HTTP 404") || f.why.startsWith("HTTP 410"));
    const offline = failed.every((f) => f.why.startsWith("network:"));
    const lines = failed.map((f) => `  ${f.p.name} ${f.p.version} (${mirror.replace(/\/+$/, "")}/${f.p.filename}): ${f.why}`);
    let hint = "";
    if (offline) hint = `\nThe mirror could not be reached: is the network up? (DEBIAN_MIRROR selects another mirror.)`;
    else if (gone) hint = `\nA locked version has left the archive: point DEBIAN_MIRROR at a snapshot that still has it ` +
      `(http://snapshot.debian.org/archive/debian/<date>/), or move to the archive's current versions with --update-lock.`;
    throw new LockError(`could not fetch ${failed.length} of ${todo.length} packages:\n${lines.join("\n")}${hint}`);
  }
  process.stderr.write(`fetch: done\n`);
}

// ---- main ----

async function main(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      list: { type: "string" }, lock: { type: "string" }, work: { type: "string" }, mirror: { type: "string" },
      suite: { type: "string" }, cache: { type: "string" }, role: { type: "string", multiple: true },
    },
  });
  const [cmd, ...rest] = positionals;
  const need = (k: keyof typeof v) => {
    const x = v[k];
    if (typeof x !== "string") throw new LockError(`lock-cli ${cmd}: --${k} is required`);
    return x;
  };
  switch (cmd) {
    case "update": update(need("list"), need("lock"), need("work"), need("mirror"), need("suite")); return 0;
    case "check": check(need("list"), need("lock")); return 0;
    case "fetch": await fetchAll(need("lock"), need("mirror"), need("cache")); return 0;
    case "list": {
      const lock = readLock(need("lock"));
      const roles = (v.role ?? []) as string[];
      for (const r of roles) if (!(ROLES as readonly string[]).includes(r)) throw new LockError(`unknown role ${r}`);
      for (const p of lock.packages) if (roles.length === 0 || roles.includes(p.role)) process.stdout.write(`${debFileName(p)}\n`);
      return 0;
    }
    case "get": {
      const lock = readLock(need("lock"));
      const key = rest[0];
      const values: Record<string, string> = {
        suite: lock.suite, release: lock.release, "release-date": lock.releaseDate, "source-date-epoch": String(lock.sourceDateEpoch),
        packages: String(lock.packages.filter((p) => p.role !== "tool").length),
      };
      if (!(key in values)) throw new LockError(`lock-cli get: unknown key '${key}'`);
      process.stdout.write(`${values[key]}\n`);
      return 0;
    }
  }
  process.stderr.write("usage: lock-cli update|check|fetch|list|get ... (see the header of image/debian/lock-cli.ts)\n");
  return 2;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
  if (e instanceof LockError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    process.stderr.write(`image:debian: ${e.message}\n`);
    process.exitCode = 1;
    return;
  }
  throw e;
});
