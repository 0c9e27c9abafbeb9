// String functions: format, toLower/toUpper, substring, replace, split, trim, startsWith/endsWith,
// indexOf/lastIndexOf, padLeft, string, base64, uri, uniqueString, guid, newGuid, join.
import { createHash, randomUUID } from "node:crypto";
import { TemplateError } from "../context.js";
import { arity, int, str, TemplateFunction } from "./args.js";

/** Renders a value as ARM's string() does: strings as they are, the rest as compact JSON. */
export function asString(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "True" : "False";
  if (v === null || v === undefined) return "";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/**
 * uniqueString(): a deterministic 13-character base32 hash of the arguments. Azure's exact hash is
 * not published; ArcLink's values are stable across runs but are not the ones Azure computes.
 */
function uniqueString(parts: string[]): string {
  const h = createHash("sha256").update(parts.join("-")).digest();
  let bits = 0n;
  for (let i = 0; i < 8; i++) bits = (bits << 8n) | BigInt(h[i]);
  let out = "";
  for (let i = 0; i < 13; i++) {
    out += BASE32[Number((bits >> BigInt(59 - i * 5 < 0 ? 0 : 59 - i * 5)) & 31n)];
  }
  return out;
}

/** guid(): a name-based (version 5 style) UUID of the arguments; stable, but not Azure's values. */
function guid(parts: string[]): string {
  const h = createHash("sha1").update(parts.join("-")).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

function format(name: string, args: unknown[]): string {
  const f = str(name, args[0]);
  return f.replace(/\{\{|\}\}|\{(\d+)(?::([^}]*))?\}/g, (m, n, spec) => {
    if (m === "{{") return "{";
    if (m === "}}") return "}";
    const i = Number(n) + 1;
    if (i >= args.length)
      throw new TemplateError(
        `Unable to evaluate template language function 'format': the format string refers to argument {${n}} but only ${args.length - 1} were given.`,
      );
    const v = args[i];
    if (spec && typeof v === "number") {
      const d = /^[Dd](\d+)$/.exec(spec);
      if (d) return String(v).padStart(Number(d[1]), "0");
      const fixed = /^[FfNn](\d+)$/.exec(spec);
      if (fixed) return v.toFixed(Number(fixed[1]));
    }
    return asString(v);
  });
}

export const stringFunctions: Record<string, TemplateFunction> = {
  format: (_c, a, n) => {
    arity(n, a, 1, Infinity);
    return format(n, a);
  },
  tolower: (_c, a, n) => (arity(n, a, 1), str(n, a[0]).toLowerCase()),
  toupper: (_c, a, n) => (arity(n, a, 1), str(n, a[0]).toUpperCase()),
  trim: (_c, a, n) => (arity(n, a, 1), str(n, a[0]).trim()),
  substring: (_c, a, n) => {
    arity(n, a, 2, 3);
    const s = str(n, a[0]);
    const start = int(n, a[1]);
    const len = a.length > 2 ? int(n, a[2]) : s.length - start;
    if (start < 0 || len < 0 || start + len > s.length)
      throw new TemplateError(
        `The index and length parameters must refer to a location within the string. The index parameter: '${start}', the length parameter: '${len}', the length of the string parameter: '${s.length}'. Please see https://aka.ms/arm-functions#substring for usage details.`,
      );
    return s.substr(start, len);
  },
  replace: (_c, a, n) => (arity(n, a, 3), str(n, a[0]).split(str(n, a[1])).join(str(n, a[2]))),
  split: (_c, a, n) => {
    arity(n, a, 2);
    const s = str(n, a[0]);
    const d = Array.isArray(a[1]) ? (a[1] as unknown[]).map((x) => str(n, x)) : [str(n, a[1])];
    return s.split(new RegExp(d.map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")));
  },
  startswith: (_c, a, n) => (
    arity(n, a, 2),
    str(n, a[0]).toLowerCase().startsWith(str(n, a[1]).toLowerCase())
  ),
  endswith: (_c, a, n) => (arity(n, a, 2), str(n, a[0]).toLowerCase().endsWith(str(n, a[1]).toLowerCase())),
  lastindexof: (_c, a, n) => (
    arity(n, a, 2),
    str(n, a[0]).toLowerCase().lastIndexOf(str(n, a[1]).toLowerCase())
  ),
  padleft: (_c, a, n) => {
    arity(n, a, 2, 3);
    const s = typeof a[0] === "number" ? String(a[0]) : str(n, a[0]);
    return s.padStart(int(n, a[1]), a.length > 2 ? str(n, a[2]) : " ");
  },
  string: (_c, a, n) => (arity(n, a, 1), asString(a[0])),
  base64: (_c, a, n) => (arity(n, a, 1), Buffer.from(str(n, a[0]), "utf8").toString("base64")),
  base64tostring: (_c, a, n) => (arity(n, a, 1), Buffer.from(str(n, a[0]), "base64").toString("utf8")),
  base64tojson: (_c, a, n) => {
    arity(n, a, 1);
    const text = Buffer.from(str(n, a[0]), "base64").toString("utf8");
    try {
      return JSON.parse(text);
    } catch {
      throw new TemplateError(`The template function 'base64ToJson' decoded text that is not JSON.`);
    }
  },
  datauri: (_c, a, n) => {
    arity(n, a, 1);
    const v = a[0];
    const text = typeof v === "string" ? v : JSON.stringify(v);
    return `data:${typeof v === "string" ? "text/plain" : "application/json"};charset=utf8;base64,${Buffer.from(text, "utf8").toString("base64")}`;
  },
  datauritostring: (_c, a, n) => {
    arity(n, a, 1);
    const m = /^data:[^,]*?(;base64)?,(.*)$/s.exec(str(n, a[0]));
    if (!m)
      throw new TemplateError(`The template function 'dataUriToString' expects a data URI ('data:...').`);
    return m[1] ? Buffer.from(m[2], "base64").toString("utf8") : decodeURIComponent(m[2]);
  },
  uricomponent: (_c, a, n) => (arity(n, a, 1), encodeURIComponent(str(n, a[0]))),
  uricomponenttostring: (_c, a, n) => (arity(n, a, 1), decodeURIComponent(str(n, a[0]))),
  uri: (_c, a, n) => {
    arity(n, a, 2);
    try {
      return new URL(str(n, a[1]), str(n, a[0])).toString();
    } catch {
      throw new TemplateError(
        `The template function 'uri' could not combine '${a[0]}' and '${a[1]}' into a URI.`,
      );
    }
  },
  uniquestring: (_c, a, n) => {
    arity(n, a, 1, Infinity);
    return uniqueString(a.map((x) => str(n, x)));
  },
  guid: (_c, a, n) => {
    arity(n, a, 1, Infinity);
    return guid(a.map((x) => str(n, x)));
  },
  newguid: (_c, a, n) => (arity(n, a, 0), randomUUID()),
  join: (_c, a, n) => {
    arity(n, a, 2);
    if (!Array.isArray(a[0])) throw new TemplateError(`The template function 'join' expects an array first.`);
    return (a[0] as unknown[]).map(asString).join(str(n, a[1]));
  },
};
