// rvplay boot's kernel command line: quiet unless --verbose; --append wins.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bootArgsFor, BOOT_USAGE } from "../../src/cli/boot.js";

test("the CLI boots quietly by default, with the log under --verbose, and --append wins", () => {
  assert.equal(bootArgsFor({}), "console=ttyS0 quiet");
  assert.equal(bootArgsFor({ verbose: true }), "console=ttyS0");
  assert.equal(bootArgsFor({ kernel: "my-Image" }), "console=ttyS0 quiet");
  assert.equal(bootArgsFor({ kernel: "my-Image", verbose: true }), "console=ttyS0");
  assert.equal(bootArgsFor({ append: "console=ttyS0 root=/dev/vda" }), "console=ttyS0 root=/dev/vda");
  assert.equal(bootArgsFor({ append: "console=ttyS0 quiet", verbose: true }), "console=ttyS0 quiet");
  assert.match(BOOT_USAGE, /--verbose/);
  assert.match(BOOT_USAGE, /default "console=ttyS0 quiet"/);
});
