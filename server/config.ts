// Configuration of the snapshot server from flags and environment variables
// (a flag wins over its variable). One table feeds the parser and --help.
// parseConfig throws only ConfigError, for any argv and environment.
import { homedir } from "node:os";
import { join } from "node:path";
import type { ApiLimits } from "./snapshot-api.js";
import type { RateLimits } from "./rate-limit.js";
import type { Timeouts } from "./http-server.js";
import type { S3StoreOptions } from "./s3-store.js";
import { AddressPolicy } from "./wisp/address-policy.js";

export class ConfigError extends Error {
  constructor(message: string) { super(message); this.name = "ConfigError"; }
}

type Kind = "string" | "port" | "count" | "size" | "duration" | "bool";

interface Option {
  flag: string;
  env: string[];
  kind: Kind;
  value?: string;   // the placeholder in --help
  help: string;
  default?: string; // shown in --help and parsed like a given value
}

const MiB = 1024 * 1024;

export const OPTIONS: Option[] = [
  { flag: "port", env: ["RVPLAY_PORT", "PORT"], kind: "port", value: "N", help: "TCP port (0 = any free one)", default: "8080" },
  { flag: "host", env: ["RVPLAY_HOST"], kind: "string", value: "ADDR", help: "address to listen on (0.0.0.0 for all)", default: "127.0.0.1" },
  { flag: "data", env: ["RVPLAY_DATA_DIR"], kind: "string", value: "DIR", help: "local-disk store (default $XDG_DATA_HOME/rvplay/server, else ~/.local/share/rvplay/server)" },
  { flag: "web", env: ["RVPLAY_WEB_DIR"], kind: "string", value: "DIR", help: "the built app to serve (default dist/web beside the server)" },
  { flag: "no-web", env: [], kind: "bool", help: "serve the API only" },
  { flag: "s3-bucket", env: ["RVPLAY_S3_BUCKET"], kind: "string", value: "NAME", help: "store in this S3 bucket instead of on disk" },
  { flag: "s3-endpoint", env: ["RVPLAY_S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"], kind: "string", value: "URL", help: "S3-compatible endpoint (MinIO, moto, ...); AWS when unset" },
  { flag: "s3-region", env: ["RVPLAY_S3_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"], kind: "string", value: "NAME", help: "S3 region", default: "us-east-1" },
  { flag: "s3-prefix", env: ["RVPLAY_S3_PREFIX"], kind: "string", value: "PATH/", help: "key prefix inside the bucket", default: "" },
  { flag: "s3-path-style", env: ["RVPLAY_S3_PATH_STYLE"], kind: "bool", help: "path-style URLs (default: on when --s3-endpoint is given)" },
  { flag: "spool", env: ["RVPLAY_SPOOL_DIR"], kind: "string", value: "DIR", help: "where S3 uploads wait while hashed (default: the system temp dir)" },
  { flag: "max-blob-bytes", env: ["RVPLAY_MAX_BLOB_BYTES"], kind: "size", value: "SIZE", help: "largest blob", default: "32MiB" },
  { flag: "max-manifest-bytes", env: ["RVPLAY_MAX_MANIFEST_BYTES"], kind: "size", value: "SIZE", help: "largest manifest", default: "4MiB" },
  { flag: "max-snapshot-bytes", env: ["RVPLAY_MAX_SNAPSHOT_BYTES"], kind: "size", value: "SIZE", help: "largest sum of the blobs one manifest lists", default: "256MiB" },
  { flag: "max-missing-list", env: ["RVPLAY_MAX_MISSING_LIST"], kind: "count", value: "N", help: "most hashes in one POST /api/v1/blobs/missing", default: "4096" },
  { flag: "max-manifest-blobs", env: ["RVPLAY_MAX_MANIFEST_BLOBS"], kind: "count", value: "N", help: "most blobs one manifest may list", default: "4096" },
  { flag: "rate-requests", env: ["RVPLAY_RATE_REQUESTS"], kind: "count", value: "N", help: "API requests per client (IP) per minute", default: "600" },
  { flag: "rate-bytes", env: ["RVPLAY_RATE_BYTES"], kind: "size", value: "SIZE", help: "API bytes up and down per client per minute", default: "1GiB" },
  { flag: "max-concurrent", env: ["RVPLAY_MAX_CONCURRENT"], kind: "count", value: "N", help: "API requests of one client in flight at once", default: "32" },
  { flag: "headers-timeout", env: ["RVPLAY_HEADERS_TIMEOUT"], kind: "duration", value: "TIME", help: "time to send the request headers", default: "10s" },
  { flag: "request-timeout", env: ["RVPLAY_REQUEST_TIMEOUT"], kind: "duration", value: "TIME", help: "time to send a whole request, body included", default: "120s" },
  { flag: "idle-timeout", env: ["RVPLAY_IDLE_TIMEOUT"], kind: "duration", value: "TIME", help: "a connection moving no bytes this long is closed", default: "15s" },
  { flag: "trust-proxy", env: ["RVPLAY_TRUST_PROXY"], kind: "bool", help: "client address = last X-Forwarded-For hop (behind your own proxy)" },
  { flag: "no-wisp", env: ["RVPLAY_NO_WISP"], kind: "bool", help: "no Wisp relay on /wisp/ (the page's network then needs a relay elsewhere)" },
  { flag: "wisp-allow-loopback", env: ["RVPLAY_WISP_ALLOW_LOOPBACK"], kind: "bool", help: "let the relay reach this host's loopback (127.0.0.0/8, ::1)" },
  { flag: "wisp-allow-private", env: ["RVPLAY_WISP_ALLOW_PRIVATE"], kind: "bool", help: "let the relay reach private networks (10/8, 172.16/12, 192.168/16, fc00::/7, ...)" },
  { flag: "wisp-allow", env: ["RVPLAY_WISP_ALLOW"], kind: "string", value: "LIST", help: "comma-separated CIDRs and host names the relay may reach although refused otherwise" },
  { flag: "wisp-max-clients", env: ["RVPLAY_WISP_MAX_CLIENTS"], kind: "count", value: "N", help: "relay WebSockets at once", default: "256" },
  { flag: "wisp-max-streams", env: ["RVPLAY_WISP_MAX_STREAMS"], kind: "count", value: "N", help: "relay connections one WebSocket may hold open", default: "64" },
  { flag: "wisp-max-bytes", env: ["RVPLAY_WISP_MAX_BYTES"], kind: "size", value: "SIZE", help: "bytes both ways one relay WebSocket may carry", default: "4GiB" },
];

/** The Wisp relay of `npm run serve` (server/wisp/relay.ts's options). */
export interface WispConfig {
  allowLoopback: boolean;
  allowPrivate: boolean;
  allow: string[];
  maxClients: number;
  maxStreamsPerClient: number;
  maxBytesPerClient: number;
}

export interface S3Config extends Omit<S3StoreOptions, "credentials"> {}

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  /** undefined with --no-web */
  webDir: string | undefined;
  s3: S3Config | undefined;
  limits: ApiLimits;
  rate: RateLimits;
  timeouts: Timeouts;
  trustProxy: boolean;
  /** undefined with --no-wisp */
  wisp: WispConfig | undefined;
}

/** Where the server keeps its objects by default: `$XDG_DATA_HOME/rvplay/<name>`. */
export function defaultDataDir(env: Record<string, string | undefined>, name: string): string {
  const xdg = env.XDG_DATA_HOME;
  // The XDG spec: a relative $XDG_DATA_HOME is invalid and must be ignored.
  const base = xdg && xdg.startsWith("/") ? xdg : join(env.HOME || homedir(), ".local", "share");
  return join(base, "rvplay", name);
}

const SIZE_UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, kib: 1024, m: MiB, mib: MiB, g: 1024 * MiB, gib: 1024 * MiB };

/** "32MiB", "4m", "1048576" -> bytes (binary units). */
export function parseSize(s: string): number {
  const m = /^(\d{1,15})\s*([a-z]*)$/i.exec(s.trim());
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new ConfigError(`not a size: ${JSON.stringify(s)} (e.g. 32MiB, 512KiB, 1048576)`);
  const n = Number(m[1]) * unit;
  if (!Number.isSafeInteger(n) || n < 1) throw new ConfigError(`size out of range: ${JSON.stringify(s)}`);
  return n;
}

/** "15s", "500ms", "2m", or a number of seconds -> milliseconds. */
export function parseDuration(s: string): number {
  const m = /^(\d{1,9}(?:\.\d{1,3})?)\s*(ms|s|m)?$/.exec(s.trim());
  if (!m) throw new ConfigError(`not a duration: ${JSON.stringify(s)} (e.g. 15s, 500ms, 2m)`);
  const ms = Number(m[1]) * (m[2] === "ms" ? 1 : m[2] === "m" ? 60_000 : 1000);
  if (ms < 1 || ms > 24 * 3600_000) throw new ConfigError(`duration out of range: ${JSON.stringify(s)}`);
  return Math.round(ms);
}

function parseCount(s: string, flag: string): number {
  if (!/^\d{1,9}$/.test(s.trim()) || Number(s) < 1) throw new ConfigError(`--${flag}: not a positive whole number: ${JSON.stringify(s)}`);
  return Number(s);
}

function parseBool(s: string, flag: string): boolean {
  const v = s.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(v)) return true;
  if (["0", "false", "no", "off", ""].includes(v)) return false;
  throw new ConfigError(`--${flag}: not a yes/no value: ${JSON.stringify(s)}`);
}

export function helpText(): string {
  const rows = OPTIONS.map((o) => {
    const left = `--${o.flag}${o.value ? ` ${o.value}` : ""}`;
    const env = o.env.length ? ` [env ${o.env.join(", ")}]` : "";
    const def = o.default ? ` (default ${o.default})` : "";
    return `  ${left.padEnd(28)} ${o.help}${def}${env}`;
  });
  return [
    "Usage: rvplay-server [options]   (npm run serve -- [options])",
    "",
    "Serves the built rvplay app with the cross-origin isolation headers, the",
    "snapshot API (/api/v1/) and the Wisp relay the page's network uses (/wisp/)",
    "on the same origin; prints its URL. The relay refuses loopback, private and",
    "link-local destinations unless the --wisp-allow-* flags say otherwise.",
    "",
    "Options (a flag wins over its environment variable):",
    ...rows,
    "  --help                       this text",
    "",
    "Sizes take KiB/MiB/GiB (or K/M/G); times take ms/s/m (a bare number is seconds).",
    "S3 credentials come from the usual AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and",
    "AWS_SESSION_TOKEN variables (or an AWS profile).",
    "",
  ].join("\n");
}

export type ParseResult = { help: true } | { help: false; config: ServerConfig };

export function parseConfig(argv: string[], env: Record<string, string | undefined>,
  defaults: { dataDir: string; webDir: string }): ParseResult {
  const given = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") return { help: true };
    if (!a.startsWith("--")) throw new ConfigError(`unexpected argument ${JSON.stringify(a)} (see --help)`);
    const eq = a.indexOf("=");
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const opt = OPTIONS.find((o) => o.flag === name);
    if (!opt) throw new ConfigError(`unknown option --${name} (see --help)`);
    if (opt.kind === "bool") {
      given.set(name, eq < 0 ? "true" : a.slice(eq + 1));
    } else if (eq >= 0) {
      given.set(name, a.slice(eq + 1));
    } else {
      if (i + 1 >= argv.length) throw new ConfigError(`--${name} needs a value (${opt.value})`);
      given.set(name, argv[++i]);
    }
  }
  const raw = (flag: string): string | undefined => {
    if (given.has(flag)) return given.get(flag);
    const opt = OPTIONS.find((o) => o.flag === flag)!;
    for (const e of opt.env) if (env[e] !== undefined && env[e] !== "") return env[e];
    return opt.default;
  };
  const str = (flag: string) => raw(flag);
  const size = (flag: string) => {
    try { return parseSize(raw(flag)!); } catch (e) { throw new ConfigError(`--${flag}: ${(e as Error).message}`); }
  };
  const duration = (flag: string) => {
    try { return parseDuration(raw(flag)!); } catch (e) { throw new ConfigError(`--${flag}: ${(e as Error).message}`); }
  };
  const count = (flag: string) => parseCount(raw(flag)!, flag);
  const bool = (flag: string) => { const v = raw(flag); return v === undefined ? undefined : parseBool(v, flag); };

  const portRaw = raw("port")!;
  if (!/^\d{1,5}$/.test(portRaw) || Number(portRaw) > 65535) throw new ConfigError(`--port: not a port number: ${JSON.stringify(portRaw)}`);

  const bucket = str("s3-bucket");
  let s3: S3Config | undefined;
  if (bucket !== undefined) {
    // S3's bucket naming rules (the DNS-compatible ones every S3 store accepts).
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new ConfigError(`--s3-bucket: not a valid bucket name: ${JSON.stringify(bucket)}`);
    const endpoint = str("s3-endpoint");
    if (endpoint !== undefined) {
      let u: URL;
      try { u = new URL(endpoint); } catch { throw new ConfigError(`--s3-endpoint: not a URL: ${JSON.stringify(endpoint)}`); }
      if (u.protocol !== "http:" && u.protocol !== "https:") throw new ConfigError(`--s3-endpoint: must be http(s): ${endpoint}`);
    }
    let prefix = str("s3-prefix") ?? "";
    if (prefix && !prefix.endsWith("/")) prefix += "/";
    if (prefix && (!/^[A-Za-z0-9._\-/]+$/.test(prefix) || prefix.startsWith("/") || prefix.split("/").some((p) => p === "." || p === ".."))) {
      throw new ConfigError(`--s3-prefix: use letters, digits, . _ - and /, no "." or ".." parts: ${JSON.stringify(prefix)}`);
    }
    s3 = {
      bucket, endpoint, region: str("s3-region")!, prefix,
      forcePathStyle: bool("s3-path-style") ?? endpoint !== undefined,
      spoolDir: str("spool"),
    };
  } else if (given.has("s3-endpoint") || given.has("s3-prefix") || given.has("s3-path-style")) {
    throw new ConfigError("S3 options given without --s3-bucket");
  }

  const noWeb = bool("no-web") ?? false;
  const config: ServerConfig = {
    port: Number(portRaw),
    host: str("host")!,
    dataDir: str("data") ?? defaults.dataDir,
    webDir: noWeb ? undefined : str("web") ?? defaults.webDir,
    s3,
    limits: {
      blobBytes: size("max-blob-bytes"),
      manifestBytes: size("max-manifest-bytes"),
      snapshotBytes: size("max-snapshot-bytes"),
      missingList: count("max-missing-list"),
      manifestBlobs: count("max-manifest-blobs"),
    },
    rate: {
      requestsPerMinute: count("rate-requests"),
      bytesPerMinute: size("rate-bytes"),
      concurrent: count("max-concurrent"),
    },
    timeouts: {
      headersMs: duration("headers-timeout"),
      requestMs: duration("request-timeout"),
      idleMs: duration("idle-timeout"),
    },
    trustProxy: bool("trust-proxy") ?? false,
    wisp: bool("no-wisp") ? undefined : {
      allowLoopback: bool("wisp-allow-loopback") ?? false,
      allowPrivate: bool("wisp-allow-private") ?? false,
      allow: (str("wisp-allow") ?? "").split(",").map((x) => x.trim()).filter(Boolean),
      maxClients: count("wisp-max-clients"),
      maxStreamsPerClient: count("wisp-max-streams"),
      maxBytesPerClient: size("wisp-max-bytes"),
    },
  };
  if (config.wisp) {
    try { new AddressPolicy({ allow: config.wisp.allow }); } catch (e) { throw new ConfigError(`--wisp-allow: ${(e as Error).message}`); }
  }
  if (config.timeouts.headersMs > config.timeouts.requestMs) {
    throw new ConfigError("--headers-timeout must not exceed --request-timeout");
  }
  return { help: false, config };
}
