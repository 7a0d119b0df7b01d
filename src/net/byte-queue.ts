// A FIFO of bytes kept as the chunks that arrived (no copy on push), with
// random-access reads from the front: TCP keeps data toward the guest here
// until the guest acknowledges it, so a segment can be sent again.
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  private head = 0;        // index of the first live chunk
  private headOffset = 0;  // bytes of chunks[head] already dropped
  private total = 0;

  get length(): number { return this.total; }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** Copies `len` bytes starting `from` bytes past the front into dst[dstOff..]. */
  copyTo(dst: Uint8Array, dstOff: number, from: number, len: number): void {
    if (from < 0 || len < 0 || from + len > this.total) throw new RangeError("ByteQueue.copyTo out of range");
    let i = this.head;
    let skip = from + this.headOffset;
    while (skip >= this.chunks[i].length) { skip -= this.chunks[i].length; i++; }
    while (len > 0) {
      const c = this.chunks[i];
      const n = Math.min(len, c.length - skip);
      dst.set(c.subarray(skip, skip + n), dstOff);
      dstOff += n; len -= n; skip = 0; i++;
    }
  }

  /** Drops `n` bytes from the front. */
  drop(n: number): void {
    if (n < 0 || n > this.total) throw new RangeError("ByteQueue.drop out of range");
    this.total -= n;
    n += this.headOffset;
    while (this.head < this.chunks.length && n >= this.chunks[this.head].length) {
      n -= this.chunks[this.head].length;
      this.head++;
    }
    this.headOffset = n;
    if (this.head > 64 && this.head * 2 > this.chunks.length) { // compact now and then
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void { this.chunks = []; this.head = 0; this.headOffset = 0; this.total = 0; }
}
