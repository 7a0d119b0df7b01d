// The one error type the request handlers throw: it carries the HTTP status
// and the JSON body `{ error: { code, message, ... } }` the client gets.
import { ERROR_STATUS, type ApiErrorBody, type ApiErrorCode } from "../src/snapshot/share-api.js";

export class HttpError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly extra: Omit<ApiErrorBody["error"], "code" | "message">;
  readonly headers: Record<string, string>;

  constructor(code: ApiErrorCode, message: string,
    opts: { status?: number; extra?: HttpError["extra"]; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = "HttpError";
    this.code = code;
    this.status = opts.status ?? ERROR_STATUS[code];
    this.extra = opts.extra ?? {};
    this.headers = opts.headers ?? {};
  }

  body(): ApiErrorBody {
    return { error: { code: this.code, message: this.message, ...this.extra } };
  }
}

/** A store that cannot be reached or written (disk full, S3 down): 503 to the client. */
export class StorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StorageError";
  }
}
