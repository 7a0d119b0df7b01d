// The virtio-console's transmit queue, served on the hart that notifies it.
// Linux's hvc driver waits for every buffer it sends by spinning on the used
// ring (virtio_console.c, __send_to_port), so a round trip to the I/O worker
// per write would cost the guest that wait each time. Here the notify itself
// copies the buffers into the console's output ring and returns them, under
// the device lock like every MMIO access. Only plain chains that fit go this
// way; anything else (an indirect table, a buffer outside RAM, no room in
// the ring) is left, in order, to the host's device (src/devices/
// virtio-console.ts), which also serves the receive queue.
import {
  DEVICE_BASE, D_VIRTIO, VIRTIO_SLOT_SIZE, D_RAM_SIZE, RAM_OFFSET, RAM_PHYS_BASE, VQ_STATUS, VQ_QUEUES,
  VQ_QUEUE_SIZE, VQ_INTERRUPT_STATUS, Q_NUM, Q_READY, Q_DESC, Q_DRIVER, Q_DEVICE, Q_LAST_AVAIL,
  D_UART, D_UART_TX, UART_TX_SIZE, UART_TX_HEAD, UART_TX_TAIL, UART_TX_HELD,
  D_CLOCK_MODE, CLOCK_INSTRUCTIONS, EXIT_CONSOLE, STATUS_OK,
} from "../../layout";
import { IRQ_VIRTIO_FIRST } from "../../board";
import {
  VIRTIO_STATUS_DRIVER_OK, VIRTIO_CONSOLE_TRANSMITQ, VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE,
  VIRTQ_DESC_F_INDIRECT, VIRTQ_DESC_SIZE, VIRTIO_MMIO_INT_VRING,
} from "../../spec/virtio";
import { plicSetLevel } from "./plic";

const U: usize = DEVICE_BASE + D_UART;
const VIRTQ_AVAIL_F_NO_INTERRUPT: u16 = 1;
// A chain this long is not a console write: leave it to the host.
const MAX_DESCRIPTORS: i32 = 16;

// Host address of guest physical [pa, pa + len) in RAM, or 0.
function ram(pa: u64, len: u64): usize {
  const size = load<u64>(DEVICE_BASE + D_RAM_SIZE);
  if (pa < <u64>RAM_PHYS_BASE || len > size || pa - <u64>RAM_PHYS_BASE > size - len) return 0;
  return <usize>(pa - <u64>RAM_PHYS_BASE + <u64>RAM_OFFSET);
}

// After the hart served console writes: in deterministic mode EXIT_CONSOLE
// once the output ring is half full, as the UART does (the hart waits for
// the host to drain it, so the guest never finds it full).
export function consoleBackpressure(): i32 {
  if (load<i32>(DEVICE_BASE + D_CLOCK_MODE) == CLOCK_INSTRUCTIONS &&
    atomic.load<i32>(U + UART_TX_HEAD) - atomic.load<i32>(U + UART_TX_TAIL) >= UART_TX_SIZE / 2) return EXIT_CONSOLE;
  return STATUS_OK;
}

// Serve the transmit queue of the console in `slot` as far as it can
// (the caller holds the device lock). Returns true when nothing is left for
// the host.
export function consoleTransmit(slot: u32): bool {
  const s = DEVICE_BASE + D_VIRTIO + <usize>slot * VIRTIO_SLOT_SIZE;
  const qs = s + VQ_QUEUES + <usize>VIRTIO_CONSOLE_TRANSMITQ * VQ_QUEUE_SIZE;
  if ((load<u32>(s + VQ_STATUS) & VIRTIO_STATUS_DRIVER_OK) == 0 || load<u32>(qs + Q_READY) == 0) return true;
  const num = load<u32>(qs + Q_NUM);
  const desc = ram(load<u64>(qs + Q_DESC), <u64>num * VIRTQ_DESC_SIZE);
  const avail = ram(load<u64>(qs + Q_DRIVER), 4 + 2 * <u64>num);
  const used = ram(load<u64>(qs + Q_DEVICE), 4 + 8 * <u64>num);
  if (num == 0 || desc == 0 || avail == 0 || used == 0) return false;
  if (atomic.load<i32>(U + UART_TX_HELD) != 0) return false; // the host is part way through one: keep the order
  let served = false;
  for (let guard: u32 = 0; guard < num; guard++) {
    const last = load<u32>(qs + Q_LAST_AVAIL) & 0xffff;
    const availIdx = <u32>atomic.load<u16>(avail + 2);
    if (availIdx == last) break;
    if (((availIdx - last) & 0xffff) > num) return false; // malformed: the host sets NEEDS_RESET
    const head = <u32>load<u16>(avail + 4 + <usize>((last % num) << 1));
    // Measure the chain: readable, direct, in RAM, and no longer than the room.
    let total: u64 = 0;
    let i = head, n = 0;
    while (true) {
      if (i >= num || ++n > MAX_DESCRIPTORS) return false;
      const d = desc + <usize>i * VIRTQ_DESC_SIZE;
      const flags = load<u16>(d + 12);
      if ((flags & (VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_INDIRECT)) != 0) return false;
      const len = <u64>load<u32>(d + 8);
      if (ram(load<u64>(d), len) == 0) return false;
      total += len;
      if ((flags & VIRTQ_DESC_F_NEXT) == 0) break;
      i = <u32>load<u16>(d + 14);
    }
    const head32 = atomic.load<i32>(U + UART_TX_HEAD);
    const tail32 = atomic.load<i32>(U + UART_TX_TAIL);
    if (total > <u64>(UART_TX_SIZE - (head32 - tail32))) break; // no room: the host waits for it
    // Copy into the output ring.
    let at = head32;
    i = head;
    while (true) {
      const d = desc + <usize>i * VIRTQ_DESC_SIZE;
      const len = load<u32>(d + 8);
      const src = ram(load<u64>(d), <u64>len);
      for (let k: u32 = 0; k < len; k++) {
        store<u8>(DEVICE_BASE + D_UART_TX + <usize>((at + <i32>k) & (UART_TX_SIZE - 1)), load<u8>(src + <usize>k));
      }
      at += <i32>len;
      if ((load<u16>(d + 12) & VIRTQ_DESC_F_NEXT) == 0) break;
      i = <u32>load<u16>(d + 14);
    }
    atomic.store<i32>(U + UART_TX_HEAD, at);
    if (head32 == tail32 && at != head32) atomic.notify(U + UART_TX_HEAD); // the host sleeps on an empty ring
    // Return the buffer: the element, then the index that publishes it.
    const usedIdx = <u32>load<u16>(used + 2);
    const elem = used + 4 + <usize>((usedIdx % num) << 3);
    store<u32>(elem, head);
    store<u32>(elem + 4, 0);
    atomic.store<u16>(used + 2, <u16>(usedIdx + 1));
    store<u32>(qs + Q_LAST_AVAIL, (last + 1) & 0xffff);
    served = true;
  }
  if (served && (load<u16>(avail) & VIRTQ_AVAIL_F_NO_INTERRUPT) == 0) {
    atomic.or<u32>(s + VQ_INTERRUPT_STATUS, VIRTIO_MMIO_INT_VRING);
    plicSetLevel(IRQ_VIRTIO_FIRST + slot, true);
  }
  return <u32>atomic.load<u16>(avail + 2) == (load<u32>(qs + Q_LAST_AVAIL) & 0xffff);
}
