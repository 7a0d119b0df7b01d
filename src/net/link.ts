// The frame-level interface a NIC (virtio-net) drives, shared by the user
// network (nat.ts) and the LAN (lan.ts), and the bounded queue toward the guest.

/**
 * One guest's attachment to a network. The device calls fromGuest() for every
 * frame the guest transmits and sets onToGuest to receive frames; onToGuest
 * returns false when it has no receive buffer posted (the frame stays queued)
 * and the device calls resumeToGuest() once buffers are posted again.
 * Ownership: fromGuest() keeps views into the frame (TCP payload goes to the
 * back end as a subarray), so pass a copy, never a view of guest RAM; the
 * frames given to onToGuest are new arrays the device may keep.
 */
export interface GuestLink {
  fromGuest(frame: Uint8Array): void;
  onToGuest: (frame: Uint8Array) => boolean | void;
  resumeToGuest(): void;
  close(): void;
  /**
   * Optional: the NIC says what the guest's driver takes (virtio-net's
   * negotiated offloads). Until told otherwise a link sends frames of at
   * most the MTU.
   */
  setGuestOffloads?(o: GuestOffloads): void;
}

/** What the guest's NIC driver accepted (see virtio-net.ts). */
export interface GuestOffloads {
  /** TCP segments up to 64 KiB toward the guest (VIRTIO_NET_F_GUEST_TSO4); the NIC marks them for the guest. */
  largeTcpSegments: boolean;
}

export interface LinkCounters {
  framesFromGuest: number;
  bytesFromGuest: number;
  framesToGuest: number;
  bytesToGuest: number;
  queueFullDrops: number;
}

/** A FIFO of frames toward the guest, at most `limit` long; frames past that are dropped and counted. */
export class ToGuestQueue {
  private frames: Uint8Array[] = [];
  private head = 0;
  private pumping = false;
  /** Called when the queue has drained to half its limit after being fuller (senders held back may go on). */
  onRoom: () => void = () => {};
  private wasFull = false;

  constructor(private readonly limit: number, private readonly deliver: (frame: Uint8Array) => boolean | void,
    private readonly counters: LinkCounters) {}

  get length(): number { return this.frames.length - this.head; }

  /** Whether bulk senders (TCP) should produce more now: below half the limit. */
  get hasRoom(): boolean {
    const room = this.length < this.limit / 2;
    if (!room) this.wasFull = true;
    return room;
  }

  push(frame: Uint8Array): boolean {
    if (this.length >= this.limit) { this.counters.queueFullDrops++; return false; }
    this.frames.push(frame);
    this.pump();
    return true;
  }

  pump(): void {
    if (this.pumping) return; // deliver() may feed frames back in (a looped-back test link)
    this.pumping = true;
    try {
      while (this.head < this.frames.length) {
        const f = this.frames[this.head];
        if (this.deliver(f) === false) break;
        this.frames[this.head++] = EMPTY;
        this.counters.framesToGuest++;
        this.counters.bytesToGuest += f.length;
      }
      if (this.head === this.frames.length) { this.frames = []; this.head = 0; }
      else if (this.head > 1024) { this.frames = this.frames.slice(this.head); this.head = 0; }
    } finally {
      this.pumping = false;
    }
    if (this.wasFull && this.length < this.limit / 2) { this.wasFull = false; this.onRoom(); }
  }

  clear(): void { this.frames = []; this.head = 0; }
}

const EMPTY = new Uint8Array(0);

/** A timer that does not keep a Node process alive (browsers have no unref). */
export function setTimer(ms: number, fn: () => void): ReturnType<typeof setTimeout> {
  const t = setTimeout(fn, ms);
  (t as { unref?: () => void }).unref?.();
  return t;
}
