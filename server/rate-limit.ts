// Per-client limits: requests and bytes per minute (token buckets that refill
// continuously, so a client is never locked out for a whole minute) and
// requests in flight at once. A refused request gets 429 with Retry-After.
import { HttpError } from "./http-error.js";

export interface RateLimits {
  requestsPerMinute: number;
  bytesPerMinute: number;
  /** requests of one client in flight at once */
  concurrent: number;
}

interface Bucket { requests: number; bytes: number; at: number; active: number }

const SWEEP_ABOVE = 10_000;  // clients remembered before idle ones are forgotten

export class RateLimiter {
  private readonly clients = new Map<string, Bucket>();

  constructor(readonly limits: RateLimits, private readonly now: () => number = Date.now) {}

  private bucket(client: string): Bucket {
    const t = this.now();
    let b = this.clients.get(client);
    if (!b) {
      if (this.clients.size >= SWEEP_ABOVE) this.sweep();
      b = { requests: this.limits.requestsPerMinute, bytes: this.limits.bytesPerMinute, at: t, active: 0 };
      this.clients.set(client, b);
      return b;
    }
    const minutes = Math.max(0, t - b.at) / 60_000;
    b.requests = Math.min(this.limits.requestsPerMinute, b.requests + minutes * this.limits.requestsPerMinute);
    b.bytes = Math.min(this.limits.bytesPerMinute, b.bytes + minutes * this.limits.bytesPerMinute);
    b.at = t;
    return b;
  }

  /** A full bucket with nothing in flight is the same as no bucket: forget it. */
  private sweep(): void {
    for (const [client, b] of this.clients) {
      const minutes = (this.now() - b.at) / 60_000;
      if (b.active === 0 && minutes >= 1) this.clients.delete(client);
    }
  }

  private refuse(what: string, deficit: number, perMinute: number): never {
    const seconds = Math.max(1, Math.ceil((deficit / perMinute) * 60));
    throw new HttpError("rate_limited", `too many ${what} from this client; retry in ${seconds} s`,
      { headers: { "Retry-After": String(seconds) } });
  }

  /** Admits one request (or throws 429); call the returned function when it ends. */
  begin(client: string): () => void {
    const b = this.bucket(client);
    if (b.active >= this.limits.concurrent) {
      throw new HttpError("rate_limited", `more than ${this.limits.concurrent} requests in flight from this client`,
        { headers: { "Retry-After": "1" } });
    }
    if (b.requests < 1) this.refuse("requests", 1 - b.requests, this.limits.requestsPerMinute);
    b.requests -= 1;
    b.active++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      b.active--;
    };
  }

  /** Takes n bytes from the client's budget before they move, or throws 429 and takes nothing. */
  takeBytes(client: string, n: number): void {
    const b = this.bucket(client);
    // A single object larger than the whole budget would never pass: it may
    // pass when the bucket is full (the config refuses limits that small anyway).
    const need = Math.min(n, this.limits.bytesPerMinute);
    if (b.bytes < need) this.refuse("bytes", need - b.bytes, this.limits.bytesPerMinute);
    b.bytes -= n;
  }

  get trackedClients(): number { return this.clients.size; }
}
