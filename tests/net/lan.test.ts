// Two (and three) LAN ports over node:worker_threads BroadcastChannels of one
// name, as tabs of one origin would be: distinct leases, frames between them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BroadcastChannel } from "node:worker_threads";
import { LanPort, lanCandidate, type ChannelLike } from "../../src/net/lan.js";
import { BCAST, ethernet, ipv4Packet, ScriptedGuest, udpDatagram, until } from "./guest.js";

const channel = (name: string) => new BroadcastChannel(name) as unknown as ChannelLike;

function discover(g: ScriptedGuest, type = 1, extra: number[] = []): void {
  const m = new Array(236).fill(0);
  m[0] = 1; m[1] = 1; m[2] = 6; m[7] = g.mac[5];
  m[10] = 0x80;
  m.splice(28, 6, ...g.mac);
  const payload = [...m, 99, 130, 83, 99, 53, 1, type, ...extra, 255];
  const z = [0, 0, 0, 0], b = [255, 255, 255, 255];
  g.send(ethernet(BCAST, g.mac, 0x0800, ipv4Packet(z, b, 17, udpDatagram(z, 68, b, 67, payload))));
}

async function lease(g: ScriptedGuest): Promise<number[]> {
  discover(g);
  const offer = await g.next((p) => p.udp?.dport === 68, 5000);
  const ip = [...offer.udp!.data.subarray(16, 20)];
  discover(g, 3, [50, 4, ...ip, 54, 4, 10, 0, 3, 1]);
  const ack = await g.next((p) => p.udp?.dport === 68, 5000);
  assert.equal(ack.udp!.data[242], 5, "DHCPACK");
  assert.deepEqual([...ack.udp!.data.subarray(16, 20)], ip);
  return ip;
}

test("two LAN participants get distinct leases and exchange frames", async () => {
  const name = `lan-${process.pid}-1`;
  const a = new LanPort(channel(name), { settleMs: 50 });
  const b = new LanPort(channel(name), { settleMs: 50 });
  const ga = new ScriptedGuest(a, [0x52, 0x54, 0, 0, 0, 0xa1], [0, 0, 0, 0]);
  const gb = new ScriptedGuest(b, [0x52, 0x54, 0, 0, 0, 0xb2], [0, 0, 0, 0]);
  const [ipA, ipB] = await Promise.all([lease(ga), lease(gb)]);
  assert.notDeepEqual(ipA, ipB);
  assert.deepEqual(ipA.slice(0, 3), [10, 0, 3]);
  assert.deepEqual(ipB.slice(0, 3), [10, 0, 3]);
  // A asks who has B's address (broadcast); B's guest gets the request, answers A directly.
  ga.send(ethernet(BCAST, ga.mac, 0x0806, [0, 1, 8, 0, 6, 4, 0, 1, ...ga.mac, ...ipA, 0, 0, 0, 0, 0, 0, ...ipB]));
  const req = await gb.next((p) => !!p.arp);
  assert.deepEqual(req.arp!.targetIp, ipB);
  gb.send(ethernet(ga.mac, gb.mac, 0x0806, [0, 1, 8, 0, 6, 4, 0, 2, ...gb.mac, ...ipB, ...ga.mac, ...ipA]));
  const rep = await ga.next((p) => !!p.arp);
  assert.deepEqual(rep.arp!.senderMac, gb.mac);
  // A unicast frame arrives byte for byte; a frame for a third MAC reaches nobody's guest.
  const ping = ethernet(gb.mac, ga.mac, 0x0800, ipv4Packet(ipA, ipB, 1, [8, 0, 0xf7, 0xfe, 0, 1, 0, 0]));
  ga.send(ping);
  const got = await gb.next((p) => p.ip?.proto === 1);
  assert.deepEqual([...got.frame], [...ping]);
  ga.send(ethernet([0x52, 0x54, 0, 0, 0, 0xcc], ga.mac, 0x0800, ipv4Packet(ipA, [10, 0, 3, 99], 1, [8, 0, 0xf7, 0xfe, 0, 1, 0, 0])));
  await until(() => b.stats.dropped.notForUs === 1);
  assert.equal(gb.inbox.length, 0);
  a.close(); b.close();
});

test("participants whose MACs want the same address still get distinct ones, and a newcomer avoids both", async () => {
  // Find two MACs with the same first candidate.
  const seen = new Map<number, number[]>();
  let pair: number[][] | undefined;
  for (let i = 0; !pair; i++) {
    const mac = [0x52, 0x54, 0, 0, (i >> 8) & 255, i & 255];
    const c = lanCandidate(new Uint8Array(mac));
    if (seen.has(c)) pair = [seen.get(c)!, mac]; else seen.set(c, mac);
  }
  const name = `lan-${process.pid}-2`;
  const a = new LanPort(channel(name), { settleMs: 80 });
  const b = new LanPort(channel(name), { settleMs: 80 });
  const ga = new ScriptedGuest(a, pair[0], [0, 0, 0, 0]);
  const gb = new ScriptedGuest(b, pair[1], [0, 0, 0, 0]);
  const [ipA, ipB] = await Promise.all([lease(ga), lease(gb)]);
  assert.notDeepEqual(ipA, ipB);
  assert.equal(a.stats.conflicts + b.stats.conflicts, 1, "exactly one of them picked again");
  // A third port joins later and learns both claims from its hello.
  const c = new LanPort(channel(name), { settleMs: 80 });
  const gc = new ScriptedGuest(c, pair[0].map((x, i) => (i === 5 ? x ^ 0x40 : x)), [0, 0, 0, 0]);
  await new Promise((r) => setTimeout(r, 50));
  const ipC = await lease(gc);
  assert.notDeepEqual(ipC, ipA);
  assert.notDeepEqual(ipC, ipB);
  a.close(); b.close(); c.close();
});
