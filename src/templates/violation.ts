// Azure's ErrorAdditionalInfo for a template error: { type: "TemplateViolation", info: { lineNumber,
// linePosition, path } }, where the path is the JSON path, in the request body, of the template
// object the error is about. Azure gives 0, 0 and "" when it cannot place the error; so does ArcLink.
import { isObject } from "./functions/args.js";
import { Position } from "./jsonc.js";

export interface TemplateViolation {
  type: "TemplateViolation";
  info: { lineNumber: number; linePosition: number; path: string };
}

/** The JSON path of the object that starts at `at`, below `root` (which sits at `prefix`). */
function pathAt(root: unknown, positions: WeakMap<object, Position>, at: Position, prefix: string): string {
  const same = (p?: Position) => !!p && p.line === at.line && p.column === at.column;
  const seen = new Set<object>();
  const walk = (v: unknown, path: string, depth: number): string | undefined => {
    if (!v || typeof v !== "object" || seen.has(v) || depth > 64) return undefined;
    seen.add(v);
    if (same(positions.get(v))) return path;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const hit = walk(v[i], `${path}[${i}]`, depth + 1);
        if (hit !== undefined) return hit;
      }
    } else if (isObject(v))
      for (const [k, x] of Object.entries(v)) {
        const hit = walk(x, path ? `${path}.${k}` : k, depth + 1);
        if (hit !== undefined) return hit;
      }
    return undefined;
  };
  return walk(root, prefix, 0) ?? "";
}

export function templateViolation(
  template: unknown,
  positions: WeakMap<object, Position>,
  at: Position | undefined,
  prefix = "properties.template",
): TemplateViolation {
  return {
    type: "TemplateViolation",
    info: {
      lineNumber: at?.line ?? 0,
      linePosition: at?.column ?? 0,
      path: at ? pathAt(template, positions, at, prefix) : "",
    },
  };
}
