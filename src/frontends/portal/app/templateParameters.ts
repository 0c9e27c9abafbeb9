/// <reference lib="dom" />
// The parameters form of a template, generated from its `parameters` section as Azure's custom
// deployment page does: a select for allowedValues, a password box for secure types, a number box
// with the template's min/max for int, true/false for bool, a JSON box for object and array, and
// the default filled in (an expression default is left to the deployment: the box stays empty).
import { ApiError } from "./api.js";
import { clear, errorBox, field, h, notice, select } from "./dom.js";
import { JsoncError, parseJsonc } from "./jsonc.js";
import { readParametersFile } from "./templateText.js";

export interface ParametersForm {
  el: HTMLElement;
  /** The deployment's `parameters` ({ name: { value } }), or what to fix first. */
  read(): { parameters: Record<string, { value: unknown }>; problems: string[] };
  /** The values as the review shows them (secure values masked). */
  summary(): Array<[string, string]>;
  /**
   * Fills the form from a parameters file's `parameters` ({ name: { value } }); returns the names
   * the template does not declare (nothing is filled then) or that have no `value`.
   */
  fill(values: Record<string, unknown>): { unknown: string[]; noValue: string[] };
}

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

interface Declared {
  name: string;
  type: string;
  decl: Record<string, any>;
  control: Control;
  /** The default is an expression the deployment evaluates ("[resourceGroup().location]"). */
  expressionDefault: boolean;
}

const isExpression = (v: unknown) => typeof v === "string" && v.startsWith("[") && !v.startsWith("[[");

/** A literal default as the template means it: "[[x" is the string "[x". */
const literal = (v: unknown) => (typeof v === "string" && v.startsWith("[[") ? v.slice(1) : v);

function controlFor(name: string, type: string, decl: Record<string, any>): Control {
  const def = decl.defaultValue;
  const secure = type === "securestring" || type === "secureobject";
  if (Array.isArray(decl.allowedValues)) {
    const opts = decl.allowedValues.map((v: unknown) => ({
      value: JSON.stringify(v),
      label: typeof v === "string" ? v : JSON.stringify(v),
    }));
    const hasDefault = def !== undefined && !isExpression(def);
    return select(
      hasDefault ? opts : [{ value: "", label: "Select a value" }, ...opts],
      hasDefault ? JSON.stringify(literal(def)) : "",
      { name },
    );
  }
  if (type === "bool")
    return select(
      [
        ...(typeof def === "boolean" ? [] : [{ value: "", label: "Select a value" }]),
        { value: "true", label: "true" },
        { value: "false", label: "false" },
      ],
      typeof def === "boolean" ? String(def) : "",
      { name },
    );
  if (type === "int")
    return h("input", {
      type: "number",
      name,
      step: "1",
      min: decl.minValue,
      max: decl.maxValue,
      value: typeof def === "number" ? String(def) : "",
      placeholder: isExpression(def) ? `Default: ${def}` : undefined,
    });
  if (type === "object" || type === "secureobject" || type === "array") {
    const ta = h("textarea", {
      name,
      rows: "4",
      class: "mono",
      spellcheck: "false",
      placeholder: isExpression(def) ? `Default: ${def}` : type === "array" ? "[ ]" : "{ }",
    });
    if (def !== undefined && !isExpression(def) && !secure) ta.value = JSON.stringify(literal(def), null, 2);
    return ta;
  }
  return h("input", {
    type: secure ? "password" : "text",
    name,
    autocomplete: secure ? "new-password" : "off",
    minlength: decl.minLength,
    maxlength: decl.maxLength,
    value: typeof def === "string" && !isExpression(def) && !secure ? String(literal(def)) : "",
    placeholder: isExpression(def)
      ? `Default: ${def}`
      : secure && def !== undefined
        ? "(template default)"
        : "",
  });
}

function hintFor(type: string, decl: Record<string, any>): string {
  const parts: string[] = [];
  if (typeof decl.metadata?.description === "string") parts.push(decl.metadata.description);
  parts.push(`Type: ${decl.type}`);
  if (decl.minValue !== undefined || decl.maxValue !== undefined)
    parts.push(`from ${decl.minValue ?? "−∞"} to ${decl.maxValue ?? "∞"}`);
  if (decl.minLength !== undefined || decl.maxLength !== undefined)
    parts.push(`length ${decl.minLength ?? 0} to ${decl.maxLength ?? "any"}`);
  if (isExpression(decl.defaultValue)) parts.push(`leave empty for the default ${decl.defaultValue}`);
  else if ((type === "securestring" || type === "secureobject") && decl.defaultValue !== undefined)
    parts.push("leave empty for the template's default");
  return parts.join(" · ");
}

/** The form for a template's `parameters` (an empty note when it declares none). */
export function parametersForm(parameters: unknown): ParametersForm {
  const declared: Declared[] = [];
  const el = h("div", { class: "parameters" });
  const params = parameters && typeof parameters === "object" ? (parameters as Record<string, any>) : {};
  for (const [name, decl] of Object.entries(params)) {
    if (!decl || typeof decl !== "object") continue;
    const type = String(decl.type ?? "string").toLowerCase();
    const control = controlFor(name, type, decl);
    const required = decl.defaultValue === undefined && !decl.nullable;
    if (required) control.required = true;
    declared.push({ name, type, decl, control, expressionDefault: isExpression(decl.defaultValue) });
    el.append(field(name, control, `${required ? "Required · " : ""}${hintFor(type, decl)}`));
  }
  if (!declared.length) el.append(h("p", { class: "hint" }, "The template declares no parameters."));

  const read = () => {
    const out: Record<string, { value: unknown }> = {};
    const problems: string[] = [];
    for (const d of declared) {
      const raw = d.control.value;
      const empty = raw.trim() === "";
      const hasDefault = d.decl.defaultValue !== undefined;
      if (empty) {
        if (hasDefault || d.decl.nullable) continue;
        problems.push(`Parameter '${d.name}' needs a value: the template gives it no default.`);
        continue;
      }
      let value: unknown;
      if (Array.isArray(d.decl.allowedValues)) value = JSON.parse(raw);
      else if (d.type === "bool") value = raw === "true";
      else if (d.type === "int") {
        const n = Number(raw);
        if (!Number.isInteger(n)) {
          problems.push(`Parameter '${d.name}' must be a whole number; '${raw}' is not.`);
          continue;
        }
        if (d.decl.minValue !== undefined && n < d.decl.minValue)
          problems.push(`Parameter '${d.name}' is ${n}, below the template's minimum ${d.decl.minValue}.`);
        if (d.decl.maxValue !== undefined && n > d.decl.maxValue)
          problems.push(`Parameter '${d.name}' is ${n}, above the template's maximum ${d.decl.maxValue}.`);
        value = n;
      } else if (d.type === "object" || d.type === "secureobject" || d.type === "array") {
        try {
          value = parseJsonc(raw).value;
        } catch (e) {
          problems.push(
            `Parameter '${d.name}' is not JSON: ${e instanceof JsoncError ? e.message : String(e)}.`,
          );
          continue;
        }
        const isArray = Array.isArray(value);
        if (d.type === "array" ? !isArray : isArray || value === null || typeof value !== "object") {
          problems.push(`Parameter '${d.name}' must be a JSON ${d.type === "array" ? "array" : "object"}.`);
          continue;
        }
      } else {
        value = raw;
        if (d.decl.minLength !== undefined && raw.length < d.decl.minLength)
          problems.push(
            `Parameter '${d.name}' is ${raw.length} characters long, shorter than the template's minimum ${d.decl.minLength}.`,
          );
        if (d.decl.maxLength !== undefined && raw.length > d.decl.maxLength)
          problems.push(
            `Parameter '${d.name}' is ${raw.length} characters long, longer than the template's maximum ${d.decl.maxLength}.`,
          );
      }
      out[d.name] = { value };
    }
    return { parameters: out, problems };
  };

  const summary = (): Array<[string, string]> =>
    declared.map((d) => {
      const raw = d.control.value;
      if (raw.trim() === "")
        return [d.name, d.decl.defaultValue !== undefined ? "(the template's default)" : "—"];
      if (d.type === "securestring" || d.type === "secureobject") return [d.name, "••••••••"];
      if (!Array.isArray(d.decl.allowedValues)) return [d.name, raw];
      const v = JSON.parse(raw);
      return [d.name, typeof v === "string" ? v : JSON.stringify(v)];
    });

  const fill = (values: Record<string, unknown>) => {
    const byName = new Map(declared.map((d) => [d.name, d] as const));
    const unknown = Object.keys(values).filter((k) => !byName.has(k));
    const noValue = Object.entries(values)
      .filter(([, v]) => !v || typeof v !== "object" || !("value" in v))
      .map(([k]) => k);
    if (unknown.length || noValue.length) return { unknown, noValue };
    for (const [k, v] of Object.entries(values)) {
      const d = byName.get(k)!;
      const value = (v as { value: unknown }).value;
      if (Array.isArray(d.decl.allowedValues) || d.type === "bool")
        d.control.value =
          d.type === "bool" && !Array.isArray(d.decl.allowedValues) ? String(value) : JSON.stringify(value);
      else if (typeof value === "string" || typeof value === "number") d.control.value = String(value);
      else d.control.value = JSON.stringify(value, null, 2);
    }
    return { unknown, noValue };
  };

  return { el, read, summary, fill };
}

/** "Load a parameters file": fills `form` from a deployment parameters file, or says why not. */
export function parametersFileField(form: ParametersForm): HTMLElement[] {
  const input = h("input", { type: "file", accept: ".json,.jsonc,application/json" });
  const out = h("div", { class: "out", "aria-live": "polite" });
  const refuse = (e: ApiError) => out.append(errorBox(e, "The parameters file was not loaded"));
  input.addEventListener("change", async () => {
    const file = input.files?.[0];
    if (!file) return;
    clear(out);
    const r = readParametersFile(file.name, await file.text());
    if (!r.ok) return refuse(r.error);
    const { unknown, noValue } = form.fill(r.values);
    if (unknown.length || noValue.length)
      return refuse(
        new ApiError(
          400,
          "InvalidTemplate",
          [
            unknown.length
              ? `The template parameters '${unknown.join(", ")}' in the parameters file are not valid; they are not present in the template.`
              : "",
            noValue.length ? `The parameters '${noValue.join(", ")}' have no "value".` : "",
          ]
            .filter(Boolean)
            .join(" "),
        ),
      );
    out.append(notice(`Loaded ${Object.keys(r.values).length} value(s) from ${file.name}.`, "success"));
  });
  return [
    field("Load a parameters file", input, "Optional: fills the form from a deployment parameters file."),
    out,
  ];
}
