// The file's schema (schema.ts) as a JSON Schema (draft-07, which yaml-language-server and most
// editors read): for completion and checking while a topology file is written. It accepts what
// the validator accepts, as closely as JSON Schema can say it: enum values in any case, a single
// value where a list is allowed, numbers where a string may be written as one, an empty (null)
// value for an optional key. What it cannot say is left to `arclink apply --dry-run` and lint:
// the checks no pattern expresses (host bits in a prefix, a range's low end above its high end,
// a time Date.parse reads) and every rule between sections (references, overlaps, addresses).
//
// It carries the validator's messages, without what a static schema cannot know (the value, the
// key, the nearest allowed key, the line): `errorMessage` (a wrong kind of value, an enum's values,
// a key the section does not have) and `patternErrorMessage` (a format), which VS Code's JSON
// language service and yaml-language-server show instead of their own words, and a `description`
// on every node for hover. Their own words remain for what those keywords do not replace: a
// missing required key, a list too short, a number out of range.
import { messages, Schema, StringSchema } from "./schema.js";

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
    // The head's, not the root's own description (what it is made of).
    description: head.description,
    definitions: Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** One schema node as JSON Schema; a leaf with a `ref` is defined once in `definitions`. */
function toJson(s: Schema, definitions: Record<string, Json>): Json {
  const json = (x: Schema) => toJson(x, definitions);
  switch (s.type) {
    case "string": {
      const node = describe(stringNode(s), s.description ?? what(s), s.examples);
      if (s.ref === undefined) return node;
      definitions[s.ref] ??= node;
      return { $ref: `#/definitions/${s.ref}` };
    }
    case "integer":
      return describe(
        { type: "integer", minimum: s.minimum, maximum: s.maximum, errorMessage: messages.type(s) },
        s.description ?? what(s),
      );
    case "boolean":
      return describe({ type: "boolean", errorMessage: messages.type(s) }, s.description ?? what(s));
    case "array": {
      const items = json(s.items);
      const array: Json = {
        type: "array",
        errorMessage: messages.type(s),
        items,
        ...(s.minItems !== undefined ? { minItems: s.minItems } : {}),
      };
      return describe(
        s.single ? { anyOf: [array, ...alternatives(items)] } : array,
        s.description ?? what(s),
      );
    }
    case "object": {
      const required: string[] = [...(s.required ?? [])];
      const properties = Object.fromEntries(
        (Object.entries(s.properties) as [string, Schema][]).map(([k, v]) => [
          k,
          required.includes(k) ? json(v) : orNull(json(v)),
        ]),
      );
      const keys = Object.keys(s.properties);
      return describe(
        {
          type: "object",
          errorMessage: messages.type(s),
          properties,
          ...(required.length ? { required } : {}),
          // The keys allowed, as propertyNames rather than additionalProperties: false, so that
          // an unknown key has its own message (errorMessage above is the wrong kind of value's).
          propertyNames: { enum: keys, errorMessage: messages.unknownField(keys) },
        },
        s.description ?? what(s),
      );
    }
    case "map":
      return describe(
        { type: "object", errorMessage: messages.type(s), additionalProperties: json(s.values) },
        s.description ?? what(s),
      );
  }
}

function stringNode(s: StringSchema): Json {
  const text: Json = { type: "string", errorMessage: messages.type(s) };
  // The length as a pattern rather than maxLength, whose message editors do not let a schema replace.
  if (s.maxLength !== undefined)
    text.allOf = [
      { pattern: `^[\\s\\S]{0,${s.maxLength}}$`, patternErrorMessage: messages.tooLong(s.maxLength) },
    ];
  const format = (pattern: string, invalid?: string): Json => ({
    pattern,
    ...(invalid !== undefined ? { patternErrorMessage: messages.invalid(invalid) } : {}),
  });
  if (s.otherwise) {
    // One check, two messages: which pattern applies depends on what the value looks like.
    text.if = { pattern: s.otherwise.when };
    text.then = format(s.otherwise.pattern, s.otherwise.invalid);
    if (s.pattern !== undefined) text.else = format(s.pattern, s.invalid);
  } else if (s.pattern !== undefined) Object.assign(text, format(s.pattern, s.invalid));
  // The declared spellings for completion; any other case of them is accepted too.
  const notOneOf = s.enum ? messages.notOneOf(s.enum) : "";
  const choices: Json[] = s.enum
    ? [
        { enum: [...s.enum], errorMessage: notOneOf },
        { ...text, pattern: caseInsensitive(s.enum), patternErrorMessage: notOneOf },
      ]
    : [text];
  // A number is read as the string it is written as, so its message is the string's.
  if (s.fromNumber)
    choices.push({
      ...(s.numbers ?? { type: "number" }),
      errorMessage: s.invalid !== undefined ? messages.invalid(s.invalid) : messages.type(s),
    });
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

/** What a node is, for hover, when its declaration does not say. */
function what(s: Schema): string {
  switch (s.type) {
    case "string":
      if (s.enum) return `one of ${s.enum.map((e) => `'${e}'`).join(", ")} (any case)`;
      return s.maxLength !== undefined ? `text, at most ${s.maxLength} characters` : "text";
    case "integer":
      return `a whole number from ${s.minimum} to ${s.maximum}`;
    case "boolean":
      return "true or false";
    case "array": {
      const item = s.items.description ?? what(s.items);
      const least = s.minItems ? `, at least ${s.minItems}` : "";
      return `a list${least}${s.single ? " (or a single value)" : ""}, each ${item}`;
    }
    case "object":
      return `a mapping with the keys ${Object.keys(s.properties).join(", ")}${
        s.required?.length ? ` (required: ${s.required.join(", ")})` : ""
      }`;
    case "map":
      return `a mapping of names to values, each ${s.values.description ?? what(s.values)}`;
  }
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
