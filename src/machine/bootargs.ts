// The kernel command line a machine boots with unless the user gives one:
// the 16550A UART (ttyS0), which every virt kernel has, and `quiet` so that
// the kernel's log stays off the first screen (the full log is asked for).
//
// The machine also has a virtio-console: `console=hvc0` runs the shell
// there. It is not the default because it measured no faster here: Linux's
// hvc driver sends each write (each line, and each CR LF, under n_tty) as
// its own virtqueue buffer and takes an interrupt for each, where the UART
// driver buffers writes and moves 16 bytes per interrupt (`npm run bench --
// --only console` has both).
export interface BootargsChoice {
  sample: boolean; // the sample image's kernel
  verbose: boolean; // the whole kernel log
}

export function defaultBootargs(c: BootargsChoice): string {
  return c.verbose ? "console=ttyS0" : "console=ttyS0 quiet";
}
