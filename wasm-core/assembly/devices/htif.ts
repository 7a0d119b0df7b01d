// HTIF (the riscv-tests / Spike host interface) for bare-metal test
// programs: the program stores to its `tohost` word in RAM; the host, told
// the word's address in D_HTIF_TOHOST, acts on the value. The page holding
// tohost never gets a write TLB entry (pageWatched), so every store to it
// reaches physWrite, which calls htifStore.
import { DEVICE_BASE, D_HTIF_TOHOST, D_HTIF_VALUE, EXIT_HTIF, STATUS_OK } from "../../layout";
import { RAM_HOST_BIAS } from "../hart/hart";

export function htifWatched(pa: u64): bool {
  const t = load<u64>(DEVICE_BASE + D_HTIF_TOHOST);
  return t != 0 && (t >> 12) == (pa >> 12);
}

// After a RAM store of `size` bytes at `pa`: a non-zero tohost ends the slice.
export function htifStore(pa: u64, size: i32): i32 {
  const t = load<u64>(DEVICE_BASE + D_HTIF_TOHOST);
  if (t == 0 || pa > t + 7 || pa + <u64>size <= t) return STATUS_OK;
  const val = load<u64>(<usize>(t + RAM_HOST_BIAS));
  if (val == 0) return STATUS_OK;
  store<u64>(DEVICE_BASE + D_HTIF_VALUE, val);
  return EXIT_HTIF;
}
