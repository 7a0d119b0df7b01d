// rvplay command line: the same core the browser runs, headless.
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { loadCoreModule } from "../node/core-module.js";
import { runElf } from "../machine/run-elf.js";
import { boot, BOOT_USAGE } from "./boot.js";
import { disk, DISK_USAGE } from "./disk.js";
import { snapshotCommand, SNAPSHOT_USAGE } from "./snapshot.js";
import { shareCommand, SHARE_USAGE } from "./share.js";

const USAGE = `usage: rvplay <command> [options]

commands:
${BOOT_USAGE}${DISK_USAGE}${SNAPSHOT_USAGE}${SHARE_USAGE}  test-elf FILE...      run bare-metal RISC-V ELF programs that report through
                        HTIF (tohost); prints PASS/FAIL/TIMEOUT/ERROR per file
      --max-instructions N   instruction limit per file (default 200000000)
      --verbose              copy each program's console output to stderr
  help                  this text
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "boot": return boot(rest);
    case "test-elf": return testElf(rest);
    case "disk": return disk(rest);
    case "snapshot": return snapshotCommand(rest);
    case "share": return shareCommand(rest);
    case undefined: case "help": case "--help": case "-h":
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`rvplay: unknown command '${command}'\n${USAGE}`);
      return 2;
  }
}

async function testElf(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args, allowPositionals: true,
      options: {
        "max-instructions": { type: "string" },
        verbose: { type: "boolean", default: false },
      },
    });
  } catch (e) {
    process.stderr.write(`rvplay test-elf: ${(e as Error).message}\n`);
    return 2;
  }
  const files = parsed.positionals;
  if (files.length === 0) {
    process.stderr.write("rvplay test-elf: no files given\n");
    return 2;
  }
  const limitArg = parsed.values["max-instructions"];
  const maxInstructions = limitArg === undefined ? undefined : Number(limitArg);
  if (maxInstructions !== undefined && !(Number.isInteger(maxInstructions) && maxInstructions > 0)) {
    process.stderr.write(`rvplay test-elf: --max-instructions wants a positive integer, got '${limitArg}'\n`);
    return 2;
  }
  const module = await loadCoreModule();
  let passed = 0, failed = 0;
  for (const file of files) {
    const name = basename(file);
    let line: string;
    try {
      const bytes = new Uint8Array(await readFile(file));
      const r = await runElf(module, bytes, {
        maxInstructions,
        onOutput: parsed.values.verbose ? (s) => process.stderr.write(s) : undefined,
      });
      if (r.outcome.kind === "pass") { line = `PASS ${name}`; passed++; }
      else if (r.outcome.kind === "fail") { line = `FAIL ${name} (test ${r.outcome.test})`; failed++; }
      else { line = `TIMEOUT ${name}`; failed++; }
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const reason = err.code === "ENOENT" ? "no such file" : err.code === "EISDIR" ? "is a directory" : err.message;
      line = `ERROR ${name}: ${reason}`;
      failed++;
    }
    process.stdout.write(line + "\n");
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}
