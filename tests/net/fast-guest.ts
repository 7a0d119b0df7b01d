// A lean guest-side TCP receiver for throughput figures: it reads only the
// fields it needs, hashes the payload as it arrives and acknowledges every
// second segment (as Linux's delayed ACK would), so the stack's own cost is
// what gets measured. Correctness checks live in guest.ts.
import { createHash } from "node:crypto";
import type { GuestLink } from "../../src/net/link.js";
import { ethernet, F, GUEST_IP, GUEST_MAC, GW_MAC, ipv4Packet, tcpSegment } from "./guest.js";

export interface DownloadResult { bytes: number; sha256: string; ms: number }

export function fastDownload(link: GuestLink, dstIp: number[], dstPort: number, lport = 47000): Promise<DownloadResult> {
  return new Promise((resolve, reject) => {
    const iss = 0x20000000;
    let rcvNxt = 0, state = "syn", unacked = 0, bytes = 0;
    const hash = createHash("sha256");
    const t0 = performance.now();
    const send = (flags: number, seq: number) => link.fromGuest(ethernet(GW_MAC, GUEST_MAC, 0x0800,
      ipv4Packet(GUEST_IP, dstIp, 6, tcpSegment(GUEST_IP, lport, dstIp, dstPort, seq, rcvNxt, flags, 2048, [],
        flags & F.SYN ? [2, 4, 0x05, 0xb4, 1, 3, 3, 7] : []))));
    const timer = setTimeout(() => reject(new Error("download timed out")), 120000);
    link.onToGuest = (f) => {
      if (f[23] !== 6) return true;
      const l4 = 34, hl = (f[l4 + 12] >>> 4) * 4, flags = f[l4 + 13];
      const seq = ((f[l4 + 4] << 24) | (f[l4 + 5] << 16) | (f[l4 + 6] << 8) | f[l4 + 7]) >>> 0;
      if (flags & F.RST) { clearTimeout(timer); reject(new Error("reset")); return true; }
      if (state === "syn") {
        if ((flags & (F.SYN | F.ACK)) !== (F.SYN | F.ACK)) return true;
        rcvNxt = (seq + 1) >>> 0; state = "open";
        queueMicrotask(() => send(F.ACK, iss + 1));
        return true;
      }
      const data = f.subarray(l4 + hl);
      if (data.length && seq === rcvNxt) {
        hash.update(data); bytes += data.length; rcvNxt = (rcvNxt + data.length) >>> 0;
        if (++unacked >= 2 || (flags & F.PSH)) { unacked = 0; queueMicrotask(() => send(F.ACK, iss + 1)); }
      }
      if ((flags & F.FIN) && ((seq + data.length) >>> 0) === rcvNxt) {
        rcvNxt = (rcvNxt + 1) >>> 0;
        queueMicrotask(() => { send(F.ACK | F.FIN, iss + 1); clearTimeout(timer); resolve({ bytes, sha256: hash.digest("hex"), ms: performance.now() - t0 }); });
      }
      return true;
    };
    send(F.SYN, iss);
  });
}
