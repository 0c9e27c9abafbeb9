// The validator's value (src/topology/schema.ts validate): the mapping or list the file wrote when
// it is already what a copy would be (the schema's keys in the schema's order, no nulls, each value
// its own validated value), a copy in the schema's order otherwise. Either way the same keys, in
// the same order, with the same values.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HOST, type Issue, validate } from "../src/topology/schema.js";

const check = (value: unknown) => {
  const issues: Issue[] = [];
  const out = validate(value, HOST, ["hosts", 0], issues);
  assert.deepEqual(issues, []);
  return out as Record<string, unknown>;
};

describe("topology validator: values kept or copied", () => {
  it("keeps a host written in the schema's order, with its list", () => {
    const h = { name: "srv-1", site: "onprem", ipAddress: "10.0.0.1", os: "Linux", dnsServers: ["dc01"] };
    const out = check(h);
    assert.equal(out, h);
    assert.equal(out.dnsServers, h.dnsServers);
    assert.deepEqual(Object.keys(out), ["name", "site", "ipAddress", "os", "dnsServers"]);
  });

  it("copies a host whose keys are in another order, in the schema's order", () => {
    const h = { os: "Linux", name: "srv-1", ipAddress: "10.0.0.1", site: "onprem" };
    const out = check(h);
    assert.notEqual(out, h);
    assert.deepEqual(Object.keys(out), ["name", "site", "ipAddress", "os"]);
    assert.deepEqual(h, { os: "Linux", name: "srv-1", ipAddress: "10.0.0.1", site: "onprem" });
  });

  it("copies a host with a null, leaving the key out", () => {
    const h = { name: "srv-1", site: "onprem", ipAddress: "10.0.0.1", os: "Linux", description: null };
    const out = check(h);
    assert.notEqual(out, h);
    assert.deepEqual(Object.keys(out), ["name", "site", "ipAddress", "os"]);
    assert.equal(h.description, null);
  });

  it("copies a host whose value validates to another (an enum's spelling, a single value as a list)", () => {
    const h = { name: "srv-1", site: "onprem", ipAddress: "10.0.0.1", os: "linux", dnsServers: "dc01" };
    const out = check(h);
    assert.notEqual(out, h);
    assert.deepEqual(out, {
      name: "srv-1",
      site: "onprem",
      ipAddress: "10.0.0.1",
      os: "Linux",
      dnsServers: ["dc01"],
    });
    assert.deepEqual(Object.keys(out), ["name", "site", "ipAddress", "os", "dnsServers"]);
    // The file's value is left as written.
    assert.equal(h.os, "linux");
    assert.equal(h.dnsServers, "dc01");
  });

  it("copies a list from its first item that validates to another", () => {
    const h = {
      name: "srv-1",
      site: "onprem",
      ipAddress: "10.0.0.1",
      os: "Linux",
      proxyBypass: ["ARC", "AAD"],
    };
    const out = check(h);
    assert.notEqual(out.proxyBypass, h.proxyBypass);
    assert.deepEqual(h.proxyBypass, ["ARC", "AAD"]);
    assert.deepEqual(out.proxyBypass, check({ ...h, proxyBypass: ["Arc", "AAD"] }).proxyBypass);
  });

  it("names every issue as before: unknown keys, missing required keys", () => {
    const issues: Issue[] = [];
    validate({ name: "srv-1", site: "onprem", os: "Linux", colour: "red" }, HOST, ["hosts", 3], issues);
    assert.deepEqual(
      issues.map((i) => i.path),
      [
        ["hosts", 3, "colour"],
        ["hosts", 3, "ipAddress"],
      ],
    );
  });
});
