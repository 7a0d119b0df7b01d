// Share links read back (src/snapshot/share-link.ts): the page's hash and a
// whole link for `rvplay boot --restore URL`; damaged, cut-short and foreign
// links get a ShareLinkError that says what is wrong; mutated links give a
// link or a ShareLinkError, nothing else.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fuzzShareLink, parseShareLink, shareIdFromHash, ShareLinkError } from "../../src/snapshot/share-link.js";
import { shareLink } from "../../src/snapshot/share-api.js";
import { Mutator } from "../../src/snapshot/fuzz.js";

const ID = "0123456789abcdef".repeat(4);

function refused(f: () => unknown, re: RegExp): void {
  assert.throws(f, (e: unknown) => e instanceof ShareLinkError && re.test(e.message), `expected a ShareLinkError matching ${re}`);
}

test("the hash of a page: a share link's id, nothing for other hashes", () => {
  assert.equal(shareIdFromHash(`#/s/${ID}`), ID);
  assert.equal(shareIdFromHash(`#/s/${ID}/`), ID, "a trailing slash some programs add");
  assert.equal(shareIdFromHash(""), undefined);
  assert.equal(shareIdFromHash("#console"), undefined);
  assert.equal(shareIdFromHash("#/settings"), undefined);
  refused(() => shareIdFromHash(`#/s/${ID.slice(0, 40)}`), /40 hex digits, not 64 \(was the link cut short\?\)/);
  refused(() => shareIdFromHash(`#/s/${ID.toUpperCase()}`), /upper-case/);
  refused(() => shareIdFromHash("#/s/../../etc/passwd"), /not hex digits/);
  refused(() => shareIdFromHash(`#/s/${ID}x`), /not hex digits/);
  refused(() => shareIdFromHash("#/s/"), /0 hex digits/);
  refused(() => shareIdFromHash(`#/s/${"a".repeat(10_000)}`), /not a share link/);
});

test("whole links: the id and the API's base, from any directory of the app", () => {
  assert.deepEqual(parseShareLink(shareLink("http://127.0.0.1:8080", ID)), { id: ID, apiBase: "http://127.0.0.1:8080/" });
  assert.deepEqual(parseShareLink(` https://rv.example/app/#/s/${ID}\n`), { id: ID, apiBase: "https://rv.example/app/" });
  assert.deepEqual(parseShareLink(`https://rv.example/app/index.html?cpus=2#/s/${ID}`), { id: ID, apiBase: "https://rv.example/app/" });
  refused(() => parseShareLink("rvplay-20260101.rvsnap"), /is not a URL/);
  refused(() => parseShareLink(`ftp://host/#/s/${ID}`), /http or https, not ftp/);
  refused(() => parseShareLink(`http://user:pw@host/#/s/${ID}`), /no user name or password/);
  refused(() => parseShareLink("http://host/"), /must end with #\/s\/<snapshot id>/);
  refused(() => parseShareLink(`http://host/#/s/${ID.slice(1)}`), /63 hex digits/);
  refused(() => parseShareLink(`http://host/#/s/${"z".repeat(64)}`), /not hex digits/);
});

test("5,000 mutated links: a link or a ShareLinkError", () => {
  const mut = new Mutator(0x11);
  const seeds = [`http://127.0.0.1:8080/#/s/${ID}`, `#/s/${ID}`, `https://h/app/index.html?x=1#/s/${ID}/`].map((s) => new TextEncoder().encode(s));
  let ok = 0;
  for (let i = 0; i < 5000; i++) {
    try {
      const r = fuzzShareLink(mut.mutate(seeds[i % seeds.length]));
      assert.match(r!.id, /^[0-9a-f]{64}$/);
      ok++;
    } catch (e) {
      if (!(e instanceof ShareLinkError)) throw new Error(`not a ShareLinkError: ${(e as Error)?.stack ?? e}`);
    }
  }
  assert.ok(ok > 0 && ok < 5000, `${ok} of 5000 parsed`);
});
