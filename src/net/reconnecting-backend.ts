// A back end that is made again when it breaks: the browser's user network
// goes through one WebSocket to a Wisp relay, and a relay that restarts (or
// a laptop that sleeps) closes it. Each new connection, flow or lookup after
// that makes a fresh client (at most one per `retryMs`); what was open on
// the old one is gone, as after a NAT reboot. The stand-in addresses a Wisp
// client hands out for names are its own, so a connection to an address
// looked up before the break fails (the guest looks the name up again).
import { NetError, type NetBackend, type TcpStream, type TcpStreamEvents, type UdpFlow, type UdpFlowEvents } from "./backend.js";

export interface ClosableBackend extends NetBackend {
  readonly isClosed: boolean;
  /** Resolves once usable, rejects if it never gets there. */
  readonly ready?: Promise<void>;
}

export type BackendState = "connecting" | "connected" | "failed" | "closed";

export class ReconnectingBackend implements NetBackend {
  private current: ClosableBackend | undefined;
  private made = 0;             // when the current one was made (ms)
  private closed = false;
  state: BackendState = "connecting";
  lastError: string | undefined;
  /** How many back ends were made (the first included). */
  connects = 0;

  constructor(private readonly make: () => ClosableBackend, private readonly retryMs = 2000,
    private readonly now: () => number = () => Date.now()) {}

  private get(): ClosableBackend {
    if (this.closed) throw new NetError("closed", "the network was closed");
    const c = this.current;
    if (c && (!c.isClosed || this.now() - this.made < this.retryMs)) return c;
    c?.close();
    const next = this.make();
    this.current = next;
    this.made = this.now();
    this.connects++;
    this.state = "connecting";
    next.ready?.then(
      () => { if (this.current === next) { this.state = "connected"; this.lastError = undefined; } },
      (e: Error) => { if (this.current === next && !this.closed) { this.state = "failed"; this.lastError = e.message; } },
    );
    if (!next.ready) this.state = "connected";
    return next;
  }

  /** Connects now (the page shows whether the relay answers before the guest uses it). */
  warmUp(): void { if (!this.closed) this.get(); }

  connectTcp(host: string, port: number, events: TcpStreamEvents): TcpStream { return this.get().connectTcp(host, port, events); }
  openUdp(host: string, port: number, events: UdpFlowEvents): UdpFlow { return this.get().openUdp(host, port, events); }
  resolve(name: string): Promise<string[]> {
    try { return this.get().resolve(name); } catch (e) { return Promise.reject(e); }
  }

  close(): void {
    this.closed = true;
    this.state = "closed";
    this.current?.close();
    this.current = undefined;
  }
}
