// What the controller asks the I/O side to build, as plain data that can
// cross to a worker: a device kind and its back end. Each platform's I/O
// worker knows how to make the back ends it can (files under Node;
// IndexedDB in the browser); the shared ones are made here.
import { MemoryDisk, VirtioBlock, type BlockBackend } from "./virtio-blk.js";
import { VirtioEntropy } from "./virtio-rng.js";
import { VirtioNet, type DescribedLink } from "./virtio-net.js";
import { VirtioConsole } from "./virtio-console.js";
import { Virtio9p } from "./virtio-9p.js";
import type { VirtioDevice } from "./virtio.js";
import { parseMac, randomMac, type Mac } from "../net/addresses.js";
import type { FsBackend } from "../9p/backend.js";
import { MemoryBackend } from "../9p/memory-backend.js";
import type { P9SessionState } from "../9p/session-state.js";

export type DiskSpec =
  // The whole image in memory. A SharedArrayBuffer stays the caller's: the
  // guest's writes land in it and outlive the machine.
  | { type: "memory"; buffer: SharedArrayBuffer | ArrayBuffer; readOnly?: boolean }
  // A raw image file (Node): read on demand; writes go to the file when
  // writable, else to an overlay in memory.
  | { type: "file"; path: string; writable: boolean }
  // A disk of a disk store (src/disks/): `store` is where the store is (a
  // directory under Node; the IndexedDB database's name in the browser),
  // `id` the disk. Writes persist in its overlay; readOnly takes no lock.
  | { type: "store"; store: string; id: string; readOnly?: boolean };

// What a NIC is plugged into.
export type NetSpec =
  // The user network (QEMU's -nic user): Node's sockets under Node, a Wisp
  // relay (relayUrl, ws: or wss:) in the browser. `forwards` are port
  // forwards in hostfwd.ts's syntax (Node only).
  // dnsServers: where Node's back end resolves names ("host[:port]"),
  // instead of the system's resolver.
  | { type: "user"; forwards?: string[]; relayUrl?: string; dnsServers?: string[] }
  // A LAN of the machines that join the BroadcastChannel named `name`.
  | { type: "lan"; name: string };

export type ShareSpec =
  // A host directory (Node): the guest can never reach outside it.
  | { type: "host"; path: string; readOnly: boolean }
  // The page's shared folder: `store` is the IndexedDB database's name.
  | { type: "store"; store: string }
  // An empty folder in memory (a restored machine whose folder was not given).
  | { type: "memory" };

export type DeviceSpec =
  | { kind: "blk"; disk: DiskSpec; serial?: string }
  // virtio-net. mac: "52:54:..." (default random); offloads: default on for
  // the user network, off for a LAN (its frames go raw to other guests).
  // linkUp: the cable at power-on (default plugged in).
  | { kind: "net"; net: NetSpec; mac?: string; offloads?: boolean; linkUp?: boolean }
  // seed: a deterministic stream instead of the host's randomness
  | { kind: "rng"; seed?: number }
  | { kind: "console" } // virtio-console on the console's rings (hvc0)
  // virtio-9p: a shared folder the guest mounts by its tag.
  // `session`: a snapshot's 9P session to take up (a restored machine).
  | { kind: "9p"; tag: string; share: ShareSpec; session?: P9SessionState }
  // A device object built by the caller: only for an I/O side running in
  // the controller's own thread (tests); a worker refuses it.
  | { kind: "object"; device: VirtioDevice };

export class DeviceSpecError extends Error {}

// What a platform's I/O worker can build beyond the shared devices (files
// under Node, IndexedDB in the browser, ...). Each returns undefined for a
// spec it cannot serve.
export interface DevicePlatform {
  openDisk?(disk: DiskSpec): Promise<BlockBackend> | undefined;
  // The link a NIC with this MAC is plugged into; may reject with a
  // DeviceSpecError (a port forward that cannot listen, say).
  makeNet?(net: NetSpec, mac: Mac): Promise<DescribedLink> | undefined;
  openShare?(share: ShareSpec): Promise<FsBackend> | undefined;
}

export async function makeDevice(spec: DeviceSpec, platform: DevicePlatform = {}): Promise<VirtioDevice> {
  switch (spec.kind) {
    case "rng": return new VirtioEntropy(spec.seed);
    case "console": return new VirtioConsole();
    case "object": return spec.device;
    case "blk": {
      const d = spec.disk;
      const backend = d.type === "memory"
        ? new MemoryDisk(new Uint8Array(d.buffer), d.readOnly ?? false)
        : await platform.openDisk?.(d);
      if (!backend) throw new DeviceSpecError(`no back end here for a ${d.type} disk`);
      return new VirtioBlock(backend, spec.serial);
    }
    case "net": {
      const mac = spec.mac === undefined ? randomMac() : parseMac(spec.mac);
      if (!mac) throw new DeviceSpecError(`"${spec.mac}" is not a MAC address`);
      const link = await platform.makeNet?.(spec.net, mac);
      if (!link) throw new DeviceSpecError(`no back end here for a ${spec.net.type} network`);
      return new VirtioNet(link, { mac, offloads: spec.offloads ?? spec.net.type === "user", linkUp: spec.linkUp });
    }
    case "9p": {
      const fs = spec.share.type === "memory" ? new MemoryBackend() : await platform.openShare?.(spec.share);
      if (!fs) throw new DeviceSpecError(`no back end here for a ${spec.share.type} shared folder`);
      const device = new Virtio9p(fs, spec.tag);
      if (spec.session) await device.restoreSession(spec.session);
      return device;
    }
  }
}
