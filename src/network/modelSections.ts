// The network model's sections together with the resource types that declare them
// (ResourceType.model): which section a change to a resource alters, checked both ways — every
// declared section is compiled, and every section has types that feed it.
import type { ResourceType } from "../providers/contract.js";
import { ModelSectionCompiler } from "./sections/section.js";

/** Cached answer for a type in no section (no section is named with a NUL). */
const NONE = "\u0000";

export class ModelSections {
  /** Lower-case type → section, for the types that declare one. */
  private readonly byType = new Map<string, string>();
  readonly names: readonly string[];

  constructor(
    readonly list: readonly ModelSectionCompiler[],
    types: readonly Pick<ResourceType, "type" | "model">[],
  ) {
    this.names = list.map((s) => s.name);
    const known = new Set<string>();
    for (const s of list) {
      for (const r of s.reads ?? [])
        if (!known.has(r))
          throw new Error(
            `The model section '${s.name}' reads the section '${r}', which is not compiled before it: list '${r}' before '${s.name}' in the model's sections.`,
          );
      known.add(s.name);
    }
    for (const t of types) {
      if (!t.model) continue;
      if (!known.has(t.model.section))
        throw new Error(
          `${t.type} declares the model section '${t.model.section}', which the network model does not have (its sections: ${this.names.join(", ")}): declare one of those, or add the section to the model's sections.`,
        );
      this.byType.set(t.type.toLowerCase(), t.model.section);
    }
    const fed = new Set(this.byType.values());
    for (const s of this.names)
      if (!fed.has(s))
        throw new Error(
          `No resource type declares the model section '${s}', so no change would ever patch it: declare model: { section: "${s}" } on the provider of each type it is compiled from.`,
        );
  }

  /** The section a resource type (any casing) is compiled into: its own declaration or its nearest ancestor's. */
  sectionOf(type: string): string | undefined {
    // Asked for every change the World applies, nearly always for a few types as written.
    const known = this.asked.get(type);
    if (known !== undefined) return known === NONE ? undefined : known;
    const s = this.lookUp(type);
    if (this.asked.size >= 1000) this.asked.clear();
    this.asked.set(type, s ?? NONE);
    return s;
  }

  /** Types as asked (any casing) → section, or NONE (bounded: forgetting only costs a lookup). */
  private readonly asked = new Map<string, string>();

  private lookUp(type: string): string | undefined {
    let t = type.toLowerCase();
    for (;;) {
      const s = this.byType.get(t);
      if (s !== undefined) return s;
      const cut = t.lastIndexOf("/");
      // "namespace/type" is the top: no ancestor type above it.
      if (cut < 0 || t.indexOf("/") === cut) return undefined;
      t = t.slice(0, cut);
    }
  }

  /** The types that declare `section` themselves (their children belong to it too), lower-case. */
  typesOf(section: string): string[] {
    return [...this.byType].filter(([, s]) => s === section).map(([t]) => t);
  }
}
