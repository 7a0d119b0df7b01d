// virtio-9p: the shared folder as the guest's v9fs sees it (device id 9,
// Linux net/9p/trans_virtio.c, QEMU hw/9pfs/virtio-9p-device.c). One
// request queue; each descriptor chain is one 9P exchange: its readable part
// is a T-message, the reply goes into its writable part. The messages are
// served by a P9Server (src/9p/) over any FsBackend: a host folder under
// Node, the page's IndexedDB folder in the browser.
//
// Linux's zero-copy requests split the buffers: a Tread or Treaddir of more
// than 1 KiB posts an 11-byte writable header (size, type, tag, count) and
// then the pages of the reader's buffer, sized to exactly the count it asks
// for; a Twrite posts its header then the writer's pages as readable. So the
// request is the readable bytes gathered in order, and the reply is laid
// over the writable buffers in order (P9Server.handleInto writes it there,
// a Tread's data straight from the file into the pages): Rread/Rreaddir are
// at most 11 + count (the server never returns more than asked), so the
// data lands in the pages and an Rlerror (11 bytes) fits the header alone.
//
// Requests run concurrently (several processes, or one reading while
// another lists) and complete as their promises settle, in settle order:
// the server resolves a Tflush only after the request it flushes has
// replied, so this order puts the old reply in the used ring before Rflush,
// as flush(5) requires.
import * as V from "../../wasm-core/spec/virtio.js";
import * as L from "../../wasm-core/layout.js";
import { P9Server, DEFAULT_MSIZE_CAP, type P9ServerOptions } from "../9p/server.js";
import { HEADER_SIZE, RREAD_HEADER } from "../9p/codec.js";
import type { FsBackend } from "../9p/backend.js";
import type { P9SessionState } from "../9p/session-state.js";
import { gather, totalLen, feature, GuestMemoryError, type Chain, type DeviceContext, type VirtioDevice } from "./virtio.js";

// The tag's bytes must fit the configuration space after its u16 length.
export const MAX_TAG_BYTES = L.VQ_CONFIG_SIZE - V.VIRTIO_9P_CONFIG_TAG;
// An Rlerror is 11 bytes: a chain with less room can carry no answer at all.
const MIN_REPLY = RREAD_HEADER;

export class Virtio9pError extends Error {}

export interface Virtio9pOptions extends P9ServerOptions {}

// What save() gives a snapshot.
export interface Virtio9pSave { tag: string; session: P9SessionState }

export class Virtio9p implements VirtioDevice {
  readonly deviceId = V.VIRTIO_ID_9P;
  readonly numQueues = 1;
  // Indirect descriptors: a 256 KiB zero-copy read is 66 buffers; through
  // an indirect table it takes one entry of the ring instead of 66, so the
  // transport's 256-entry queue holds as many requests as Linux has tags in
  // flight rather than three.
  readonly features = feature(V.VIRTIO_9P_F_MOUNT_TAG) | feature(V.VIRTIO_F_RING_INDIRECT_DESC);
  private readonly tagBytes: Uint8Array;
  private ctx!: DeviceContext;
  private server: P9Server;
  private readonly inFlight = new Set<Promise<void>>();
  private held = false;
  // Largest request gathered: the server refuses anything above its msize
  // cap anyway, so a chain claiming gigabytes is never copied.
  private readonly maxRequest: number;

  constructor(private readonly fs: FsBackend, readonly tag = "host", private readonly options: Virtio9pOptions = {}) {
    this.tagBytes = new TextEncoder().encode(tag);
    if (this.tagBytes.length === 0 || this.tagBytes.length > MAX_TAG_BYTES) {
      throw new Virtio9pError(`a mount tag is 1 to ${MAX_TAG_BYTES} bytes, not ${this.tagBytes.length}`);
    }
    this.server = new P9Server(fs, options);
    this.maxRequest = (options.msizeCap ?? DEFAULT_MSIZE_CAP) + HEADER_SIZE;
  }

  // The server now answering (a new one after each device reset); tests read its fids.
  get p9(): P9Server { return this.server; }
  get requestsInFlight(): number { return this.inFlight.size; }

  config(): Uint8Array {
    const c = new Uint8Array(V.VIRTIO_9P_CONFIG_TAG + this.tagBytes.length);
    new DataView(c.buffer).setUint16(0, this.tagBytes.length, true);
    c.set(this.tagBytes, V.VIRTIO_9P_CONFIG_TAG);
    return c;
  }

  bind(ctx: DeviceContext): void { this.ctx = ctx; }

  notify(q: number): void {
    if (this.held) return; // taken up again by resume()
    const queue = this.ctx.queue(q);
    for (let chain = queue.pop(); chain; chain = queue.pop()) this.serve(q, chain);
  }

  // The driver reset the device (a new mount, a reboot): a new session. The
  // old server's requests still in flight finish into nothing (the transport
  // drops completions from before the reset), then its open files are closed.
  reset(): void {
    const old = this.server;
    this.server = new P9Server(this.fs, this.options);
    void Promise.allSettled([...this.inFlight]).then(() => old.reset());
  }

  // For a snapshot (called drained): the tag and the 9P session, by path.
  save(): Promise<Virtio9pSave> {
    return Promise.resolve({ tag: this.tag, session: this.server.exportSession() });
  }

  // A restored machine's device takes up the saved session (before the
  // machine runs). Returns the fids dropped because their file is gone.
  async restoreSession(session: P9SessionState): Promise<number[]> {
    return this.server.importSession(session);
  }

  async drain(): Promise<void> {
    this.held = true;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  resume(): void {
    this.held = false;
    this.notify(V.VIRTIO_9P_REQUESTQ); // requests made available while held
  }

  async close(): Promise<void> {
    this.held = true;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await this.server.reset(); // closes every open file
    await this.fs.close?.();
  }

  private serve(q: number, chain: Chain): void {
    const mem = this.ctx.mem;
    let request: Uint8Array;
    let out: Uint8Array[];
    try {
      const length = totalLen(chain.readable);
      const room = totalLen(chain.writable);
      // QEMU (handle_9p_output) treats both as a broken driver: no header to
      // read a tag from, or no room for any reply.
      if (length < HEADER_SIZE) throw new GuestMemoryError(`9P request of ${length} bytes, shorter than a header`);
      if (room < MIN_REPLY) throw new GuestMemoryError(`9P request with ${room} bytes for its reply`);
      request = gather(mem, chain.readable, 0, Math.min(length, this.maxRequest));
      // The reply's buffers as views of guest RAM, each checked once here
      // (as QEMU maps them all before serving): the server writes into them,
      // a Tread's data straight from the file.
      out = chain.writable.map((b) => mem.peek(b.addr, b.len));
    } catch (e) {
      if (e instanceof GuestMemoryError) { this.ctx.fail(e.message); return; }
      throw e;
    }
    const p = this.server.handleInto(request, out).then((written) => {
      this.ctx.complete(q, chain, written);
    }).catch((e: unknown) => {
      this.ctx.event({ kind: "io-error", message: e instanceof Error ? e.message : String(e) });
    }).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }
}
