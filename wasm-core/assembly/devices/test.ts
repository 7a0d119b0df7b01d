// sifive,test (QEMU virt's "test" device, a syscon): a write of 0x5555 to
// offset 0 powers off, 0x7777 resets, 0x3333 | code << 16 powers off
// reporting failure. Reads return 0. The request goes to the host through
// D_POWER; the write asks the run loop to end the slice (EXIT_POWER).
import { DEVICE_BASE, D_POWER, D_POWER_CODE, EXIT_POWER, STATUS_OK, POWER_OFF, POWER_RESET, POWER_FAIL } from "../../layout";
import { TEST_PASS, TEST_RESET, TEST_FAIL } from "../../board";

export function testWrite(off: u32, v: u32): i32 {
  if (off != 0) return STATUS_OK;
  const cmd = v & 0xffff;
  let req = 0;
  if (cmd == TEST_PASS) req = POWER_OFF;
  else if (cmd == TEST_RESET) req = POWER_RESET;
  else if (cmd == TEST_FAIL) { req = POWER_FAIL; store<i32>(DEVICE_BASE + D_POWER_CODE, <i32>(v >> 16)); }
  if (req == 0) return STATUS_OK;
  atomic.store<i32>(DEVICE_BASE + D_POWER, req);
  return EXIT_POWER;
}
