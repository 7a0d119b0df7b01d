// The recipe's snapshot step (build.sh step 7, or alone: npm run
// image:debian -- --stage snapshot): boots the built image in rvplay (the
// CLI, from scratch, on a disk of a throw-away store over the image's disk
// base), waits for the root prompt and for systemd to finish starting,
// makes the machine small, and writes a snapshot of it beside the image
// (snapshot.rvsnap, the snapshot format of ARCHITECTURE.md): what choosing
// the image in the page or `rvplay boot --image debian` resumes instead of
// booting. Its disk is a store disk over the image's base: the snapshot
// names the base by hash and holds only the pages the boot changed.
//   node dist/image/debian/snapshot-cli.js OUT [--cpus N] [--no-init-on-free]
// Making it small: the kernel runs with init_on_free=1 (a freed page is
// cleared, so memory the boot used and gave back is zero, which a snapshot
// does not store), then `sync; echo 3 > /proc/sys/vm/drop_caches` drops the
// clean page cache (the disk has those bytes; the guest reads them again on
// demand). Last, the snapshot the CLI wrote is repacked (repack.ts): every
// page in the snapshot itself, so that resuming it fetches no kernel or
// initrd (only a reboot does), in brotli packs of 4 MiB (format version 2).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parseImageManifest } from "./image-manifest.js";
import { readSnapshotFile, writeSnapshotFile } from "../../src/snapshot/snapshot-file.js";
import { repackSnapshot } from "../../src/snapshot/repack.js";
import { BROTLI, PACK_PAGES_V2 } from "../../src/snapshot/manifest.js";
import { brotliPack } from "../../src/node/brotli.js";
import { readBootFile, SAMPLE_DIR } from "../../src/node/boot-files.js";

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, "..", "..", "..", "bin", "rvplay.js"); // dist/image/debian -> the checkout
const PROMPT = /root@rvplay:~# $/;

async function main(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { cpus: { type: "string", default: "2" }, "no-init-on-free": { type: "boolean", default: false }, timeout: { type: "string", default: "1800" } },
  });
  if (positionals.length !== 1) { process.stderr.write("usage: snapshot-cli OUT [--cpus N] [--no-init-on-free]\n"); return 2; }
  const out = resolve(positionals[0]);
  let m;
  try { m = parseImageManifest(readFileSync(join(out, "image.json"))); } catch (e) {
    process.stderr.write(`image:debian snapshot: no built image in ${out} (${(e as Error).message}): build it first\n`);
    return 1;
  }
  const append = m.append + (v["no-init-on-free"] ? "" : " init_on_free=1");
  const store = mkdtempSync(join(tmpdir(), "rvplay-snapshot-store-"));
  const work = mkdtempSync(join(tmpdir(), "rvplay-snapshot-"));
  const t0 = performance.now();
  const secs = () => ((performance.now() - t0) / 1000).toFixed(1);
  const proc = spawn(process.execPath, [cli, "boot", "--image", out, "--from-scratch", "--store", store, "--cpus", v.cpus!, "--append", append],
    { cwd: work, env: { ...process.env, RVPLAY_ESCAPE: "1" }, stdio: ["pipe", "pipe", "pipe"] });
  let buf = "";
  const waiters: { re: RegExp; from: number; ok: (m: RegExpExecArray) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const hit = w.re.exec(buf.slice(w.from));
      if (hit) { waiters.splice(waiters.indexOf(w), 1); w.ok(hit); }
    }
  };
  const onData = (d: Buffer) => { buf += d.toString("utf8"); check(); };
  proc.stdout.on("data", onData);
  proc.stderr.on("data", onData);
  const exited = new Promise<number | null>((r) => proc.on("exit", (code) => r(code)));
  const waitFor = (re: RegExp, ms: number, from = 0) => Promise.race([
    new Promise<RegExpExecArray>((ok) => { waiters.push({ re, from, ok }); check(); }),
    new Promise<never>((_, no) => setTimeout(() => no(new Error(`no ${re} within ${ms / 1000} s; the end of the console:\n${buf.slice(-2000)}`)), ms).unref()),
    exited.then((c) => { throw new Error(`rvplay exited (${c}) while waiting for ${re}; the end of the console:\n${buf.slice(-2000)}`); }),
  ]);
  const run = async (cmd: string, ms = 600_000) => {
    const from = buf.length;
    proc.stdin.write(`${cmd}; echo '<<'DONE'>>'\n`);
    await waitFor(/<<DONE>>\r?\n[\s\S]*root@rvplay:~# $/, ms, from);
  };
  try {
    await waitFor(/rvplay ttyS0[\s\S]*root@rvplay:~# $/, Number(v.timeout) * 1000);
    process.stdout.write(`image:debian snapshot: root prompt after ${secs()} s\n`);
    // systemd done starting (dhcpcd has its lease, timers are set), at most 5 min.
    await run("timeout 300 systemctl is-system-running --wait > /dev/null 2>&1; sleep 2");
    // ... and the network up (udev announces eth0 late on an emulated CPU;
    // ifup then runs dhcpcd), so that the resumed machine has its address.
    await run("for i in $(seq 300); do ip -4 addr show eth0 | grep -q inet && break; sleep 1; done; sleep 2");
    await run("sync; echo 3 > /proc/sys/vm/drop_caches");
    // A clean screen: the one the resumed machine shows.
    const from = buf.length;
    proc.stdin.write("clear\n");
    await waitFor(PROMPT, 60_000, from);
    await new Promise((r) => setTimeout(r, 500));
    const at = buf.length;
    proc.stdin.write("\x01s");
    const written = await waitFor(/snapshot written to (\S+) \(([\d.]+) MB/, 600_000, at);
    proc.stdin.write("\x01x");
    await exited;
    const file = resolve(work, written[1]);
    const dest = join(out, "snapshot.rvsnap");
    const taken = await readSnapshotFile(new Uint8Array(readFileSync(file)));
    const files: Record<string, string> = { firmware: join(SAMPLE_DIR, "fw_dynamic.bin.gz"), kernel: join(out, m.kernel.file), initrd: join(out, m.initrd.file) };
    const repacked = await repackSnapshot(taken, {
      codec: BROTLI, packPages: PACK_PAGES_V2, compress: brotliPack,
      images: taken.manifest.images.map((r) => readBootFile(files[r.role], r.role)),
    });
    writeFileSync(file, writeSnapshotFile(repacked));
    renameSync(file, dest);
    process.stdout.write(`image:debian snapshot: ${dest}: ${(statSync(dest).size / 1e6).toFixed(2)} MB (${written[2]} MB as taken; ${append}; ${v.cpus} harts, ${m.memMiB} MiB), ${secs()} s in all\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`image:debian snapshot: ${(e as Error).message}\n`);
    if (proc.exitCode === null) proc.kill("SIGKILL");
    return 1;
  } finally {
    rmSync(store, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

process.exitCode = await main(process.argv.slice(2));
