// goldfish RTC (google,goldfish-rtc; QEMU hw/rtc/goldfish_rtc.c): TIME_LOW
// (0x00) reads the low 32 bits of nanoseconds since the epoch and latches
// TIME_HIGH (0x04). The time is the host's wall clock at boot plus the guest
// clock (mtime), so it stands still while the machine is paused. No alarms.
import { DEVICE_BASE, D_RTC_OFFSET_NS, D_RTC_HIGH } from "../../layout";
import { TIMEBASE_HZ } from "../../limits";
import { mtime } from "./clint";

const TIME_LOW: u32 = 0x00;
const TIME_HIGH: u32 = 0x04;
const NS_PER_TICK: i64 = 1000000000 / TIMEBASE_HZ;

function rtcNow(): i64 { return load<i64>(DEVICE_BASE + D_RTC_OFFSET_NS) + <i64>mtime() * NS_PER_TICK; }

export function rtcRead(off: u32): u32 {
  if (off == TIME_LOW) {
    const t = rtcNow();
    store<i32>(DEVICE_BASE + D_RTC_HIGH, <i32>(t >> 32));
    return <u32>t;
  }
  if (off == TIME_HIGH) return <u32>load<i32>(DEVICE_BASE + D_RTC_HIGH);
  return 0;
}

// Writing TIME_LOW or TIME_HIGH sets that half of the clock (Linux writes
// high first); the offset from mtime moves, mtime does not.
export function rtcWrite(off: u32, v: u32): void {
  const t = rtcNow();
  let nt = t;
  if (off == TIME_LOW) nt = (t & ~<i64>0xffffffff) | <i64>v;
  else if (off == TIME_HIGH) nt = (t & 0xffffffff) | (<i64>v << 32);
  else return;
  store<i64>(DEVICE_BASE + D_RTC_OFFSET_NS, load<i64>(DEVICE_BASE + D_RTC_OFFSET_NS) + (nt - t));
}
