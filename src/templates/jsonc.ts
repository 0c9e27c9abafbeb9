// The JSON that deployments accept: JSON plus comments (// and /* */), unquoted keys and
// trailing commas, as Azure reads a deployment body (az sends the template as written, under an
// unquoted `template` key). Every object and array remembers where it starts (line and column,
// 1-based), so template errors can say where, as Azure's do.

export interface Position {
  line: number;
  column: number;
}

export class JsoncError extends Error {
  constructor(
    message: string,
    readonly position: Position,
  ) {
    super(message);
    this.name = "JsoncError";
  }
}

export interface Parsed {
  value: unknown;
  /** Where each object or array of `value` starts. */
  positions: WeakMap<object, Position>;
}

/** Nested objects and arrays deeper than this are refused (the walkers recurse). */
export const MAX_DEPTH = 128;

export function parseJsonc(text: string): Parsed {
  const positions = new WeakMap<object, Position>();
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const pos = (): Position => ({ line, column: i - lineStart + 1 });
  const fail = (what: string): never => {
    throw new JsoncError(`${what} at line ${line}, column ${i - lineStart + 1}`, pos());
  };
  const skip = () => {
    for (;;) {
      const c = text[i];
      if (c === "\n") {
        i++;
        line++;
        lineStart = i;
      } else if (c === " " || c === "\t" || c === "\r" || c === "\ufeff") i++;
      else if (c === "/" && text[i + 1] === "/") {
        while (i < text.length && text[i] !== "\n") i++;
      } else if (c === "/" && text[i + 1] === "*") {
        const end = text.indexOf("*/", i + 2);
        if (end < 0) fail("Unterminated comment");
        for (let k = i; k < end; k++)
          if (text[k] === "\n") {
            line++;
            lineStart = k + 1;
          }
        i = end + 2;
      } else return;
    }
  };
  const str = (): string => {
    const q = text[i];
    i++;
    let out = "";
    for (;;) {
      if (i >= text.length) fail("Unterminated string");
      const c = text[i];
      if (c === q) {
        i++;
        return out;
      }
      if (c === "\n") fail("Unescaped line break in a string");
      if (c === "\\") {
        const e = text[i + 1];
        const map: Record<string, string> = {
          '"': '"',
          "'": "'",
          "\\": "\\",
          "/": "/",
          b: "\b",
          f: "\f",
          n: "\n",
          r: "\r",
          t: "\t",
        };
        if (e === "u") {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("Invalid unicode escape");
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else if (e !== undefined && map[e] !== undefined) {
          out += map[e];
          i += 2;
        } else fail(`Invalid escape '\\${e ?? ""}'`);
        continue;
      }
      out += c;
      i++;
    }
  };
  const key = (): string => {
    if (text[i] === '"' || text[i] === "'") return str();
    const m = /^[A-Za-z_$][\w$-]*/.exec(text.slice(i, i + 256));
    if (!m) fail("Expected a property name");
    i += m![0].length;
    return m![0];
  };
  const value = (depth: number): unknown => {
    skip();
    if (depth > MAX_DEPTH) fail(`Nesting deeper than ${MAX_DEPTH} levels`);
    const c = text[i];
    if (c === "{") {
      const at = pos();
      const o: Record<string, unknown> = {};
      positions.set(o, at);
      i++;
      skip();
      while (text[i] !== "}") {
        if (i >= text.length) fail("Unterminated object");
        const k = key();
        skip();
        if (text[i] !== ":") fail(`Expected ':' after '${k}'`);
        i++;
        const v = value(depth + 1);
        Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
        skip();
        if (text[i] === ",") {
          i++;
          skip();
        } else if (text[i] !== "}") fail("Expected ',' or '}'");
      }
      i++;
      return o;
    }
    if (c === "[") {
      const at = pos();
      const a: unknown[] = [];
      positions.set(a, at);
      i++;
      skip();
      while (text[i] !== "]") {
        if (i >= text.length) fail("Unterminated array");
        a.push(value(depth + 1));
        skip();
        if (text[i] === ",") {
          i++;
          skip();
        } else if (text[i] !== "]") fail("Expected ',' or ']'");
      }
      i++;
      return a;
    }
    if (c === '"' || c === "'") return str();
    const m = /^(-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 64));
    if (!m) fail(i >= text.length ? "Unexpected end of input" : `Unexpected character '${c}'`);
    i += m![0].length;
    if (m![0] === "true") return true;
    if (m![0] === "false") return false;
    if (m![0] === "null") return null;
    return Number(m![0]);
  };
  const v = value(0);
  skip();
  if (i < text.length) fail("Unexpected content after the end of the document");
  return { value: v, positions };
}
