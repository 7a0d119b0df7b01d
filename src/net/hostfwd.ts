// Port-forward specs, as `--net-forward` takes them:
//   tcp:HOSTPORT:GUESTPORT                          (the short form)
//   tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT   (QEMU's hostfwd= form)
// The protocol may be left out (tcp). The host address defaults to 127.0.0.1:
// a forward is reachable from this machine only unless an address is given.
import { parseIpv4 } from "./addresses.js";
import type { HostForward } from "./backend.js";

export class HostForwardError extends Error {
  constructor(readonly spec: string, reason: string) {
    super(`bad port forward "${spec}": ${reason}`);
    this.name = "HostForwardError";
  }
}

export function parseHostForward(spec: string, guestAddr = "10.0.2.15"): HostForward {
  if (typeof spec !== "string" || spec.length > 200) throw new HostForwardError(String(spec).slice(0, 50), "not a short string");
  let rest = spec.trim();
  let protocol = "tcp";
  const m = /^(tcp|udp):/i.exec(rest);
  if (m) { protocol = m[1].toLowerCase(); rest = rest.slice(m[0].length); }
  else if (rest.startsWith(":") && rest.includes("-")) rest = rest.slice(1); // QEMU's empty protocol field
  if (protocol !== "tcp") throw new HostForwardError(spec, "only tcp forwards are supported");
  let hostAddr = "", hostPort: string, gAddr = "", guestPort: string;
  const dash = rest.indexOf("-");
  if (dash >= 0) {
    // QEMU: [hostaddr]:hostport-[guestaddr]:guestport
    const h = rest.slice(0, dash), g = rest.slice(dash + 1);
    const hc = h.lastIndexOf(":"), gc = g.lastIndexOf(":");
    if (hc < 0 || gc < 0) throw new HostForwardError(spec, "expected [hostaddr]:hostport-[guestaddr]:guestport");
    hostAddr = h.slice(0, hc); hostPort = h.slice(hc + 1);
    gAddr = g.slice(0, gc); guestPort = g.slice(gc + 1);
  } else {
    const parts = rest.split(":");
    if (parts.length !== 2) throw new HostForwardError(spec, "expected tcp:HOSTPORT:GUESTPORT");
    [hostPort, guestPort] = parts;
  }
  const hp = port(spec, hostPort, "host port"), gp = port(spec, guestPort, "guest port");
  if (hostAddr === "") hostAddr = "127.0.0.1";
  else if (hostAddr !== "0.0.0.0" && parseIpv4(hostAddr) === undefined) throw new HostForwardError(spec, `host address "${hostAddr}" is not an IPv4 address`);
  if (gAddr !== "" && gAddr !== guestAddr) throw new HostForwardError(spec, `the guest is ${guestAddr}, not ${gAddr}`);
  return { protocol: "tcp", hostAddr, hostPort: hp, guestPort: gp };
}

function port(spec: string, text: string, what: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new HostForwardError(spec, `${what} "${text}" is not a number`);
  const n = Number(text);
  if (n < 1 || n > 65535) throw new HostForwardError(spec, `${what} ${n} is out of range 1-65535`);
  return n;
}
