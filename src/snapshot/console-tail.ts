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
    return withoutTerminalQueries(this.buf.slice(from, this.len));
  }
}

// A saved screen is output to draw, but raw console output may hold
// queries to the terminal: device status and cursor position (CSI 5n, 6n;
// DEC CSI ? 6n), device attributes (CSI c, CSI > c, CSI = c), mode
// reports (CSI ? Pn $p, CSI Pn $p), window reports (CSI 11/13/14/18/19/21 t)
// and colour queries (OSC 4/10-19 ... ? BEL or ST). Replayed on restore, a
// terminal answers each as if typed (agetty's size probe left ";1R;108R"
// at a resumed Debian's prompt). These are dropped; everything else is
// kept byte for byte. Never throws.
const QUERY = new RegExp([
  "\\x1b\\[\\??[56]n",
  "\\x1b\\[[>=]?\\d*c",
  "\\x1b\\[\\??\\d+\\$p",
  "\\x1b\\[(?:11|13|14|18|19|21)(?:;\\d+)*t",
  "\\x1b\\](?:4;\\d+|1[0-9]);\\?(?:\\x07|\\x1b\\\\)",
].join("|"), "g");

export function withoutTerminalQueries(bytes: Uint8Array): Uint8Array {
  // latin1 keeps one character per byte, so UTF-8 text passes through as is.
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  const t = s.replace(QUERY, "");
  if (t.length === s.length) return bytes;
  const out = new Uint8Array(t.length);
  for (let i = 0; i < t.length; i++) out[i] = t.charCodeAt(i);
  return out;
}
