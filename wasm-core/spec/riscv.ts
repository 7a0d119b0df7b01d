// RISC-V constants, named as the specifications name them and declared once
// (in the spirit of Spike's encoding.h). Read by the AssemblyScript core, the
// TypeScript host and the tests alike: plain integer constants only, every
// one of them fits in 32 bits. 64-bit masks are built from the *_BIT and
// *_SHIFT numbers where they are used.

// ---- privilege levels (privileged spec 1.2) ----
export const PRIV_U = 0;
export const PRIV_S = 1;
export const PRIV_M = 3;

// ---- kinds of memory access (which fault an access raises) ----
export const ACC_READ = 0;
export const ACC_WRITE = 1; // stores, SC and AMOs
export const ACC_FETCH = 2;

// ---- exception causes, mcause with bit XLEN-1 clear (privileged spec table 3.6) ----
export const CAUSE_MISALIGNED_FETCH = 0;
export const CAUSE_FETCH_ACCESS = 1;
export const CAUSE_ILLEGAL = 2;
export const CAUSE_BREAKPOINT = 3;
export const CAUSE_MISALIGNED_LOAD = 4;
export const CAUSE_LOAD_ACCESS = 5;
export const CAUSE_MISALIGNED_STORE = 6; // also AMOs
export const CAUSE_STORE_ACCESS = 7; // also AMOs
export const CAUSE_ECALL_U = 8;
export const CAUSE_ECALL_S = 9;
export const CAUSE_ECALL_M = 11;
export const CAUSE_FETCH_PAGE = 12;
export const CAUSE_LOAD_PAGE = 13;
export const CAUSE_STORE_PAGE = 15;
// mcause bit XLEN-1: the trap is an interrupt.
export const CAUSE_INTERRUPT_BIT = 63;

// ---- interrupts: cause numbers, and their bits in mip / mie (3.1.9) ----
export const IRQ_S_SOFT = 1;
export const IRQ_M_SOFT = 3;
export const IRQ_S_TIMER = 5;
export const IRQ_M_TIMER = 7;
export const IRQ_S_EXT = 9;
export const IRQ_M_EXT = 11;
export const MIP_SSIP = 1 << IRQ_S_SOFT;
export const MIP_MSIP = 1 << IRQ_M_SOFT;
export const MIP_STIP = 1 << IRQ_S_TIMER;
export const MIP_MTIP = 1 << IRQ_M_TIMER;
export const MIP_SEIP = 1 << IRQ_S_EXT;
export const MIP_MEIP = 1 << IRQ_M_EXT;

// ---- CSR numbers (privileged spec table 2.2-2.5) ----
export const CSR_FFLAGS = 0x001;
export const CSR_FRM = 0x002;
export const CSR_FCSR = 0x003;
export const CSR_CYCLE = 0xc00;
export const CSR_TIME = 0xc01;
export const CSR_INSTRET = 0xc02;
export const CSR_HPMCOUNTER3 = 0xc03;
export const CSR_HPMCOUNTER31 = 0xc1f;
export const CSR_SSTATUS = 0x100;
export const CSR_SIE = 0x104;
export const CSR_STVEC = 0x105;
export const CSR_SCOUNTEREN = 0x106;
export const CSR_SENVCFG = 0x10a;
export const CSR_SSCRATCH = 0x140;
export const CSR_SEPC = 0x141;
export const CSR_SCAUSE = 0x142;
export const CSR_STVAL = 0x143;
export const CSR_SIP = 0x144;
export const CSR_SATP = 0x180;
export const CSR_MVENDORID = 0xf11;
export const CSR_MARCHID = 0xf12;
export const CSR_MIMPID = 0xf13;
export const CSR_MHARTID = 0xf14;
export const CSR_MCONFIGPTR = 0xf15;
export const CSR_MSTATUS = 0x300;
export const CSR_MISA = 0x301;
export const CSR_MEDELEG = 0x302;
export const CSR_MIDELEG = 0x303;
export const CSR_MIE = 0x304;
export const CSR_MTVEC = 0x305;
export const CSR_MCOUNTEREN = 0x306;
export const CSR_MENVCFG = 0x30a;
export const CSR_MCOUNTINHIBIT = 0x320;
export const CSR_MHPMEVENT3 = 0x323;
export const CSR_MHPMEVENT31 = 0x33f;
export const CSR_MSCRATCH = 0x340;
export const CSR_MEPC = 0x341;
export const CSR_MCAUSE = 0x342;
export const CSR_MTVAL = 0x343;
export const CSR_MIP = 0x344;
export const CSR_PMPCFG0 = 0x3a0;
export const CSR_PMPCFG2 = 0x3a2;
export const CSR_PMPCFG4 = 0x3a4;
export const CSR_PMPCFG15 = 0x3af;
export const CSR_PMPADDR0 = 0x3b0;
export const CSR_PMPADDR16 = 0x3c0;
export const CSR_PMPADDR63 = 0x3ef;
export const CSR_MCYCLE = 0xb00;
export const CSR_MINSTRET = 0xb02;
export const CSR_MHPMCOUNTER3 = 0xb03;
export const CSR_MHPMCOUNTER31 = 0xb1f;
export const CSR_TSELECT = 0x7a0;
export const CSR_TDATA1 = 0x7a1;
export const CSR_TDATA2 = 0x7a2;
export const CSR_TDATA3 = 0x7a3;

// ---- mstatus / sstatus fields (3.1.6) ----
export const MS_SIE = 1 << 1;
export const MS_MIE = 1 << 3;
export const MS_SPIE = 1 << 5;
export const MS_UBE = 1 << 6;
export const MS_MPIE = 1 << 7;
export const MS_SPP = 1 << 8;
export const MS_MPP_SHIFT = 11;
export const MS_MPP = 3 << 11;
export const MS_FS_SHIFT = 13;
export const MS_FS = 3 << 13;
export const MS_XS = 3 << 15;
export const MS_MPRV = 1 << 17;
export const MS_SUM = 1 << 18;
export const MS_MXR = 1 << 19;
export const MS_TVM = 1 << 20;
export const MS_TW = 1 << 21;
export const MS_TSR = 1 << 22;
export const MS_UXL_SHIFT = 32;
export const MS_SXL_SHIFT = 34;
export const MS_SD_BIT = 63;
export const XL_64 = 2; // MXL / UXL / SXL value for 64 bits
export const FS_OFF = 0;
export const FS_DIRTY = 3;

// ---- misa (3.1.1): extension letters are bits 0 ('A') to 25 ('Z') ----
export const MISA_MXL_SHIFT = 62;
export const MISA_A = 1 << 0;
export const MISA_C = 1 << 2;
export const MISA_D = 1 << 3;
export const MISA_F = 1 << 5;
export const MISA_I = 1 << 8;
export const MISA_M = 1 << 12;
export const MISA_S = 1 << 18;
export const MISA_U = 1 << 20;

// ---- satp (4.1.11) and Sv39 page-table entries (4.3.1, 4.4) ----
export const SATP_MODE_SHIFT = 60;
export const SATP_MODE_BARE = 0;
export const SATP_MODE_SV39 = 8;
export const SATP_MODE_SV48 = 9;
export const SATP_MODE_SV57 = 10;
export const SATP_PPN_BITS = 44;
export const PTE_V = 1 << 0;
export const PTE_R = 1 << 1;
export const PTE_W = 1 << 2;
export const PTE_X = 1 << 3;
export const PTE_U = 1 << 4;
export const PTE_G = 1 << 5;
export const PTE_A = 1 << 6;
export const PTE_D = 1 << 7;
export const PTE_PPN_SHIFT = 10;

// ---- PMP configuration fields (3.7.1) ----
export const PMP_R = 1 << 0;
export const PMP_W = 1 << 1;
export const PMP_X = 1 << 2;
export const PMP_A_SHIFT = 3;
export const PMP_A_OFF = 0;
export const PMP_A_TOR = 1;
export const PMP_A_NA4 = 2;
export const PMP_A_NAPOT = 3;
export const PMP_L = 1 << 7;

// ---- instruction encodings the core compares as whole words: an
// instruction matches when (inst & MASK_X) == MATCH_X (riscv-opcodes) ----
export const MATCH_ECALL = 0x00000073;
export const MATCH_EBREAK = 0x00100073;
export const MATCH_SRET = 0x10200073;
export const MATCH_MRET = 0x30200073;
export const MATCH_WFI = 0x10500073;
export const MASK_SYSTEM_WORD = 0xffffffff; // the five above have no operands
export const MATCH_SFENCE_VMA = 0x12000073;
export const MASK_SFENCE_VMA = 0xfe007fff;
// Major opcodes, bits 6:2 of a 32-bit instruction (the interpreter's switch).
export const OP_LOAD = 0x00;
export const OP_LOAD_FP = 0x01;
export const OP_MISC_MEM = 0x03;
export const OP_OP_IMM = 0x04;
export const OP_AUIPC = 0x05;
export const OP_OP_IMM_32 = 0x06;
export const OP_STORE = 0x08;
export const OP_STORE_FP = 0x09;
export const OP_AMO = 0x0b;
export const OP_OP = 0x0c;
export const OP_LUI = 0x0d;
export const OP_OP_32 = 0x0e;
export const OP_MADD = 0x10;
export const OP_MSUB = 0x11;
export const OP_NMSUB = 0x12;
export const OP_NMADD = 0x13;
export const OP_OP_FP = 0x14;
export const OP_BRANCH = 0x18;
export const OP_JALR = 0x19;
export const OP_JAL = 0x1b;
export const OP_SYSTEM = 0x1c;
// AMO funct5 (bits 31:27 of an OP_AMO instruction; unprivileged spec, "A").
export const AMO_ADD = 0x00;
export const AMO_SWAP = 0x01;
export const AMO_LR = 0x02;
export const AMO_SC = 0x03;
export const AMO_XOR = 0x04;
export const AMO_OR = 0x08;
export const AMO_AND = 0x0c;
export const AMO_MIN = 0x10;
export const AMO_MAX = 0x14;
export const AMO_MINU = 0x18;
export const AMO_MAXU = 0x1c;
