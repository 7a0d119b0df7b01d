// virtio-mmio transport, version 2 (virtio 1.1 spec, 4.2.2 "MMIO Device
// Register Layout"). The registers live here, over shared state; the
// devices behind them (block, rng, ...) are the host's: a QueueNotify marks
// the queue and ends the slice (EXIT_IO) so the I/O side can serve it, and
// the I/O side raises the interrupt through virtioInterrupt().
import {
  DEVICE_BASE, D_VIRTIO, VIRTIO_SLOT_SIZE, D_IO_PENDING, VQ_DEVICE_ID, VQ_DEVICE_FEATURES,
  VQ_DRIVER_FEATURES, VQ_DEVICE_FEATURES_SEL, VQ_DRIVER_FEATURES_SEL, VQ_QUEUE_SEL, VQ_STATUS,
  VQ_INTERRUPT_STATUS, VQ_CONFIG_GENERATION, VQ_NUM_QUEUES, VQ_NOTIFIED, VQ_QUEUES, VQ_QUEUE_SIZE,
  VQ_CONFIG, Q_NUM, Q_READY, Q_DESC, Q_DRIVER, Q_DEVICE, Q_LAST_AVAIL, VIRTQ_MAX_SIZE,
} from "../../layout";
import { IRQ_VIRTIO_FIRST } from "../../board";
import { plicSetLevel } from "./plic";

const MAGIC: u32 = 0x74726976; // "virt"
const VENDOR: u32 = 0x6c707672; // "rvpl"

@inline function slotBase(slot: u32): usize { return DEVICE_BASE + D_VIRTIO + <usize>slot * VIRTIO_SLOT_SIZE; }
@inline function queueBase(s: usize, q: u32): usize { return s + VQ_QUEUES + <usize>q * VQ_QUEUE_SIZE; }

// Device reset (Status = 0): the driver starts over; so does the host side,
// whose only state (the next avail index) is kept here too.
export function virtioReset(slot: u32): void {
  const s = slotBase(slot);
  store<u64>(s + VQ_DRIVER_FEATURES, 0);
  store<u32>(s + VQ_DEVICE_FEATURES_SEL, 0);
  store<u32>(s + VQ_DRIVER_FEATURES_SEL, 0);
  store<u32>(s + VQ_QUEUE_SEL, 0);
  store<u32>(s + VQ_STATUS, 0);
  atomic.store<u32>(s + VQ_INTERRUPT_STATUS, 0);
  atomic.store<u32>(s + VQ_NOTIFIED, 0);
  memory.fill(s + VQ_QUEUES, 0, VQ_QUEUE_SIZE * 4);
  plicSetLevel(IRQ_VIRTIO_FIRST + slot, false);
}

export function virtioRead(slot: u32, off: u32, size: i32): u32 {
  const s = slotBase(slot);
  if (off >= 0x100) {
    const c = s + VQ_CONFIG + <usize>(off - 0x100);
    if (off + <u32>size > 0x200) return 0;
    if (size == 1) return <u32>load<u8>(c);
    if (size == 2) return <u32>load<u16>(c);
    return load<u32>(c);
  }
  const id = load<u32>(s + VQ_DEVICE_ID);
  const q = load<u32>(s + VQ_QUEUE_SEL);
  const qs = queueBase(s, q);
  const qValid = id != 0 && q < load<u32>(s + VQ_NUM_QUEUES);
  switch (off) {
    case 0x000: return MAGIC;
    case 0x004: return 2;
    case 0x008: return id;
    case 0x00c: return VENDOR;
    case 0x010: {
      const sel = load<u32>(s + VQ_DEVICE_FEATURES_SEL);
      return sel < 2 ? <u32>(load<u64>(s + VQ_DEVICE_FEATURES) >> (<u64>sel << 5)) : 0;
    }
    case 0x034: return qValid ? VIRTQ_MAX_SIZE : 0; // QueueNumMax
    case 0x044: return qValid ? load<u32>(qs + Q_READY) : 0;
    case 0x060: return atomic.load<u32>(s + VQ_INTERRUPT_STATUS);
    case 0x070: return load<u32>(s + VQ_STATUS);
    case 0x0fc: return load<u32>(s + VQ_CONFIG_GENERATION);
  }
  return 0;
}

// Returns true when the host must look at the queues (a notify).
export function virtioWrite(slot: u32, off: u32, v: u32): bool {
  const s = slotBase(slot);
  if (off >= 0x100) return false; // config space is read-only for our devices
  if (load<u32>(s + VQ_DEVICE_ID) == 0) return false;
  const q = load<u32>(s + VQ_QUEUE_SEL);
  const qs = queueBase(s, q);
  const qValid = q < load<u32>(s + VQ_NUM_QUEUES);
  switch (off) {
    case 0x014: store<u32>(s + VQ_DEVICE_FEATURES_SEL, v); break;
    case 0x020: {
      const sel = load<u32>(s + VQ_DRIVER_FEATURES_SEL);
      if (sel < 2) {
        const sh = <u64>sel << 5;
        const f = load<u64>(s + VQ_DRIVER_FEATURES);
        store<u64>(s + VQ_DRIVER_FEATURES, (f & ~(<u64>0xffffffff << sh)) | (<u64>v << sh));
      }
      break;
    }
    case 0x024: store<u32>(s + VQ_DRIVER_FEATURES_SEL, v); break;
    case 0x030: store<u32>(s + VQ_QUEUE_SEL, v); break;
    case 0x038: if (qValid && v >= 1 && v <= <u32>VIRTQ_MAX_SIZE && (v & (v - 1)) == 0) store<u32>(qs + Q_NUM, v); break;
    case 0x044: if (qValid) { store<u32>(qs + Q_READY, v & 1); if (v & 1) store<u32>(qs + Q_LAST_AVAIL, 0); } break;
    case 0x050:
      if (v < load<u32>(s + VQ_NUM_QUEUES)) {
        atomic.or<u32>(s + VQ_NOTIFIED, 1 << v);
        atomic.or<i32>(DEVICE_BASE + D_IO_PENDING, 1 << slot);
        return true;
      }
      break;
    case 0x064: {
      const left = atomic.and<u32>(s + VQ_INTERRUPT_STATUS, ~v) & ~v;
      if (left == 0) plicSetLevel(IRQ_VIRTIO_FIRST + slot, false);
      break;
    }
    case 0x070: if (v == 0) virtioReset(slot); else store<u32>(s + VQ_STATUS, v); break;
    case 0x080: if (qValid) store<u32>(qs + Q_DESC, v); break;
    case 0x084: if (qValid) store<u32>(qs + Q_DESC + 4, v); break;
    case 0x090: if (qValid) store<u32>(qs + Q_DRIVER, v); break;
    case 0x094: if (qValid) store<u32>(qs + Q_DRIVER + 4, v); break;
    case 0x0a0: if (qValid) store<u32>(qs + Q_DEVICE, v); break;
    case 0x0a4: if (qValid) store<u32>(qs + Q_DEVICE + 4, v); break;
  }
  return false;
}

// Host side: the device used buffers (bit 0) or changed config (bit 1).
export function virtioInterrupt(slot: u32, bits: u32): void {
  atomic.or<u32>(slotBase(slot) + VQ_INTERRUPT_STATUS, bits);
  plicSetLevel(IRQ_VIRTIO_FIRST + slot, true);
}
