// The file's schema (schema.ts) as a JSON Schema (draft-07, which yaml-language-server and most
// editors read): for completion and checking while a topology file is written. It accepts what
// the validator accepts, as closely as JSON Schema can say it: enum values in any case, a single
// value where a list is allowed, numbers where a string may be written as one, an empty (null)
// value for an optional key. What it cannot say is left to `arclink apply --dry-run` and lint:
// the checks no pattern expresses (host bits in a prefix, a range's low end above its high end,
// a time Date.parse reads) and every rule between sections (references, overlaps, addresses).
import { Schema, StringSchema } from "./schema.js";

export type Json = Record<string, unknown>;

export interface JsonSchemaHead {
  title: string;
  description: string;
}

/** The published document: the draft it follows, its head, then the schema. */
export function jsonSchemaOf(schema: Schema, head: JsonSchemaHead): Json {
  const definitions: Record<string, Json> = {};
  const body = toJson(schema, definitions);
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    ...head,
    ...body,
    definitions: Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** One schema node as JSON Schema; a leaf with a `ref` is defined once in `definitions`. */
function toJson(s: Schema, definitions: Record<string, Json>): Json {
  const json = (x: Schema) => toJson(x, definitions);
  switch (s.type) {
    case "string": {
      const node = describe(stringNode(s), s.description, s.examples);
      if (s.ref === undefined) return node;
      definitions[s.ref] ??= node;
      return { $ref: `#/definitions/${s.ref}` };
    }
    case "integer":
      return describe({ type: "integer", minimum: s.minimum, maximum: s.maximum }, s.description);
    case "boolean":
      return describe({ type: "boolean" }, s.description);
    case "array": {
      const items = json(s.items);
      const array: Json = {
        type: "array",
        items,
        ...(s.minItems !== undefined ? { minItems: s.minItems } : {}),
      };
      return describe(s.single ? { anyOf: [array, ...alternatives(items)] } : array, s.description);
    }
    case "object": {
      const required: string[] = [...(s.required ?? [])];
      const properties = Object.fromEntries(
        (Object.entries(s.properties) as [string, Schema][]).map(([k, v]) => [
          k,
          required.includes(k) ? json(v) : orNull(json(v)),
        ]),
      );
      return describe(
        {
          type: "object",
          properties,
          ...(required.length ? { required } : {}),
          additionalProperties: false,
        },
        s.description,
      );
    }
    case "map":
      return describe({ type: "object", additionalProperties: json(s.values) }, s.description);
  }
}

function stringNode(s: StringSchema): Json {
  const text: Json = { type: "string" };
  if (s.maxLength !== undefined) text.maxLength = s.maxLength;
  if (s.otherwise) {
    // One check, two messages: which pattern applies depends on what the value looks like.
    text.if = { pattern: s.otherwise.when };
    text.then = { pattern: s.otherwise.pattern };
    if (s.pattern !== undefined) text.else = { pattern: s.pattern };
  } else if (s.pattern !== undefined) text.pattern = s.pattern;
  // The declared spellings for completion; any other case of them is accepted too.
  const choices: Json[] = s.enum
    ? [{ enum: [...s.enum] }, { type: "string", pattern: caseInsensitive(s.enum) }]
    : [text];
  if (s.fromNumber) choices.push(s.numbers ?? { type: "number" });
  return choices.length === 1 ? choices[0] : { anyOf: choices };
}

/** A node's alternatives, for a list's "or a single value". */
function alternatives(n: Json): Json[] {
  return Array.isArray(n.anyOf) && Object.keys(n).length === 1 ? (n.anyOf as Json[]) : [n];
}

/** An optional key may be written with no value (`subnets:`): the validator reads it as absent. */
function orNull(n: Json): Json {
  if (Array.isArray(n.anyOf)) return { ...n, anyOf: [...n.anyOf, { type: "null" }] };
  if (typeof n.type === "string") return { ...n, type: [n.type, "null"] };
  return { anyOf: [n, { type: "null" }] };
}

function describe(n: Json, description?: string, examples?: readonly string[]): Json {
  return {
    ...(description !== undefined ? { description } : {}),
    ...n,
    ...(examples ? { examples: [...examples] } : {}),
  };
}

/** ^(?:[wW][iI][nN]…|…)$: the values in any case. */
function caseInsensitive(values: readonly string[]): string {
  const one = (v: string) =>
    [...v]
      .map((c) =>
        c.toLowerCase() !== c.toUpperCase()
          ? `[${c.toLowerCase()}${c.toUpperCase()}]`
          : c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
      )
      .join("");
  return `^(?:${values.map(one).join("|")})$`;
}
