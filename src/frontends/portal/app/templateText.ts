/// <reference lib="dom" />
// A template and a parameters file as the user gives them (pasted or uploaded text), read with the
// deployments' own reader: what they hold, or an error worded as Azure's that says where; and the
// deployment body with the template embedded as written.
import { ApiError, JsonText } from "./api.js";
import { JsoncError, parseJsonc } from "./jsonc.js";

/** What the template text holds, or the error that says where it cannot be read. */
export type Read = { ok: true; template: Record<string, any> } | { ok: false; error: ApiError; at?: number };

/** The template as the deployment reads it; errors worded as Azure's InvalidTemplate. */
export function readTemplate(text: string): Read {
  if (!text.trim())
    return {
      ok: false,
      error: new ApiError(
        400,
        "InvalidTemplate",
        "The template is empty: paste a template or upload a file.",
      ),
    };
  let value: unknown;
  try {
    value = parseJsonc(text).value;
  } catch (e) {
    if (!(e instanceof JsoncError)) throw e;
    const lines = text.split("\n");
    const at =
      lines.slice(0, e.position.line - 1).reduce((n, l) => n + l.length + 1, 0) + e.position.column - 1;
    return {
      ok: false,
      at,
      error: new ApiError(
        400,
        "InvalidTemplate",
        `Deployment template parse failed: '${e.message}'. Line ${e.position.line}, position ${e.position.column}.`,
      ),
    };
  }
  if (!value || typeof value !== "object" || Array.isArray(value))
    return {
      ok: false,
      error: new ApiError(
        400,
        "InvalidTemplate",
        "Deployment template validation failed: 'The template must be a JSON object with $schema, contentVersion and resources.'",
      ),
    };
  const t = value as Record<string, any>;
  const missing = ["$schema", "contentVersion", "resources"].filter((k) => t[k] === undefined);
  if (missing.length)
    return {
      ok: false,
      error: new ApiError(
        400,
        "InvalidTemplate",
        `Deployment template validation failed: 'Required propert${missing.length === 1 ? "y" : "ies"} ${missing.map((k) => `'${k}'`).join(", ")} not found in JSON.'`,
      ),
    };
  if (t.parameters !== undefined && (typeof t.parameters !== "object" || Array.isArray(t.parameters)))
    return {
      ok: false,
      error: new ApiError(
        400,
        "InvalidTemplate",
        "Deployment template validation failed: 'The template parameters must be an object of { name: { type } }.'",
      ),
    };
  return { ok: true, template: t };
}

/** The deployment body with the template embedded as written (lines in errors are the text's lines). */
export function deploymentBody(text: string, parameters: Record<string, { value: unknown }>): JsonText {
  const template = text.replace(/^\ufeff/, "");
  return new JsonText(
    `{"properties":{"template":${template}\n,"parameters":${JSON.stringify(parameters)},"mode":"Incremental"}}`,
  );
}

/** A parameters file's `parameters` ({ name: { value } }), or why it cannot be used. */
export function readParametersFile(
  name: string,
  text: string,
): { ok: true; values: Record<string, unknown> } | { ok: false; error: ApiError } {
  let doc: any;
  try {
    doc = parseJsonc(text).value;
  } catch (e) {
    return {
      ok: false,
      error: new ApiError(
        400,
        "InvalidParameters",
        `The parameters file ${name} cannot be read: ${(e as Error).message}.`,
      ),
    };
  }
  const values = doc && typeof doc === "object" && "parameters" in doc ? doc.parameters : doc;
  if (!values || typeof values !== "object" || Array.isArray(values))
    return {
      ok: false,
      error: new ApiError(
        400,
        "InvalidParameters",
        `${name} is not a parameters file: it needs "parameters": { "name": { "value": … } }.`,
      ),
    };
  return { ok: true, values };
}
