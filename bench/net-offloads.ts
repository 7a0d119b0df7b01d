// npm run bench -- --only netoffloads: what virtio-net's offloads are worth.
// The same guest downloads and uploads 64 MiB over TCP to the host's
// loopback with the device offering all of them, none, or all but one;
// the I/O side runs in this thread with the Node back end, the same for
// every variant. Best of RUNS per variant (the host is shared and noisy).
import * as net from "node:net";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { loadCoreModule } from "../src/node/core-module.js";
import { readBootFile, SAMPLE_DIR } from "../src/node/boot-files.js";
import { VirtMachine } from "../src/machine/virt-machine.js";
import { spawnNodeHart } from "../src/node/harts.js";
import { inThreadIo } from "../src/devices/io-host.js";
import { UserNetwork } from "../src/net/nat.js";
import { NodeBackend } from "../src/net/node-backend.js";
import { VirtioNet, type VirtioNetOptions } from "../src/devices/virtio-net.js";
import * as V from "../wasm-core/spec/virtio.js";

interface Figure { name: string; value: number; unit: string }

const SIZE = 64 << 20;
const RUNS = 2;
export const OFFLOAD_VARIANTS: Record<string, VirtioNetOptions> = {
  "all offloads (the default)": { offloads: true },
  "no offloads (as on a LAN)": { offloads: false },
  "all but MRG_RXBUF (big receive buffers)": { offloads: true, withoutFeatures: [V.VIRTIO_NET_F_MRG_RXBUF] },
  "all but GUEST_TSO4": { offloads: true, withoutFeatures: [V.VIRTIO_NET_F_GUEST_TSO4] },
  "all but HOST_TSO4": { offloads: true, withoutFeatures: [V.VIRTIO_NET_F_HOST_TSO4] },
  "checksums only (no TSO)": { offloads: true, withoutFeatures: [V.VIRTIO_NET_F_GUEST_TSO4, V.VIRTIO_NET_F_HOST_TSO4] },
};

async function listen(s: net.Server): Promise<number> {
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return (s.address() as AddressInfo).port;
}

export async function netOffloadsBench(figures: Figure[]): Promise<void> {
  const file = Buffer.alloc(SIZE, 3);
  const http = createServer((_q, r) => { r.writeHead(200, { "Content-Length": SIZE }); r.end(file); });
  const sink = net.createServer((s) => { let n = 0; s.on("data", (d) => { n += d.length; if (n >= SIZE) s.end(); }); s.on("error", () => {}); });
  const [httpPort, sinkPort] = [await listen(http as unknown as net.Server), await listen(sink)];
  const module = await loadCoreModule();
  const firmware = readBootFile(join(SAMPLE_DIR, "fw_dynamic.bin.gz"), "firmware");
  const kernel = readBootFile(join(SAMPLE_DIR, "Image.gz"), "kernel");
  try {
    for (const [name, opts] of Object.entries(OFFLOAD_VARIANTS)) {
      const dev = new VirtioNet(new UserNetwork(new NodeBackend()), { ...opts, statsMs: 0 });
      const m = await VirtMachine.create(module, { ramBytes: 256 << 20, harts: 1, firmware, kernel,
        bootargs: "console=ttyS0 quiet", devices: [{ kind: "object", device: dev }] }, spawnNodeHart, inThreadIo());
      let out = "";
      m.onOutput = (b) => { out += Buffer.from(b).toString(); };
      const running = m.run();
      try {
        const until = async (re: RegExp, from: number) => {
          const deadline = Date.now() + 600_000;
          while (!re.test(out.slice(from))) {
            if (Date.now() > deadline) throw new Error(`netoffloads: no ${re} from the guest`);
            await new Promise((r) => setTimeout(r, 20));
          }
          return re.exec(out.slice(from))!;
        };
        await until(/# $/, 0);
        let seq = 0;
        const cmd = async (c: string) => {
          const id = ++seq, from = out.length;
          m.sendInput(new TextEncoder().encode(`echo '<'B${id}; ${c}; echo '<'E${id}\n`));
          return (await until(new RegExp(`<B${id}\\r?\\n([\\s\\S]*?)<E${id}`), from))[1];
        };
        const seconds = async (c: string) => Number(/T=([\d.]+)/.exec(await cmd(
          `s=$(cut -d' ' -f1 /proc/uptime); ${c}; e=$(cut -d' ' -f1 /proc/uptime); awk -v s=$s -v e=$e 'BEGIN { print "T=" e - s }'`))![1]);
        await cmd("i=0; while [ $i -lt 200 ] && ! ip -4 addr show eth0 | grep -q 'inet '; do sleep 0.1; i=$((i+1)); done");
        let down = 0, up = 0;
        for (let i = 0; i < RUNS; i++) {
          down = Math.max(down, SIZE / 1e6 / await seconds(`wget -q -O /dev/null http://10.0.2.2:${httpPort}/f`));
          up = Math.max(up, SIZE / 1e6 / await seconds(`dd if=/dev/zero bs=64k count=${SIZE >> 16} 2>/dev/null | nc 10.0.2.2 ${sinkPort}`));
        }
        figures.push({ name: `virtio-net ${name}: guest download (Node, best of ${RUNS})`, value: Math.round(down * 10) / 10, unit: "MB/s" });
        figures.push({ name: `virtio-net ${name}: guest upload (Node, best of ${RUNS})`, value: Math.round(up * 10) / 10, unit: "MB/s" });
      } finally {
        m.stop();
        await running;
      }
    }
  } finally {
    http.closeAllConnections();
    http.close();
    sink.close();
  }
}
