// The CLI's console screen for a snapshot: the last bytes the guest wrote
// to the console (the CLI has no terminal model of its own; written again to
// a terminal they redraw what was on the screen). Cut at a line start, so
// the kept bytes never begin inside an escape sequence or a UTF-8 character.
export class ConsoleTail {
  private buf: Uint8Array;
  private len = 0;
  private dropped = false; // older output was let go: the kept bytes may start mid-line

  constructor(private readonly capacity = 16 * 1024) {
    this.buf = new Uint8Array(capacity * 2);
  }

  push(bytes: Uint8Array): void {
    if (bytes.length >= this.capacity) {
      this.buf.set(bytes.subarray(bytes.length - this.capacity), 0);
      this.len = this.capacity;
      this.dropped = true;
      return;
    }
    if (this.len + bytes.length > this.buf.length) {
      // Keep the last `capacity` bytes; the buffer is twice that, so this
      // copy happens once per `capacity` bytes of output.
      this.buf.copyWithin(0, this.len - this.capacity, this.len);
      this.len = this.capacity;
      this.dropped = true;
    }
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  // The kept output, from the first line start if older output was dropped.
  screen(): Uint8Array {
    let from = Math.max(0, this.len - this.capacity);
    if (from > 0 || this.dropped) {
      const nl = this.buf.subarray(from, this.len).indexOf(0x0a);
      from = nl < 0 ? this.len : from + nl + 1;
    }
    return this.buf.slice(from, this.len);
  }
}
