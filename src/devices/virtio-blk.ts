// virtio-blk (virtio 1.1 spec 5.2): a disk of 512-byte sectors over a
// BlockBackend that may answer at once or later. Requests are served
// concurrently and complete in whatever order the back end finishes them;
// FLUSH completes only once every write before it is durable (the back
// end's flush()). drain() waits for everything in flight.
import * as L from "../../wasm-core/layout.js";
import * as V from "../../wasm-core/spec/virtio.js";
import { gather, scatter, totalLen, feature, GuestMemoryError, type Chain, type DeviceContext, type VirtioDevice } from "./virtio.js";

// A disk: reads and writes at byte offsets, sector aligned. Any method may
// return a promise; a rejected one is an I/O error for that request.
export interface BlockBackend {
  readonly size: number; // bytes, a multiple of 512
  readonly readOnly: boolean;
  read(offset: number, length: number): Uint8Array | Promise<Uint8Array>;
  write(offset: number, data: Uint8Array): void | Promise<void>;
  flush(): void | Promise<void>;
  close?(): void | Promise<void>;
  // Where the back end reports what the user should know (a store that
  // failed, statistics): the device passes them on as device events.
  onEvent?(e: { kind: string }): void;
  // For a snapshot, with the device drained: make what the disk holds now
  // outlive later writes (pinned for `owner`) and say where it is.
  save?(owner: string): Promise<DiskSave>;
}

// A disk's content at a snapshot: its base image (by the SHA-256 of the whole
// raw image; null: an empty disk) and the chunks that differ from it, by
// index and SHA-256, pinned in the disk store for the snapshot's owner.
export interface DiskSave { base: string | null; size: number; chunkSize: number; chunks: [number, string][] }

const SECTOR = V.VIRTIO_BLK_SECTOR_SIZE;
const HEADER = 16; // struct virtio_blk_req: type, reserved, sector

// The image in memory; the guest's writes stay in it (a SharedArrayBuffer
// outlives the machine: the page keeps a session's disk across reboots).
export class MemoryDisk implements BlockBackend {
  readonly size: number;
  private readonly data: Uint8Array;
  constructor(data: Uint8Array, readonly readOnly = false) {
    this.data = data;
    this.size = data.length - (data.length % SECTOR);
  }
  read(offset: number, length: number): Uint8Array { return this.data.slice(offset, offset + length); }
  write(offset: number, data: Uint8Array): void { this.data.set(data, offset); }
  flush(): void {}
}

export class VirtioBlock implements VirtioDevice {
  readonly deviceId = V.VIRTIO_ID_BLOCK;
  readonly numQueues = 1;
  readonly features: bigint;
  private ctx!: DeviceContext;
  private inFlight = new Set<Promise<void>>();
  private held = false;
  // Writes since the last flush: a FLUSH waits for them before it flushes.
  private writes = new Set<Promise<void>>();

  constructor(private readonly disk: BlockBackend, private readonly serial = "rvplay-disk") {
    this.features = feature(V.VIRTIO_BLK_F_FLUSH) | (disk.readOnly ? feature(V.VIRTIO_BLK_F_RO) : 0n);
  }

  config(): Uint8Array {
    const c = new Uint8Array(L.VQ_CONFIG_SIZE);
    new DataView(c.buffer).setBigUint64(0, BigInt(this.disk.size / SECTOR), true); // capacity in sectors
    return c;
  }

  bind(ctx: DeviceContext): void {
    this.ctx = ctx;
    if ("onEvent" in this.disk) this.disk.onEvent = (e) => ctx.event(e);
  }

  notify(q: number): void {
    if (this.held) return; // taken up again by resume()
    const queue = this.ctx.queue(q);
    for (let chain = queue.pop(); chain; chain = queue.pop()) {
      const p = this.serve(q, chain).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  reset(): void { /* requests in flight complete into nothing: the transport drops them */ }

  async drain(): Promise<void> {
    this.held = true;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  resume(): void {
    this.held = false;
    this.notify(0); // requests made available while held
  }

  close(): void | Promise<void> { return this.disk.close?.(); }

  save(owner: string): Promise<DiskSave> | undefined { return this.disk.save?.(owner); }

  private async serve(q: number, chain: Chain): Promise<void> {
    const mem = this.ctx.mem;
    let status = V.VIRTIO_BLK_S_OK;
    let written = 0;
    let statusAddr: bigint;
    let dataOut: Chain["writable"];
    let type: number, sector: bigint;
    try {
      const hdr = new DataView(gather(mem, chain.readable, 0, HEADER).buffer);
      type = hdr.getUint32(0, true);
      sector = hdr.getBigUint64(8, true);
      // The last writable byte is the status; data buffers are in between.
      if (totalLen(chain.writable) < 1) throw new GuestMemoryError("block request without a status byte");
      const last = chain.writable[chain.writable.length - 1];
      statusAddr = last.addr + BigInt(last.len - 1);
      dataOut = chain.writable.map((b, i) => i === chain.writable.length - 1 ? { ...b, len: b.len - 1 } : b);
    } catch (e) {
      if (e instanceof GuestMemoryError) { this.ctx.fail(e.message); return; }
      throw e;
    }
    const offset = Number(sector) * SECTOR;
    const inRange = (len: number) => sector < BigInt(Math.floor(Number.MAX_SAFE_INTEGER / SECTOR)) && offset + len <= this.disk.size;
    try {
      switch (type) {
        case V.VIRTIO_BLK_T_IN: {
          const len = totalLen(dataOut);
          if (len % SECTOR !== 0 || !inRange(len)) { status = V.VIRTIO_BLK_S_IOERR; break; }
          written = scatter(mem, dataOut, await this.disk.read(offset, len));
          break;
        }
        case V.VIRTIO_BLK_T_OUT: {
          const len = totalLen(chain.readable) - HEADER;
          if (this.disk.readOnly || len % SECTOR !== 0 || !inRange(len)) { status = V.VIRTIO_BLK_S_IOERR; break; }
          const w = Promise.resolve(this.disk.write(offset, gather(mem, chain.readable, HEADER, len)));
          this.writes.add(w);
          try { await w; } finally { this.writes.delete(w); }
          break;
        }
        case V.VIRTIO_BLK_T_FLUSH:
          await Promise.allSettled([...this.writes]);
          await this.disk.flush();
          break;
        case V.VIRTIO_BLK_T_GET_ID: {
          const id = new Uint8Array(V.VIRTIO_BLK_ID_BYTES);
          id.set(new TextEncoder().encode(this.serial).subarray(0, V.VIRTIO_BLK_ID_BYTES));
          written = scatter(mem, dataOut, id);
          break;
        }
        default: status = V.VIRTIO_BLK_S_UNSUPP;
      }
    } catch (e) {
      if (e instanceof GuestMemoryError) { this.ctx.fail(e.message); return; }
      // The back end failed (a broken file, a chunk that fails its hash):
      // an I/O error for this request, and a warning for the user.
      status = V.VIRTIO_BLK_S_IOERR;
      this.ctx.event({ kind: "io-error", message: e instanceof Error ? e.message : String(e) });
    }
    try {
      mem.write(statusAddr, Uint8Array.of(status));
    } catch (e) {
      if (e instanceof GuestMemoryError) { this.ctx.fail(e.message); return; }
      throw e;
    }
    this.ctx.complete(q, chain, written + 1);
  }
}
