// The Debian image's instant start and its store disk (issue 14), in the
// CLI: `rvplay boot --image debian` resumes the image's snapshot
// (snapshot.rvsnap, the recipe's snapshot step) onto a new disk of the
// store; the guest's clock is set from the RTC and the network comes up
// again; a file written on / is kept in the store; the next boot finds
// the disk changed and boots it from scratch, file and all, with one
// auto-login shell (none on hvc0). Skips, saying why, without the built
// image or its snapshot (not committed; CI does not build it).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Console } from "../boot/console.js";
import { builtImageDir } from "../../src/node/built-images.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const cli = join(root, "bin", "rvplay.js");
const out = builtImageDir("debian");
const skip = !existsSync(join(out, "image.json")) ? `no Debian image in ${out}: run npm run image:debian first`
  : !existsSync(join(out, "snapshot.rvsnap")) ? `the Debian image in ${out} has no snapshot: run npm run image:debian -- --snapshot-only` : false;
const PROMPT = /root@rvplay:~# $/;

// Poll a guest command until `ok` holds for its output (or time runs out).
async function until(c: Console, cmd: string, ok: (s: string) => boolean, ms: number): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const s = await c.run(cmd, 120_000);
    if (ok(s) || Date.now() > end) return s;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

test("rvplay boot --image debian resumes its snapshot at once; a file written on / is there after power off and a boot from scratch",
  { skip, timeout: 45 * 60_000 }, async (t) => {
    const store = mkdtempSync(join(tmpdir(), "rvplay-debian-store-"));
    const mark = `kept-${Date.now().toString(36)}`;
    try {
      // 1. Resume: a new disk of the store, the snapshot's pages written into it.
      const t0 = performance.now();
      let c = Console.spawn(process.execPath, [cli, "boot", "--image", "debian", "--store", store], "rvplay boot --image debian (resume)");
      try {
        await c.waitFor(/resumed its snapshot in [\d.]+ s/, 120_000);
        await c.waitFor(PROMPT, 120_000);
        const toPrompt = (performance.now() - t0) / 1000;
        const answer = await c.run("echo ready", 60_000);
        t.diagnostic(`resume: prompt on screen ${toPrompt.toFixed(2)} s after the command started (incl. Node's start); answers at ${((performance.now() - t0) / 1000).toFixed(2)} s`);
        assert.equal(answer.trim(), "ready");
        // Resumed, not booted: the guest has been up longer than this command has run.
        const uptime = Number((await c.run("cut -d' ' -f1 /proc/uptime", 60_000)).trim());
        assert.ok(uptime > (performance.now() - t0) / 1000 + 10, `guest uptime ${uptime} s: the snapshot's machine, not a new boot`);
        assert.equal((await c.run("python3 -c 'print(6*7)'", 300_000)).trim(), "42");
        // The clock: the guest's continues from the snapshot; the DHCP hook
        // sets it from the RTC (the host's time) once the cable is back.
        const date = await until(c, "date +%s", (s) => Math.abs(Number(s.trim()) - Date.now() / 1000) < 30, 90_000);
        t.diagnostic(`guest date after resume: ${new Date(Number(date.trim()) * 1000).toISOString()} (host ${new Date().toISOString()})`);
        assert.ok(Math.abs(Number(date.trim()) - Date.now() / 1000) < 30, `the guest's clock is the host's (guest ${date.trim()}, host ${Math.round(Date.now() / 1000)})`);
        const addr = await until(c, "ip -color=never -4 -o addr show eth0", (s) => /inet 10\.0\.2\.15\//.test(s), 90_000);
        assert.match(addr, /inet 10\.0\.2\.15\//, "eth0 has its address on the user network");
        // The network answers: the user network's gateway is this machine's loopback.
        assert.match(await c.run("ping -c 1 -W 5 10.0.2.2 >/dev/null && echo up || echo down", 60_000), /^up$/m);
        assert.equal((await c.run(`echo ${mark} > /root/persist.txt && sync && cat /root/persist.txt`, 120_000)).trim(), mark);
        c.send("poweroff\n");
        assert.equal(await c.exited, 0);
      } finally {
        if (c.exitCode === null) c.proc.kill("SIGKILL");
      }

      // 2. The disk has changes now: it boots (the snapshot's memory would
      //    not match it), and the file is there.
      const t1 = performance.now();
      c = Console.spawn(process.execPath, [cli, "boot", "--image", "debian", "--store", store, "--cpus", "2"], "rvplay boot --image debian (boot)");
      try {
        await c.waitFor(/disk has changes of its own: booting it/, 60_000);
        await c.waitFor(/Debian GNU\/Linux 13 rvplay ttyS0[\s\S]*root@rvplay:~# $/, 30 * 60_000);
        t.diagnostic(`boot from scratch on the kept disk: prompt after ${((performance.now() - t1) / 1000).toFixed(1)} s (2 harts)`);
        // Booted, not resumed: the guest has been up no longer than this command has run.
        const up2 = Number((await c.run("cut -d' ' -f1 /proc/uptime", 60_000)).trim());
        assert.ok(up2 < (performance.now() - t1) / 1000, `guest uptime ${up2} s: a new boot`);
        assert.equal((await c.run("cat /root/persist.txt", 120_000)).trim(), mark, "the file written before power off is on the disk");
        assert.equal((await c.run("python3 -c 'print(6*7)'", 300_000)).trim(), "42");
        // One auto-login shell: the getty on the virtio console (hvc0) runs
        // only with console=hvc0 (overlay/etc/systemd/system/serial-getty@hvc0.service.d).
        assert.match(await c.run("systemctl is-active serial-getty@hvc0.service || true", 60_000), /^inactive$/m);
        assert.match(await c.run("systemctl is-active serial-getty@ttyS0.service || true", 60_000), /^active$/m);
        assert.doesNotMatch(c.output, /rvplay hvc0/, "no login banner from hvc0");
        c.send("poweroff\n");
        assert.equal(await c.exited, 0);
      } finally {
        if (c.exitCode === null) c.proc.kill("SIGKILL");
      }
    } finally {
      rmSync(store, { recursive: true, force: true });
    }
  });
