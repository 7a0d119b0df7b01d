// What a NIC is plugged into under Node: the user network over Node's own
// sockets (no relay), with port forwards, or a LAN over node:worker_threads'
// BroadcastChannel (machines in one process, e.g. tests).
import { BroadcastChannel } from "node:worker_threads";
import { DeviceSpecError, type NetSpec } from "../devices/specs.js";
import type { DescribedLink } from "../devices/virtio-net.js";
import type { Mac } from "../net/addresses.js";
import { HostForwardError, parseHostForward } from "../net/hostfwd.js";
import { LanPort, type ChannelLike } from "../net/lan.js";
import { UserNetwork } from "../net/nat.js";
import { NodeBackend } from "../net/node-backend.js";

export async function makeNodeNet(spec: NetSpec, mac: Mac): Promise<DescribedLink> {
  if (spec.type === "lan") {
    const ch = new BroadcastChannel(`rvplay-lan:${spec.name}`);
    ch.unref();
    return new LanPort(ch as unknown as ChannelLike);
  }
  const forwards = (spec.forwards ?? []).map((f) => {
    try { return parseHostForward(f); } catch (e) {
      if (e instanceof HostForwardError) throw new DeviceSpecError(e.message);
      throw e;
    }
  });
  let backend: NodeBackend;
  try {
    backend = new NodeBackend({ resolverServers: spec.dnsServers });
  } catch (e) {
    throw new DeviceSpecError(`DNS servers ${JSON.stringify(spec.dnsServers)}: ${(e as Error).message}`);
  }
  const net = new UserNetwork(backend, { guestMac: mac });
  try {
    for (const f of forwards) await net.addForward(f);
  } catch (e) {
    net.close();
    throw new DeviceSpecError(`port forward: ${(e as Error).message}`);
  }
  return net;
}
