// Watches the console stream for the shell prompt, and tells the guest the
// terminal's size without showing it.
//
// A serial line has no way to carry the window size, so Linux leaves the
// tty at 0×0 and busybox (vi, top, the shell's line editor) falls back to
// 80×24. Once the shell sits at its prompt and the user has not started
// typing, the page sends `stty rows R cols C` as if typed, and on every
// resize after that (when the shell is next idle at a prompt). The command
// echo and the prompt printed after it are taken out of the stream, so the
// screen looks untouched. While a program runs (vi, top), a resize waits
// for the next prompt.
//
// Pure logic over text (no DOM, no timers of its own): the page feeds it the
// output and asks it what to send.

// A shell prompt: the current (last) line ends in "# " or "$ ", and is short.
const PROMPT_RE = /[#$] $/;
// Colour and other CSI/OSC sequences, ignored when reading the last line.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

export interface SizeCommand { text: string; rows: number; cols: number }

export class PromptWatcher {
  private line = "";                   // the current last line of output (no escapes)
  private typedSincePrompt = false;
  private booted = false;
  private sentSize: string | undefined; // "rows x cols" the guest was last told
  private wantSize: { rows: number; cols: number } | undefined;
  // Hiding the echo of a size command: what is expected, and what came so far.
  private hiding: { echo: string; prompt: string; got: string; since: number } | undefined;

  // Called once per boot, the first time a prompt shows.
  onFirstPrompt: () => void = () => {};

  constructor(private readonly hideTimeoutMs = 2000) {}

  // A new boot: forget the guest's tty state.
  reset(): void {
    this.line = "";
    this.typedSincePrompt = false;
    this.booted = false;
    this.sentSize = undefined;
    this.hiding = undefined;
  }

  get atPrompt(): boolean { return this.booted && PROMPT_RE.test(this.line) && this.line.length < 200; }
  get shellUp(): boolean { return this.booted; }

  // Output from the guest; returns what to show (the input, minus the echo
  // of a size command). `now` in ms.
  output(text: string, now: number): string {
    let shown = text;
    if (this.hiding) {
      this.hiding.got += text;
      shown = this.release(now);
    }
    this.track(shown);
    return shown;
  }

  // Call now and then (e.g. every second): gives up hiding an echo that
  // never came and returns what was held back.
  tick(now: number): string {
    if (!this.hiding || now - this.hiding.since < this.hideTimeoutMs) return "";
    const held = this.hiding.got;
    this.hiding = undefined;
    this.track(held);
    return held;
  }

  // The user typed (or pasted) something.
  input(_data: string): void { this.typedSincePrompt = true; }

  // The terminal's size; the command to send, if now is the time.
  resize(rows: number, cols: number): void { this.wantSize = { rows, cols }; }

  // The command to send to the guest now, if any (and starts hiding its echo).
  pendingCommand(now: number): SizeCommand | undefined {
    const want = this.wantSize;
    if (!want || this.hiding || !this.atPrompt || this.typedSincePrompt) return undefined;
    const key = `${want.rows}x${want.cols}`;
    if (key === this.sentSize) return undefined;
    const cmd = `stty rows ${want.rows} cols ${want.cols}`;
    this.sentSize = key;
    this.hiding = { echo: `${cmd}\r\n`, prompt: this.line, got: "", since: now };
    return { text: `${cmd}\r`, ...want };
  }

  private track(text: string): void {
    if (!text) return;
    const clean = text.replace(ESCAPES, "");
    const nl = Math.max(clean.lastIndexOf("\n"), clean.lastIndexOf("\r"));
    this.line = nl >= 0 ? clean.slice(nl + 1) : (this.line + clean).slice(-400);
    if (PROMPT_RE.test(this.line) && this.line.length < 200) {
      this.typedSincePrompt = false;
      if (!this.booted) { this.booted = true; this.onFirstPrompt(); }
    }
  }

  // What of the held text can be shown now.
  private release(now: number): string {
    const h = this.hiding!;
    const { echo, prompt, got } = h;
    // The echo comes first; while it is still arriving, hold.
    if (got.length < echo.length) {
      if (echo.startsWith(got)) return "";
      this.hiding = undefined;
      return got; // not what we sent: show everything
    }
    if (!got.startsWith(echo)) { this.hiding = undefined; return got; }
    const after = got.slice(echo.length);
    const at = after.indexOf(prompt);
    if (at < 0) {
      if (after.length > 4096 || now - h.since > this.hideTimeoutMs) { this.hiding = undefined; return after; }
      return "";
    }
    this.hiding = undefined;
    // Whatever came between (an error from stty, typed-ahead echo) is shown.
    return after.slice(0, at) + after.slice(at + prompt.length);
  }
}
