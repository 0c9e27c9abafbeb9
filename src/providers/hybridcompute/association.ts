// A machine's association with an Arc Private Link Scope, as other modules (the admission
// evaluator, lint) read it: the scope id ARM shows, and when the association was last made.
// The time lives in the machine's internal `_arclink` key, which ARM responses never show.

export interface ArcLinkMachineState {
  /** When privateLinkScopeResourceId last changed to a new scope (ISO time, the lab clock). */
  associatedAt?: string;
  /** The scope the machine belonged to before its last change (audit). */
  previousScopeId?: string;
  /** The machine was created already associated with its current scope (no propagation delay). */
  associatedAtCreation?: boolean;
}

export interface Association {
  scopeId?: string;
  associatedAt?: string;
  associatedAtCreation?: boolean;
}

/** The association of a stored machine body (the ARM JSON stored under its id). Pure. */
export function associationOf(machineBody: Record<string, any> | undefined): Association {
  const scopeId = machineBody?.properties?.privateLinkScopeResourceId;
  const state = machineBody?._arclink as ArcLinkMachineState | undefined;
  const out: Association = {};
  if (typeof scopeId === "string" && scopeId !== "") {
    out.scopeId = scopeId;
    if (typeof state?.associatedAt === "string") out.associatedAt = state.associatedAt;
    if (state?.associatedAtCreation === true) out.associatedAtCreation = true;
  }
  return out;
}
