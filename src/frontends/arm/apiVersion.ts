// api-version: required on every ARM call and checked against the provider's list.
import { ArmError } from "../../core/armError.js";

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

export const RESOURCES_API_VERSIONS = [
  "2014-04-01",
  "2015-01-01",
  "2015-11-01",
  "2016-02-01",
  "2016-06-01",
  "2016-07-01",
  "2016-09-01",
  "2017-05-10",
  "2018-02-01",
  "2018-05-01",
  "2019-03-01",
  "2019-05-01",
  "2019-05-10",
  "2019-06-01",
  "2019-07-01",
  "2019-08-01",
  "2019-10-01",
  "2019-11-01",
  "2020-01-01",
  "2020-06-01",
  "2020-08-01",
  "2020-10-01",
  "2021-01-01",
  "2021-04-01",
  "2022-01-01",
  "2022-09-01",
  "2022-12-01",
  "2023-07-01",
  "2024-03-01",
  "2024-07-01",
  "2024-11-01",
  "2025-01-01",
  "2025-03-01",
  "2025-04-01",
] as const;
