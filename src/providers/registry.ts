// One registry of resource types: the ARM front end routes by full type, `GET .../providers`
// lists namespaces from it, and lint/what-if read the same list.
import { ResourceType } from "./contract.js";

export interface LocationRoute {
  /** Lower-cased segment after locations/{location}/, e.g. "privatelinkscopes". */
  segment: string;
  get(args: {
    subscription: string;
    location: string;
    name: string;
    view: import("../world/world.js").WorldView;
  }): Record<string, any> | undefined;
  apiVersions: readonly string[];
}

export interface ProviderNamespace {
  namespace: string;
  types: ResourceType[];
  locationRoutes?: LocationRoute[];
  /** Regions offered for the namespace's types (listed by GET .../providers). */
  locations?: readonly string[];
}

export class Registry {
  private byType = new Map<string, ResourceType>();
  private namespaces = new Map<string, ProviderNamespace>();

  add(ns: ProviderNamespace): this {
    const existing = this.namespaces.get(ns.namespace.toLowerCase());
    if (existing) {
      existing.types.push(...ns.types);
      existing.locationRoutes = [...(existing.locationRoutes ?? []), ...(ns.locationRoutes ?? [])];
      existing.locations = existing.locations ?? ns.locations;
    } else {
      this.namespaces.set(ns.namespace.toLowerCase(), { ...ns, types: [...ns.types] });
    }
    for (const t of ns.types) this.byType.set(t.type.toLowerCase(), t);
    return this;
  }

  type(fullType: string): ResourceType | undefined {
    return this.byType.get(fullType.toLowerCase());
  }

  namespace(ns: string): ProviderNamespace | undefined {
    return this.namespaces.get(ns.toLowerCase());
  }

  allNamespaces(): ProviderNamespace[] {
    return [...this.namespaces.values()];
  }

  allTypes(): ResourceType[] {
    return [...this.byType.values()];
  }
}
