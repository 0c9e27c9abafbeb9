// Every resource provider ArcLink serves, in one registry.
import { Registry } from "./registry.js";
import { resourcesNamespace } from "./resources/index.js";

export function createRegistry(): Registry {
  const r = new Registry();
  r.add(resourcesNamespace);
  return r;
}
