// The one error type of the snapshot code: every way a snapshot can be
// refused (a damaged file, a newer format, a machine larger than allowed, a
// boot image that is not here) is a SnapshotError with a code a program can
// test and a message a person can read.

export type SnapshotErrorCode =
  | "truncated"        // the bytes end before the structure does
  | "not_snapshot"     // no rvplay snapshot magic / format name
  | "future_version"   // written by a newer rvplay: refused, never misread
  | "bad_manifest"     // a field missing, of the wrong type or out of range
  | "hash_mismatch"    // a blob (or the file's manifest) does not hash to its name
  | "bad_blob"         // a blob that does not decompress to what the manifest says
  | "limits"           // more harts or RAM (or bigger parts) than this rvplay allows
  | "missing_image"    // a boot image the snapshot needs is not available
  | "missing_share"    // the machine had a shared folder and none was given to restore it with
  | "missing_blob"     // a blob the manifest lists is not in the file or store
  | "bad_state"        // machine state that the emulator cannot run from
  | "unsupported";     // this runtime lacks something (WebCrypto, CompressionStream)

export class SnapshotError extends Error {
  readonly code: SnapshotErrorCode;
  constructor(code: SnapshotErrorCode, message: string) {
    super(message);
    this.name = "SnapshotError";
    this.code = code;
  }
}
