// One guest TCP connection terminated in the user network and proxied to a
// back-end stream (RFC 9293 state machine, cut down for a proxy on a lossless
// link):
// - the guest's SYN is answered only once the back end has connected (a
//   refused connection is a RST, as QEMU's slirp does);
// - data toward the guest is sent within the guest's window (its MSS and
//   window scale come from its SYN) and kept until acknowledged; if the guest
//   does not acknowledge in time it is sent again from the first unacknowledged
//   byte (go-back-N; the link itself does not lose frames, but the queue
//   toward the guest is bounded);
// - data from the guest is written to the back end; the window we advertise
//   is our buffer minus what the back end has not yet sent on, so a slow
//   remote slows the guest down;
// - the back end is paused while more than `bufferBytes` wait for the guest's
//   acknowledgement, so a fast remote cannot fill our memory.
import type { Mac } from "./addresses.js";
import { NetError, type TcpStream, type TcpStreamEvents } from "./backend.js";
import { ByteQueue } from "./byte-queue.js";
import { setTimer } from "./link.js";
import {
  ACK, FIN, finishTcpChecksum, newTcpFrame, PSH, RST, seqAdd, seqDiff, seqLe, seqLt, SYN, synOptions,
  TCP_PAYLOAD_OFFSET, type TcpSegment,
} from "./tcp.js";

export type TcpState =
  | "connecting"      // guest SYN seen, waiting for the back end to connect
  | "syn-sent"        // we sent SYN to the guest (a forwarded inbound connection)
  | "syn-received"    // SYN-ACK sent to the guest
  | "established"
  | "close-wait"      // guest sent FIN
  | "last-ack"
  | "fin-wait-1"      // we sent FIN
  | "fin-wait-2"
  | "closing"
  | "time-wait"
  | "closed";

/** What a connection needs from the user network it lives in. */
export interface TcpHost {
  guestMac(): Mac | undefined;
  readonly gatewayMac: Mac;
  /** Queue a frame toward the guest; false if it was dropped (queue full). */
  emit(frame: Uint8Array): boolean;
  /** Room for bulk output now? If not, the connection waits for kick(). */
  hasRoom(conn: TcpConnection): boolean;
  scheduleAck(conn: TcpConnection): void;
  removed(conn: TcpConnection, reason: "done" | "reset" | "refused" | "timeout"): void;
  countDrop(reason: "out-of-window" | "bad-flags"): void;
}

export interface TcpLimits {
  bufferBytes: number;  // per direction
  mtu: number;
  timeWaitMs: number;
  rtoMs: number;        // first retransmission timeout
  maxRetries: number;
  connectTimeoutMs: number;
  // The guest's NIC takes TCP segments up to 64 KiB (virtio-net GUEST_TSO4):
  // send whole multiples of the MSS at once. Changes while connections run.
  largeSegments?: boolean;
}

// The most payload one IPv4 packet can carry after 20-byte IP and TCP headers.
const MAX_SEGMENT_PAYLOAD = 65535 - 40;

const MAX_RTO_MS = 8000;

export class TcpConnection implements TcpStreamEvents {
  state: TcpState;
  stream: TcpStream | undefined;

  // Send side (toward the guest). sendQ[0] is the byte at sndUna once the SYN is acknowledged.
  private iss = 0;
  private sndUna = 0;
  private sndNxt = 0;
  private sndHigh = 0;         // the highest sndNxt ever (acks up to it are valid after a go-back)
  private sndWnd = 0;          // bytes
  private sndWl1 = 0;
  private sndWl2 = 0;
  private sndShift = 0;
  private mss = 536;           // RFC 9293 3.7.1 default
  private readonly sendQ = new ByteQueue();
  private finQueued = false;   // the back end ended: FIN after the data
  private finSent = false;
  private finAcked = false;
  private streamPaused = false;

  // Receive side (from the guest).
  private irs = 0;
  private rcvNxt = 0;
  private rcvShift = 0;
  private wscaleOk = false;
  private lastAdvertised = 0;  // the window last sent, in bytes
  private rcvAdvEdge = 0;      // rcvNxt + that window: the right edge the guest may fill up to
  private guestFin = false;

  ackPending = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private rto: number;
  private retries = 0;

  constructor(
    private readonly host: TcpHost,
    readonly key: string,
    readonly guestIp: number, readonly guestPort: number,
    readonly remoteIp: number, readonly remotePort: number,
    private readonly limits: TcpLimits,
    initial: "connecting" | "syn-sent",
  ) {
    this.state = initial;
    this.rto = limits.rtoMs;
    // Our window scale: the smallest shift that lets the window field carry the whole buffer.
    while ((limits.bufferBytes >>> this.rcvShift) > 0xffff && this.rcvShift < 14) this.rcvShift++;
  }

  // ---- opening ----

  /** The guest's SYN (state "connecting"): remember its sequence and options. */
  acceptSyn(seg: TcpSegment): void {
    this.irs = seg.seq;
    this.rcvNxt = seqAdd(seg.seq, 1);
    this.rcvAdvEdge = this.rcvNxt;
    this.takeSynOptions(seg);
    this.sndWnd = seg.window; // never scaled in a SYN (RFC 7323 2.2)
    this.armTimer(this.limits.connectTimeoutMs);
  }

  /** An accepted host connection (state "syn-sent"): send our SYN to the guest. */
  startActiveOpen(stream: TcpStream): void {
    this.stream = stream;
    this.iss = randomIss();
    this.sndUna = this.iss; this.sndNxt = seqAdd(this.iss, 1); this.sndHigh = this.sndNxt;
    this.sendSyn();
  }

  private takeSynOptions(seg: TcpSegment): void {
    this.mss = Math.min(seg.mss ?? 536, this.limits.mtu - 40);
    if (seg.wscale !== undefined) { this.wscaleOk = true; this.sndShift = seg.wscale; }
    else this.rcvShift = 0; // RFC 7323 2.2: both sides or neither
  }

  private sendSyn(): void {
    const flags = this.state === "syn-sent" ? SYN : SYN | ACK;
    // In syn-sent we always offer a scale; in syn-received only if the guest did.
    const ws = this.state === "syn-sent" || this.wscaleOk ? this.rcvShift : undefined;
    const opts = synOptions(this.limits.mtu - 40, ws);
    const win = Math.min(0xffff, this.rcvWindow());
    this.lastAdvertised = win;
    if (this.state !== "syn-sent") this.rcvAdvEdge = seqAdd(this.rcvNxt, win); // in syn-sent rcvNxt is not known yet
    this.emitSegment(flags, this.iss, this.state === "syn-sent" ? 0 : this.rcvNxt, win, opts, 0, 0);
    this.armTimer(this.rto);
  }

  // ---- back-end events ----

  onOpen(): void {
    if (this.state !== "connecting") return;
    this.iss = randomIss();
    this.sndUna = this.iss; this.sndNxt = seqAdd(this.iss, 1); this.sndHigh = this.sndNxt;
    this.state = "syn-received";
    this.sendSyn();
  }

  onData(data: Uint8Array): void {
    if (this.state === "closed" || this.finQueued) return;
    this.sendQ.push(data);
    if (this.sendQ.length >= this.limits.bufferBytes && !this.streamPaused) {
      this.streamPaused = true;
      this.stream?.pause();
    }
    this.output();
  }

  onEnd(): void {
    if (this.state === "closed") return;
    this.finQueued = true;
    this.output();
  }

  onDrain(): void {
    if (this.state === "closed") return;
    // Window update once a useful amount of buffer is free again.
    if (this.rcvWindow() - this.lastAdvertised >= Math.max(this.mss, this.limits.bufferBytes / 4)) this.sendAck();
  }

  onClose(error?: NetError): void {
    const hadStream = this.stream !== undefined;
    this.stream = undefined;
    if (this.state === "closed") return;
    if (this.state === "connecting") {
      // Refused, unreachable or blocked: RST|ACK to the SYN (RFC 9293 3.10.7.1).
      this.emitSegment(RST | ACK, 0, this.rcvNxt, 0, undefined, 0, 0);
      this.finish(error?.code === "timeout" ? "timeout" : "refused");
      return;
    }
    if (error || !this.finQueued) {
      if (hadStream) this.abort("reset");
      return;
    }
    // A clean close after the remote's FIN: our FIN goes out after the data;
    // data the guest still sends has nowhere to go (see onSegment).
    if (this.state === "time-wait") return;
    this.output();
  }

  // ---- segments from the guest ----

  onSegment(seg: TcpSegment): void {
    switch (this.state) {
      case "closed": return;
      case "connecting":
        if (seg.flags & RST) { this.stream?.reset(); this.stream = undefined; this.finish("reset"); }
        return; // a retransmitted SYN waits for the back end like the first
      case "syn-sent": this.inSynSent(seg); return;
      default: this.inSynchronized(seg);
    }
  }

  private inSynSent(seg: TcpSegment): void {
    const ackOk = (seg.flags & ACK) !== 0 && seg.ack === this.sndNxt;
    if ((seg.flags & ACK) && !ackOk) {
      if (!(seg.flags & RST)) this.emitSegment(RST, seg.ack, 0, 0, undefined, 0, 0);
      return;
    }
    if (seg.flags & RST) {
      if (ackOk) { this.stream?.reset(); this.stream = undefined; this.finish("refused"); }
      return;
    }
    if ((seg.flags & SYN) && ackOk) {
      this.irs = seg.seq;
      this.rcvNxt = seqAdd(seg.seq, 1);
      this.rcvAdvEdge = this.rcvNxt;
      this.takeSynOptions(seg);
      this.sndUna = seg.ack;
      this.sndWnd = seg.window;
      this.sndWl1 = seg.seq; this.sndWl2 = seg.ack;
      this.state = "established";
      this.retries = 0; this.rto = this.limits.rtoMs;
      this.clearTimer();
      this.sendAck();
      this.stream?.resume();
    }
  }

  private inSynchronized(seg: TcpSegment): void {
    const payloadLen = seg.payload.length;
    // A retransmitted SYN while our SYN-ACK is unanswered: answer it again.
    if (this.state === "syn-received" && (seg.flags & SYN) && !(seg.flags & ACK) && seg.seq === this.irs) {
      this.sendSyn();
      return;
    }
    // 1. Is the segment in the receive window? (RFC 9293 3.10.7.4, first check)
    const wnd = this.receiveRoom();
    const segLen = payloadLen + (seg.flags & FIN ? 1 : 0) + (seg.flags & SYN ? 1 : 0);
    const inWin = (s: number) => seqLe(this.rcvNxt, s) && seqLt(s, seqAdd(this.rcvNxt, wnd));
    let acceptable: boolean;
    if (segLen === 0) acceptable = wnd === 0 ? seg.seq === this.rcvNxt : inWin(seg.seq);
    else if (wnd === 0) acceptable = seg.seq === this.rcvNxt && payloadLen === 0; // a bare FIN needs no room
    else acceptable = inWin(seg.seq) || inWin(seqAdd(seg.seq, segLen - 1));
    if (!acceptable) {
      if (!(seg.flags & RST)) { this.host.countDrop("out-of-window"); this.sendAck(); }
      return;
    }
    // 2. RST in the window resets the connection.
    if (seg.flags & RST) {
      this.stream?.reset(); this.stream = undefined;
      this.finish("reset");
      return;
    }
    // 3. A SYN inside a synchronized connection: challenge ACK (RFC 5961 4.2).
    if (seg.flags & SYN) { this.sendAck(); return; }
    // 4. Everything else must carry an ACK.
    if (!(seg.flags & ACK)) return;
    if (this.state === "syn-received") {
      if (seg.ack !== this.sndNxt) { this.emitSegment(RST, seg.ack, 0, 0, undefined, 0, 0); return; }
      this.state = "established";
      this.sndUna = seg.ack; // the SYN is acknowledged; sendQ[0] is now the byte at sndUna
      this.sndWl1 = seg.seq; this.sndWl2 = seg.ack;
      this.sndWnd = seg.window << this.sndShift;
      this.retries = 0; this.rto = this.limits.rtoMs;
      this.clearTimer();
    }
    if (!this.processAck(seg) || this.state === "closed") return;
    // 5. Data.
    let fin = (seg.flags & FIN) !== 0;
    if (payloadLen > 0) {
      if (this.state === "established" || this.state === "fin-wait-1" || this.state === "fin-wait-2") {
        if (!this.takeData(seg)) fin = false; // the FIN sits after bytes we did not take
      } else {
        fin = false; // data after the guest's own FIN: ignore
      }
    }
    if ((this.state as TcpState) === "closed") return; // takeData may have aborted
    // 6. FIN, once every byte before it has arrived.
    if (fin && !this.guestFin && seqAdd(seg.seq, payloadLen) === this.rcvNxt) {
      this.rcvNxt = seqAdd(this.rcvNxt, 1);
      this.guestFin = true;
      this.stream?.end();
      if (this.state === "established") this.state = "close-wait";
      else if (this.state === "fin-wait-1") this.state = this.finAcked ? "time-wait" : "closing";
      else if (this.state === "fin-wait-2") this.state = "time-wait";
      this.sendAck();
      if (this.state === "time-wait") this.enterTimeWait();
    } else if (this.state === "time-wait" && fin) {
      this.sendAck(); // a retransmitted FIN: acknowledge it again
      this.enterTimeWait();
    }
    this.output();
  }

  /** RFC 9293 3.10.7.4, fifth check; false when the segment is to be dropped. */
  private processAck(seg: TcpSegment): boolean {
    const ack = seg.ack;
    if (seqLt(this.sndHigh, ack)) { this.sendAck(); return false; } // acknowledges what we never sent
    if (seqLt(this.sndUna, ack)) {
      const acked = seqDiff(ack, this.sndUna);
      const data = Math.min(acked, this.sendQ.length);
      this.sendQ.drop(data);
      if (acked > data && this.finSent) this.finAcked = true;
      this.sndUna = ack;
      if (seqLt(this.sndNxt, ack)) this.sndNxt = ack;
      this.retries = 0;
      this.rto = this.limits.rtoMs;
      if (this.sndNxt === this.sndUna) this.clearTimer(); else this.armTimer(this.rto, true);
    }
    // Window update (RFC 9293 3.10.7.4, fifth check): only from a newer segment.
    if (seqLt(this.sndWl1, seg.seq) || (this.sndWl1 === seg.seq && seqLe(this.sndWl2, ack))) {
      this.sndWnd = seg.window << this.sndShift;
      this.sndWl1 = seg.seq; this.sndWl2 = ack;
    }
    // Only now, with the window of this ACK: a back end may deliver held
    // data inside resume(), and the output that follows must not use the
    // old window against the new sndUna (that overran the guest's window:
    // Linux dropped the excess, TCPZeroWindowDrop, and we waited for the RTO).
    if (this.streamPaused && this.sendQ.length < this.limits.bufferBytes / 2) {
      this.streamPaused = false;
      this.stream?.resume();
    }
    if (this.finAcked) {
      if (this.state === "fin-wait-1") this.state = "fin-wait-2";
      else if (this.state === "closing") { this.state = "time-wait"; this.enterTimeWait(); }
      else if (this.state === "last-ack") this.finish("done");
    }
    return true;
  }

  /** Writes in-order, in-window data to the back end; false if some of it was not taken. */
  private takeData(seg: TcpSegment): boolean {
    let data = seg.payload;
    let start = seg.seq;
    if (seqLt(start, this.rcvNxt)) { // partly a retransmission: keep only what is new
      data = data.subarray(seqDiff(this.rcvNxt, start));
      start = this.rcvNxt;
    }
    if (start !== this.rcvNxt) { // a hole before it: the guest will send again
      this.host.countDrop("out-of-window");
      this.sendAck();
      return false;
    }
    if (!this.stream) { this.abort("reset"); return false; } // the remote is gone for good
    let whole = true;
    const room = this.receiveRoom();
    if (data.length > room) { data = data.subarray(0, room); whole = false; this.host.countDrop("out-of-window"); }
    if (data.length > 0) {
      this.stream.write(data);
      this.rcvNxt = seqAdd(this.rcvNxt, data.length);
    }
    this.host.scheduleAck(this);
    return whole;
  }

  // ---- output toward the guest ----

  /** Sends what the guest's window and the queue toward it allow. */
  output(): void {
    // State is updated before each segment goes out: delivering a frame may
    // bring the guest's answer back into onSegment before emit() returns.
    for (;;) {
      if (!this.sending()) return;
      const inFlight = seqDiff(this.sndNxt, this.sndUna);
      const unsent = this.finSent ? 0 : this.sendQ.length - inFlight;
      if (unsent <= 0) break;
      const room = this.sndWnd - inFlight;
      if (room <= 0) break;
      const segMax = this.limits.largeSegments ? Math.max(this.mss, Math.floor(MAX_SEGMENT_PAYLOAD / this.mss) * this.mss) : this.mss;
      const len = Math.min(segMax, room, unsent);
      // Sender-side silly window avoidance (RFC 9293 3.8.6.2.1): no small
      // segment while there is data in flight that will open the window.
      if (len < this.mss && len < unsent && inFlight > 0) break;
      if (!this.host.hasRoom(this)) return;
      const seq = this.sndNxt;
      this.sndNxt = seqAdd(seq, len);
      if (seqLt(this.sndHigh, this.sndNxt)) this.sndHigh = this.sndNxt;
      this.emitSegment(ACK | (len === unsent ? PSH : 0), seq, this.rcvNxt, this.windowField(), undefined, inFlight, len);
    }
    if (!this.sending()) return;
    const allSent = !this.finSent && seqDiff(this.sndNxt, this.sndUna) === this.sendQ.length;
    if (this.finQueued && allSent && this.host.hasRoom(this)) {
      const seq = this.sndNxt;
      this.finSent = true;
      this.sndNxt = seqAdd(seq, 1);
      if (seqLt(this.sndHigh, this.sndNxt)) this.sndHigh = this.sndNxt;
      if (this.state === "established") this.state = "fin-wait-1";
      else if (this.state === "close-wait") this.state = "last-ack";
      this.emitSegment(FIN | ACK, seq, this.rcvNxt, this.windowField(), undefined, 0, 0);
      if (!this.sending()) return;
    }
    const unsentNow = this.finSent ? 0 : this.sendQ.length - seqDiff(this.sndNxt, this.sndUna);
    if (this.sndNxt !== this.sndUna || (unsentNow > 0 && this.sndWnd === 0)) this.armTimer(this.rto, true);
  }

  private sending(): boolean {
    const s = this.state;
    return s === "established" || s === "close-wait" || s === "fin-wait-1" || s === "closing" || s === "last-ack";
  }

  /** A pure ACK now (used for the coalesced ACKs and window updates). */
  sendAck(): void {
    if (this.state === "closed" || this.state === "connecting" || this.state === "syn-sent") return;
    this.emitSegment(ACK, this.sndNxt, this.rcvNxt, this.windowField(), undefined, 0, 0);
  }

  // Retransmission, zero-window probe, handshake timeout.
  private onTimer(): void {
    this.timer = undefined;
    if (this.state === "closed" || this.state === "time-wait") return;
    if (this.state === "connecting") {
      const s = this.stream;
      this.stream = undefined;
      s?.reset();
      this.onClose(new NetError("timeout", "connect timed out"));
      return;
    }
    const handshake = this.state === "syn-received" || this.state === "syn-sent";
    if (handshake || this.sndNxt !== this.sndUna) {
      // A guest that keeps a zero window is alive and only slow: probing it is
      // not a failed retransmission, so only count retries against an open window.
      if (this.sndWnd > 0 || handshake) {
        if (++this.retries > this.limits.maxRetries) { this.abort("timeout"); return; }
      }
      this.rto = Math.min(this.rto * 2, MAX_RTO_MS);
      if (handshake) { this.sendSyn(); return; }
      // Go back to the first unacknowledged byte; a FIN sent is sent again after the data.
      this.sndNxt = this.sndUna;
      // (finSent means we are past established/close-wait, so no state changes again.)
      if (this.finSent && !this.finAcked) this.finSent = false;
      this.output();
    } else if (this.sendQ.length > 0 && this.sndWnd === 0 && this.host.hasRoom(this)) {
      // Zero-window probe: one byte past the window; the guest's ACK tells its window.
      this.rto = Math.min(this.rto * 2, MAX_RTO_MS);
      const seq = this.sndNxt;
      this.sndNxt = seqAdd(seq, 1);
      if (seqLt(this.sndHigh, this.sndNxt)) this.sndHigh = this.sndNxt;
      this.emitSegment(ACK, seq, this.rcvNxt, this.windowField(), undefined, 0, 1);
      if (!this.sending()) return;
    }
    if (this.sndNxt !== this.sndUna || (this.sendQ.length > 0 && this.sndWnd === 0)) this.armTimer(this.rto);
  }

  // ---- helpers ----

  /** Our receive window in bytes: the buffer minus what the back end still holds. */
  private rcvWindow(): number {
    return Math.max(0, this.limits.bufferBytes - (this.stream ? this.stream.bufferedAmount : 0));
  }

  /** What the guest may send now: our free buffer, or more if we already promised more (RFC 9293 3.8.6.2.2: do not shrink the window). */
  private receiveRoom(): number {
    return Math.max(this.rcvWindow(), seqDiff(this.rcvAdvEdge, this.rcvNxt));
  }

  private windowField(): number {
    const w = Math.min(0xffff, this.rcvWindow() >>> this.rcvShift);
    this.lastAdvertised = w * (1 << this.rcvShift);
    const edge = seqAdd(this.rcvNxt, this.lastAdvertised);
    if (seqLt(this.rcvAdvEdge, edge)) this.rcvAdvEdge = edge;
    return w;
  }

  private emitSegment(flags: number, seq: number, ack: number, window: number, options: Uint8Array | undefined,
    dataFrom: number, dataLen: number): void {
    const mac = this.host.guestMac();
    if (!mac) return;
    const f = newTcpFrame(mac, this.host.gatewayMac, this.remoteIp, this.remotePort, this.guestIp, this.guestPort,
      seq, ack, flags, window, options, dataLen);
    if (dataLen > 0) this.sendQ.copyTo(f, TCP_PAYLOAD_OFFSET + (options ? options.length : 0), dataFrom, dataLen);
    finishTcpChecksum(f, this.remoteIp, this.guestIp);
    if (flags & ACK) this.ackPending = false;
    this.host.emit(f);
  }

  private armTimer(ms: number, keep = false): void {
    if (this.timer !== undefined) {
      if (keep) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimer(ms, () => this.onTimer());
  }

  private clearTimer(): void {
    if (this.timer !== undefined) { clearTimeout(this.timer); this.timer = undefined; }
  }

  private enterTimeWait(): void {
    // TIME_WAIT is kept short: it only has to re-acknowledge a retransmitted FIN.
    this.clearTimer();
    this.timer = setTimer(this.limits.timeWaitMs, () => { this.timer = undefined; this.finish("done"); });
  }

  /** Sends RST to the guest and resets the back end. */
  abort(reason: "reset" | "timeout"): void {
    if (this.state === "closed") return;
    if (this.state !== "connecting" && this.state !== "syn-sent") {
      this.emitSegment(RST | ACK, this.sndNxt, this.rcvNxt, 0, undefined, 0, 0);
    }
    const s = this.stream;
    this.stream = undefined;
    s?.reset();
    this.finish(reason);
  }

  private finish(reason: "done" | "reset" | "refused" | "timeout"): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.clearTimer();
    this.sendQ.clear();
    this.host.removed(this, reason);
  }

  /** Closing the whole network: drop the connection quietly. */
  destroy(): void {
    const s = this.stream;
    this.stream = undefined;
    s?.reset();
    this.state = "closed";
    this.clearTimer();
    this.sendQ.clear();
  }
}

function randomIss(): number {
  const a = new Uint32Array(1);
  crypto.getRandomValues(a);
  return a[0];
}
