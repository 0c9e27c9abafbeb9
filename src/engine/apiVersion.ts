// api-version: required on every ARM call and checked against the provider's list.
import { ArmError } from "../core/armError.js";

/** Some clients append their own api-version to poll URLs that carry one: take the first. */
export function apiVersionOf(query: URLSearchParams): string | undefined {
  const all = query.getAll("api-version");
  return all.length ? all[0] : undefined;
}

export function requireApiVersion(query: URLSearchParams): string {
  const v = apiVersionOf(query);
  if (!v) {
    throw new ArmError(
      400,
      "MissingApiVersionParameter",
      "The api-version query parameter (?api-version=) is required for all requests.",
    );
  }
  return v;
}

export function checkArmOwned(v: string, supported: readonly string[]): void {
  if (!supported.includes(v)) {
    throw new ArmError(
      400,
      "InvalidApiVersionParameter",
      `The api-version '${v}' is invalid. The supported versions are '${supported.join(",")}'.`,
    );
  }
}

export function checkProvider(
  v: string,
  type: string,
  location: string | undefined,
  supported: readonly string[],
  locations: readonly string[] | (() => readonly string[]),
): void {
  if (!supported.includes(v)) {
    const locs = typeof locations === "function" ? locations() : locations;
    throw new ArmError(
      400,
      "NoRegisteredProviderFound",
      `No registered resource provider found for location '${location ?? "global"}' and API version '${v}' for type '${type.split("/").slice(1).join("/")}'. The supported api-versions are '${supported.join(", ")}'. The supported locations are '${locs.join(", ")}'.`,
    );
  }
}

// The list lives with its provider, below the ARM engine; named here too for the built-in routes.
export { RESOURCES_API_VERSIONS } from "../providers/resources/apiVersions.js";
