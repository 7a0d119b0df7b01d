// Share links read back: `<app URL>#/s/<manifest id>` (share-api.ts
// shareLink writes them). The page reads its own location.hash; `rvplay
// boot --restore URL` reads a whole link. A link is untrusted text (pasted,
// typed, cut short by a chat program): anything that is not exactly a link
// of this form is a ShareLinkError saying what is wrong with it.
// fuzzShareLink is the fuzz entry point: it throws only ShareLinkError.
import { CONTENT_HASH } from "./share-api.js";

export class ShareLinkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ShareLinkError";
  }
}

/** The fragment a share link ends with, before the id. */
export const LINK_FRAGMENT = "#/s/";
const MAX_LINK = 4096;

export interface ParsedLink {
  /** the manifest id: 64 lowercase hex digits */
  id: string;
  /** the app's directory, where its snapshot API sits (`<dir>api/v1/`) */
  apiBase: string;
}

function checkId(id: string, where: string): string {
  if (CONTENT_HASH.test(id)) return id;
  const shown = JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}…` : id);
  const why = /^[0-9a-fA-F]*$/.test(id)
    ? id.length !== 64 ? `${id.length} hex digits, not 64 (was the link cut short?)` : "upper-case hex (ids are lower case)"
    : "not hex digits";
  throw new ShareLinkError(`${where}: the snapshot id ${shown} is ${why}`);
}

/**
 * The manifest id a page's `location.hash` names: undefined when the hash is
 * not a share link at all (`""`, `#console`), the id when it is one, and a
 * ShareLinkError when it starts like one but its id is damaged.
 */
export function shareIdFromHash(hash: string): string | undefined {
  if (!hash.startsWith(LINK_FRAGMENT)) return undefined;
  if (hash.length > MAX_LINK) throw new ShareLinkError(`this share link is ${hash.length} characters long, not a share link`);
  let id = hash.slice(LINK_FRAGMENT.length);
  if (id.endsWith("/")) id = id.slice(0, -1);  // a slash some programs add
  return checkId(id, "this share link is damaged");
}

/** A whole share link (http or https), as `rvplay boot --restore URL` takes it. */
export function parseShareLink(link: string): ParsedLink {
  const text = link.trim();
  if (text.length > MAX_LINK) throw new ShareLinkError(`a share link of ${text.length} characters is too long (at most ${MAX_LINK})`);
  let url: URL;
  try { url = new URL(text); } catch {
    throw new ShareLinkError(`${JSON.stringify(text.slice(0, 80))} is not a URL (a share link looks like http://host/${LINK_FRAGMENT}<id>)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ShareLinkError(`a share link is http or https, not ${url.protocol.replace(/:$/, "")}`);
  }
  if (url.username || url.password) throw new ShareLinkError("a share link carries no user name or password");
  if (!url.hash.startsWith(LINK_FRAGMENT)) {
    throw new ShareLinkError(`${url.origin} is not a share link: it must end with ${LINK_FRAGMENT}<snapshot id>`);
  }
  const id = shareIdFromHash(url.hash)!;
  // The API is under the app's directory (a page at /app/index.html has it at /app/api/v1/).
  const dir = new URL(".", `${url.origin}${url.pathname}`);
  return { id, apiBase: dir.href };
}

/** Fuzz entry: any bytes, as the text of a link. Throws only ShareLinkError. */
export function fuzzShareLink(bytes: Uint8Array): ParsedLink | undefined {
  const text = new TextDecoder("utf-8").decode(bytes);
  shareIdFromHash(text);
  return parseShareLink(text);
}
