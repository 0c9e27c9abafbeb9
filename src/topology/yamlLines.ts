// Lines of a YAML file by path (["virtualNetworks", 0, "subnets", 1]), for locations in lint's
// output and for on-premises facts' validation messages.
//
// Topology files and on-premises facts are mostly written in a plain subset of YAML: block mappings
// and sequences, one-line flow collections, plain and simply quoted scalars. The `yaml` package
// reads that at about 80 µs a line (a 10,000-host file takes most of a second), so such files are
// read by a line reader of that subset (`readPlainYaml`), which resolves scalars with the `yaml`
// package's own core schema tags and gives the same value and lines. Anything outside the subset
// (anchors, tags, block scalars, multi-line scalars or flow collections, escapes, tabs, duplicate
// keys, ...) makes the reader decline, and the `yaml` package reads the file, errors included.
import { isMap, isScalar, isSeq, LineCounter, Node, parseDocument, Schema } from "yaml";

export type YamlPath = Array<string | number>;

export interface YamlLines {
  value: unknown;
  lineOf(path: YamlPath): number | undefined;
}

export function yamlLines(text: string): YamlLines {
  return readPlainYaml(text) ?? yamlLinesOfDocument(text);
}

/** The `yaml` package's reading: its value (undefined when it has errors) and its nodes' lines. */
export function yamlLinesOfDocument(text: string): YamlLines {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const start = (n: unknown): number | undefined => {
    const r = (n as Node | undefined)?.range;
    return r ? lc.linePos(r[0]).line : undefined;
  };
  return {
    value: doc.errors.length ? undefined : doc.toJS({ maxAliasCount: 100 }),
    lineOf(path) {
      let node: unknown = doc.contents;
      let line = start(node);
      for (const seg of path) {
        if (isMap(node)) {
          const pair = node.items.find((p) => (p.key as any)?.value === seg);
          if (!pair) break;
          line = start(pair.key) ?? line;
          node = pair.value;
        } else if (isSeq(node) && typeof seg === "number") {
          node = node.items[seg];
          line = start(node) ?? line;
        } else break;
      }
      return line;
    },
  };
}

// ---- The plain subset ---------------------------------------------------------------------------

/**
 * Where each key and item starts: a mapping's keys, a sequence's items (null for a value written on
 * one line, a flow collection included: every part of it is on that line).
 */
type LineTree =
  | { map: Map<string, { line: number; node: LineTree | null }> }
  | { seq: Array<{ line: number; node: LineTree | null }> };

/** Thrown inside the reader when the text leaves the subset (caught: the `yaml` package reads it). */
class NotPlain extends Error {}

const decline = (): never => {
  throw new NotPlain();
};

let coreTags: Schema["tags"] | undefined;

/**
 * Letters no core schema tag's value starts with (null is `~`, `null`…, booleans `true`/`false`…,
 * numbers a digit, sign or dot): a plain scalar starting with one is a string. Names, regions and
 * OS names, most of a large file's scalars, skip the tags' tests.
 */
const STRING_START = /^[A-EG-MO-SU-Za-eg-mo-su-z]/;

/** A plain scalar's value, resolved as the `yaml` package resolves it (YAML 1.2 core schema). */
function resolvePlain(s: string): unknown {
  if (STRING_START.test(s)) return s;
  // Two dots (an IPv4 address, a version): no core tag's value has more than one.
  const dot = s.indexOf(".");
  if (dot >= 0 && s.indexOf(".", dot + 1) >= 0) return s;
  coreTags ??= new Schema({ schema: "core" }).tags;
  for (const tag of coreTags) {
    if (tag.default !== true || !tag.test?.test(s)) continue;
    const r = (tag as any).resolve(s, decline, { intAsBigInt: false });
    return isScalar(r) ? r.value : r;
  }
  return s;
}

interface Line {
  /** 1-based. */
  no: number;
  indent: number;
  text: string;
}

/** Characters that may not start a plain scalar here (indicators); '-' is allowed before a non-space. */
const INDICATOR = new Set([..."?:,[]{}#&*!|>'\"%@`"]);
const KEY = /^[A-Za-z_$][A-Za-z0-9_$.\-/]*$/;

/**
 * The value and lines of `text` when it is in the plain subset, else undefined. The subset: a
 * block mapping at the root; block mappings and sequences (a sequence may sit at its key's
 * indentation); each entry on one line; keys plain (letters, digits, `_ . - / $`, resolving to a
 * string, unique); values plain scalars, quoted scalars without escapes, or flow collections
 * closed on the same line; comments. No tabs, carriage returns, BOM, document markers,
 * directives, anchors, aliases, tags or block scalars.
 */
export function readPlainYaml(text: string): YamlLines | undefined {
  if (text.includes("\t") || text.includes("\r") || text.charCodeAt(0) === 0xfeff) return undefined;
  const lines: Line[] = [];
  let no = 0;
  let from = 0;
  while (from <= text.length) {
    let to = text.indexOf("\n", from);
    if (to < 0) to = text.length;
    no++;
    const raw = text.slice(from, to);
    from = to + 1;
    if (raw.length > 1000) return undefined;
    let indent = 0;
    while (indent < raw.length && raw.charCodeAt(indent) === 32) indent++;
    if (indent === raw.length || raw[indent] === "#") continue;
    if (indent === 0 && (raw.startsWith("---") || raw.startsWith("...") || raw[0] === "%")) return undefined;
    lines.push({ no, indent, text: raw.slice(indent).trimEnd() });
  }
  if (!lines.length || lines[0].indent !== 0) return undefined;
  try {
    const r = new PlainReader(lines);
    const root = r.node(0, 0);
    if (r.at !== lines.length || !("map" in root.tree)) return undefined;
    const tree = root.tree;
    const first = lines[0].no;
    return {
      value: root.value,
      lineOf(path) {
        let node: LineTree | null = tree;
        let line: number | undefined = first;
        for (const seg of path) {
          if (node && "map" in node) {
            const e: { line: number; node: LineTree | null } | undefined =
              typeof seg === "string" ? node.map.get(seg) : undefined;
            if (!e) break;
            line = e.line;
            node = e.node;
          } else if (node && "seq" in node && typeof seg === "number") {
            const e: { line: number; node: LineTree | null } | undefined = node.seq[seg];
            if (!e) {
              node = null;
              continue;
            }
            line = e.line;
            node = e.node;
          } else break;
        }
        return line;
      },
    };
  } catch (e) {
    if (e instanceof NotPlain) return undefined;
    throw e;
  }
}

class PlainReader {
  at = 0;
  constructor(private readonly lines: Line[]) {}

  /** The block node starting at line `at`, whose first line's content starts at column `col`. */
  node(col: number, minIndent: number): { value: unknown; tree: LineTree } {
    const l = this.lines[this.at];
    if (!l || l.indent < minIndent) decline();
    const t = col > l.indent ? l.text.slice(col - l.indent) : l.text;
    if (t === "-" || t.startsWith("- ")) return this.seq(col);
    return this.map(col);
  }

  /**
   * The text of the next entry of a collection at column `col`, or undefined where the collection
   * ends. The first entry may follow a key or dash on its line (col > indent); the rest start lines.
   */
  private entryText(col: number, first: boolean): string | undefined {
    const l = this.lines[this.at];
    if (!l) return undefined;
    if (!first && l.indent !== col) {
      if (l.indent > col) decline();
      return undefined;
    }
    return first && col > l.indent ? l.text.slice(col - l.indent) : l.text;
  }

  /** A block sequence whose dashes are at column `col`. */
  private seq(col: number): { value: unknown[]; tree: LineTree } {
    const value: unknown[] = [];
    const items: Array<{ line: number; node: LineTree | null }> = [];
    let first = true;
    for (;;) {
      const t = this.entryText(col, first);
      if (t === undefined) break;
      const l = this.lines[this.at];
      if (!(t === "-" || t.startsWith("- "))) {
        if (first) decline();
        break;
      }
      first = false;
      let k = 1;
      while (k < t.length && t[k] === " ") k++;
      if (k >= t.length || t[k] === "#") decline(); // an item on the next lines (or empty)
      const rest = t.slice(k);
      const itemCol = col + k;
      if (rest[0] === "-" && (rest.length === 1 || rest[1] === " ")) {
        // A sequence in a sequence, on the dash's line.
        const n = this.node(itemCol, col + 1);
        value.push(n.value);
        items.push({ line: l.no, node: n.tree });
        continue;
      }
      if (entryKey(rest) !== undefined) {
        const n = this.map(itemCol);
        value.push(n.value);
        items.push({ line: l.no, node: n.tree });
        continue;
      }
      const v = inlineValue(rest);
      value.push(v.value);
      items.push({ line: l.no, node: null });
      this.at++;
      this.noContinuation(col);
    }
    return { value, tree: { seq: items } };
  }

  /** A block mapping whose keys are at column `col` (the first may follow a dash on its line). */
  private map(col: number): { value: Record<string, unknown>; tree: LineTree } {
    const value: Record<string, unknown> = {};
    const keys = new Map<string, { line: number; node: LineTree | null }>();
    let first = true;
    for (;;) {
      const t = this.entryText(col, first);
      if (t === undefined) break;
      const l = this.lines[this.at];
      first = false;
      const key = entryKey(t);
      if (key === undefined) {
        // A sequence at the same indentation as the parent key ends this mapping; anything else is outside the subset.
        if (t === "-" || t.startsWith("- ")) break;
        decline();
      }
      const k = key!;
      if (keys.has(k) || k === "__proto__" || k === "<<" || typeof resolvePlain(k) !== "string") decline();
      let rest = t.slice(k.length + 1);
      let sp = 0;
      while (sp < rest.length && rest[sp] === " ") sp++;
      rest = rest.slice(sp);
      if (rest === "" || rest[0] === "#") {
        // The value is on the next lines: deeper, or a sequence at this indentation.
        this.at++;
        const next = this.lines[this.at];
        const seqHere = next && next.indent === col && (next.text === "-" || next.text.startsWith("- "));
        if (!next || (next.indent <= col && !seqHere)) {
          value[k] = null;
          keys.set(k, { line: l.no, node: null });
          continue;
        }
        const n = seqHere ? this.seq(col) : this.node(next.indent, col + 1);
        value[k] = n.value;
        keys.set(k, { line: l.no, node: n.tree });
        continue;
      }
      const v = inlineValue(rest);
      value[k] = v.value;
      keys.set(k, { line: l.no, node: null });
      this.at++;
      this.noContinuation(col);
    }
    return { value, tree: { map: keys } };
  }

  /** After a one-line value, a deeper line would continue it (a multi-line scalar): outside the subset. */
  private noContinuation(col: number): void {
    const n = this.lines[this.at];
    if (n && n.indent > col) decline();
  }
}

/** The key of `key: value` / `key:` when `t` is such an entry with a plain key, else undefined. */
function entryKey(t: string): string | undefined {
  const c = t.indexOf(":");
  if (c <= 0 || (c + 1 < t.length && t[c + 1] !== " ")) return undefined;
  const k = t.slice(0, c);
  return KEY.test(k) ? k : undefined;
}

/** A value written on one line: a flow collection, a quoted scalar or a plain scalar. */
function inlineValue(s: string): { value: unknown; flow: boolean } {
  if (s[0] === "{" || s[0] === "[") {
    const f = new FlowReader(s);
    const value = f.value();
    f.end();
    return { value, flow: true };
  }
  if (s[0] === '"' || s[0] === "'") {
    const q = quoted(s, 0);
    const after = s.slice(q.end);
    if (after.trim() !== "" && !/^ +#/.test(after)) decline();
    return { value: q.value, flow: false };
  }
  return { value: blockPlain(s), flow: false };
}

/** A plain scalar in block context (the rest of the line, less a comment). */
function blockPlain(s: string): unknown {
  if (INDICATOR.has(s[0]) || (s[0] === "-" && (s.length === 1 || s[1] === " "))) decline();
  const hash = s.indexOf(" #");
  const v = (hash >= 0 ? s.slice(0, hash) : s).trimEnd();
  if (v.includes(": ") || v.endsWith(":")) decline();
  return resolvePlain(v);
}

/** A quoted scalar starting at s[i] with no escapes; `end` is the index after its closing quote. */
function quoted(s: string, i: number): { value: string; end: number } {
  const q = s[i];
  if (q === '"') {
    const j = s.indexOf('"', i + 1);
    if (j < 0) decline();
    const v = s.slice(i + 1, j);
    if (v.includes("\\")) decline();
    return { value: v, end: j + 1 };
  }
  let out = "";
  let j = i + 1;
  for (;;) {
    const k = s.indexOf("'", j);
    if (k < 0) decline();
    out += s.slice(j, k);
    if (s[k + 1] === "'") {
      out += "'";
      j = k + 2;
    } else return { value: out, end: k + 1 };
  }
}

/** Character codes (below 128) set in `chars`. */
function codes(chars: string): Uint8Array {
  const t = new Uint8Array(128);
  for (const c of chars) t[c.charCodeAt(0)] = 1;
  return t;
}
/** Where a key in a flow mapping ends. */
const KEY_END = codes(":,[]{}#'\" ");
/** Where a plain scalar in a flow collection ends. */
const FLOW_END = codes(",[]{}");

/**
 * Keys of flow mappings already found plain (KEY, not `__proto__` or `<<`, resolving to a string):
 * a large file repeats a few keys on every line. Bounded: forgetting only costs the tests again.
 */
const plainKeys = new Set<string>();
function keepPlainKey(k: string): void {
  if (plainKeys.size >= 1000) plainKeys.clear();
  plainKeys.add(k);
}

/**
 * The keys of the flow mapping read last, by place (each found plain when it was read), up to a
 * bound: a list's rows repeat them, and a key found here is not sliced out of the text again.
 */
const lastKeys: string[] = [];
const MAX_KEYS_KEPT = 32;

/** A one-line flow collection: `{ key: value, ... }` and `[value, ...]` of plain or quoted scalars. */
class FlowReader {
  private i = 0;
  constructor(private readonly s: string) {}

  private space(): void {
    while (this.s[this.i] === " ") this.i++;
  }

  end(): void {
    this.space();
    if (this.i < this.s.length && this.s[this.i] !== "#") decline();
    if (this.s[this.i] === "#" && this.s[this.i - 1] !== " ") decline();
  }

  value(): unknown {
    this.space();
    const c = this.s[this.i];
    if (c === "{") return this.collection("}", true);
    if (c === "[") return this.collection("]", false);
    if (c === '"' || c === "'") {
      const q = quoted(this.s, this.i);
      this.i = q.end;
      return q.value;
    }
    return this.plain();
  }

  private collection(close: string, isMap: boolean): unknown {
    this.i++;
    const out: any = isMap ? {} : [];
    this.space();
    if (this.s[this.i] === close) {
      this.i++;
      return out;
    }
    for (let n = 0; ; n++) {
      if (isMap) {
        this.space();
        const start = this.i;
        // The key the last mapping read had at this place (rows of a list repeat their keys): taken
        // as it is when the text holds it up to where a key ends, with no slice of the text made.
        const guess = n < lastKeys.length ? lastKeys[n] : undefined;
        const end = guess === undefined ? -1 : start + guess.length;
        let k: string;
        if (
          guess !== undefined &&
          this.s.startsWith(guess, start) &&
          (end === this.s.length || KEY_END[this.s.charCodeAt(end)])
        ) {
          k = guess;
          this.i = end;
        } else {
          while (this.i < this.s.length && !KEY_END[this.s.charCodeAt(this.i)]) this.i++;
          k = this.s.slice(start, this.i);
          if (!plainKeys.has(k)) {
            if (!KEY.test(k) || k === "__proto__" || k === "<<" || typeof resolvePlain(k) !== "string")
              decline();
            keepPlainKey(k);
          }
          if (n < MAX_KEYS_KEPT) lastKeys[n] = k;
        }
        if (this.s[this.i] !== ":" || this.s[this.i + 1] !== " ") decline();
        if (k in out) decline();
        this.i++;
        out[k] = this.value();
      } else {
        const c = this.s[this.i];
        if (c !== "{" && c !== "[" && c !== '"' && c !== "'") {
          // A `key: value` pair inside a sequence is a one-pair mapping in YAML: outside the subset.
          for (let j = this.i; j < this.s.length && !FLOW_END[this.s.charCodeAt(j)]; j++)
            if (this.s.charCodeAt(j) === 58 /* : */) decline();
        }
        out.push(this.value());
      }
      this.space();
      const c = this.s[this.i];
      if (c === close) {
        this.i++;
        return out;
      }
      if (c !== ",") decline();
      this.i++;
      this.space();
      if (this.s[this.i] === close || this.s[this.i] === ",") decline();
    }
  }

  /** A plain scalar in flow context: up to `,`, `]` or `}`; no `:` or `#` in it. */
  private plain(): unknown {
    const start = this.i;
    const c = this.s[start];
    if (c === undefined || INDICATOR.has(c) || (c === "-" && this.s[start + 1] === " ")) decline();
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (FLOW_END[c]) break;
      if (c === 58 || c === 35) decline(); // ':' or '#'
      this.i++;
    }

    const v = this.s.slice(start, this.i).trimEnd();
    if (!v) decline();
    return resolvePlain(v);
  }
}
