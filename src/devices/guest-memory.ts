// Bounds-checked access to guest physical RAM for device back ends. Nothing
// the guest writes can make a device touch memory outside guest RAM: every
// guest address goes through CoreView.ramOffset, which throws, and the
// error becomes a GuestMemoryError the transport answers with NEEDS_RESET.
import type { CoreView } from "../machine/core.js";

export class GuestMemoryError extends Error {}

export class GuestMemory {
  constructor(readonly view: CoreView) {}
  private offset(addr: bigint, len: number): number {
    try {
      return this.view.ramOffset(addr, len);
    } catch (e) {
      throw new GuestMemoryError((e as Error).message);
    }
  }
  read(addr: bigint, len: number): Uint8Array {
    const o = this.offset(addr, len);
    return this.view.bytes.slice(o, o + len);
  }
  // A view of guest RAM (no copy): only for data consumed at once.
  peek(addr: bigint, len: number): Uint8Array {
    const o = this.offset(addr, len);
    return this.view.bytes.subarray(o, o + len);
  }
  write(addr: bigint, data: Uint8Array): void {
    this.view.bytes.set(data, this.offset(addr, data.length));
  }
  u16(addr: bigint): number { return this.view.dv.getUint16(this.offset(addr, 2), true); }
  u32(addr: bigint): number { return this.view.dv.getUint32(this.offset(addr, 4), true); }
  u64(addr: bigint): bigint { return this.view.dv.getBigUint64(this.offset(addr, 8), true); }
  setU16(addr: bigint, v: number): void { this.view.dv.setUint16(this.offset(addr, 2), v, true); }
  setU32(addr: bigint, v: number): void { this.view.dv.setUint32(this.offset(addr, 4), v, true); }
  // A 16-bit store other agents may read concurrently (a ring index): an
  // aligned sequentially consistent store orders everything before it.
  publishU16(addr: bigint, v: number): void {
    const o = this.offset(addr, 2);
    if (o & 1) { this.view.dv.setUint16(o, v, true); return; }
    Atomics.store(new Uint16Array(this.view.memory.buffer), o >> 1, v);
  }
}

export interface Buffer { addr: bigint; len: number; writable: boolean }

// Gather `len` bytes from a list of buffers starting at byte `skip`.
export function gather(mem: GuestMemory, bufs: Buffer[], skip: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  let pos = 0;
  for (const b of bufs) {
    if (pos >= len) break;
    if (skip >= b.len) { skip -= b.len; continue; }
    const n = Math.min(b.len - skip, len - pos);
    out.set(mem.read(b.addr + BigInt(skip), n), pos);
    pos += n;
    skip = 0;
  }
  if (pos < len) throw new GuestMemoryError(`request shorter than ${len} bytes`);
  return out;
}

// Scatter data into buffers from byte `skip` of their total; returns bytes written.
export function scatter(mem: GuestMemory, bufs: Buffer[], data: Uint8Array, skip = 0): number {
  let pos = 0;
  for (const b of bufs) {
    if (pos >= data.length) break;
    if (skip >= b.len) { skip -= b.len; continue; }
    const n = Math.min(b.len - skip, data.length - pos);
    mem.write(b.addr + BigInt(skip), data.subarray(pos, pos + n));
    pos += n;
    skip = 0;
  }
  return pos;
}

export function totalLen(bufs: Buffer[]): number {
  return bufs.reduce((n, b) => n + b.len, 0);
}
