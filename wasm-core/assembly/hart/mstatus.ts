// mstatus / sstatus fields (privileged spec, 3.1.6).
export const MS_SIE: u64 = 1 << 1;
export const MS_MIE: u64 = 1 << 3;
export const MS_SPIE: u64 = 1 << 5;
export const MS_UBE: u64 = 1 << 6;
export const MS_MPIE: u64 = 1 << 7;
export const MS_SPP: u64 = 1 << 8;
export const MS_MPP_SHIFT: u64 = 11;
export const MS_MPP: u64 = 3 << 11;
export const MS_FS_SHIFT: u64 = 13;
export const MS_FS: u64 = 3 << 13;
export const MS_XS: u64 = 3 << 15;
export const MS_MPRV: u64 = 1 << 17;
export const MS_SUM: u64 = 1 << 18;
export const MS_MXR: u64 = 1 << 19;
export const MS_TVM: u64 = 1 << 20;
export const MS_TW: u64 = 1 << 21;
export const MS_TSR: u64 = 1 << 22;
export const MS_UXL: u64 = <u64>3 << 32;
export const MS_SXL: u64 = <u64>3 << 34;
export const MS_SD: u64 = <u64>1 << 63;
// UXL = SXL = 2: U and S are 64-bit (read-only).
export const MS_XLEN64: u64 = (<u64>2 << 32) | (<u64>2 << 34);

export const MSTATUS_WRITABLE: u64 = MS_SIE | MS_MIE | MS_SPIE | MS_MPIE | MS_SPP | MS_MPP |
  MS_FS | MS_MPRV | MS_SUM | MS_MXR | MS_TVM | MS_TW | MS_TSR;
export const SSTATUS_VISIBLE: u64 = MS_SIE | MS_SPIE | MS_UBE | MS_SPP | MS_FS | MS_XS |
  MS_SUM | MS_MXR | MS_UXL | MS_SD;
export const SSTATUS_WRITABLE: u64 = MS_SIE | MS_SPIE | MS_SPP | MS_FS | MS_SUM | MS_MXR;

export const FS_OFF: u64 = 0;
export const FS_DIRTY: u64 = 3;
