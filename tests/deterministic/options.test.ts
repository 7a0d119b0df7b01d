// Deterministic mode's pieces on their own: the CLI's refusals, the machine
// API's, the input rule (SerialRings.deliver) and the seeded virtio-rng.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as L from "../../wasm-core/layout.js";
import { CoreView, CoreError, createMemory, MiB, type CoreExports } from "../../src/machine/core.js";
import { SerialRings } from "../../src/machine/serial.js";
import { VirtMachine } from "../../src/machine/virt-machine.js";
import { loadCoreModule } from "../../src/node/core-module.js";
import { spawnNodeHart } from "../../src/node/harts.js";
import { SeededBytes } from "../../src/devices/virtio-rng.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const cli = join(root, "bin", "rvplay.js");

function rvplay(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: root }, (err, _stdout, stderr) =>
      resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stderr }));
  });
}

test("rvplay boot refuses what deterministic mode cannot do, before booting", async () => {
  const cases: [string[], RegExp][] = [
    [["--deterministic", "--cpus", "2"], /--deterministic runs one hart .*drop --cpus 2/],
    [["--deterministic", "--restore", "x.rvsnap"], /--deterministic boots a machine.*drop --restore/],
    [["--deterministic", "--rtc", "next tuesday"], /--rtc 'next tuesday': expected a date/],
    [["--deterministic", "--prompt", "(unclosed"], /--prompt: .*Invalid regular expression/],
    [["--rtc", "2030-01-01T00:00:00Z"], /--rtc only go with --deterministic/],
    [["--prompt", "\\$ $"], /--prompt only go with --deterministic/],
  ];
  for (const [args, re] of cases) {
    const r = await rvplay(["boot", ...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
});

test("the machine API refuses deterministic mode with more than one hart, and a snapshot in it", async () => {
  const module = await loadCoreModule();
  const cfg = { ramBytes: 64 * MiB, harts: 2, firmware: new Uint8Array(16), kernel: new Uint8Array(16), bootargs: "", deterministic: {} };
  await assert.rejects(VirtMachine.create(module, cfg, spawnNodeHart), (e: unknown) => e instanceof CoreError && /one hart/.test(e.message));
  await assert.rejects(VirtMachine.restore(module, { ...cfg, harts: 1 }, spawnNodeHart, () => {}, 0n),
    (e: unknown) => e instanceof CoreError && /deterministic/.test(e.message));
});

// The console's rings over a bare memory, with the UART's host call stubbed.
function rings(): { serial: SerialRings; received: () => string; read: (n: number) => void } {
  const view = new CoreView(createMemory(MiB));
  const core = { uartHostPoll: () => {} } as unknown as CoreExports;
  const serial = new SerialRings(view, core, undefined, true);
  const U = L.DEVICE_BASE + L.D_UART;
  const i32 = new Int32Array(view.memory.buffer);
  let seen = 0;
  return {
    serial,
    // What went into the receive ring since the last call.
    received: () => {
      const head = Atomics.load(i32, (U + L.UART_RX_HEAD) >> 2);
      let s = "";
      for (; seen !== head; seen = (seen + 1) | 0) s += String.fromCharCode(view.bytes[L.DEVICE_BASE + L.D_UART_RX + (seen & (L.UART_RX_SIZE - 1))]);
      return s;
    },
    // The guest reads n bytes (makes room).
    read: (n) => { Atomics.add(i32, (U + L.UART_RX_TAIL) >> 2, n); },
  };
}

test("deterministic input: held until asked for, then a whole line at a time", () => {
  const r = rings();
  r.serial.send(new TextEncoder().encode("ls -l"));
  assert.equal(r.received(), "", "input reached the guest before it asked");
  assert.equal(r.serial.deliver(false, true), "wait", "half a line was delivered");
  r.serial.send(new TextEncoder().encode(" /\r\necho hi\necho "));
  assert.equal(r.serial.deliver(false, true), "delivered");
  assert.equal(r.received(), "ls -l /\r\n");
  assert.equal(r.serial.deliver(false, true), "delivered");
  assert.equal(r.received(), "echo hi\n");
  assert.equal(r.serial.deliver(false, true), "wait");
  // A CR at the end may be half a CR LF: it waits for what follows.
  r.serial.send(new TextEncoder().encode("x\r"));
  assert.equal(r.serial.deliver(false, true), "wait");
  r.serial.send(new TextEncoder().encode("\n"));
  assert.equal(r.serial.deliver(false, true), "delivered");
  assert.equal(r.received(), "echo x\r\n");
  r.serial.send(new TextEncoder().encode("echo "));
  // The input ended: the rest goes in as it is, then there is none.
  assert.equal(r.serial.deliver(true, true), "delivered");
  assert.equal(r.received(), "echo ");
  assert.equal(r.serial.deliver(true, true), "ended");
  assert.equal(r.serial.deliver(false, true), "wait");
  // A person typing: whatever is there.
  r.serial.send(new TextEncoder().encode("q"));
  assert.equal(r.serial.deliver(false, false), "delivered");
  assert.equal(r.received(), "q");
});

test("deterministic input: a line longer than the ring goes in as the guest makes room", () => {
  const r = rings();
  const long = "x".repeat(L.UART_RX_SIZE + 100) + "\n";
  r.serial.send(new TextEncoder().encode(long));
  assert.equal(r.serial.deliver(false, true), "delivered");
  assert.equal(r.received().length, L.UART_RX_SIZE);
  assert.equal(r.serial.deliver(false, true), "full");
  r.read(L.UART_RX_SIZE);
  assert.equal(r.serial.deliver(false, true), "delivered");
  assert.equal(r.received(), "x".repeat(100) + "\n");
  assert.equal(r.serial.pending, 0);
});

test("the seeded virtio-rng stream: the same bytes for a seed, others for another", () => {
  const bytes = (seed: number, n: number) => { const b = new Uint8Array(n); new SeededBytes(seed).fill(b); return b; };
  assert.deepEqual(bytes(0, 4099), bytes(0, 4099));
  assert.notDeepEqual(bytes(0, 64), bytes(1, 64));
  const b = bytes(0, 65536);
  const counts = new Array(256).fill(0);
  for (const x of b) counts[x]++;
  // Roughly uniform: every byte value occurs, none more than twice its share.
  assert.ok(Math.min(...counts) > 0 && Math.max(...counts) < 512, `${Math.min(...counts)}..${Math.max(...counts)}`);
  // Filling in pieces gives the same stream as filling at once, 4 bytes at a time.
  const g = new SeededBytes(7), a = new Uint8Array(8), c = new Uint8Array(8);
  g.fill(a.subarray(0, 4)); g.fill(a.subarray(4));
  new SeededBytes(7).fill(c);
  assert.deepEqual(a, c);
});
