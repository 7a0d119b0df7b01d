// The serial console on the page: xterm.js wired to the machine's UART.
// Output arrives in batches from the machine worker and is acknowledged
// once xterm has parsed it (flow control, see output-batcher.ts); keys and
// pastes go back as bytes. The terminal follows its container's size, and
// the guest is told that size with stty (see prompt-watch.ts).
import { Terminal, type ITheme } from "@xterm/xterm";
import { FitAddon } from "@xterm/addon-fit";
import { PromptWatcher } from "./prompt-watch.js";
import { rowKeyBytes, withCtrl, type RowKey } from "./key-row.js";

export const DARK_THEME: ITheme = {
  background: "#0d1117", foreground: "#d6dde6", cursor: "#7ee787", cursorAccent: "#0d1117",
  selectionBackground: "#2f81f766",
  black: "#484f58", red: "#ff7b72", green: "#3fb950", yellow: "#d29922",
  blue: "#58a6ff", magenta: "#bc8cff", cyan: "#39c5cf", white: "#b1bac4",
  brightBlack: "#6e7681", brightRed: "#ffa198", brightGreen: "#56d364", brightYellow: "#e3b341",
  brightBlue: "#79c0ff", brightMagenta: "#d2a8ff", brightCyan: "#56d4dd", brightWhite: "#f0f6fc",
};

// For prefers-color-scheme: light. Every colour keeps a contrast of at
// least 4.5:1 on the background (WCAG AA), the bright ones too, since the
// guest's ls and prompt use them.
export const LIGHT_THEME: ITheme = {
  background: "#ffffff", foreground: "#1f2328", cursor: "#1a7f37", cursorAccent: "#ffffff",
  selectionBackground: "#0969da40",
  black: "#24292f", red: "#cf222e", green: "#116329", yellow: "#7d4e00",
  blue: "#0550ae", magenta: "#8250df", cyan: "#1b6b78", white: "#57606a",
  brightBlack: "#57606a", brightRed: "#a40e26", brightGreen: "#1a7f37", brightYellow: "#633c01",
  brightBlue: "#0969da", brightMagenta: "#6639ba", brightCyan: "#0f5865", brightWhite: "#24292f",
};

// The key that leaves the console for the page's other controls (xterm
// keeps Tab for the shell): Ctrl+] (the telnet escape key); by its place on
// the keyboard too, for layouts where ] needs AltGr.
export function isLeaveKey(e: KeyboardEvent): boolean {
  return e.type === "keydown" && e.ctrlKey && !e.altKey && !e.metaKey && (e.key === "]" || e.code === "BracketRight");
}

const isMac = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);

export class SerialConsole {
  readonly term: Terminal;
  private readonly fit = new FitAddon();
  private readonly watcher = new PromptWatcher();
  private decoder = new TextDecoder();
  private readonly encoder = new TextEncoder();
  private readonly observer: ResizeObserver;
  private readonly ticker: ReturnType<typeof setInterval>;
  private fitPending = false;

  // Called the first time the shell prompt shows after a boot.
  onFirstPrompt: () => void = () => {};
  // Called on Ctrl+]: the page moves the focus out of the console.
  onLeave: () => void = () => {};
  // Called when the sticky Ctrl of the key row is used up (or set).
  onCtrlChange: (armed: boolean) => void = () => {};
  private ctrlArmed = false;

  constructor(private readonly el: HTMLElement, private readonly send: (bytes: Uint8Array) => void,
    private readonly ack: (bytes: number) => void, opts: { fontSize: number; light: boolean }) {
    this.term = new Terminal({
      screenReaderMode: true,          // an accessible text mirror; the browser tests read it too
      cursorBlink: true,
      convertEol: false,               // the guest's tty sends CR LF itself
      scrollback: 5000,
      fontFamily: "ui-monospace, 'Cascadia Mono', 'DejaVu Sans Mono', Menlo, Consolas, monospace",
      fontSize: opts.fontSize,
      lineHeight: 1.1,                 // room below the baseline: underscores show in every font
      theme: opts.light ? LIGHT_THEME : DARK_THEME,
      allowProposedApi: false,
    });
    this.term.loadAddon(this.fit);
    this.term.open(el);
    this.term.attachCustomKeyEventHandler((e) => this.onKey(e));
    this.term.onData((s) => {
      if (this.ctrlArmed) { s = withCtrl(s); this.setCtrl(false); }
      this.typed(this.encoder.encode(s), s);
    });
    this.term.onBinary((s) => this.typed(Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff), s));
    this.term.onResize(({ rows, cols }) => { this.watcher.resize(rows, cols); this.maybeSendSize(); });
    this.watcher.onFirstPrompt = () => this.onFirstPrompt();
    this.observer = new ResizeObserver(() => this.scheduleFit());
    this.observer.observe(el);
    this.ticker = setInterval(() => {
      const held = this.watcher.tick(performance.now());
      if (held) this.term.write(held);
    }, 500);
    this.refit();
    this.watcher.resize(this.term.rows, this.term.cols);
  }

  // Output from the guest.
  write(data: Uint8Array): void {
    const text = this.watcher.output(this.decoder.decode(data, { stream: true }), performance.now());
    if (!text) { this.ack(data.length); this.maybeSendSize(); return; }
    this.term.write(text, () => { this.ack(data.length); this.maybeSendSize(); });
  }

  // A message from the page itself (not the guest), on a line of its own.
  note(text: string): void {
    this.term.write(`\r\n\x1b[2m\x1b[36m[rvplay] ${text}\x1b[0m\r\n`);
  }

  // A new boot: the guest's tty starts over.
  newBoot(): void {
    this.watcher.reset();
    this.decoder = new TextDecoder();
    this.watcher.resize(this.term.rows, this.term.cols);
  }

  focus(): void { this.term.focus(); }

  // A key of the on-screen row: its bytes go to the guest as if typed (the
  // focus stays where it was, so a phone's soft keyboard stays up).
  rowKey(key: RowKey): void {
    if (key === "Ctrl") { this.setCtrl(!this.ctrlArmed); return; }
    const s = rowKeyBytes(key, { appCursor: this.term.modes.applicationCursorKeysMode, ctrl: this.ctrlArmed });
    this.setCtrl(false);
    this.typed(this.encoder.encode(s), s);
  }

  setCtrl(armed: boolean): void {
    if (armed === this.ctrlArmed) return;
    this.ctrlArmed = armed;
    this.onCtrlChange(armed);
  }

  setFontSize(px: number): void {
    if (this.term.options.fontSize === px) return;
    this.term.options.fontSize = px;
    this.scheduleFit();
  }

  setLight(light: boolean): void {
    this.term.options.theme = light ? LIGHT_THEME : DARK_THEME;
  }

  dispose(): void {
    clearInterval(this.ticker);
    this.observer.disconnect();
    this.term.dispose();
  }

  private typed(bytes: Uint8Array, s: string): void {
    this.watcher.input(s);
    this.send(bytes);
  }

  private maybeSendSize(): void {
    const cmd = this.watcher.pendingCommand(performance.now());
    if (cmd) this.send(this.encoder.encode(cmd.text));
  }

  // Copy and paste without taking Ctrl+C and Ctrl+V from the guest for good:
  // Ctrl+C copies only while text is selected (as in Windows Terminal);
  // Ctrl+Shift+C always copies; Ctrl+V and Ctrl+Shift+V paste through the
  // browser's paste event, which xterm turns into input. On macOS, Cmd+C and
  // Cmd+V do this natively.
  private onKey(e: KeyboardEvent): boolean {
    if (isLeaveKey(e)) {
      e.preventDefault();
      this.onLeave();
      return false;
    }
    if (e.type !== "keydown" || isMac || !e.ctrlKey || e.altKey || e.metaKey) return true;
    const key = e.key.toLowerCase();
    if (key === "c" && (e.shiftKey || this.term.hasSelection())) {
      const text = this.term.getSelection();
      if (text) void navigator.clipboard?.writeText(text).catch(() => {});
      if (!e.shiftKey) this.term.clearSelection();
      e.preventDefault();
      return false;
    }
    if (key === "v") return false; // let the browser paste
    return true;
  }

  private scheduleFit(): void {
    if (this.fitPending) return;
    this.fitPending = true;
    requestAnimationFrame(() => { this.fitPending = false; this.refit(); });
  }

  private refit(): void {
    if (this.el.clientWidth === 0 || this.el.clientHeight === 0) return;
    try { this.fit.fit(); } catch { /* not rendered yet */ }
  }
}
