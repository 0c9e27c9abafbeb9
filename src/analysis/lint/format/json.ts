// lint's JSON: the findings (with traces and fix plans), the rules, and every host's verdicts.
// Host traces are left out unless asked for (they are in `arclink check --json`).
import { JsonSink } from "../../../core/jsonStream.js";
import { LintReport } from "../lint.js";

export function toJson(r: LintReport, opts: { hostTraces?: boolean } = {}): unknown {
  return {
    source: r.source,
    ...(r.files ? { files: r.files } : {}),
    generatedAt: r.generatedAt,
    summary: r.summary,
    findings: r.findings,
    hosts: r.hosts.map((h) => ({
      ...h,
      endpoints: h.endpoints.map((e) => (opts.hostTraces ? e : { ...e, trace: undefined })),
    })),
    rules: r.rules.map((x) => ({ id: x.id, severity: x.severity, title: x.title, why: x.why, fix: x.fix })),
  };
}

export function renderJson(r: LintReport, opts: { hostTraces?: boolean } = {}): string {
  return JSON.stringify(toJson(r, opts), null, 2) + "\n";
}

/** Where writeJson puts its bytes: each chunk is handed over once and not touched again. */
export type { JsonSink };

/** Bytes gathered into chunks (a few MiB by default), each handed to the sink when full. */
class Chunks {
  private buf: Buffer;
  private at = 0;

  constructor(
    private readonly sink: JsonSink,
    private readonly size: number,
  ) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Room for `n` more bytes, flushing first when there is not (true when the caller must await). */
  private room(n: number): void | Promise<void> {
    if (this.at + n <= this.buf.length) return;
    return this.flush();
  }

  flush(): void | Promise<void> {
    if (this.at === 0) return;
    const full = this.buf.subarray(0, this.at);
    this.buf = Buffer.allocUnsafe(this.size);
    this.at = 0;
    return this.sink(full);
  }

  async text(s: string): Promise<void> {
    // At most 3 bytes of UTF-8 per UTF-16 unit.
    if (s.length * 3 > this.size) {
      await this.flush();
      await this.sink(Buffer.from(s, "utf8"));
      return;
    }
    const w = this.room(s.length * 3);
    if (w) await w;
    this.at += this.buf.write(s, this.at, "utf8");
  }

  async bytes(b: Buffer): Promise<void> {
    if (b.length > this.size) {
      await this.flush();
      await this.sink(b);
      return;
    }
    const w = this.room(b.length);
    if (w) await w;
    this.buf.set(b, this.at);
    this.at += b.length;
  }
}

/** JSON.stringify(v, null, 2) as it reads `depth` levels down in an indented document. */
function nested(v: unknown, depth: number): string | undefined {
  const s = JSON.stringify(v, null, 2) as string | undefined;
  return s === undefined || !s.includes("\n") ? s : s.replaceAll("\n", "\n" + "  ".repeat(depth));
}

export interface WriteJsonOptions {
  hostTraces?: boolean;
  chunkBytes?: number;
  /**
   * 2 (default): renderJson's bytes, JSON.stringify(toJson(r), null, 2) and a newline; 0: the
   * compact JSON.stringify(toJson(r)), as the lint API answers.
   */
  indent?: 0 | 2;
  /** Members written after `rules`, in order (the lint API's fixPlan). */
  extra?: Array<[string, unknown]>;
}

/**
 * The same bytes as renderJson (or, with indent 0, JSON.stringify(toJson(r))), written to `sink` a
 * few MiB at a time: the report is never one string. Hosts that share an evaluation share its
 * endpoint rows (the same array), so the rows' text is made once per evaluation and copied for
 * each of its hosts.
 */
export async function writeJson(r: LintReport, sink: JsonSink, opts: WriteJsonOptions = {}): Promise<void> {
  const out = new Chunks(sink, Math.max(16, opts.chunkBytes ?? 4 << 20));
  const pretty = opts.indent !== 0;
  const text = pretty ? nested : (v: unknown, _depth: number) => JSON.stringify(v) as string | undefined;
  const open = pretty ? "{\n" : "{";
  const next = pretty ? ",\n" : ",";
  const key = (k: string) => (pretty ? `  ${JSON.stringify(k)}: ` : `${JSON.stringify(k)}:`);
  const top: Array<[string, unknown]> = [["source", r.source]];
  if (r.files) top.push(["files", r.files]);
  top.push(["generatedAt", r.generatedAt], ["summary", r.summary]);
  // Where a member's value starts in an object's text made by `text` at `depth`: in indented text
  // an own member's key is the only one on a line indented exactly one level below the object (a
  // string's newlines are escaped, a deeper member's key is indented further), found without a scan
  // of every character.
  const valueOf = (name: string, depth: number): ((t: string) => number) => {
    if (!pretty) return (t) => ownMemberValue(t, name);
    const key = `\n${"  ".repeat(depth + 1)}${JSON.stringify(name)}: `;
    return (t) => {
      const at = t.indexOf(key);
      return at < 0 ? -1 : at + key.length;
    };
  };
  const machinesAt = valueOf("machines", 2);
  const endpointsAt = valueOf("endpoints", 2);
  let first = true;
  const member = async (k: string, v: unknown) => {
    // JSON.stringify leaves out members whose value it cannot write (undefined, functions).
    const t = text(v, 1);
    if (t === undefined) return;
    await out.text(`${first ? open : next}${key(k)}${t}`);
    first = false;
  };
  const list = async <T>(k: string, items: readonly T[], write: (x: T) => Promise<void>) => {
    await out.text(`${first ? open : next}${key(k)}${items.length ? "[" : "[]"}`);
    first = false;
    if (!items.length) return;
    for (let i = 0; i < items.length; i++) {
      await out.text(pretty ? (i ? ",\n    " : "\n    ") : i ? "," : "");
      await write(items[i]);
    }
    await out.text(pretty ? "\n  ]" : "]");
  };
  for (const [k, v] of top) await member(k, v);
  // A finding's machines (a million, for a fleet-wide finding) are written one at a time.
  const items = async (xs: readonly unknown[], depth: number) => {
    if (!xs.length) return out.text("[]");
    await out.text("[");
    for (let i = 0; i < xs.length; i++) {
      await out.text(
        (pretty ? (i ? ",\n" : "\n") + "  ".repeat(depth + 1) : i ? "," : "") +
          ((pretty ? objectText : text)(xs[i], depth + 1) ?? "null"),
      );
    }
    await out.text(pretty ? "\n" + "  ".repeat(depth) + "]" : "]");
  };
  await list("findings", r.findings, async (f) => {
    if (!f || !Array.isArray(f.machines) || f.machines.length < MACHINES_APART)
      return out.text(text(f, 2) ?? "null");
    const t = text({ ...f, machines: 0 }, 2)!;
    const at = machinesAt(t);
    await out.text(t.slice(0, at));
    await items(f.machines, 3);
    await out.text(t.slice(at + 1));
  });
  // Endpoint rows used by more than one host are kept as bytes until their last host is written.
  const uses = new Map<unknown, number>();
  for (const h of r.hosts) uses.set(h.endpoints, (uses.get(h.endpoints) ?? 0) + 1);
  const kept = new Map<unknown, Buffer>();
  const rows = (h: LintReport["hosts"][number]): Buffer => {
    let b = kept.get(h.endpoints);
    if (!b) {
      const eps = h.endpoints.map((e) => (opts.hostTraces ? e : { ...e, trace: undefined }));
      b = Buffer.from(text(eps, 3)!, "utf8");
      if (uses.get(h.endpoints)! > 1) kept.set(h.endpoints, b);
    }
    const left = uses.get(h.endpoints)! - 1;
    uses.set(h.endpoints, left);
    if (left === 0) kept.delete(h.endpoints);
    return b;
  };
  await list("hosts", r.hosts, async (h) => {
    // The host's own members around its rows, whose text goes in at their place.
    const parts = pretty ? around(h, 2, "endpoints") : undefined;
    if (parts) {
      await out.text(parts[0]);
      await out.bytes(rows(h));
      return out.text(parts[1]);
    }
    const t = text({ ...h, endpoints: 0 }, 2)!;
    const at = endpointsAt(t);
    if (at < 0) return out.text(t);
    await out.text(t.slice(0, at));
    await out.bytes(rows(h));
    await out.text(t.slice(at + 1));
  });
  await list("rules", r.rules, (x) =>
    out.text(text({ id: x.id, severity: x.severity, title: x.title, why: x.why, fix: x.fix }, 2)!),
  );
  for (const [k, v] of opts.extra ?? []) await member(k, v);
  await out.text(first ? (pretty ? "{}\n" : "{}") : pretty ? "\n}\n" : "}");
  await out.flush();
}

/**
 * nested(o, depth) of a plain object cut at its member `name`: the text up to that member's value,
 * and the text after it (undefined when `o` has no such member, or is written by its own toJSON).
 * Made member by member (memberText), so the object is neither copied nor its text scanned.
 */
function around(o: object, depth: number, name: string): [string, string] | undefined {
  if (typeof (o as { toJSON?: unknown }).toJSON === "function") return undefined;
  const keys = keyTexts(depth + 1);
  let before: string | undefined;
  let out = "";
  let sep = "{";
  for (const k of Object.keys(o)) {
    if (k === name) {
      before = `${out}${sep}${keyText(keys, k, depth + 1)}`;
      out = "";
      sep = ",";
      continue;
    }
    const t = memberText((o as Record<string, unknown>)[k], depth + 1);
    if (t === undefined) continue;
    out += `${sep}${keyText(keys, k, depth + 1)}${t}`;
    sep = ",";
  }
  return before === undefined ? undefined : [before, `${out}\n${"  ".repeat(depth)}}`];
}

/** nested(v, depth), an object's members written one by one (memberText). */
function objectText(v: unknown, depth: number): string | undefined {
  if (v === null || typeof v !== "object" || Array.isArray(v) || typeof (v as any).toJSON === "function")
    return nested(v, depth);
  const keys = keyTexts(depth + 1);
  let out = "";
  let sep = "{";
  for (const k of Object.keys(v)) {
    const t = memberText((v as Record<string, unknown>)[k], depth + 1);
    if (t === undefined) continue;
    out += `${sep}${keyText(keys, k, depth + 1)}${t}`;
    sep = ",";
  }
  return out ? `${out}\n${"  ".repeat(depth)}}` : "{}";
}

/** Per depth, each key's text as a member at that depth: a new line, its indent, the key and ": ". */
const keyTextsAt: Array<Map<string, string>> = [];

function keyTexts(depth: number): Map<string, string> {
  return (keyTextsAt[depth] ??= new Map());
}

/** The text before a member's value (keys are few: kept, up to a bound, per depth). */
function keyText(keys: Map<string, string>, k: string, depth: number): string {
  let t = keys.get(k);
  if (t === undefined) {
    t = `\n${"  ".repeat(depth)}${JSON.stringify(k)}: `;
    if (keys.size < 1000) keys.set(k, t);
  }
  return t;
}

/**
 * nested(v, depth) of a member's value: a flat value (string, number, boolean, null) is
 * JSON.stringify of the value alone, which is its text at any depth, with nothing to indent.
 */
function memberText(v: unknown, depth: number): string | undefined {
  if (typeof v === "string") return PLAIN_STRING.test(v) ? `"${v}"` : JSON.stringify(v);
  return typeof v === "number" || typeof v === "boolean" || v === null ? JSON.stringify(v) : nested(v, depth);
}

/**
 * A string JSON.stringify writes as it is between quotes: no quote, backslash, control character
 * or surrogate (a lone one is escaped; a pair goes through JSON.stringify too). Tested, then quoted,
 * in a fraction of JSON.stringify's time for the names and ids that make most of a report.
 */
const PLAIN_STRING = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/** A finding with this many machines has them written one at a time rather than as one text. */
const MACHINES_APART = 1000;

/**
 * Where the value of the object's own member `name` starts in `text` (the JSON of one object,
 * indented or not), or -1: a key is a string at depth 1 followed by ':' (a nested object's members
 * are deeper, and a string's quotes inside another string are escaped).
 */
export function ownMemberValue(text: string, name: string): number {
  const key = JSON.stringify(name);
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      const start = i;
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
      if (depth !== 1 || i + 1 - start !== key.length || !text.startsWith(key, start)) continue;
      let j = i + 1;
      if (text.charCodeAt(j) !== 58) continue;
      for (j++; text.charCodeAt(j) === 32; j++);
      return j;
    } else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) depth--;
  }
  return -1;
}
