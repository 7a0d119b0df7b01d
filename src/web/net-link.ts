// What a NIC is plugged into in the browser: the user network over a Wisp
// relay (one WebSocket, remade when it breaks), or a LAN between the tabs of
// this origin that join the same BroadcastChannel. Runs in the I/O worker.
import { DeviceSpecError, type NetSpec } from "../devices/specs.js";
import type { DescribedLink } from "../devices/virtio-net.js";
import type { Mac } from "../net/addresses.js";
import { LanPort, type ChannelLike } from "../net/lan.js";
import { UserNetwork } from "../net/nat.js";
import { ReconnectingBackend } from "../net/reconnecting-backend.js";
import { WispClient } from "../net/wisp-client.js";

// The BroadcastChannel a LAN named `name` uses.
export const lanChannelName = (name: string): string => `rvplay-lan:${name}`;

export async function makeWebNet(spec: NetSpec, mac: Mac): Promise<DescribedLink> {
  if (spec.type === "lan") return new LanPort(new BroadcastChannel(lanChannelName(spec.name)) as unknown as ChannelLike);
  const url = spec.relayUrl;
  if (!url || !/^wss?:\/\//.test(url)) throw new DeviceSpecError(`the relay URL must start with ws:// or wss:// (got ${JSON.stringify(url)})`);
  const backend = new ReconnectingBackend(() => new WispClient(url));
  backend.warmUp();
  const net = new UserNetwork(backend, { guestMac: mac }) as UserNetwork & { relayState?: () => string };
  net.relayState = () => backend.state === "failed" ? `failed: ${backend.lastError ?? "unreachable"}` : backend.state;
  return net;
}
