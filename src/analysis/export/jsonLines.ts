// A JSON parser that remembers where each object and array starts (1-based line), so lint can
// point at the line of an exported resource, and an error in a file names its line. Same values
// as JSON.parse (which is tried first for the error message's sake only when this one fails).

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = "JsonSyntaxError";
  }
}

export interface JsonWithLines {
  value: unknown;
  /** The line an object or array of `value` starts on. */
  lineOf(node: unknown): number | undefined;
}

const LITERALS: Array<[string, unknown]> = [
  ["true", true],
  ["false", false],
  ["null", null],
];
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function parseJsonWithLines(text: string): JsonWithLines {
  const lines = new WeakMap<object, number>();
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;

  const fail = (what: string): never => {
    throw new JsonSyntaxError(
      `line ${line}: ${what} (at '${text.slice(i, i + 20).split(/\r?\n/)[0]}')`,
      line,
    );
  };
  const ws = () => {
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) line++;
      else if (c !== 32 && c !== 9 && c !== 13) break;
    }
  };
  const str = (): string => {
    // text[i] is the opening quote. Most strings have no escape: one indexOf finds their end.
    const close = text.indexOf('"', i + 1);
    if (close > 0) {
      const s = text.slice(i + 1, close);
      if (s.indexOf("\\") < 0 && s.indexOf("\n") < 0) {
        i = close + 1;
        return s;
      }
    }
    let j = i + 1;
    let out = "";
    let from = j;
    for (;;) {
      if (j >= n) fail("unterminated string");
      const c = text.charCodeAt(j);
      if (c === 34) break;
      if (c === 10) fail("newline inside a string");
      if (c === 92) {
        out += text.slice(from, j);
        const e = text[j + 1];
        if (e === "u") {
          const hex = text.slice(j + 2, j + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("bad \\u escape");
          out += String.fromCharCode(parseInt(hex, 16));
          j += 6;
        } else {
          const m: Record<string, string> = {
            '"': '"',
            "\\": "\\",
            "/": "/",
            b: "\b",
            f: "\f",
            n: "\n",
            r: "\r",
            t: "\t",
          };
          if (!(e in m)) fail(`bad escape '\\${e}'`);
          out += m[e];
          j += 2;
        }
        from = j;
        continue;
      }
      j++;
    }
    out += text.slice(from, j);
    i = j + 1;
    return out;
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === "{") {
      const o: Record<string, unknown> = {};
      lines.set(o, line);
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return o;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a property name in double quotes");
        const k = str();
        ws();
        if (text[i] !== ":") fail("expected ':'");
        i++;
        const v = value();
        // JSON.parse keeps the last of repeated keys; so does this (and "__proto__" as a plain key).
        if (k === "__proto__")
          Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
        else o[k] = v;
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return o;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      const a: unknown[] = [];
      lines.set(a, line);
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return a;
      }
      for (;;) {
        a.push(value());
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return a;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    if (c === "t" || c === "f" || c === "n") {
      for (const [word, v] of LITERALS)
        if (text.startsWith(word, i)) {
          i += word.length;
          return v;
        }
      fail("unexpected text");
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) fail(i >= n ? "unexpected end of the file" : "unexpected text");
    i += m![0].length;
    return Number(m![0]);
  };
  const v = value();
  ws();
  if (i < n) fail("unexpected text after the JSON value");
  return { value: v, lineOf: (node) => (node && typeof node === "object" ? lines.get(node) : undefined) };
}
