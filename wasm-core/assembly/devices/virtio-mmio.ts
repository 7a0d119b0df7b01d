// virtio-mmio transport, version 2 (virtio 1.1 spec, 4.2.2 "MMIO Device
// Register Layout"). The registers live here, over shared state; the
// devices behind them (block, rng, ...) are the host's: a QueueNotify marks
// the queue and asks the run loop to end the slice (EXIT_IO) so that the I/O
// side serves it, and the I/O side raises the interrupt through
// virtioInterrupt().
import {
  DEVICE_BASE, D_VIRTIO, VIRTIO_SLOT_SIZE, D_IO_PENDING, VQ_DEVICE_ID, VQ_DEVICE_FEATURES,
  VQ_DRIVER_FEATURES, VQ_DEVICE_FEATURES_SEL, VQ_DRIVER_FEATURES_SEL, VQ_QUEUE_SEL, VQ_STATUS,
  VQ_INTERRUPT_STATUS, VQ_CONFIG_GENERATION, VQ_NUM_QUEUES, VQ_NOTIFIED, VQ_RESET_GEN, VQ_QUEUES, VQ_QUEUE_SIZE,
  VQ_MAX_QUEUES, VQ_CONFIG, VQ_CONFIG_SIZE, Q_NUM, Q_READY, Q_DESC, Q_DRIVER, Q_DEVICE, Q_LAST_AVAIL,
  VIRTQ_MAX_SIZE, EXIT_IO, STATUS_OK,
} from "../../layout";
import { IRQ_VIRTIO_FIRST } from "../../board";
import * as V from "../../spec/virtio";
import { plicSetLevel } from "./plic";
import { consoleTransmit, consoleBackpressure } from "./virtio-console";

const VENDOR: u32 = 0x6c707672; // "rvpl"
const CONFIG: u32 = V.VIRTIO_MMIO_CONFIG;

@inline function slotBase(slot: u32): usize { return DEVICE_BASE + D_VIRTIO + <usize>slot * VIRTIO_SLOT_SIZE; }
@inline function queueBase(s: usize, q: u32): usize { return s + VQ_QUEUES + <usize>q * VQ_QUEUE_SIZE; }

// Registers take 32-bit accesses (4.2.2.2); the device configuration space
// any width, read only here (a 64-bit read is split by the bus).
export function virtioWidthOk(off: u32, size: i32, write: bool): bool {
  return size == 4 || (!write && off >= CONFIG);
}

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
  memory.fill(s + VQ_QUEUES, 0, VQ_QUEUE_SIZE * VQ_MAX_QUEUES);
  atomic.add<u32>(s + VQ_RESET_GEN, 1);
  plicSetLevel(IRQ_VIRTIO_FIRST + slot, false);
}

export function virtioRead(slot: u32, off: u32, size: i32): u32 {
  const s = slotBase(slot);
  if (off >= CONFIG) {
    const c = s + VQ_CONFIG + <usize>(off - CONFIG);
    if (off - CONFIG + <u32>size > <u32>VQ_CONFIG_SIZE) return 0;
    if (size == 1) return <u32>load<u8>(c);
    if (size == 2) return <u32>load<u16>(c);
    return load<u32>(c);
  }
  const id = load<u32>(s + VQ_DEVICE_ID);
  const q = load<u32>(s + VQ_QUEUE_SEL);
  const qs = queueBase(s, q);
  const qValid = id != 0 && q < load<u32>(s + VQ_NUM_QUEUES);
  switch (off) {
    case V.VIRTIO_MMIO_MAGIC_VALUE: return V.VIRTIO_MMIO_MAGIC;
    case V.VIRTIO_MMIO_VERSION: return V.VIRTIO_MMIO_VERSION_2;
    case V.VIRTIO_MMIO_DEVICE_ID: return id;
    case V.VIRTIO_MMIO_VENDOR_ID: return VENDOR;
    case V.VIRTIO_MMIO_DEVICE_FEATURES: {
      const sel = load<u32>(s + VQ_DEVICE_FEATURES_SEL);
      return sel < 2 ? <u32>(load<u64>(s + VQ_DEVICE_FEATURES) >> (<u64>sel << 5)) : 0;
    }
    case V.VIRTIO_MMIO_QUEUE_NUM_MAX: return qValid ? VIRTQ_MAX_SIZE : 0;
    case V.VIRTIO_MMIO_QUEUE_READY: return qValid ? load<u32>(qs + Q_READY) : 0;
    case V.VIRTIO_MMIO_INTERRUPT_STATUS: return atomic.load<u32>(s + VQ_INTERRUPT_STATUS);
    case V.VIRTIO_MMIO_STATUS: return load<u32>(s + VQ_STATUS);
    case V.VIRTIO_MMIO_CONFIG_GENERATION: return load<u32>(s + VQ_CONFIG_GENERATION);
  }
  return 0;
}

// Returns EXIT_IO when the host must look at the queues (a notify).
export function virtioWrite(slot: u32, off: u32, v: u32): i32 {
  const s = slotBase(slot);
  if (off >= CONFIG) return STATUS_OK; // config space is read-only for our devices
  if (load<u32>(s + VQ_DEVICE_ID) == 0) return STATUS_OK;
  const q = load<u32>(s + VQ_QUEUE_SEL);
  const qs = queueBase(s, q);
  const qValid = q < load<u32>(s + VQ_NUM_QUEUES);
  switch (off) {
    case V.VIRTIO_MMIO_DEVICE_FEATURES_SEL: store<u32>(s + VQ_DEVICE_FEATURES_SEL, v); break;
    case V.VIRTIO_MMIO_DRIVER_FEATURES: {
      const sel = load<u32>(s + VQ_DRIVER_FEATURES_SEL);
      if (sel < 2) {
        const sh = <u64>sel << 5;
        const f = load<u64>(s + VQ_DRIVER_FEATURES);
        store<u64>(s + VQ_DRIVER_FEATURES, (f & ~(<u64>0xffffffff << sh)) | (<u64>v << sh));
      }
      break;
    }
    case V.VIRTIO_MMIO_DRIVER_FEATURES_SEL: store<u32>(s + VQ_DRIVER_FEATURES_SEL, v); break;
    case V.VIRTIO_MMIO_QUEUE_SEL: store<u32>(s + VQ_QUEUE_SEL, v); break;
    case V.VIRTIO_MMIO_QUEUE_NUM:
      if (qValid && v >= 1 && v <= <u32>VIRTQ_MAX_SIZE && (v & (v - 1)) == 0) store<u32>(qs + Q_NUM, v);
      break;
    case V.VIRTIO_MMIO_QUEUE_READY:
      if (qValid) { store<u32>(qs + Q_READY, v & 1); if (v & 1) store<u32>(qs + Q_LAST_AVAIL, 0); }
      break;
    case V.VIRTIO_MMIO_QUEUE_NOTIFY:
      // The console's writes are served here, on the hart (see
      // virtio-console.ts); the host hears only of what is left.
      if (v == <u32>V.VIRTIO_CONSOLE_TRANSMITQ && load<u32>(s + VQ_DEVICE_ID) == <u32>V.VIRTIO_ID_CONSOLE && consoleTransmit(slot)) return consoleBackpressure();
      if (v < load<u32>(s + VQ_NUM_QUEUES)) {
        atomic.or<u32>(s + VQ_NOTIFIED, 1 << v);
        atomic.or<i32>(DEVICE_BASE + D_IO_PENDING, 1 << slot);
        return EXIT_IO;
      }
      break;
    case V.VIRTIO_MMIO_INTERRUPT_ACK: {
      const left = atomic.and<u32>(s + VQ_INTERRUPT_STATUS, ~v) & ~v;
      if (left == 0) plicSetLevel(IRQ_VIRTIO_FIRST + slot, false);
      break;
    }
    case V.VIRTIO_MMIO_STATUS: if (v == 0) virtioReset(slot); else store<u32>(s + VQ_STATUS, v); break;
    case V.VIRTIO_MMIO_QUEUE_DESC_LOW: if (qValid) store<u32>(qs + Q_DESC, v); break;
    case V.VIRTIO_MMIO_QUEUE_DESC_HIGH: if (qValid) store<u32>(qs + Q_DESC + 4, v); break;
    case V.VIRTIO_MMIO_QUEUE_DRIVER_LOW: if (qValid) store<u32>(qs + Q_DRIVER, v); break;
    case V.VIRTIO_MMIO_QUEUE_DRIVER_HIGH: if (qValid) store<u32>(qs + Q_DRIVER + 4, v); break;
    case V.VIRTIO_MMIO_QUEUE_DEVICE_LOW: if (qValid) store<u32>(qs + Q_DEVICE, v); break;
    case V.VIRTIO_MMIO_QUEUE_DEVICE_HIGH: if (qValid) store<u32>(qs + Q_DEVICE + 4, v); break;
  }
  return STATUS_OK;
}

// Host side: the device used buffers (VIRTIO_MMIO_INT_VRING) or changed its
// configuration (VIRTIO_MMIO_INT_CONFIG).
export function virtioInterrupt(slot: u32, bits: u32): void {
  atomic.or<u32>(slotBase(slot) + VQ_INTERRUPT_STATUS, bits);
  plicSetLevel(IRQ_VIRTIO_FIRST + slot, true);
}
