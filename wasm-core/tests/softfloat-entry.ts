// Unit-test entry: exposes the soft-float routines (and access to the flags
// global, since JS sees an exported u32 global only through a Global object).
export {
  f32_add, f32_sub, f32_mul, f32_div, f32_sqrt, f32_mulAdd,
  f32_eq, f32_lt, f32_le, f32_min, f32_max, f32_classify,
  f32_to_i32, f32_to_u32, f32_to_i64, f32_to_u64,
  i32_to_f32, u32_to_f32, i64_to_f32, u64_to_f32, f32_to_f64,
  f64_add, f64_sub, f64_mul, f64_div, f64_sqrt, f64_mulAdd,
  f64_eq, f64_lt, f64_le, f64_min, f64_max, f64_classify,
  f64_to_i32, f64_to_u32, f64_to_i64, f64_to_u64,
  i32_to_f64, u32_to_f64, i64_to_f64, u64_to_f64, f64_to_f32,
  // integer-only paths behind the hardware-assisted fast paths
  f64_addSoft, f64_subSoft, f64_mulSoft, f64_divSoft, f64_sqrtSoft, f64_mulAddSoft,
  f64_to_i32Soft, f64_to_u32Soft, f64_to_i64Soft, f64_to_u64Soft,
} from "../assembly/hart/softfloat";

import { sfFlags } from "../assembly/hart/softfloat";

export function getFlags(): u32 {
  return sfFlags;
}

export function clearFlags(): void {
  sfFlags = 0;
}
