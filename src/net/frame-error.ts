// The one error the frame parsers throw. `kind` names the counter the stack
// bumps when it drops the frame (UserNetwork never lets it escape fromGuest).
export type FrameErrorKind =
  | "truncated"     // shorter than its headers say
  | "bad-length"    // a length field that contradicts the frame
  | "bad-checksum"
  | "fragment"      // IPv4 fragments are not reassembled (see ipv4.ts)
  | "bad-version"
  | "bad-flags"     // TCP flag combinations no stack sends
  | "bad-option"
  | "unsupported";  // well-formed, but a protocol or operation we do not serve

export class NetFrameError extends Error {
  constructor(readonly kind: FrameErrorKind, message: string) {
    super(message);
    this.name = "NetFrameError";
  }
}
