// virtio-rng (virtio 1.1 spec 5.4): entropy from the host's CSPRNG, fresh on
// every request (a machine restored from a snapshot draws new bytes).
import { VIRTIO_ID_RNG } from "../../wasm-core/spec/virtio.js";
import { scatter, totalLen, SyncDevice, type Chain, type GuestMemory } from "./virtio.js";

export class VirtioEntropy extends SyncDevice {
  readonly deviceId = VIRTIO_ID_RNG;
  readonly numQueues = 1;
  readonly features = 0n;
  config(): Uint8Array { return new Uint8Array(0); }
  protected handle(_q: number, chain: Chain, mem: GuestMemory): number {
    const len = Math.min(totalLen(chain.writable), 4096);
    const bytes = new Uint8Array(len);
    crypto.getRandomValues(bytes);
    return scatter(mem, chain.writable, bytes);
  }
}
