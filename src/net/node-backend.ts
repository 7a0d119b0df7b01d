// The Node back end: the guest's connections become node:net sockets, its
// UDP node:dgram sockets, its lookups node:dns (the system resolver, so
// /etc/hosts counts). No relay is involved. Node only (not for the browser).
import * as dgram from "node:dgram";
import * as dns from "node:dns";
import * as net from "node:net";
import {
  NetError, type AcceptHandler, type HostForward, type Listener, type NetBackend, type NetErrorCode, type TcpStream,
  type TcpStreamEvents, type UdpFlow, type UdpFlowEvents,
} from "./backend.js";

export interface NodeBackendOptions {
  /** Resolvers for DNS queries other than A ("host:port"); default: the system's (dns.getServers()). */
  dnsServers?: string[];
  /**
   * Resolvers ("host[:port]") for A lookups too, instead of the system's
   * getaddrinfo (which reads /etc/hosts); they also become dnsServers.
   */
  resolverServers?: string[];
  connectTimeoutMs?: number;   // default 20 s
  dnsTimeoutMs?: number;       // default 4 s
}

export class NodeBackend implements NetBackend {
  private readonly sockets = new Set<net.Socket>();
  private readonly udpSockets = new Set<dgram.Socket>();
  private readonly servers = new Set<net.Server>();
  private closed = false;
  private readonly connectTimeoutMs: number;
  private readonly dnsTimeoutMs: number;
  private readonly dnsServers: string[];
  private readonly resolver: dns.promises.Resolver | undefined;

  constructor(opts: NodeBackendOptions = {}) {
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 20000;
    this.dnsTimeoutMs = opts.dnsTimeoutMs ?? 4000;
    this.dnsServers = opts.dnsServers ?? opts.resolverServers ?? dns.getServers();
    if (opts.resolverServers?.length) {
      this.resolver = new dns.promises.Resolver({ timeout: this.dnsTimeoutMs, tries: 2 });
      this.resolver.setServers(opts.resolverServers); // throws on a malformed address
    }
  }

  connectTcp(host: string, port: number, events: TcpStreamEvents): TcpStream {
    const sock = new net.Socket({ allowHalfOpen: true });
    const stream = this.wrap(sock, events, false);
    if (this.closed) { queueMicrotask(() => events.onClose(new NetError("closed", "back end closed"))); return stream; }
    sock.setTimeout(this.connectTimeoutMs, () => sock.destroy(new NetError("timeout", `connect to ${host}:${port} timed out`)));
    sock.connect({ host, port, noDelay: true }, () => { sock.setTimeout(0); events.onOpen(); });
    return stream;
  }

  private wrap(sock: net.Socket, ev: TcpStreamEvents, open: boolean): TcpStream {
    this.sockets.add(sock);
    let error: NetError | undefined;
    sock.on("data", (d: Buffer) => ev.onData(new Uint8Array(d.buffer, d.byteOffset, d.length)));
    sock.on("end", () => ev.onEnd());
    sock.on("drain", () => ev.onDrain());
    sock.on("error", (e: Error) => { error ??= toNetError(e, open || !sock.connecting); });
    sock.on("close", () => { this.sockets.delete(sock); ev.onClose(error); });
    return {
      write: (d) => { if (!sock.destroyed && sock.writable) sock.write(d); },
      get bufferedAmount() { return sock.writableLength; },
      end: () => { if (!sock.destroyed) sock.end(); },
      // resetAndDestroy() after end() fails with EINVAL in Node 20 and leaks the
      // handle (the process then spins at exit): a socket already half-closed
      // is destroyed plainly (a FIN, not a RST).
      reset: () => {
        if (sock.destroyed) return;
        if (sock.connecting || sock.writableEnded) sock.destroy();
        else sock.resetAndDestroy();
      },
      pause: () => { sock.pause(); },
      resume: () => { sock.resume(); },
    };
  }

  openUdp(host: string, port: number, events: UdpFlowEvents): UdpFlow {
    const sock = dgram.createSocket("udp4");
    this.udpSockets.add(sock);
    let connected = false, closed = false;
    const pending: Uint8Array[] = [];
    const finish = (err?: NetError) => {
      if (closed) return;
      closed = true;
      this.udpSockets.delete(sock);
      try { sock.close(); } catch { /* already closed */ }
      events.onClose(err);
    };
    sock.on("message", (msg) => events.onMessage(new Uint8Array(msg.buffer, msg.byteOffset, msg.length)));
    sock.on("error", (e) => finish(toNetError(e, connected)));
    sock.connect(port, host, () => {
      connected = true;
      for (const d of pending.splice(0)) sock.send(d);
    });
    return {
      send: (d) => {
        if (closed) return;
        if (connected) sock.send(d);
        else if (pending.length < 64) pending.push(d); // best effort, like UDP
      },
      close: () => finish(),
    };
  }

  async resolve(name: string): Promise<string[]> {
    try {
      if (this.resolver && !net.isIP(name)) return await this.resolver.resolve4(name);
      const r = await dns.promises.lookup(name, { family: 4, all: true });
      return r.map((a) => a.address);
    } catch (e) {
      throw toNetError(e as Error, false);
    }
  }

  forwardDns(query: Uint8Array): Promise<Uint8Array> {
    const server = this.dnsServers.find((s) => net.isIPv4(s.replace(/:\d+$/, ""))) ;
    if (!server) return Promise.reject(new NetError("unreachable", "no IPv4 DNS server configured"));
    const m = /^(.*?)(?::(\d+))?$/.exec(server)!;
    return new Promise((resolve, reject) => {
      const sock = dgram.createSocket("udp4");
      const done = (f: () => void) => { clearTimeout(t); try { sock.close(); } catch { /* closed */ } f(); };
      const t = setTimeout(() => done(() => reject(new NetError("timeout", "DNS server did not answer"))), this.dnsTimeoutMs);
      sock.on("message", (msg) => {
        if (msg.length >= 2 && msg[0] === query[0] && msg[1] === query[1]) done(() => resolve(new Uint8Array(msg)));
      });
      sock.on("error", (e) => done(() => reject(toNetError(e, false))));
      sock.send(query, Number(m[2] ?? 53), m[1]);
    });
  }

  listenTcp(fwd: HostForward, accept: AcceptHandler): Promise<Listener> {
    return new Promise((resolve, reject) => {
      const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true }, (sock) => {
        let ev: TcpStreamEvents | undefined;
        const stream = this.wrap(sock, {
          onOpen: () => {},
          onData: (d) => ev?.onData(d),
          onEnd: () => ev?.onEnd(),
          onDrain: () => ev?.onDrain(),
          onClose: (e) => ev?.onClose(e),
        }, true);
        ev = accept(stream, { host: sock.remoteAddress ?? "", port: sock.remotePort ?? 0 });
        if (!ev) sock.resetAndDestroy();
      });
      server.once("error", (e) => reject(new NetError("blocked", `cannot listen on ${fwd.hostAddr}:${fwd.hostPort}: ${e.message}`)));
      server.listen(fwd.hostPort, fwd.hostAddr, () => {
        this.servers.add(server);
        const port = (server.address() as net.AddressInfo).port;
        resolve({ port, close: () => { this.servers.delete(server); server.close(); } });
      });
    });
  }

  close(): void {
    this.closed = true;
    for (const s of this.sockets) s.destroy();
    for (const u of this.udpSockets) { try { u.close(); } catch { /* closed */ } }
    for (const s of this.servers) s.close();
    this.sockets.clear(); this.udpSockets.clear(); this.servers.clear();
  }
}

function toNetError(e: Error, wasOpen: boolean): NetError {
  if (e instanceof NetError) return e;
  const code = (e as NodeJS.ErrnoException).code ?? "";
  const map: Record<string, NetErrorCode> = {
    ECONNREFUSED: "refused", ENOTFOUND: "unreachable", ENODATA: "unreachable", EAI_AGAIN: "unreachable",
    EHOSTUNREACH: "unreachable", ENETUNREACH: "unreachable", EADDRNOTAVAIL: "unreachable", ETIMEDOUT: "timeout",
    ECONNRESET: "reset", EPIPE: "reset",
  };
  return new NetError(map[code] ?? (wasOpen ? "reset" : "unreachable"), e.message);
}
