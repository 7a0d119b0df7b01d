// npm run bench -- --only net: the guest's network over TCP to servers on
// the host's loopback (through 10.0.2.2): a 64 MiB download (wget) and
// upload (nc), timed by the guest's clock, and the round trip of one byte
// over an open connection (the host sends, the guest's `nc -e cat` echoes).
// rvplay under Node (--net user: Node's own sockets) beside QEMU's
// `-nic user` (slirp) on the same image; and the page in Chromium through
// the dev server's Wisp relay.
import * as net from "node:net";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Console } from "../tests/boot/console.js";
import { unpackSampleImage } from "../tests/boot/sample-image.js";
import { chromiumPath, launchBrowser, startServer } from "../e2e/browser.js";
import { runCommand, waitForPrompt } from "../e2e/screen.js";

interface Figure { name: string; value: number; unit: string }

const root = fileURLToPath(new URL("../../", import.meta.url));
const PROMPT = /root@rvplay:[^\n]*# $/m;
const SIZE = 64 << 20;
const RUNS = 3;
const PINGS = 200;
const WAIT_LEASE = "i=0; while [ $i -lt 200 ] && ! ip -4 addr show eth0 | grep -q 'inet '; do sleep 0.1; i=$((i+1)); done";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;
const MB = 1e6;

// The host's side: a 64 MiB file over HTTP, a sink that counts what comes
// (and says how much when the guest is done), and a round-trip timer.
interface Host {
  httpPort: number; sinkPort: number; rttPort: number;
  sunk: number[];        // bytes of each finished upload
  rtts: number[][];      // per connection: round trips in ms
  close(): void;
}

async function listen(s: net.Server | Server): Promise<number> {
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return (s.address() as AddressInfo).port;
}

async function hostServers(): Promise<Host> {
  const file = Buffer.alloc(SIZE);
  for (let i = 0; i < SIZE; i += 4) file.writeUInt32LE((i * 2654435761) >>> 0, i);
  const http = createServer((_req, res) => {
    res.writeHead(200, { "Content-Length": SIZE, "Content-Type": "application/octet-stream" });
    res.end(file);
  });
  const sunk: number[] = [];
  // The sink closes once the whole upload is in: Wisp has no half-close, so
  // the guest's FIN would not reach it through the relay (the client holds
  // it until the remote closes, or 30 s).
  const sink = net.createServer((s) => {
    let n = 0, done = false;
    const finish = () => { if (!done) { done = true; sunk.push(n); s.end(); } };
    s.on("data", (d) => { n += d.length; if (n >= SIZE) finish(); });
    s.on("end", finish);
    s.on("error", () => {});
  });
  const rtts: number[][] = [];
  const rtt = net.createServer((s) => {
    s.setNoDelay(true);
    const times: number[] = [];
    let t0 = 0;
    const ping = () => { t0 = performance.now(); s.write("x"); };
    s.on("data", () => {
      times.push(performance.now() - t0);
      if (times.length < PINGS) ping();
      else { rtts.push(times); s.end(); }
    });
    s.on("error", () => {});
    setTimeout(ping, 200); // let the guest's cat start
  });
  const [httpPort, sinkPort, rttPort] = [await listen(http), await listen(sink), await listen(rtt)];
  return {
    httpPort, sinkPort, rttPort, sunk, rtts,
    close: () => { http.closeAllConnections(); http.close(); sink.close(); rtt.close(); },
  };
}

// The guest's commands, and how their time is read (the guest's clock).
const timed = (cmd: string) => `s=$(cut -d' ' -f1 /proc/uptime); ${cmd}; e=$(cut -d' ' -f1 /proc/uptime); awk -v s=$s -v e=$e 'BEGIN { print "T=" e - s }'`;
const download = (h: Host) => timed(`wget -q -O /dev/null http://10.0.2.2:${h.httpPort}/file`);
const upload = (h: Host) => timed(`dd if=/dev/zero bs=64k count=${SIZE >> 16} 2>/dev/null | nc 10.0.2.2 ${h.sinkPort}`);
const echo = (h: Host) => `nc 10.0.2.2 ${h.rttPort} -e cat`;
const seconds = (out: string) => {
  const m = /T=([\d.]+)/.exec(out);
  if (!m) throw new Error(`no time in ${JSON.stringify(out.slice(-300))}`);
  return Number(m[1]);
};

interface NetResult { down: number; up: number; rtt: number }

async function measure(run: (cmd: string) => Promise<string>, h: Host, label: string): Promise<NetResult> {
  await run(WAIT_LEASE);
  const down: number[] = [], up: number[] = [], rtt: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    down.push(SIZE / MB / seconds(await run(download(h))));
    const before = h.sunk.length;
    up.push(SIZE / MB / seconds(await run(upload(h))));
    if (h.sunk.length !== before + 1 || h.sunk.at(-1) !== SIZE) throw new Error(`${label}: the upload did not arrive whole (${h.sunk.at(-1)} bytes)`);
    const n = h.rtts.length;
    await run(echo(h));
    if (h.rtts.length !== n + 1) throw new Error(`${label}: the round-trip run did not finish`);
    rtt.push(median(h.rtts[n].slice(10)));
  }
  return { down: median(down), up: median(up), rtt: median(rtt) };
}

async function inGuest(label: string, cmd: string, args: string[], h: Host): Promise<NetResult> {
  const c = Console.spawn(cmd, args, label);
  try {
    await c.waitFor(PROMPT, 300_000);
    const r = await measure((x) => c.run(x, 600_000), h, label);
    c.send("poweroff\n");
    await c.waitFor(/reboot: Power down/, 60_000);
    return r;
  } finally {
    if (c.exitCode === null) c.proc.kill("SIGKILL");
  }
}

function qemuBinary(): string | undefined {
  return [process.env.QEMU_SYSTEM_RISCV64, "/usr/bin/qemu-system-riscv64"].find((p): p is string => !!p && existsSync(p));
}

export async function netBench(figures: Figure[]): Promise<void> {
  const h = await hostServers();
  try {
    const add = (who: string, r: NetResult) => {
      figures.push({ name: `network: guest download 64 MiB over TCP, ${who}`, value: round(r.down), unit: "MB/s" });
      figures.push({ name: `network: guest upload 64 MiB over TCP, ${who}`, value: round(r.up), unit: "MB/s" });
      figures.push({ name: `network: TCP round trip of 1 byte, ${who}`, value: round(r.rtt, 3), unit: "ms" });
    };
    const ours = await inGuest("rvplay net", process.execPath, [join(root, "bin", "rvplay.js"), "boot", "--mem", "256"], h);
    add("rvplay (Node, 1 hart)", ours);
    const qemu = qemuBinary();
    if (qemu) {
      const dir = unpackSampleImage(["fw_dynamic.bin", "Image"]);
      const theirs = await inGuest("qemu net", qemu, ["-M", "virt", "-nographic", "-m", "256M", "-smp", "1",
        "-bios", join(dir, "fw_dynamic.bin"), "-kernel", join(dir, "Image"), "-append", "console=ttyS0",
        "-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0"], h);
      add("QEMU -nic user (TCG)", theirs);
      figures.push({ name: "network: download rvplay / QEMU", value: round(ours.down / theirs.down, 2), unit: "x" });
      figures.push({ name: "network: upload rvplay / QEMU", value: round(ours.up / theirs.up, 2), unit: "x" });
    }
    if (chromiumPath()) {
      const { server, url } = await startServer();
      const browser = await launchBrowser();
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await page.goto(`${url}?cpus=1&mem=256`);
        await waitForPrompt(page, 180_000);
        const r = await measure((x) => runCommand(page, x, 600_000), h, "chromium");
        add("rvplay (Chromium, Wisp relay on the dev server)", r);
        figures.push({ name: "network: download in Chromium", value: round(r.down * 8), unit: "Mbit/s" });
      } finally {
        await browser.close();
        await server.close();
      }
    }
  } finally {
    h.close();
  }
}
