// BIND's named.conf as an on-premises DNS server's facts: `options { forwarders { … }; forward
// only|first; recursion yes|no; directory "…"; }`, `zone "name" { type forward; forwarders { … }; }`
// (a conditional forwarder), `zone "name" { type master|primary; file "…"; }` (a zone, records read
// from its zone file), `type slave|secondary` (its file when it is there, else unknown), `type
// stub|static-stub` (forwarded to its primaries / server-addresses), and `include "file";`.
// Statements that do not change answers (acl, logging, controls, key, …) are read and set aside;
// anything else is an error naming the file and line. Paths (include, zone files) are looked up
// beside the file that names them first (a copy of /etc/bind taken off the server), then as written.
import { dirname, isAbsolute, join, basename } from "node:path";
import { ExportError, InputNote } from "./azure.js";
import { DnsServerFacts, domainOf, forwarderAddress } from "./dnsFacts.js";
import { parseZoneFile } from "./zoneFile.js";

/** Reads a file's text, or undefined when it is not there. */
export type ReadFile = (path: string) => string | undefined;

interface Token {
  t: string;
  quoted: boolean;
  line: number;
}

interface Stmt {
  words: Token[];
  block?: Stmt[];
  line: number;
  file: string;
}

function tokenize(text: string, file: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === "\n") {
      line++;
      i++;
    } else if (c === " " || c === "\t" || c === "\r") i++;
    else if (c === "#" || (c === "/" && text[i + 1] === "/")) {
      while (i < n && text[i] !== "\n") i++;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) throw ExportError.at(file, line, "a /* comment is not closed.");
      for (let j = i; j < end; j++) if (text[j] === "\n") line++;
      i = end + 2;
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw ExportError.at(file, line, "a quoted string is not closed.");
      out.push({ t: text.slice(i + 1, end), quoted: true, line });
      for (let j = i; j < end; j++) if (text[j] === "\n") line++;
      i = end + 1;
    } else if (c === "{" || c === "}" || c === ";") {
      out.push({ t: c, quoted: false, line });
      i++;
    } else {
      let j = i;
      while (j < n && !' \t\r\n{};"#'.includes(text[j]) && !(text[j] === "/" && "/*".includes(text[j + 1])))
        j++;
      out.push({ t: text.slice(i, j), quoted: false, line });
      i = j;
    }
  }
  return out;
}

function parseStatements(tokens: Token[], file: string): Stmt[] {
  let i = 0;
  const block = (top: boolean): Stmt[] => {
    const out: Stmt[] = [];
    for (;;) {
      if (i >= tokens.length) {
        if (top) return out;
        throw ExportError.at(file, tokens[tokens.length - 1]?.line, "a '{' is not closed by '};'.");
      }
      const first = tokens[i];
      if (!first.quoted && first.t === "}") {
        if (top) throw ExportError.at(file, first.line, "a '}' without its '{'.");
        i++;
        return out;
      }
      if (!first.quoted && first.t === ";") {
        i++;
        continue;
      }
      const s: Stmt = { words: [], line: first.line, file };
      while (i < tokens.length) {
        const k = tokens[i];
        if (!k.quoted && k.t === ";") {
          i++;
          break;
        }
        if (!k.quoted && k.t === "{") {
          i++;
          s.block = block(false);
          continue;
        }
        if (!k.quoted && k.t === "}") {
          if (s.block)
            throw ExportError.at(file, k.line, `'}' after '${s.words[0]?.t} { … }' needs a ';' before it.`);
          throw ExportError.at(
            file,
            k.line,
            `'${s.words.map((w) => w.t).join(" ")}' needs a ';' at its end.`,
          );
        }
        s.words.push(k);
        i++;
      }
      out.push(s);
    }
  };
  return block(true);
}

const SET_ASIDE = new Set([
  "acl",
  "logging",
  "controls",
  "key",
  "server",
  "masters",
  "primaries",
  "statistics-channels",
  "trusted-keys",
  "managed-keys",
  "trust-anchors",
  "dnssec-policy",
  "tls",
  "http",
  "plugin",
  "key-store",
]);

export interface BindResult {
  facts: DnsServerFacts;
  notes: InputNote[];
}

/** Reads named.conf (and what it includes, and its zones' files). */
export function readNamedConf(path: string, read: ReadFile): BindResult {
  const text = read(path);
  if (text === undefined) throw new ExportError(`${path}: cannot read the BIND configuration.`);
  const notes: InputNote[] = [];
  const facts: DnsServerFacts = { forwarders: [], conditionalForwarders: [], zones: [], line: 0, file: path };
  let directory: string | undefined;
  let forwardFirst = false;
  const seen = new Set<string>();

  // The copy handed over wins over a file of the same path on the machine lint runs on: a path
  // the server wrote as absolute (/etc/bind/…) is looked up beside the file that names it first.
  const locate = (p: string, from: string, viaDirectory: boolean): string | undefined => {
    const tries: string[] = [];
    if (isAbsolute(p)) tries.push(join(dirname(from), basename(p)), p);
    else {
      if (viaDirectory && directory && !isAbsolute(directory)) tries.push(join(dirname(path), directory, p));
      tries.push(join(dirname(from), p), join(dirname(from), basename(p)));
    }
    return tries.find((t) => read(t) !== undefined);
  };
  const addrs = (s: Stmt, what: string): string[] =>
    (s.block ?? []).flatMap((e) => {
      const text = e.words.map((w) => w.t).join(" ");
      const a = forwarderAddress(text);
      if (!a) {
        if (/^[0-9a-f:]+(\s|$)/i.test(text)) return []; // an IPv6 forwarder: ArcLink's on-premises network is IPv4
        throw ExportError.at(
          e.file,
          e.line,
          `'${text}' in ${what} is not an IPv4 address (optionally 'port N').`,
        );
      }
      return [a];
    });
  const mark = (s: Stmt) => {
    if (!facts.line && s.file === path) facts.line = s.line;
  };

  const file = (p: string, stmts: Stmt[]) => {
    for (const s of stmts) {
      const kw = s.words[0]?.t.toLowerCase() ?? "";
      const at = (m: string) => ExportError.at(s.file, s.line, m);
      if (kw === "include") {
        const inc = s.words[1]?.t;
        if (!inc) throw at("include needs a file name in quotes.");
        const found = locate(inc, p, false);
        if (!found)
          throw at(`included file '${inc}' not found (looked beside ${basename(p)} too); copy it there.`);
        if (seen.has(found)) throw at(`'${inc}' is included twice (a loop?).`);
        seen.add(found);
        file(found, parseStatements(tokenize(read(found)!, found), found));
      } else if (kw === "options") {
        for (const o of s.block ?? []) {
          const ok = o.words[0]?.t.toLowerCase();
          if (ok === "forwarders") {
            mark(o);
            facts.forwarders = addrs(o, "options forwarders");
          } else if (ok === "forward") forwardFirst = o.words[1]?.t.toLowerCase() === "first";
          else if (ok === "recursion") facts.recursion = o.words[1]?.t.toLowerCase() !== "no";
          else if (ok === "directory") directory = o.words[1]?.t;
        }
      } else if (kw === "zone") {
        zone(s, p);
      } else if (kw === "view") {
        throw at(
          "views (answers that depend on who asks) are not read; give each view's zones and forwarders as its own dnsServers entry.",
        );
      } else if (!SET_ASIDE.has(kw)) {
        throw at(
          `'${s.words[0]?.t ?? "{"}' is not a named.conf statement ArcLink knows (options, zone, include, acl, logging, key, …).`,
        );
      }
    }
  };

  const zone = (s: Stmt, p: string) => {
    const at = (m: string) => ExportError.at(s.file, s.line, m);
    const name = s.words[1]?.t;
    if (!name) throw at("zone needs a name in quotes.");
    const domain = domainOf(name);
    const body = s.block ?? [];
    const opt = (k: string) => body.find((x) => x.words[0]?.t.toLowerCase() === k);
    const type = opt("type")?.words[1]?.t.toLowerCase();
    if (!type) throw at(`zone "${name}" has no type.`);
    mark(s);
    if (type === "forward") {
      const fw = opt("forwarders");
      const targets = fw ? addrs(fw, `zone "${name}" forwarders`) : [];
      if (!targets.length) {
        notes.push({
          file: s.file,
          line: s.line,
          message: `zone "${name}" forwards to no one (forwarders { }): its names are resolved like any other (set aside).`,
        });
        return;
      }
      facts.conditionalForwarders.push({ domain, targets });
    } else if (
      type === "master" ||
      type === "primary" ||
      type === "slave" ||
      type === "secondary" ||
      type === "mirror"
    ) {
      const f = opt("file")?.words[1]?.t;
      const found = f ? locate(f, p, true) : undefined;
      if (!found) {
        if (type === "master" || type === "primary")
          throw at(
            `zone "${name}": its file '${f ?? "(none)"}' was not found beside ${basename(p)}; copy the zone file there.`,
          );
        notes.push({
          file: s.file,
          line: s.line,
          message: `zone "${name}" is a ${type} zone whose copy '${f ?? "(no file)"}' is not here: its records are unknown. Copy the zone file beside ${basename(p)}, or dig @server ${domain} AXFR > file.`,
        });
        return;
      }
      facts.zones.push({ name: domain, records: parseZoneFile(read(found)!, found, domain) });
    } else if (type === "stub" || type === "static-stub") {
      const list = opt("masters") ?? opt("primaries") ?? opt("server-addresses");
      const targets = list ? addrs(list, `zone "${name}"`) : [];
      if (!targets.length) throw at(`${type} zone "${name}" names no server addresses.`);
      notes.push({
        file: s.file,
        line: s.line,
        message: `${type} zone "${name}" is read as forwarding ${domain} to ${targets.join(", ")}.`,
      });
      facts.conditionalForwarders.push({ domain, targets });
    } else if (type === "hint" || type === "redirect" || type === "delegation-only" || type === "in-view") {
      // Root hints and the like: how the server recurses, not what it answers.
    } else throw at(`zone type '${type}' is not one BIND has (forward, primary, secondary, stub, …).`);
  };

  seen.add(path);
  file(path, parseStatements(tokenize(text, path), path));
  if (forwardFirst && facts.forwarders.length)
    notes.push({
      file: path,
      message:
        "'forward first': when the forwarders fail, the server resolves from the root itself; ArcLink models forwarding only.",
    });
  if (!facts.line) facts.line = 1;
  return { facts, notes };
}
