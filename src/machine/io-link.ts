// The controller's end of the I/O side (src/devices/io-host.ts): start it
// with the devices, drain it at a pause, resume it, stop it. Its failures
// and device events come back through callbacks.
import type { DeviceSpec } from "../devices/specs.js";
import type { FromIo, IoPort, IoSpawner } from "../devices/io-host.js";

const STOP_TIMEOUT_MS = 5000;

export class IoLink {
  private port: IoPort | undefined;
  private nextId = 1;
  private drains = new Map<number, () => void>();
  private saves = new Map<number, (states: { slot: number; state: unknown }[]) => void>();
  private ready: (() => void) | undefined;
  private stopped: (() => void) | undefined;
  failure: string | undefined;

  constructor(private readonly spawn: IoSpawner, private readonly onFailure: (message: string) => void,
    private readonly onEvent: (slot: number, event: unknown) => void) {}

  private receive(m: FromIo): void {
    switch (m.type) {
      case "ready": this.ready?.(); this.ready = undefined; break;
      case "drained": this.drains.get(m.id)?.(); this.drains.delete(m.id); break;
      case "saved": this.saves.get(m.id)?.(m.states); this.saves.delete(m.id); break;
      case "event": this.onEvent(m.slot, m.event); break;
      case "stopped": this.stopped?.(); break;
      case "error":
        if (this.failure === undefined) {
          this.failure = `the I/O side stopped: ${m.message}`;
          this.onFailure(this.failure);
        }
        // Nothing more will answer: release whoever waits.
        this.ready?.(); this.stopped?.();
        for (const done of this.drains.values()) done();
        this.drains.clear();
        for (const done of this.saves.values()) done([]);
        this.saves.clear();
        break;
    }
  }

  // Build the devices (each in its slot); resolves once they are attached.
  start(module: WebAssembly.Module, memory: WebAssembly.Memory, devices: { slot: number; spec: DeviceSpec }[]): Promise<void> {
    const port = this.port = this.spawn();
    port.onMessage((m) => this.receive(m));
    const ready = new Promise<void>((resolve) => { this.ready = resolve; });
    port.post({ type: "start", module, memory, devices });
    return ready;
  }

  // Resolves once nothing is in flight; the devices hold still until resume().
  drain(): Promise<void> {
    if (!this.port || this.failure !== undefined) return Promise.resolve();
    const id = this.nextId++;
    const done = new Promise<void>((resolve) => this.drains.set(id, resolve));
    this.port.post({ type: "drain", id });
    return done;
  }

  // Once drained: each device's state for a snapshot (disks pin what they
  // hold for `owner`).
  save(owner: string): Promise<{ slot: number; state: unknown }[]> {
    if (!this.port || this.failure !== undefined) return Promise.reject(new Error(this.failure ?? "the I/O side is not running"));
    const id = this.nextId++;
    const done = new Promise<{ slot: number; state: unknown }[]>((resolve) => this.saves.set(id, resolve));
    this.port.post({ type: "save", id, owner });
    return done;
  }

  resume(): void { if (this.failure === undefined) this.port?.post({ type: "resume" }); }

  // A command for the device in `slot` (VirtioDevice.command).
  command(slot: number, command: unknown): void { if (this.failure === undefined) this.port?.post({ type: "command", slot, command }); }

  // Let the devices finish and close their back ends (flushing files), then end.
  async stop(): Promise<void> {
    const port = this.port;
    if (!port) return;
    this.port = undefined;
    if (this.failure === undefined) {
      const stopped = new Promise<void>((resolve) => { this.stopped = resolve; });
      port.post({ type: "stop" });
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([stopped, new Promise<void>((resolve) => { timer = setTimeout(resolve, STOP_TIMEOUT_MS); })]);
      clearTimeout(timer);
    }
    port.terminate();
  }
}
