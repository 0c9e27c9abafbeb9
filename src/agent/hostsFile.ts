// The host's hosts file (/etc/hosts or C:\Windows\System32\drivers\etc\hosts), as the resolver
// reads it before asking DNS: the address first, then names; '#' starts a comment; names match
// case-insensitively; the first line naming a host wins. Malformed lines are skipped, as the
// operating system skips them.
import { isIPv4, isIPv6 } from "node:net";

export interface HostsLine {
  address: string;
  names: string[];
}

export function parseHosts(text: string): HostsLine[] {
  const out: HostsLine[] = [];
  for (const raw of text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/)) {
    const hash = raw.indexOf("#");
    const content = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (content === "") continue;
    const [address, ...names] = content.split(/[ \t]+/);
    if ((!isIPv4(address) && !isIPv6(address)) || names.length === 0) continue;
    out.push({ address, names: names.map(normalizeName) });
  }
  return out;
}

export function normalizeName(n: string): string {
  return n.toLowerCase().replace(/\.$/, "");
}

/** The IPv4 addresses the hosts file gives a name (from the first line that names it), or undefined. */
export function lookupHosts(lines: readonly HostsLine[], name: string): string[] | undefined {
  const n = normalizeName(name);
  for (const l of lines) {
    if (l.names.includes(n) && isIPv4(l.address)) return [l.address];
  }
  return undefined;
}
