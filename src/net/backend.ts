// What the user network needs from the world outside: TCP streams with
// back-pressure, UDP flows, name resolution and (optionally) listening for
// port forwards. Implemented by node-backend.ts (node:net, node:dgram,
// node:dns) and wisp-client.ts (a Wisp relay over one WebSocket).

export type NetErrorCode =
  | "refused"      // the destination refused the connection
  | "unreachable"  // no route, or the name does not resolve
  | "timeout"
  | "reset"        // the connection broke after it was open
  | "blocked"      // a policy (the relay's, say) forbids the destination
  | "limit"        // too many connections or bytes
  | "closed";      // the back end itself was closed

export class NetError extends Error {
  constructor(readonly code: NetErrorCode, message: string) {
    super(message);
    this.name = "NetError";
  }
}

/** Events of one TCP stream, called by the back end. */
export interface TcpStreamEvents {
  onOpen(): void;                       // connected (for accepted streams: never called, they are open)
  onData(data: Uint8Array): void;       // not called while paused
  onEnd(): void;                        // the remote sent FIN: no more data
  onDrain(): void;                      // bufferedAmount fell back below the back end's mark
  onClose(error?: NetError): void;      // the stream is gone; after this no event comes
}

/** A duplex byte stream. Writes never fail synchronously; errors arrive as onClose(error). */
export interface TcpStream {
  write(data: Uint8Array): void;
  /** Bytes accepted by write() not yet handed to the network: the sender's back-pressure signal. */
  readonly bufferedAmount: number;
  end(): void;                          // half-close (send FIN once buffered data is out)
  reset(): void;                        // abort now (RST); onClose follows
  pause(): void;                        // stop onData until resume() (the back end back-pressures the remote)
  resume(): void;
}

export interface UdpFlowEvents {
  onMessage(data: Uint8Array): void;    // a datagram from the flow's destination
  onClose(error?: NetError): void;
}

/** UDP to one destination: datagrams out, replies from that destination in. */
export interface UdpFlow {
  send(data: Uint8Array): void;         // best effort, like UDP
  close(): void;
}

/** A TCP port forward (QEMU hostfwd): connections to hostAddr:hostPort reach the guest's guestPort. */
export interface HostForward {
  protocol: "tcp";
  hostAddr: string;
  hostPort: number;   // 0 = any free port (the listener reports the one it got)
  guestPort: number;
}

export interface Listener {
  readonly port: number;
  close(): void;
}

/**
 * An accepted connection is handed over paused; return its events to take it
 * (and resume() it when ready), or undefined to have the back end reset it.
 */
export type AcceptHandler = (stream: TcpStream, remote: { host: string; port: number }) => TcpStreamEvents | undefined;

export interface NetBackend {
  /** `host` is a dotted quad or a name; onOpen or onClose(error) follows. */
  connectTcp(host: string, port: number, events: TcpStreamEvents): TcpStream;
  openUdp(host: string, port: number, events: UdpFlowEvents): UdpFlow;
  /** IPv4 addresses of a name (dotted quads); rejects with NetError("unreachable") when it has none. */
  resolve(name: string): Promise<string[]>;
  /** Optional: answers a raw DNS query (non-A types) by asking a real resolver. */
  forwardDns?(query: Uint8Array): Promise<Uint8Array>;
  /** Optional: port forwards. */
  listenTcp?(forward: HostForward, accept: AcceptHandler): Promise<Listener>;
  close(): void;
}
