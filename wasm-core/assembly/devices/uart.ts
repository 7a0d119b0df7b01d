// ns16550a UART (the console), registers at UART_BASE, reg-shift 0. The
// transmitter writes into a ring in shared memory that the host drains; the
// receiver reads from a ring the host fills. No host call per byte.
import {
  DEVICE_BASE, D_UART, D_UART_TX, UART_TX_SIZE, D_UART_RX, UART_RX_SIZE,
  UART_TX_HEAD, UART_TX_TAIL, UART_RX_HEAD, UART_RX_TAIL,
} from "../../layout";
import { IRQ_UART } from "../../board";
import { plicSetLevel } from "./plic";

const U: usize = DEVICE_BASE + D_UART;
// Register copies (one byte each) at U + offset.
const R_IER: usize = 1;
const R_LCR: usize = 3;
const R_MCR: usize = 4;
const R_SCR: usize = 7;
const R_DLL: usize = 8;
const R_DLM: usize = 9;
const R_FCR: usize = 10;
// Set when THR became empty and the THRE interrupt has not been read out of
// IIR yet (16550: reading IIR with THRE as the reason clears it).
const R_THRE_PENDING: usize = 11;

const LCR_DLAB: u32 = 0x80;
const IER_RDI: u32 = 1; // received data available
const IER_THRI: u32 = 2; // transmitter holding register empty
const LSR_DR: u32 = 0x01;
const LSR_THRE: u32 = 0x20;
const LSR_TEMT: u32 = 0x40;
const IIR_NONE: u32 = 0x01;
const IIR_THRI: u32 = 0x02;
const IIR_RDI: u32 = 0x04;
const IIR_FIFO: u32 = 0xc0; // FIFOs enabled

@inline function reg(r: usize): u32 { return <u32>load<u8>(U + r); }
@inline function setReg(r: usize, v: u32): void { store<u8>(U + r, <u8>v); }

@inline function rxAvailable(): bool {
  return atomic.load<i32>(U + UART_RX_HEAD) != atomic.load<i32>(U + UART_RX_TAIL);
}
@inline function txFull(): bool {
  return atomic.load<i32>(U + UART_TX_HEAD) - atomic.load<i32>(U + UART_TX_TAIL) >= UART_TX_SIZE;
}

export function uartReset(): void {
  for (let r: usize = 0; r < 16; r++) setReg(r, 0);
}

function interruptId(): u32 {
  const ier = reg(R_IER);
  if ((ier & IER_RDI) != 0 && rxAvailable()) return IIR_RDI;
  if ((ier & IER_THRI) != 0 && reg(R_THRE_PENDING) != 0 && !txFull()) return IIR_THRI;
  return IIR_NONE;
}

// Recompute the interrupt line (called after register accesses and when
// the host has put input in the ring or drained output).
export function uartUpdate(): void {
  plicSetLevel(IRQ_UART, interruptId() != IIR_NONE);
}

export function uartRead(off: u32): u32 {
  const dlab = (reg(R_LCR) & LCR_DLAB) != 0;
  let v: u32 = 0;
  switch (off) {
    case 0:
      if (dlab) { v = reg(R_DLL); break; }
      if (rxAvailable()) {
        const tail = atomic.load<i32>(U + UART_RX_TAIL);
        v = <u32>load<u8>(DEVICE_BASE + D_UART_RX + <usize>(tail & (UART_RX_SIZE - 1)));
        atomic.store<i32>(U + UART_RX_TAIL, tail + 1);
        atomic.notify(U + UART_RX_TAIL); // the host waits on it with input queued
      }
      break;
    case 1: v = dlab ? reg(R_DLM) : reg(R_IER); break;
    case 2: {
      const id = interruptId();
      if (id == IIR_THRI) setReg(R_THRE_PENDING, 0);
      v = id | IIR_FIFO;
      break;
    }
    case 3: v = reg(R_LCR); break;
    case 4: v = reg(R_MCR); break;
    case 5: v = (rxAvailable() ? LSR_DR : 0) | (txFull() ? 0 : LSR_THRE | LSR_TEMT); break;
    case 6: v = 0xb0; break; // MSR: DCD, DSR, CTS asserted
    case 7: v = reg(R_SCR); break;
  }
  uartUpdate();
  return v;
}

export function uartWrite(off: u32, v: u32): void {
  const dlab = (reg(R_LCR) & LCR_DLAB) != 0;
  switch (off) {
    case 0:
      if (dlab) { setReg(R_DLL, v); break; }
      if (!txFull()) {
        const head = atomic.load<i32>(U + UART_TX_HEAD);
        store<u8>(DEVICE_BASE + D_UART_TX + <usize>(head & (UART_TX_SIZE - 1)), <u8>v);
        atomic.store<i32>(U + UART_TX_HEAD, head + 1);
        // The host waits on the head while the ring is empty (head == its
        // tail): only the first byte into an empty ring needs to wake it.
        if (head == atomic.load<i32>(U + UART_TX_TAIL)) atomic.notify(U + UART_TX_HEAD);
      }
      setReg(R_THRE_PENDING, 1);
      break;
    case 1:
      if (dlab) { setReg(R_DLM, v); break; }
      // Enabling THRI with the holding register empty raises it at once.
      if ((v & IER_THRI) != 0 && (reg(R_IER) & IER_THRI) == 0) setReg(R_THRE_PENDING, 1);
      setReg(R_IER, v & 0x0f);
      break;
    case 2: setReg(R_FCR, v); break;
    case 3: setReg(R_LCR, v); break;
    case 4: setReg(R_MCR, v & 0x1f); break;
    case 7: setReg(R_SCR, v); break;
  }
  uartUpdate();
}

// Host side: the output ring had room made, or input arrived.
export function uartHostPoll(): void {
  uartUpdate();
}
