// virtio device back ends: block (virtio 1.1 spec 5.2) and entropy (5.4).
import { gather, scatter, totalLen, GuestMemoryError, type Chain, type GuestMemory, type VirtioDevice } from "./virtio.js";

// A disk: reads and writes at byte offsets, sector aligned.
export interface BlockBackend {
  readonly size: number; // bytes, a multiple of 512
  readonly readOnly: boolean;
  read(offset: number, length: number): Uint8Array;
  write(offset: number, data: Uint8Array): void;
  flush(): void;
}

// The image in memory; the guest's writes stay in memory (lost at exit)
// unless `persist` writes them through.
export class MemoryDisk implements BlockBackend {
  readonly size: number;
  constructor(private readonly data: Uint8Array, readonly readOnly = false,
    private readonly persist?: (offset: number, data: Uint8Array) => void, private readonly sync?: () => void) {
    this.size = data.length - (data.length % 512);
  }
  read(offset: number, length: number): Uint8Array { return this.data.slice(offset, offset + length); }
  write(offset: number, data: Uint8Array): void {
    this.data.set(data, offset);
    this.persist?.(offset, data);
  }
  flush(): void { this.sync?.(); }
}

const VIRTIO_BLK_F_RO = 1n << 5n;
const VIRTIO_BLK_F_FLUSH = 1n << 9n;
const T_IN = 0, T_OUT = 1, T_FLUSH = 4, T_GET_ID = 8;
const S_OK = 0, S_IOERR = 1, S_UNSUPP = 2;

export class VirtioBlock implements VirtioDevice {
  readonly deviceId = 2;
  readonly numQueues = 1;
  readonly features: bigint;
  constructor(private readonly disk: BlockBackend, private readonly serial = "rvplay-disk") {
    this.features = VIRTIO_BLK_F_FLUSH | (disk.readOnly ? VIRTIO_BLK_F_RO : 0n);
  }
  config(): Uint8Array {
    const c = new Uint8Array(0x100);
    new DataView(c.buffer).setBigUint64(0, BigInt(this.disk.size / 512), true); // capacity in sectors
    return c;
  }
  handle(_q: number, chain: Chain, mem: GuestMemory): number {
    const hdr = new DataView(gather(mem, chain.readable, 0, 16).buffer);
    const type = hdr.getUint32(0, true);
    const sector = hdr.getBigUint64(8, true);
    // The last writable byte is the status; data buffers are in between.
    const wlen = totalLen(chain.writable);
    if (wlen < 1) throw new GuestMemoryError("block request without a status byte");
    const statusBuf = chain.writable[chain.writable.length - 1];
    const statusAddr = statusBuf.addr + BigInt(statusBuf.len - 1);
    const dataOut = { bufs: chain.writable.map((b, i) => i === chain.writable.length - 1 ? { ...b, len: b.len - 1 } : b) };
    let status = S_OK;
    let written = 0;
    const offset = Number(sector) * 512;
    const inRange = (len: number) => sector < BigInt(Number.MAX_SAFE_INTEGER) && offset + len <= this.disk.size;
    switch (type) {
      case T_IN: {
        const len = wlen - 1;
        if (len % 512 !== 0 || !inRange(len)) { status = S_IOERR; break; }
        written = scatter(mem, dataOut.bufs, this.disk.read(offset, len));
        break;
      }
      case T_OUT: {
        const len = totalLen(chain.readable) - 16;
        if (this.disk.readOnly) { status = S_IOERR; break; }
        if (len % 512 !== 0 || !inRange(len)) { status = S_IOERR; break; }
        this.disk.write(offset, gather(mem, chain.readable, 16, len));
        break;
      }
      case T_FLUSH: this.disk.flush(); break;
      case T_GET_ID: {
        const id = new Uint8Array(20);
        id.set(new TextEncoder().encode(this.serial).subarray(0, 20));
        written = scatter(mem, dataOut.bufs, id);
        break;
      }
      default: status = S_UNSUPP;
    }
    mem.write(statusAddr, Uint8Array.of(status));
    return written + 1;
  }
}

export class VirtioEntropy implements VirtioDevice {
  readonly deviceId = 4;
  readonly numQueues = 1;
  readonly features = 0n;
  config(): Uint8Array { return new Uint8Array(0); }
  handle(_q: number, chain: Chain, mem: GuestMemory): number {
    const len = Math.min(totalLen(chain.writable), 4096);
    const bytes = new Uint8Array(len);
    crypto.getRandomValues(bytes);
    return scatter(mem, chain.writable, bytes);
  }
}
