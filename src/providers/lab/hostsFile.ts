// The hosts file of a host (/etc/hosts on Linux, C:\Windows\System32\drivers\etc\hosts on
// Windows): one entry per line, the address first, then one or more names; '#' starts a
// comment. Pure: the hosts provider validates with it and the resolution engine reads with it.
import { isIPv4, isIPv6 } from "node:net";

export interface HostsEntry {
  /** The address as written (IPv4 or IPv6). */
  address: string;
  /** Names on the line, lower-cased, without a trailing dot, in order. */
  names: string[];
  /** 1-based line number. */
  line: number;
}

export interface HostsError {
  /** 1-based line number. */
  line: number;
  message: string;
}

export interface ParsedHostsFile {
  entries: HostsEntry[];
  errors: HostsError[];
}

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/i;

/** True for a host name a hosts file accepts: dot-separated labels, optional trailing dot. */
export function isHostName(name: string): boolean {
  const n = name.endsWith(".") ? name.slice(0, -1) : name;
  if (n.length === 0 || n.length > 253) return false;
  return n.split(".").every((l) => LABEL.test(l));
}

/**
 * Files already read, by their text: one server's hosts file is read when the on-premises facts are
 * imported, when its host is written, and when the model is compiled. A parse depends on the text
 * alone, and callers only read it (the same entries may serve several hosts: never change them).
 * Bounded: cleared when the texts it holds pass 32 M characters.
 */
const parsed = new Map<string, ParsedHostsFile>();
const PARSED_CHARS = 32 * 1024 * 1024;
let parsedChars = 0;

export function parseHostsFile(text: string): ParsedHostsFile {
  let p = parsed.get(text);
  if (!p) {
    if (parsedChars + text.length > PARSED_CHARS) {
      parsed.clear();
      parsedChars = 0;
    }
    parsed.set(text, (p = readHostsFile(text)));
    parsedChars += text.length;
  }
  return p;
}

function readHostsFile(text: string): ParsedHostsFile {
  const entries: HostsEntry[] = [];
  const errors: HostsError[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const hash = raw.indexOf("#");
    const content = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (content === "") return;
    const [address, ...names] = content.split(/[ \t]+/);
    if (!isIPv4(address) && !isIPv6(address)) {
      errors.push({
        line,
        message: `line ${line}: '${address}' is not an IPv4 or IPv6 address. Each entry starts with the address, then the names, e.g. '10.10.1.4 gbl.his.arc.azure.com'.`,
      });
      return;
    }
    if (names.length === 0) {
      errors.push({
        line,
        message: `line ${line}: the address ${address} has no host name after it. Write the name after the address, separated by a space.`,
      });
      return;
    }
    const bad = names.find((n) => !isHostName(n));
    if (bad !== undefined) {
      errors.push({
        line,
        message: `line ${line}: '${bad}' is not a valid host name (letters, digits, hyphens and underscores in dot-separated labels; no wildcards).`,
      });
      return;
    }
    entries.push({ address, names: names.map((n) => n.toLowerCase().replace(/\.$/, "")), line });
  });
  return { entries, errors };
}
