// Drives a serial console from a test: waits for text, runs shell commands
// and reads their output back between unique markers.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { readFileSync } from "node:fs";

export class Console {
  private buf = "";
  private waiters: { re: RegExp; from: number; resolve: (m: RegExpExecArray) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] = [];
  private seq = 0;
  // Markers carry a tag of this Console's own, so that a screen a restored
  // snapshot redraws (with another Console's markers on it) never matches.
  private readonly tag = Math.random().toString(36).slice(2, 8);
  exitCode: number | null = null;
  readonly exited: Promise<number | null>;

  constructor(readonly proc: ChildProcessWithoutNullStreams, private readonly label: string) {
    proc.stdout.setEncoding("utf8");
    proc.stdout.on("data", (d: string) => { this.buf += d; this.check(); });
    proc.stderr.setEncoding("utf8");
    proc.stderr.on("data", (d: string) => { this.buf += d; this.check(); });
    this.exited = new Promise((resolve) => proc.on("exit", (code) => {
      this.exitCode = code;
      for (const w of this.waiters.splice(0)) { clearTimeout(w.timer); w.reject(new Error(`${label} exited (${code}) while waiting for ${w.re}\n--- output tail ---\n${this.tail()}`)); }
      resolve(code);
    }));
  }

  static spawn(cmd: string, args: string[], label: string): Console {
    return new Console(spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] }), label);
  }

  get output(): string { return this.buf; }
  tail(n = 2000): string { return this.buf.slice(-n); }

  private check(): void {
    for (const w of [...this.waiters]) {
      w.re.lastIndex = 0;
      const m = w.re.exec(this.buf.slice(w.from));
      if (m) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        clearTimeout(w.timer);
        w.resolve(m);
      }
    }
  }

  // Wait for a match in output that arrives after `from` (default: anywhere).
  waitFor(re: RegExp, timeoutMs = 60_000, from = 0): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.findIndex((w) => w.timer === timer), 1);
        reject(new Error(`${this.label}: no ${re} within ${timeoutMs} ms\n--- output tail ---\n${this.tail()}`));
      }, timeoutMs);
      this.waiters.push({ re, from, resolve, reject, timer });
      this.check();
    });
  }

  send(text: string): void { this.proc.stdin.write(text); }

  // Run a shell command; resolves with what it printed (CR LF -> LF).
  async run(cmd: string, timeoutMs = 60_000): Promise<string> {
    const id = `${this.tag}${++this.seq}`;
    const from = this.buf.length;
    // The markers are printed by the command line itself, so the echo of
    // what we type (which contains them only split by quotes) never matches.
    this.send(`echo '<<'BEGIN${id}'>>'; ${cmd}; echo '<<'END${id}'>>'\n`);
    const m = await this.waitFor(new RegExp(`<<BEGIN${id}>>\\r?\\n([\\s\\S]*?)<<END${id}>>`), timeoutMs, from);
    return m[1].replace(/\r\n/g, "\n");
  }

  // Run a shell command and return how long it took by the guest's clock
  // (/proc/uptime, 10 ms resolution: busybox date has no %N).
  async guestSeconds(cmd: string, timeoutMs = 600_000): Promise<number> {
    const out = await this.run(`s=$(cut -d' ' -f1 /proc/uptime); ${cmd}; e=$(cut -d' ' -f1 /proc/uptime); ` +
      `awk -v s=$s -v e=$e 'BEGIN { print e - s }'`, timeoutMs);
    const v = Number(out.trim().split("\n").at(-1));
    if (!Number.isFinite(v)) throw new Error(`${this.label}: could not time '${cmd}': ${out}`);
    return v;
  }

  // Host CPU time the process has used so far (user + system), in seconds.
  cpuSeconds(): number {
    const f = readFileSync(`/proc/${this.proc.pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // clock ticks at 100 Hz
  }
}
