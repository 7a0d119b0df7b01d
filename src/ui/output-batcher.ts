// Console output from the machine worker to the page: bytes are gathered
// and posted at most once per interval (one message per frame, not per
// byte), and the page acknowledges what its terminal has processed. When
// more than `highWater` bytes are waiting or unacknowledged, the batcher
// asks its owner to hold the machine (as a real UART with flow control
// would make the guest wait) until the page has caught up below `lowWater`.
// So a guest that floods the console (`yes`) cannot stall the page or grow
// memory without bound.

export interface BatcherOptions {
  intervalMs: number;
  highWater: number;
  lowWater: number;
}

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
}

const defaultTimers: Timers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
};

export class OutputBatcher {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private inFlight = 0;          // posted, not yet acknowledged
  private lastPost = -Infinity;
  private timer = false;
  private holding = false;
  // Called with true when the machine should wait, false when it may go on.
  onHold: (hold: boolean) => void = () => {};

  constructor(private readonly post: (data: Uint8Array) => void,
    private readonly opts: BatcherOptions = { intervalMs: 16, highWater: 1 << 20, lowWater: 256 << 10 },
    private readonly timers: Timers = defaultTimers) {}

  get backlog(): number { return this.pendingBytes + this.inFlight; }
  get isHolding(): boolean { return this.holding; }

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    this.schedule();
    this.updateHold();
  }

  // The page has processed `n` bytes.
  ack(n: number): void {
    this.inFlight = Math.max(0, this.inFlight - n);
    this.schedule();
    this.updateHold();
  }

  // Post everything now (e.g. before the machine goes away), whatever the backlog.
  flushNow(): void {
    if (this.pendingBytes === 0) return;
    const data = concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.inFlight += this.pendingBytes;
    this.pendingBytes = 0;
    this.lastPost = this.timers.now();
    this.post(data);
  }

  // Forget everything (a new machine starts with a clean console stream).
  reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.inFlight = 0;
    this.updateHold();
  }

  private schedule(): void {
    if (this.timer || this.pendingBytes === 0) return;
    // While the page is behind, post only when it has caught up a little:
    // one more batch in flight than the page can take only adds latency.
    if (this.inFlight >= this.opts.lowWater) return;
    const wait = Math.max(0, this.lastPost + this.opts.intervalMs - this.timers.now());
    this.timer = true;
    this.timers.setTimeout(() => {
      this.timer = false;
      if (this.inFlight >= this.opts.lowWater) return; // an ack will schedule again
      this.flushNow();
    }, wait);
  }

  private updateHold(): void {
    const b = this.backlog;
    if (!this.holding && b > this.opts.highWater) {
      this.holding = true;
      this.onHold(true);
    } else if (this.holding && b < this.opts.lowWater) {
      this.holding = false;
      this.onHold(false);
    }
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
