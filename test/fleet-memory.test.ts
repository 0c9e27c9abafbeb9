// What a fleet's memory cuts must keep: a compacted body is the same JSON with the same values;
// the World's indexes (host → machine, claimed addresses) that hold one key instead of a set still
// answer as before when several resources share a host, a name or an address, and after removals.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseCidr } from "../src/core/ip.js";
import { keyOf } from "../src/core/resourceId.js";
import { machineOfHost } from "../src/analysis/hostMachine.js";
import { HostModel } from "../src/network/model.js";
import { addressesIn, checkAddress, Placement } from "../src/providers/lab/common.js";
import { compactObject } from "../src/world/compactBody.js";
import { World } from "../src/world/world.js";

const SUB = "/subscriptions/00000000-0000-0000-0000-0000000000d1";
const MACHINE_TYPE = "Microsoft.HybridCompute/machines";
const HOST_TYPE = "ArcLink.Lab/hosts";
const SITE = `${SUB}/resourceGroups/Lab/providers/ArcLink.Lab/sites/Site1`;
const machineId = (rg: string, name: string) =>
  `${SUB}/resourceGroups/${rg}/providers/${MACHINE_TYPE}/${name}`;
const hostId = (name: string) => `${SUB}/resourceGroups/Lab/providers/${HOST_TYPE}/${name}`;

let seq = 0;
function put(w: World, id: string, type: string, body: Record<string, any>): void {
  w.apply(
    [{ key: keyOf(id), resource: { id, type, body: { id, name: id.split("/").pop(), ...body }, rev: 1 } }],
    ++seq,
  );
}
function del(w: World, id: string): void {
  w.apply([{ key: keyOf(id) }], ++seq);
}
function host(name: string): HostModel {
  return { key: keyOf(hostId(name)), id: hostId(name), name } as HostModel;
}

describe("compactObject", () => {
  it("copies into the same keys, order and values: the same JSON", () => {
    const shared = { a: [1] };
    const o = { id: "x", name: undefined, tags: shared, z: 1, b: null, _arclink: { t: "1" } };
    const c = compactObject(o);
    assert.notEqual(c, o);
    assert.deepEqual(Object.keys(c), Object.keys(o));
    assert.equal(JSON.stringify(c), JSON.stringify(o));
    assert.equal(c.tags, shared);
    assert.equal(Object.getPrototypeOf(c), Object.prototype);
  });

  it("leaves objects whose keys are not plain names as they are (no prototype set by a key)", () => {
    const odd = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
    assert.equal(compactObject(odd), odd);
    assert.equal(({} as any).polluted, undefined);
    for (const o of [{ "a,b": 1 }, { "a b": 2 }, { "1": 3 }, {}]) assert.equal(compactObject(o), o);
    // Two key lists that would read alike if joined do not share a copier.
    const ab = compactObject({ a: 1, b: 2 });
    assert.deepEqual(ab, { a: 1, b: 2 });
    const inst = new (class K {
      a = 1;
    })();
    assert.equal(compactObject(inst as unknown as Record<string, unknown>), inst);
  });
});

describe("the World's host → machine index with one key per host and name", () => {
  it("finds the machine that recorded the host, else the first by name, as machines come and go", () => {
    const w = new World();
    put(w, hostId("h1"), HOST_TYPE, {});
    // Two machines named h1 in two groups; neither recorded a host yet: the first by the World's order.
    put(w, machineId("A", "h1"), MACHINE_TYPE, {});
    put(w, machineId("B", "H1"), MACHINE_TYPE, { name: "H1" });
    assert.equal(machineOfHost(w, host("h1"))?.id, machineId("A", "h1"));
    // A third machine records the host: it wins over the names.
    put(w, machineId("C", "other"), MACHINE_TYPE, { _arclink: { hostId: hostId("H1") } });
    assert.equal(machineOfHost(w, host("h1"))?.id, machineId("C", "other"));
    // Another records it too: the World's order decides between the two.
    put(w, machineId("D", "other2"), MACHINE_TYPE, { _arclink: { hostId: hostId("h1") } });
    assert.equal(machineOfHost(w, host("h1"))?.id, machineId("C", "other"));
    del(w, machineId("C", "other"));
    assert.equal(machineOfHost(w, host("h1"))?.id, machineId("D", "other2"));
    del(w, machineId("D", "other2"));
    assert.equal(machineOfHost(w, host("h1"))?.id, machineId("A", "h1"));
    del(w, machineId("A", "h1"));
    assert.equal(machineOfHost(w, host("h1"))?.id, machineId("B", "H1"));
    // The name lives in the body: a rename in place re-indexes it.
    put(w, machineId("B", "H1"), MACHINE_TYPE, { name: "renamed" });
    assert.equal(machineOfHost(w, host("h1")), undefined);
    assert.equal(machineOfHost(w, host("renamed"))?.id, machineId("B", "H1"));
    del(w, machineId("B", "H1"));
    assert.equal(machineOfHost(w, host("renamed")), undefined);
  });
});

describe("the World's host → machine index, keeping no past of its own", () => {
  it("follows a machine that moves from host to host, is renamed or deleted", () => {
    const w = new World();
    for (const n of ["h1", "h2", "h3"]) put(w, hostId(n), HOST_TYPE, {});
    // Onboarded as its own name (the fleet's case), then moved to h2, then to h3 under another name.
    put(w, machineId("A", "h1"), MACHINE_TYPE, { _arclink: { hostId: hostId("h1") } });
    assert.equal(machineOfHost(w, host("h1"))?.id, machineId("A", "h1"));
    put(w, machineId("A", "h1"), MACHINE_TYPE, { _arclink: { hostId: hostId("h2") } });
    // h1 still finds it by name; h2 by the host it recorded.
    assert.equal(machineOfHost(w, host("h1"))?.id, machineId("A", "h1"));
    assert.equal(machineOfHost(w, host("h2"))?.id, machineId("A", "h1"));
    // A machine named h2 that recorded no host loses to the one that recorded h2.
    put(w, machineId("B", "h2"), MACHINE_TYPE, {});
    assert.equal(machineOfHost(w, host("h2"))?.id, machineId("A", "h1"));
    put(w, machineId("A", "h1"), MACHINE_TYPE, { name: "x", _arclink: { hostId: hostId("h3") } });
    assert.equal(machineOfHost(w, host("h1")), undefined);
    assert.equal(machineOfHost(w, host("h2"))?.id, machineId("B", "h2"));
    assert.equal(machineOfHost(w, host("h3"))?.id, machineId("A", "h1"));
    // B records h3 too: both recorded it, the World's order decides.
    put(w, machineId("B", "h2"), MACHINE_TYPE, { _arclink: { hostId: hostId("h3") } });
    assert.equal(machineOfHost(w, host("h3"))?.id, machineId("A", "h1"));
    assert.equal(machineOfHost(w, host("h2"))?.id, machineId("B", "h2"));
    del(w, machineId("A", "h1"));
    assert.equal(machineOfHost(w, host("h3"))?.id, machineId("B", "h2"));
    assert.equal(machineOfHost(w, host("x")), undefined);
    del(w, machineId("B", "h2"));
    for (const n of ["h1", "h2", "h3", "x"]) assert.equal(machineOfHost(w, host(n)), undefined);
  });

  it("compares recorded host ids case-insensitively, non-ASCII names included", () => {
    const w = new World();
    for (const n of ["hé", "ÉTÉ"]) put(w, hostId(n), HOST_TYPE, {});
    // Named as the host, recorded with other casing; and recorded by a machine of another name.
    put(w, machineId("A", "HÉ"), MACHINE_TYPE, { name: "HÉ", _arclink: { hostId: hostId("HÉ") } });
    put(w, machineId("A", "x"), MACHINE_TYPE, { _arclink: { hostId: hostId("été") } });
    assert.equal(machineOfHost(w, host("hé"))?.id, machineId("A", "HÉ"));
    assert.equal(machineOfHost(w, host("ÉTÉ"))?.id, machineId("A", "x"));
    assert.equal(machineOfHost(w, host("hê")), undefined);
  });

  it("answers the same through many renames (stale keys are dropped and the index rebuilt)", () => {
    const w = new World();
    put(w, hostId("h1"), HOST_TYPE, {});
    put(w, machineId("A", "m"), MACHINE_TYPE, {});
    assert.equal(machineOfHost(w, host("m"))?.id, machineId("A", "m"));
    // Each rename leaves a key under the old name until it is looked up or the index is rebuilt.
    for (let i = 0; i < 3000; i++) {
      put(w, machineId("A", "m"), MACHINE_TYPE, { name: `n${i}`, _arclink: { hostId: hostId(`g${i}`) } });
      if (i % 1000 === 999) {
        assert.equal(machineOfHost(w, host(`n${i}`))?.id, machineId("A", "m"));
        assert.equal(machineOfHost(w, host(`g${i}`))?.id, machineId("A", "m"));
        assert.equal(machineOfHost(w, host(`n${i - 1}`)), undefined);
        assert.equal(machineOfHost(w, host(`g${i - 1}`)), undefined);
      }
    }
    assert.equal(machineOfHost(w, host("m")), undefined);
    assert.equal(machineOfHost(w, host("n2999"))?.id, machineId("A", "m"));
  });
});

describe("the World's address index with one key per address", () => {
  it("reports who holds an address while two resources claim it and after either leaves", () => {
    const w = new World();
    const where: Placement = {
      kind: "site",
      id: SITE,
      prop: "siteId",
      prefixes: [parseCidr("10.0.0.0/24")!],
    };
    const claim = (n: string) =>
      put(w, hostId(n), HOST_TYPE, { properties: { siteId: SITE, privateIPAddress: "10.0.0.5" } });
    const check = (self: string) => {
      try {
        checkAddress(w, where, "10.0.0.5", self, "properties.privateIPAddress");
        return "free";
      } catch (e) {
        return (e as Error).message;
      }
    };
    assert.equal(check(hostId("new")), "free");
    claim("h1");
    assert.match(check(hostId("new")), /already used by .*\/hosts\/h1 /);
    assert.equal(check(hostId("h1")), "free");
    // A second claim of the same address (written around the check): both are reported.
    claim("h2");
    assert.match(check(hostId("h1")), /already used by .*\/hosts\/h2 /);
    assert.match(check(hostId("h2")), /already used by .*\/hosts\/h1 /);
    del(w, hostId("h1"));
    assert.match(check(hostId("new")), /already used by .*\/hosts\/h2 /);
    assert.equal(check(hostId("h2")), "free");
    // Moving the remaining claim to another address frees this one.
    put(w, hostId("h2"), HOST_TYPE, { properties: { siteId: SITE, privateIPAddress: "10.0.0.6" } });
    assert.equal(check(hostId("new")), "free");
    del(w, hostId("h2"));
    assert.equal(check(hostId("new")), "free");
  });

  it("answers as a scan of the World does while claims move, repeat and go (order of claims kept)", () => {
    const w = new World();
    const where: Placement = {
      kind: "site",
      id: SITE,
      prop: "siteId",
      prefixes: [parseCidr("10.0.0.0/16")!],
    };
    const at = (n: string, ip: string) =>
      put(w, hostId(n), HOST_TYPE, { properties: { siteId: SITE, privateIPAddress: ip } });
    const listed = () => addressesIn(w, where).map((t) => `${t.ip} ${t.by.split("/").pop()}`);
    // A view that is not a World: answered by a scan of every lab resource.
    const scan = () =>
      addressesIn(
        { get: (id) => w.get(id), children: (id, t) => w.children(id, t), ofType: (t) => w.ofType(t) },
        where,
      )
        .map((t) => `${t.ip} ${t.by.split("/").pop()}`)
        .sort();
    at("a", "10.0.0.1");
    at("b", "10.0.0.2");
    at("c", "10.0.0.3");
    assert.deepEqual(listed(), ["10.0.0.1 a", "10.0.0.2 b", "10.0.0.3 c"]);
    // Written again at the same address: its claim is made anew, after the others.
    at("a", "10.0.0.1");
    assert.deepEqual(listed(), ["10.0.0.2 b", "10.0.0.3 c", "10.0.0.1 a"]);
    // Moved, then deleted: the old address is free at once.
    at("b", "10.0.0.9");
    del(w, hostId("c"));
    assert.deepEqual(listed(), ["10.0.0.1 a", "10.0.0.9 b"]);
    assert.equal(checkAddress(w, where, "10.0.0.2", hostId("new"), "p"), undefined);
    assert.equal(checkAddress(w, where, "10.0.0.3", hostId("new"), "p"), undefined);
    // Many moves (stale claims past the bound are dropped): still what a scan finds.
    for (let i = 0; i < 3000; i++) at(`m${i % 7}`, `10.0.${(i % 50) + 1}.${(i % 200) + 1}`);
    assert.deepEqual([...listed()].sort(), scan());
    assert.equal(listed().length, 9);
  });
});
