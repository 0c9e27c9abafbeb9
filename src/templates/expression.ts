// The template expression language: a JSON string that starts with '[' and ends with ']' is an
// expression ("[[" at the start escapes a literal '['). Tokens, then a tree of function calls,
// literals, property accesses and indexes.

export type Expr =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "literal"; value: boolean | null }
  | { kind: "call"; name: string; args: Expr[] }
  | { kind: "property"; target: Expr; name: string }
  | { kind: "index"; target: Expr; index: Expr };

export class ExpressionParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExpressionParseError";
  }
}

/** A string value in a template: an expression to evaluate, or a literal (escape removed). */
export function classify(s: string): { expression: string } | { literal: string } {
  if (s.startsWith("[[")) return { literal: s.slice(1) };
  if (s.length >= 2 && s.startsWith("[") && s.endsWith("]")) return { expression: s.slice(1, -1) };
  return { literal: s };
}

type TokenKind =
  | "Identifier"
  | "String"
  | "Integer"
  | "LeftParenthesis"
  | "RightParenthesis"
  | "LeftSquareBracket"
  | "RightSquareBracket"
  | "Comma"
  | "Dot"
  | "EndOfData";

interface Token {
  kind: TokenKind;
  text: string;
  value?: string | number;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const single: Record<string, TokenKind> = {
    "(": "LeftParenthesis",
    ")": "RightParenthesis",
    "[": "LeftSquareBracket",
    "]": "RightSquareBracket",
    ",": "Comma",
    ".": "Dot",
  };
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (single[c]) {
      out.push({ kind: single[c], text: c });
      i++;
      continue;
    }
    if (c === "'") {
      let v = "";
      i++;
      for (;;) {
        if (i >= src.length)
          throw new ExpressionParseError(`the string literal starting at position ${i} is not terminated`);
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += src[i++];
      }
      out.push({ kind: "String", text: `'${v}'`, value: v });
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(src.slice(i));
    if (num) {
      out.push({ kind: "Integer", text: num[0], value: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_$][\w$]*/.exec(src.slice(i));
    if (id) {
      out.push({ kind: "Identifier", text: id[0] });
      i += id[0].length;
      continue;
    }
    throw new ExpressionParseError(`the character '${c}' at position ${i} is not expected`);
  }
  out.push({ kind: "EndOfData", text: "" });
  return out;
}

const cache = new Map<string, Expr>();

/** Parses the text between the brackets. Throws ExpressionParseError with Azure's wording. */
export function parseExpression(src: string): Expr {
  const hit = cache.get(src);
  if (hit) return hit;
  let toks: Token[];
  try {
    toks = tokenize(src);
  } catch (e) {
    throw new ExpressionParseError(`Unable to parse language expression '${src}': ${(e as Error).message}.`);
  }
  let p = 0;
  const expect = (k: TokenKind): Token => {
    const t = toks[p];
    if (t.kind !== k)
      throw new ExpressionParseError(
        `Unable to parse language expression '${src}': expected token '${k}' and actual '${t.kind}'.`,
      );
    p++;
    return t;
  };
  const primary = (): Expr => {
    const t = toks[p];
    if (t.kind === "String") {
      p++;
      return { kind: "string", value: t.value as string };
    }
    if (t.kind === "Integer") {
      p++;
      return { kind: "number", value: t.value as number };
    }
    if (t.kind === "Identifier") {
      p++;
      let name = t.text;
      // User-defined functions are namespace.name.
      if (
        toks[p].kind === "Dot" &&
        toks[p + 1]?.kind === "Identifier" &&
        toks[p + 2]?.kind === "LeftParenthesis"
      ) {
        name += "." + toks[p + 1].text;
        p += 2;
      }
      if (toks[p].kind !== "LeftParenthesis") {
        const l = name.toLowerCase();
        if (l === "true" || l === "false") return { kind: "literal", value: l === "true" };
        if (l === "null") return { kind: "literal", value: null };
        expect("LeftParenthesis");
      }
      p++;
      const args: Expr[] = [];
      if (toks[p].kind !== "RightParenthesis") {
        for (;;) {
          args.push(expression());
          if (toks[p].kind === "Comma") {
            p++;
            continue;
          }
          break;
        }
      }
      expect("RightParenthesis");
      return { kind: "call", name, args };
    }
    throw new ExpressionParseError(
      `Unable to parse language expression '${src}': expected token 'Identifier' and actual '${t.kind}'.`,
    );
  };
  const expression = (): Expr => {
    let e = primary();
    for (;;) {
      if (toks[p].kind === "Dot") {
        p++;
        const id = expect("Identifier");
        e = { kind: "property", target: e, name: id.text };
      } else if (toks[p].kind === "LeftSquareBracket") {
        p++;
        const index = expression();
        expect("RightSquareBracket");
        e = { kind: "index", target: e, index };
      } else return e;
    }
  };
  const e = expression();
  expect("EndOfData");
  if (cache.size > 10_000) cache.clear();
  cache.set(src, e);
  return e;
}

/** Every call in a tree (for implied dependencies). */
export function calls(e: Expr, out: Array<{ name: string; args: Expr[] }> = []): typeof out {
  if (e.kind === "call") {
    out.push({ name: e.name, args: e.args });
    for (const a of e.args) calls(a, out);
  } else if (e.kind === "property") calls(e.target, out);
  else if (e.kind === "index") {
    calls(e.target, out);
    calls(e.index, out);
  }
  return out;
}
