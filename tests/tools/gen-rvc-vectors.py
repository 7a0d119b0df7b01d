#!/usr/bin/env python3
"""Generate tests/unit/vectors/rvc.txt: pairs of (16-bit RVC encoding, the
32-bit instruction it expands to), taken from the GNU assembler rather than
from our own decoder. Each canonical 32-bit instruction below is assembled
twice, with `.option rvc` (GAS picks the compressed form where one exists)
and with `.option norvc`; lines where GAS compressed give a vector.

Regenerate (needs Debian's binutils-riscv64-unknown-elf):
    python3 tests/tools/gen-rvc-vectors.py > tests/unit/vectors/rvc.txt
"""
import os, random, re, subprocess, sys, tempfile

prefix = os.environ.get("RISCV_PREFIX", "riscv64-unknown-elf-")
rnd = random.Random(20261121)
X = ["x%d" % i for i in range(32)]
XP = ["x%d" % i for i in range(8, 16)]  # registers a compressed form can name in 3 bits
FP = ["f%d" % i for i in range(8, 16)]
FA = ["f%d" % i for i in range(32)]

lines = []
def add(s): lines.append(s)

for _ in range(300):
    rd, rs = rnd.choice(XP), rnd.choice(XP)
    add("addi %s, x2, %d" % (rd, rnd.randrange(1, 256) * 4))              # c.addi4spn
    add("fld %s, %d(%s)" % (rnd.choice(FP), rnd.randrange(32) * 8, rs))     # c.fld
    add("lw %s, %d(%s)" % (rd, rnd.randrange(32) * 4, rs))                  # c.lw
    add("ld %s, %d(%s)" % (rd, rnd.randrange(32) * 8, rs))                  # c.ld
    add("fsd %s, %d(%s)" % (rnd.choice(FP), rnd.randrange(32) * 8, rs))     # c.fsd
    add("sw %s, %d(%s)" % (rd, rnd.randrange(32) * 4, rs))                  # c.sw
    add("sd %s, %d(%s)" % (rd, rnd.randrange(32) * 8, rs))                  # c.sd
    r = rnd.choice(X[1:])
    add("addi %s, %s, %d" % (r, r, rnd.choice([i for i in range(-32, 32) if i])))  # c.addi
    add("addiw %s, %s, %d" % (r, r, rnd.randrange(-32, 32)))                 # c.addiw
    add("addi %s, x0, %d" % (r, rnd.randrange(-32, 32)))                     # c.li
    add("addi x2, x2, %d" % (rnd.choice([i for i in range(-32, 32) if i]) * 16))  # c.addi16sp
    lr = rnd.choice([x for x in X[1:] if x != "x2"])
    add("lui %s, %d" % (lr, rnd.choice(list(range(1, 32)) + list(range(0xfffe0, 0x100000)))))  # c.lui
    add("srli %s, %s, %d" % (rd, rd, rnd.randrange(1, 64)))                  # c.srli
    add("srai %s, %s, %d" % (rd, rd, rnd.randrange(1, 64)))                  # c.srai
    add("andi %s, %s, %d" % (rd, rd, rnd.randrange(-32, 32)))                # c.andi
    for op in ("sub", "xor", "or", "and", "subw", "addw"):
        add("%s %s, %s, %s" % (op, rd, rd, rnd.choice(XP)))
    add("jal x0, .%+d" % (rnd.randrange(-1024, 1024) * 2))                   # c.j
    add("beq %s, x0, .%+d" % (rs, rnd.randrange(-128, 128) * 2))             # c.beqz
    add("bne %s, x0, .%+d" % (rs, rnd.randrange(-128, 128) * 2))             # c.bnez
    add("slli %s, %s, %d" % (r, r, rnd.randrange(1, 64)))                    # c.slli
    add("fld %s, %d(x2)" % (rnd.choice(FA), rnd.randrange(64) * 8))          # c.fldsp
    add("lw %s, %d(x2)" % (r, rnd.randrange(64) * 4))                        # c.lwsp
    add("ld %s, %d(x2)" % (r, rnd.randrange(64) * 8))                        # c.ldsp
    add("jalr x0, 0(%s)" % r)                                                # c.jr
    add("add %s, x0, %s" % (r, rnd.choice(X[1:])))                           # c.mv
    add("jalr x1, 0(%s)" % r)                                                # c.jalr
    add("add %s, %s, %s" % (r, r, rnd.choice(X[1:])))                        # c.add
    add("fsd %s, %d(x2)" % (rnd.choice(FA), rnd.randrange(64) * 8))          # c.fsdsp
    add("sw %s, %d(x2)" % (rnd.choice(X), rnd.randrange(64) * 4))            # c.swsp
    add("sd %s, %d(x2)" % (rnd.choice(X), rnd.randrange(64) * 8))            # c.sdsp
add("ebreak")                                                                # c.ebreak
add("addi x0, x0, 0")                                                        # c.nop

def assemble(opt):
    with tempfile.TemporaryDirectory() as d:
        src, obj = os.path.join(d, "a.S"), os.path.join(d, "a.o")
        with open(src, "w") as f:
            f.write(".option %s\n" % opt)
            for l in lines:
                f.write(l + "\n")
        subprocess.run([prefix + "as", "-march=rv64gc", "-o", obj, src], check=True)
        out = subprocess.run([prefix + "objdump", "-d", obj], check=True, capture_output=True, text=True).stdout
    return [m.group(1) for m in re.finditer(r"^\s*[0-9a-f]+:\s+([0-9a-f]+)\s", out, re.M)]

c, n = assemble("rvc"), assemble("norvc")
assert len(c) == len(n) == len(lines), (len(c), len(n), len(lines))
seen = set()
print("# rvc 16-bit encoding, expected 32-bit expansion (from GNU as); see tests/tools/gen-rvc-vectors.py")
for cc, nn, l in zip(c, n, lines):
    if len(cc) == 4 and cc not in seen:
        seen.add(cc)
        print("%s %s %s" % (cc, nn, l))
