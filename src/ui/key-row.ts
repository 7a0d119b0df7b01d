// The on-screen key row for phones and tablets, whose soft keyboards lack
// Esc, Tab, Ctrl and the arrows: what each key sends to the guest's tty, and
// Ctrl as a sticky modifier applied to the next key typed. Pure logic; the
// page draws the buttons (app.tsx) and sends the bytes (serial-console.ts).

export type RowKey = "Esc" | "Tab" | "Ctrl" | "Left" | "Up" | "Down" | "Right" | "|" | "~" | "/";

export interface RowKeyInfo { key: RowKey; label: string; name: string }

export const ROW_KEYS: readonly RowKeyInfo[] = [
  { key: "Esc", label: "Esc", name: "Escape" },
  { key: "Tab", label: "Tab", name: "Tab" },
  { key: "Ctrl", label: "Ctrl", name: "Control (applies to the next key)" },
  { key: "Left", label: "←", name: "Left arrow" },
  { key: "Up", label: "↑", name: "Up arrow" },
  { key: "Down", label: "↓", name: "Down arrow" },
  { key: "Right", label: "→", name: "Right arrow" },
  { key: "|", label: "|", name: "Vertical bar" },
  { key: "~", label: "~", name: "Tilde" },
  { key: "/", label: "/", name: "Slash" },
];

const ARROW_FINAL: Partial<Record<RowKey, string>> = { Up: "A", Down: "B", Right: "C", Left: "D" };

// The bytes a key sends. Arrows follow the terminal's cursor key mode
// (DECCKM: ESC O A in application mode, as vi and top set it; ESC [ A
// otherwise); with Ctrl they are ESC [ 1 ; 5 A, as xterm sends.
export function rowKeyBytes(key: RowKey, opts: { appCursor: boolean; ctrl: boolean }): string {
  const arrow = ARROW_FINAL[key];
  if (arrow) return opts.ctrl ? `\x1b[1;5${arrow}` : `${opts.appCursor ? "\x1bO" : "\x1b["}${arrow}`;
  switch (key) {
    case "Esc": return "\x1b";
    case "Tab": return "\t";
    case "Ctrl": return "";
    default: return opts.ctrl ? withCtrl(key) : key;
  }
}

// What typed text becomes with Ctrl held: a letter or one of @ [ \ ] ^ _
// becomes its control code (Ctrl+C = 0x03), Ctrl+? is DEL, Ctrl+Space is NUL;
// anything else (a longer string from the soft keyboard's word completion,
// a digit) goes as it is.
export function withCtrl(data: string): string {
  if (data.length !== 1) return data;
  const c = data.charCodeAt(0);
  if (data === "?") return "\x7f";
  if (data === " ") return "\x00";
  if (c >= 0x61 && c <= 0x7a) return String.fromCharCode(c - 0x60);       // a-z
  if (c >= 0x40 && c <= 0x5f) return String.fromCharCode(c - 0x40);       // @ A-Z [ \ ] ^ _
  return data;
}
