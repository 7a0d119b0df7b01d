// Linux errno numbers, as 9P2000.L's Rlerror carries them (diod protocol.md,
// "lerror": "ecode is a numerical Linux errno"). These are the asm-generic
// values RISC-V Linux uses; fixed here rather than taken from the host's
// os.constants, which differ on other hosts (macOS ENOTEMPTY is 66).
export const EPERM = 1;
export const ENOENT = 2;
export const EINTR = 4;
export const EIO = 5;
export const ENXIO = 6;
export const E2BIG = 7;
export const EBADF = 9;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EBUSY = 16;
export const EEXIST = 17;
export const EXDEV = 18;
export const ENODEV = 19;
export const ENOTDIR = 20;
export const EISDIR = 21;
export const EINVAL = 22;
export const ENFILE = 23;
export const EMFILE = 24;
export const ETXTBSY = 26;
export const EFBIG = 27;
export const ENOSPC = 28;
export const ESPIPE = 29;
export const EROFS = 30;
export const EMLINK = 31;
export const ERANGE = 34;
export const ENAMETOOLONG = 36;
export const ENOLCK = 37;
export const ENOSYS = 38;
export const ENOTEMPTY = 39;
export const ELOOP = 40;
export const ENODATA = 61;
export const EPROTO = 71;
export const EOVERFLOW = 75;
export const EILSEQ = 84;
export const EMSGSIZE = 90;
export const EOPNOTSUPP = 95;
export const ESTALE = 116;
export const EDQUOT = 122;
export const ECANCELED = 125;

// Host error codes (Node's `err.code`, libuv's names) to Linux numbers.
const BY_CODE: Record<string, number> = {
  EPERM, ENOENT, EINTR, EIO, ENXIO, E2BIG, EBADF, EAGAIN, ENOMEM, EACCES, EBUSY, EEXIST, EXDEV,
  ENODEV, ENOTDIR, EISDIR, EINVAL, ENFILE, EMFILE, ETXTBSY, EFBIG, ENOSPC, ESPIPE, EROFS, EMLINK,
  ERANGE, ENAMETOOLONG, ENOLCK, ENOSYS, ENOTEMPTY, ELOOP, ENODATA, EPROTO, EOVERFLOW, EILSEQ,
  EMSGSIZE, EOPNOTSUPP, ENOTSUP: EOPNOTSUPP, ESTALE, EDQUOT, ECANCELED,
};

// The error a back end throws: one Linux errno, sent to the guest as Rlerror.
export class FsError extends Error {
  constructor(readonly errno: number, message?: string) {
    super(message ?? `errno ${errno}`);
    this.name = "FsError";
  }
}

// Any thrown value to the errno the guest should see. Host errors keep their
// meaning (ENOENT stays ENOENT); anything unrecognised is an I/O error, never a
// crash of the server.
export function errnoOf(e: unknown): number {
  if (e instanceof FsError) return e.errno;
  if (typeof e === "object" && e !== null && "code" in e) {
    const code = (e as { code: unknown }).code;
    if (typeof code === "string" && code in BY_CODE) return BY_CODE[code];
  }
  return EIO;
}
