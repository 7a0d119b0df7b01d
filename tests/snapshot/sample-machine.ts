// The sample machine run in this process for snapshot tests, with a
// console to type into and read back, and the files a restore needs.
import { join } from "node:path";
import { loadCoreModule } from "../../src/node/core-module.js";
import { readBootFile, SAMPLE_DIR } from "../../src/node/boot-files.js";
import { spawnNodeHart } from "../../src/node/harts.js";
import { VirtMachine } from "../../src/machine/virt-machine.js";
import { MiB } from "../../src/machine/core.js";
import { SnapshotDisk } from "../../src/snapshot/snapshot-disk.js";
import { spawnNodeIo } from "../../src/node/io.js";
import { sha256Hex } from "../../src/snapshot/blob-codec.js";
import { SnapshotTaker } from "../../src/snapshot/take-snapshot.js";
import type { ImageCandidate } from "../../src/snapshot/restore-snapshot.js";

export const firmware = readBootFile(join(SAMPLE_DIR, "fw_dynamic.bin.gz"), "firmware");
export const kernel = readBootFile(join(SAMPLE_DIR, "Image.gz"), "kernel");
export const sampleDisk = () => readBootFile(join(SAMPLE_DIR, "disk.img.gz"), "disk");
export const IMAGES: ImageCandidate[] = [{ name: "fw_dynamic.bin", bytes: firmware }, { name: "Image", bytes: kernel }];
export const DISKS: ImageCandidate[] = [{ name: "disk.img", bytes: sampleDisk() }];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Guest {
  out = "";
  private seq = 0;
  readonly done: Promise<unknown>;
  constructor(readonly m: VirtMachine) {
    m.onOutput = (b) => { this.out += new TextDecoder().decode(b); };
    this.done = m.run();
  }
  send(s: string): void { this.m.sendInput(new TextEncoder().encode(s)); }
  async until(re: RegExp, ms = 90_000, from = 0): Promise<RegExpExecArray> {
    const end = performance.now() + ms;
    for (;;) {
      const m = re.exec(this.out.slice(from));
      if (m) return m;
      if (performance.now() > end) throw new Error(`no ${re} within ${ms} ms; the console shows:\n${this.out.slice(-1500)}`);
      await sleep(20);
    }
  }
  // Run a command; what it printed.
  async run(cmd: string, ms = 60_000): Promise<string> {
    const id = ++this.seq;
    const from = this.out.length;
    this.send(`echo '<<'B${id}'>>'; ${cmd}; echo '<<'E${id}'>>'\n`);
    const m = await this.until(new RegExp(`<<B${id}>>\\r?\\n([\\s\\S]*?)<<E${id}>>`), ms, from);
    return m[1].replace(/\r\n/g, "\n");
  }
  async stop(): Promise<void> {
    this.m.stop();
    await this.done;
  }
}

// The sample disk as a snapshot disk.
export function sampleSnapshotDisk(): SnapshotDisk {
  const pristine = sampleDisk();
  return new SnapshotDisk(pristine, sha256Hex(pristine).then((sha256) => ({ sha256, size: pristine.length })));
}

// The sample booted to its prompt; `take` snapshots it (with its disk).
export async function bootSample(harts = 1, ramMiB = 256, bootargs = "console=ttyS0 quiet"): Promise<{ guest: Guest; taker: SnapshotTaker; take: (screen?: Parameters<SnapshotTaker["take"]>[1]) => ReturnType<SnapshotTaker["take"]> }> {
  const disk = sampleSnapshotDisk();
  const m = await VirtMachine.create(await loadCoreModule(), {
    ramBytes: ramMiB * MiB, harts, bootargs, firmware, kernel, devices: [disk.spec],
  }, spawnNodeHart, spawnNodeIo);
  const guest = new Guest(m);
  await guest.until(/root@rvplay:~# $/);
  const taker = new SnapshotTaker([{ role: "firmware", name: "fw_dynamic.bin", bytes: firmware }, { role: "kernel", name: "Image", bytes: kernel }]);
  return { guest, taker, take: (screen) => taker.take(m, screen, [disk]) };
}
