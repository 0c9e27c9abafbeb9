// What a section of the network model is: a map compiled from the resources of the types that
// declare it (ResourceType.model.section), and how a change to them is patched in. The model is
// the list of sections in ./index.ts; compileModel, patchModel, sectionOfType and what-if's
// recording of reads all go through that list.
import { WorldView } from "../../world/world.js";

/** The sections compiled before this one, by name (what `reads` names). */
export type CompiledSections = Readonly<Record<string, Map<string, unknown>>>;

export interface ModelSectionCompiler<N extends string = string, V = unknown> {
  /** The section's name: the model's field and the prefix of what-if's dependencies ("<name>:<key>"). */
  name: N;
  /**
   * Sections this one is compiled from besides the world (they come first in the list): it is
   * compiled again whenever one of them changes.
   */
  reads?: readonly string[];
  /** Every entry, by key, from the world (and the sections it reads). */
  compile(view: WorldView, sections: CompiledSections): Map<string, V>;
  /**
   * The section after a change to the resources with `keys` (resource keys of this section's
   * types, children included), when that is cheaper than compiling it again. `changed` lists the
   * keys of the entries it added, replaced or removed; without it, the section is compared with
   * the previous one. Absent: the section is compiled again.
   */
  patch?(
    prev: Map<string, V>,
    view: WorldView,
    keys: ReadonlySet<string>,
  ): { entries: Map<string, V>; changed?: Set<string> };
}

/** A section with its name's literal type kept (so the model's type can be derived from the list). */
export function modelSection<const N extends string, V>(
  s: ModelSectionCompiler<N, V>,
): ModelSectionCompiler<N, V> {
  return s;
}
