// The kernel command line a machine boots with unless the user gives one.
// The sample image's kernel has virtio-console built in, so its shell runs
// on hvc0, the fast console (a whole write per virtqueue buffer); any other
// kernel gets the 16550A UART (ttyS0), which every virt kernel has. `quiet`
// keeps the kernel's log off the first screen; the full log is asked for.
export interface BootargsChoice {
  sample: boolean; // the sample image's kernel
  verbose: boolean; // the whole kernel log
}

export function defaultBootargs(c: BootargsChoice): string {
  // earlycon=sbi: the log before hvc0 is up goes through the firmware to
  // the UART (Linux then does not repeat it on hvc0).
  if (c.sample) return c.verbose ? "earlycon=sbi console=hvc0" : "console=hvc0 quiet";
  return c.verbose ? "console=ttyS0" : "console=ttyS0 quiet";
}
