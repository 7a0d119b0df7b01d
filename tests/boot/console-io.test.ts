// The console's rings under stress: free-running indices that wrap past
// 2^31, and a paste far larger than the input ring, delivered whole.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as L from "../../wasm-core/layout.js";
import { loadCoreModule } from "../../src/node/core-module.js";
import { readBootFile, SAMPLE_DIR } from "../../src/node/boot-files.js";
import { VirtMachine } from "../../src/machine/virt-machine.js";
import { spawnNodeHart } from "../../src/node/harts.js";
import { MiB } from "../../src/machine/core.js";
import { Console } from "./console.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const cli = join(root, "bin", "rvplay.js");
const PROMPT = /root@rvplay:[^\n]*# $/m;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("console rings keep working when their indices wrap past 2^31", { timeout: 120_000 }, async () => {
  const m = await VirtMachine.create(await loadCoreModule(), {
    ramBytes: 128 * MiB, harts: 1, bootargs: "console=ttyS0",
    firmware: readBootFile(join(SAMPLE_DIR, "fw_dynamic.bin.gz"), "firmware"),
    kernel: readBootFile(join(SAMPLE_DIR, "Image.gz"), "kernel"),
  }, spawnNodeHart);
  // Start every index a little below 2^31: the boot log and the commands
  // below carry them over.
  const near = 0x7fff_ff00;
  for (const off of [L.UART_TX_HEAD, L.UART_TX_TAIL, L.UART_RX_HEAD, L.UART_RX_TAIL]) {
    m.view.dv.setInt32(L.DEVICE_BASE + L.D_UART + off, near, true);
  }
  let out = "";
  m.onOutput = (b) => { out += new TextDecoder().decode(b); };
  const done = m.run();
  const until = async (re: RegExp, ms: number) => {
    const end = performance.now() + ms;
    while (!re.test(out)) { if (performance.now() > end) throw new Error(`no ${re}; output:\n${out.slice(-1500)}`); await sleep(20); }
  };
  try {
    await until(PROMPT, 60_000);
    const tx = m.view.dv.getInt32(L.DEVICE_BASE + L.D_UART + L.UART_TX_HEAD, true);
    assert.ok(tx < 0, `the output index wrapped (${tx})`);
    out = "";
    // Input: well past the wrap too (and past the 4 KiB ring).
    const marker = "x".repeat(300);
    m.sendInput(new TextEncoder().encode(`echo ${marker} | wc -c; seq 1 3000 | tail -n 1\n`));
    await until(/^301\r?\n3000\r?$/m, 30_000);
    assert.ok(m.view.dv.getInt32(L.DEVICE_BASE + L.D_UART + L.UART_RX_HEAD, true) < 0, "the input index wrapped");
    m.sendInput(new TextEncoder().encode("poweroff\n"));
    assert.deepEqual(await done, { kind: "poweroff" });
  } finally {
    m.stop();
    await done;
  }
});

for (const console of ["ttyS0", "hvc0"]) test(`a 20,000-byte paste into the CLI arrives whole (${console})`, { timeout: 180_000 }, async () => {
  const c = Console.spawn(process.execPath, [cli, "boot", "--mem", "96", "--no-disk", "--append", `console=${console} quiet`], `rvplay boot (${console})`);
  try {
    await c.waitFor(PROMPT, 120_000);
    c.send("cat > /tmp/pasted\n");
    await sleep(300);
    const line = "0123456789".repeat(9) + "abcdefgh\n"; // 99 bytes
    const text = line.repeat(202) + "tail\n"; // 20,003 bytes
    c.send(text);
    c.send("\x04"); // end of file
    const out = await c.run("wc -c < /tmp/pasted; md5sum /tmp/pasted", 120_000);
    const md5 = (await import("node:crypto")).createHash("md5").update(text).digest("hex");
    assert.equal(out.trim().split("\n")[0].trim(), String(text.length));
    assert.match(out, new RegExp(md5));
    // Output too: every line of a long listing, in order.
    const seq = await c.run("seq 1 3000 | md5sum; seq 1 3000 | tail -n 3", 120_000);
    const want = (await import("node:crypto")).createHash("md5").update(Array.from({ length: 3000 }, (_, i) => `${i + 1}\n`).join("")).digest("hex");
    assert.match(seq, new RegExp(`^${want}`));
    assert.match(seq, /2998\n2999\n3000\n$/);
    c.send("poweroff\n");
    assert.equal(await c.exited, 0);
  } finally {
    if (c.exitCode === null) c.proc.kill("SIGKILL");
  }
});
