// virtio-blk (virtio 1.1 spec 5.2): a disk of 512-byte sectors.
import * as L from "../../wasm-core/layout.js";
import * as V from "../../wasm-core/spec/virtio.js";
import { gather, scatter, totalLen, feature, GuestMemoryError, type Chain, type GuestMemory, type VirtioDevice } from "./virtio.js";

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
    this.size = data.length - (data.length % V.VIRTIO_BLK_SECTOR_SIZE);
  }
  read(offset: number, length: number): Uint8Array { return this.data.slice(offset, offset + length); }
  write(offset: number, data: Uint8Array): void {
    this.data.set(data, offset);
    this.persist?.(offset, data);
  }
  flush(): void { this.sync?.(); }
}

const SECTOR = V.VIRTIO_BLK_SECTOR_SIZE;
const HEADER = 16; // struct virtio_blk_req: type, reserved, sector

export class VirtioBlock implements VirtioDevice {
  readonly deviceId = V.VIRTIO_ID_BLOCK;
  readonly numQueues = 1;
  readonly features: bigint;
  constructor(private readonly disk: BlockBackend, private readonly serial = "rvplay-disk") {
    this.features = feature(V.VIRTIO_BLK_F_FLUSH) | (disk.readOnly ? feature(V.VIRTIO_BLK_F_RO) : 0n);
  }
  config(): Uint8Array {
    const c = new Uint8Array(L.VQ_CONFIG_SIZE);
    new DataView(c.buffer).setBigUint64(0, BigInt(this.disk.size / SECTOR), true); // capacity in sectors
    return c;
  }
  handle(_q: number, chain: Chain, mem: GuestMemory): number {
    const hdr = new DataView(gather(mem, chain.readable, 0, HEADER).buffer);
    const type = hdr.getUint32(0, true);
    const sector = hdr.getBigUint64(8, true);
    // The last writable byte is the status; data buffers are in between.
    const wlen = totalLen(chain.writable);
    if (wlen < 1) throw new GuestMemoryError("block request without a status byte");
    const statusBuf = chain.writable[chain.writable.length - 1];
    const statusAddr = statusBuf.addr + BigInt(statusBuf.len - 1);
    const dataOut = { bufs: chain.writable.map((b, i) => i === chain.writable.length - 1 ? { ...b, len: b.len - 1 } : b) };
    let status = V.VIRTIO_BLK_S_OK;
    let written = 0;
    const offset = Number(sector) * SECTOR;
    const inRange = (len: number) => sector < BigInt(Number.MAX_SAFE_INTEGER) && offset + len <= this.disk.size;
    switch (type) {
      case V.VIRTIO_BLK_T_IN: {
        const len = wlen - 1;
        if (len % SECTOR !== 0 || !inRange(len)) { status = V.VIRTIO_BLK_S_IOERR; break; }
        written = scatter(mem, dataOut.bufs, this.disk.read(offset, len));
        break;
      }
      case V.VIRTIO_BLK_T_OUT: {
        const len = totalLen(chain.readable) - HEADER;
        if (this.disk.readOnly) { status = V.VIRTIO_BLK_S_IOERR; break; }
        if (len % SECTOR !== 0 || !inRange(len)) { status = V.VIRTIO_BLK_S_IOERR; break; }
        this.disk.write(offset, gather(mem, chain.readable, HEADER, len));
        break;
      }
      case V.VIRTIO_BLK_T_FLUSH: this.disk.flush(); break;
      case V.VIRTIO_BLK_T_GET_ID: {
        const id = new Uint8Array(V.VIRTIO_BLK_ID_BYTES);
        id.set(new TextEncoder().encode(this.serial).subarray(0, V.VIRTIO_BLK_ID_BYTES));
        written = scatter(mem, dataOut.bufs, id);
        break;
      }
      default: status = V.VIRTIO_BLK_S_UNSUPP;
    }
    mem.write(statusAddr, Uint8Array.of(status));
    return written + 1;
  }
}
