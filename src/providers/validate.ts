// Shared input validation for providers: each failure is an ArmError naming the property,
// what was wrong, and what is accepted.
import { ArmError, errors } from "../core/armError.js";
import { parseCidr, hasHostBits, Cidr } from "../core/ip.js";
import { fullType, parseResourceId, ResourceId } from "../core/resourceId.js";
import { Entry, WorldView } from "../world/world.js";

export function asObject(v: unknown, path: string): Record<string, any> {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) {
    throw errors.invalidRequestContent(`'${path}' must be a JSON object, got ${describe(v)}.`, path);
  }
  return v as Record<string, any>;
}

export function asArray(v: unknown, path: string): any[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v))
    throw errors.invalidRequestContent(`'${path}' must be an array, got ${describe(v)}.`, path);
  return v;
}

export function optString(v: unknown, path: string, max = 1024): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string")
    throw errors.invalidRequestContent(`'${path}' must be a string, got ${describe(v)}.`, path);
  if (v.length > max)
    throw errors.invalidProperty(path, `at most ${max} characters are allowed (got ${v.length}).`);
  return v;
}

export function reqString(v: unknown, path: string, max = 1024): string {
  const s = optString(v, path, max);
  if (s === undefined || s === "") throw errors.missingProperty(path);
  return s;
}

export function optBool(v: unknown, path: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean")
    throw errors.invalidRequestContent(`'${path}' must be true or false, got ${describe(v)}.`, path);
  return v;
}

export function optInt(v: unknown, path: string, min: number, max: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw errors.invalidRequestContent(`'${path}' must be an integer, got ${describe(v)}.`, path);
  }
  if (v < min || v > max) throw errors.invalidProperty(path, `must be between ${min} and ${max} (got ${v}).`);
  return v;
}

/** Case-insensitive enum; returns Azure's spelling. */
export function optEnum<T extends string>(v: unknown, path: string, values: readonly T[]): T | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string")
    throw errors.invalidRequestContent(`'${path}' must be a string, got ${describe(v)}.`, path);
  const hit = values.find((x) => x.toLowerCase() === v.toLowerCase());
  if (!hit) {
    throw new ArmError(
      400,
      "InvalidRequestContent",
      `The value '${v}' of '${path}' is not valid. Allowed values: ${values.map((x) => `'${x}'`).join(", ")}.`,
      { target: path },
    );
  }
  return hit;
}

/** Azure's tag limits: tags per resource, characters per name and per value. */
export const TAG_LIMITS = { count: 50, name: 512, value: 256 } as const;

/** What Azure refuses in a tag name: its reserved characters and control characters. */
const TAG_NAME_RESERVED = /[<>%&\\?/\u0000-\u001f\u007f]/;

/** A resource's tags, validated as ARM validates them on every tracked resource. */
export function tagsOf(v: unknown, path = "tags"): Record<string, string> {
  if (v === undefined || v === null) return {};
  const o = asObject(v, path);
  const keys = Object.keys(o);
  if (keys.length > TAG_LIMITS.count) {
    throw errors.invalidProperty(
      path,
      `at most ${TAG_LIMITS.count} tags are allowed, got ${keys.length}. Put several values in one tag (a JSON string) or drop some.`,
    );
  }
  for (const k of keys) {
    if (typeof o[k] !== "string") {
      throw errors.invalidRequestContent(
        `Tag '${k}' must have a string value, got ${describe(o[k])}.`,
        `${path}.${k}`,
      );
    }
  }
  const empty = keys.filter((k) => k.trim() === "");
  if (empty.length > 0) {
    throw new ArmError(
      400,
      "InvalidTagName",
      "A tag name must not be empty or only whitespace. Give every tag a name.",
      { target: path },
    );
  }
  const reserved = keys.filter((k) => TAG_NAME_RESERVED.test(k));
  if (reserved.length > 0) {
    throw new ArmError(
      400,
      "InvalidTagNameCharacters",
      `The tag names ${reserved.map((k) => `'${k}'`).join(", ")} contain characters Azure reserves in tag names (< > % & \\ ? /) or control characters. Rename them without those characters (for example '-' or '_' instead of '/').`,
      { target: path },
    );
  }
  const long = keys.filter((k) => k.length > TAG_LIMITS.name);
  if (long.length > 0) {
    throw new ArmError(
      400,
      "InvalidTagName",
      `The tag name '${long[0].slice(0, 40)}…' has ${long[0].length} characters; a tag name has at most ${TAG_LIMITS.name}. Shorten it.`,
      { target: `${path}.${long[0]}` },
    );
  }
  const longValue = keys.find((k) => o[k].length > TAG_LIMITS.value);
  if (longValue !== undefined) {
    throw new ArmError(
      400,
      "InvalidTagValueLength",
      `The value of tag '${longValue}' has ${o[longValue].length} characters; a tag value has at most ${TAG_LIMITS.value}. Shorten it.`,
      { target: `${path}.${longValue}` },
    );
  }
  return o as Record<string, string>;
}

export function cidr(v: unknown, path: string): Cidr {
  const s = reqString(v, path, 64);
  const c = parseCidr(s);
  if (!c || !s.includes("/")) {
    throw new ArmError(
      400,
      "InvalidAddressPrefixFormat",
      `Address prefix '${s}' at '${path}' is not a valid IPv4 CIDR such as 10.0.0.0/24.`,
      {
        target: path,
      },
    );
  }
  if (hasHostBits(c)) {
    throw new ArmError(
      400,
      "InvalidCIDRNotation",
      `The address prefix ${s} at '${path}' has host bits set. Use the network address, e.g. the prefix starting at its first address.`,
      { target: path },
    );
  }
  return c;
}

/**
 * A reference to another resource: must be a full ARM id, of the expected type, and exist.
 * Returns the referenced entry.
 */
export function ref(v: unknown, path: string, type: string, view: WorldView, what = type): Entry {
  const s = reqString(v, path, 2048);
  const parsed = parseResourceId(s);
  if (!parsed) throw errors.linkedInvalidPropertyId(s, path);
  checkType(parsed, s, path, type, what);
  const e = view.get(s);
  if (!e) {
    throw new ArmError(
      400,
      "InvalidResourceReference",
      `Resource ${s} referenced by '${path}' was not found. Create the ${what} first, or correct the id.`,
      { target: path },
    );
  }
  return e;
}

export function checkType(parsed: ResourceId, s: string, path: string, type: string, what: string): void {
  if (fullType(parsed).toLowerCase() !== type.toLowerCase()) {
    throw new ArmError(
      400,
      "InvalidRequestFormat",
      `Cannot parse the request: '${path}' must be the id of a ${what} (${type}), but '${s}' is a ${fullType(parsed) || "malformed id"}.`,
      {
        target: path,
        details: [
          {
            code: "InvalidJsonReferenceFormat",
            message: `Reference '${s}' is of the wrong type; expected ${type}.`,
          },
        ],
      },
    );
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "string" ? `the string '${v.slice(0, 40)}'` : `a ${typeof v}`;
}
