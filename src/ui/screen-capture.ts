// The console's screen for snapshots: what xterm.js shows (the screen and
// some scrollback, with colours and the cursor) as terminal output that
// redraws it (@xterm/addon-serialize), and drawing a saved one back.
import type { Terminal } from "@xterm/xterm";
import { SerializeAddon } from "@xterm/addon-serialize";
import { withoutTerminalQueries } from "../snapshot/console-tail.js";

// Lines of scrollback kept with the screen.
const SCROLLBACK = 500;

export class ScreenCapture {
  private readonly addon = new SerializeAddon();
  constructor(private readonly term: Terminal) {
    term.loadAddon(this.addon);
  }

  // The screen once everything written so far is drawn.
  capture(): Promise<{ data: string; cols: number; rows: number }> {
    return new Promise((resolve) => {
      this.term.write("", () => resolve({ data: this.addon.serialize({ scrollback: SCROLLBACK }), cols: this.term.cols, rows: this.term.rows }));
    });
  }

  // Clear the console and draw a saved screen (from the page or the CLI).
  restore(bytes: Uint8Array): void {
    this.term.reset();
    // A screen saved by the CLI is raw output, which may ask the terminal
    // questions; xterm would answer them into the restored guest.
    if (bytes.length) this.term.write(withoutTerminalQueries(bytes));
  }
}
