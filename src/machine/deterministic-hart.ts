// The hart worker's side of deterministic mode (`rvplay boot
// --deterministic`, VirtConfig.deterministic; QEMU's `-icount
// shift=N,sleep=off`). One hart; the guest clock counts its retired
// instructions (wasm-core/assembly/devices/clint.ts: INSNS_PER_TICK per
// tick) and the slice stops exactly at the timer's deadline (hart/run.ts).
// Between two slices this does, at the instruction where the guest asked,
// everything that would otherwise happen whenever the host got to it:
//
// - I/O: after a virtqueue notify the hart waits until the I/O side has
//   completed every request notified so far (D_IO_SETTLE_REQ / _ACK), so a
//   completion interrupt is pending when the next slice starts.
// - Console output: the hart waits while the output ring is half full (the
//   UART ends the slice there: EXIT_CONSOLE), so the guest never sees the
//   transmitter busy.
// - WFI: the clock skips ahead to the timer's deadline at once, unless the
//   guest waits for input: when the output ends with the prompt, or nothing
//   but input could wake it within IDLE_CAP_TICKS, the controller is asked
//   for the next line (D_IDLE_WAIT) and the hart waits for it; only once
//   the input has ended does the clock skip ahead there too.
//
// So the same image and the same input give the same instructions, the same
// output and the same state, whatever the host's timing.
import * as L from "../../wasm-core/layout.js";
import { MIP_MTIP } from "../../wasm-core/spec/riscv.js";
import { TIMEBASE_HZ } from "../../wasm-core/limits.js";
import { CoreView, type CoreExports } from "./core.js";

export interface DeterministicHartConfig {
  // A regular expression that the end of the console output matches when
  // the guest shows its prompt (where input is delivered).
  prompt: string;
}

export const DEFAULT_PROMPT = "[#$] $";

// Idle time the clock may skip before the hart asks for input although no
// prompt shows (a program reading without one): 60 s of guest time.
const IDLE_CAP_TICKS = 60n * BigInt(TIMEBASE_HZ);
// How much of the output the prompt is looked for in.
const PROMPT_WINDOW = 256;
// Longest wait before looking at the run state again (pause and stop also
// notify the attention word, which is not the one waited on here).
const POLL_MS = 100;
const SLOT_BITS = (1 << 30) - 1;

const U = L.DEVICE_BASE + L.D_UART;
const dev = (off: number) => (L.DEVICE_BASE + off) >> 2;

export class DeterministicHart {
  private readonly i32: Int32Array;
  private readonly view: CoreView;
  private readonly prompt: RegExp;
  private readonly hb: number;
  // The output ring's head when the last input was delivered: a prompt
  // counts only once the guest has written since (its echo, at least).
  private deliveredAt: number | undefined;
  private idleTicks = 0n; // skipped since the last input
  private inputEnded = false;

  constructor(private readonly core: CoreExports, memory: WebAssembly.Memory, private readonly hartId: number,
    cfg: DeterministicHartConfig) {
    this.i32 = new Int32Array(memory.buffer);
    this.view = new CoreView(memory);
    this.prompt = new RegExp(cfg.prompt);
    this.hb = this.view.hartBase(hartId);
  }

  // After a slice that ended with `reason`: false once the machine stops.
  afterSlice(reason: number): boolean {
    if (reason === L.EXIT_IO || (Atomics.load(this.i32, dev(L.D_IO_PENDING)) & SLOT_BITS) !== 0) {
      if (!this.settleIo()) return false;
    }
    if (!this.waitOutputDrained()) return false;
    if (reason === L.EXIT_POWER) return this.waitPowerHandled();
    if (reason === L.EXIT_WFI) return this.idle();
    return true;
  }

  // Wait until the I/O side has completed everything notified so far.
  private settleIo(): boolean {
    const req = (Atomics.add(this.i32, dev(L.D_IO_SETTLE_REQ), 1) + 1) | 0;
    Atomics.or(this.i32, dev(L.D_IO_PENDING), L.IO_PENDING_SETTLE);
    Atomics.notify(this.i32, dev(L.D_IO_PENDING));
    return this.waitFor(() => ((Atomics.load(this.i32, dev(L.D_IO_SETTLE_ACK)) - req) | 0) >= 0, dev(L.D_IO_SETTLE_ACK));
  }

  private outputQueued(): number {
    return (Atomics.load(this.i32, (U + L.UART_TX_HEAD) >> 2) - Atomics.load(this.i32, (U + L.UART_TX_TAIL) >> 2)) | 0;
  }

  private waitOutputDrained(): boolean {
    if (this.outputQueued() < L.UART_TX_SIZE / 2) return true;
    Atomics.notify(this.i32, (U + L.UART_TX_HEAD) >> 2);
    return this.waitFor(() => this.outputQueued() < L.UART_TX_SIZE / 2, (U + L.UART_TX_TAIL) >> 2);
  }

  // Does the output end with the prompt (written since the last input)?
  private atPrompt(): boolean {
    const head = Atomics.load(this.i32, (U + L.UART_TX_HEAD) >> 2);
    if (head === this.deliveredAt) return false;
    const bytes = this.view.bytes;
    let tail = "";
    for (let i = PROMPT_WINDOW; i >= 1; i--) {
      tail += String.fromCharCode(bytes[L.DEVICE_BASE + L.D_UART_TX + ((head - i) & (L.UART_TX_SIZE - 1))]);
    }
    return this.prompt.test(tail);
  }

  // Ticks until the timer interrupt can wake the hart, or undefined when it
  // cannot (disabled in mie).
  private ticksToTimer(): bigint | undefined {
    const mie = this.view.dv.getBigUint64(this.hb + L.C_MIE, true);
    if ((mie & BigInt(MIP_MTIP)) === 0n) return undefined;
    const cmp = this.view.dev64(L.D_CLINT_MTIMECMP + this.hartId * 8);
    const now = this.core.mtime();
    return cmp > now ? cmp - now : 0n;
  }

  // The hart stopped at WFI with nothing pending.
  private idle(): boolean {
    const ticks = this.ticksToTimer();
    const timerWakes = ticks !== undefined && this.idleTicks + ticks <= IDLE_CAP_TICKS;
    if (!this.inputEnded && (this.atPrompt() || !timerWakes)) {
      Atomics.store(this.i32, dev(L.D_IDLE_REPLY), 0);
      Atomics.store(this.i32, dev(L.D_IDLE_WAIT), 1);
      Atomics.notify(this.i32, dev(L.D_IDLE_WAIT));
      if (!this.waitFor(() => Atomics.load(this.i32, dev(L.D_IDLE_WAIT)) === 0, dev(L.D_IDLE_WAIT))) return false;
      const reply = Atomics.load(this.i32, dev(L.D_IDLE_REPLY));
      if (reply === L.IDLE_INPUT) {
        this.idleTicks = 0n;
        this.deliveredAt = Atomics.load(this.i32, (U + L.UART_TX_HEAD) >> 2);
        // Input for the virtio-console is the I/O side's to deliver (the
        // controller kicked its receive queue; the I/O side may have taken
        // the kick already, but not finished it: settle whatever it did).
        return this.settleIo();
      }
      if (reply === L.IDLE_ENDED) this.inputEnded = true;
    }
    if (ticks !== undefined) {
      // Skip the idle time: the next slice starts at the deadline.
      this.view.setDev64(L.D_MTIME_WARP, this.view.dev64(L.D_MTIME_WARP) + ticks);
      this.idleTicks += ticks;
      return true;
    }
    // Nothing deterministic can wake the hart (no timer, no input to come):
    // sleep until something notifies it (a NIC asked for, a pause, a stop).
    Atomics.wait(this.i32, (this.hb + L.H_ATTN) >> 2, 0, 1000);
    return true;
  }

  // After the guest asked to power off or reset: run no further instruction
  // until the controller has stopped the machine (false) or paused,
  // reloaded and resumed it (true).
  private waitPowerHandled(): boolean {
    const i32 = this.i32;
    Atomics.notify(i32, dev(L.D_POWER));
    let paused = false;
    for (;;) {
      Atomics.add(i32, (this.hb + L.H_BEAT) >> 2, 1);
      const state = Atomics.load(i32, dev(L.D_RUNSTATE));
      if (state === L.RUN_STOP) return false;
      if (state === L.RUN_PAUSE) { this.park(); paused = true; continue; }
      if (paused) return true;
      Atomics.wait(i32, dev(L.D_RUNSTATE), L.RUN_GO, POLL_MS);
    }
  }

  private park(): void {
    const parked = (this.hb + L.H_PARKED) >> 2;
    Atomics.store(this.i32, parked, 1);
    Atomics.notify(this.i32, parked);
    Atomics.wait(this.i32, dev(L.D_RUNSTATE), L.RUN_PAUSE, POLL_MS);
    Atomics.store(this.i32, parked, 0);
  }

  // Wait until done(), sleeping on the word at index idx (whoever changes
  // the condition notifies it; a short timeout covers the run state);
  // parks while the machine is paused. false: the machine stopped.
  private waitFor(done: () => boolean, idx: number): boolean {
    const i32 = this.i32;
    const beat = (this.hb + L.H_BEAT) >> 2;
    while (!done()) {
      Atomics.add(i32, beat, 1); // the watchdog's sign of life
      const state = Atomics.load(i32, dev(L.D_RUNSTATE));
      if (state === L.RUN_STOP) return false;
      if (state === L.RUN_PAUSE) { this.park(); continue; }
      const v = Atomics.load(i32, idx);
      if (done()) break;
      Atomics.wait(i32, idx, v, POLL_MS);
    }
    return true;
  }
}
