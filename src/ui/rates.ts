// Per-vCPU speed in MIPS from the machine's cumulative instruction counts,
// sampled now and then, and a short history of it for the chart. A count
// that goes down means the machine was reset (counts restart at power-on).

export interface Sample {
  t: number;              // ms, monotonic
  instructions: number[]; // retired per hart since power-on
}

export class MipsMeter {
  private last: Sample | undefined;
  readonly history: number[][] = [];  // per hart, oldest first, MIPS
  constructor(readonly capacity = 120) {}

  // Adds a sample; returns the MIPS of each hart over the interval since the
  // previous one (undefined for the first sample, after a reset or a change
  // in the number of harts, where no interval can be measured).
  add(s: Sample): number[] | undefined {
    const prev = this.last;
    this.last = { t: s.t, instructions: [...s.instructions] };
    if (!prev || prev.instructions.length !== s.instructions.length) {
      this.history.length = 0;
      return undefined;
    }
    const dt = s.t - prev.t;
    if (!(dt > 0) || s.instructions.some((n, h) => n < prev.instructions[h])) return undefined;
    const mips = s.instructions.map((n, h) => (n - prev.instructions[h]) / dt / 1000);
    mips.forEach((m, h) => {
      const row = (this.history[h] ??= []);
      row.push(m);
      if (row.length > this.capacity) row.splice(0, row.length - this.capacity);
    });
    return mips;
  }

  reset(): void {
    this.last = undefined;
    this.history.length = 0;
  }
}

// Whether the counts went backwards: the guest rebooted (or the machine was reset).
export function countsReset(prev: number[] | undefined, next: number[]): boolean {
  if (!prev || prev.length !== next.length) return false;
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  return sum(next) < sum(prev);
}
