// The World's lookups remember a little (the key last asked for and not found, the keys of ids
// found lately): what they answer is always the World as it is, through every change, in any
// casing, across Worlds.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { World } from "../src/world/world.js";

const SUB = "/subscriptions/00000000-0000-0000-0000-0000000000f1";
const RG = `${SUB}/resourceGroups/rg`;
const HOST = (n: string) => `${RG}/providers/ArcLink.Lab/hosts/${n}`;
const TYPE = "ArcLink.Lab/hosts";
const put = (w: World, id: string, rev: number) =>
  w.apply([{ key: id.toLowerCase(), resource: { id, type: TYPE, body: { name: id }, rev } }], w.seq + 1);
const remove = (w: World, id: string) => w.apply([{ key: id.toLowerCase() }], w.seq + 1);

describe("World lookups", () => {
  it("each entry's parent key is its parent's, whatever was written before it", () => {
    const w = new World();
    const ids = [
      HOST("a"),
      HOST("b"),
      `${SUB}/resourceGroups/RG2/providers/ArcLink.Lab/hosts/c`,
      `${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v`,
      `${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s`,
      `${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vv/subnets/s`,
      `${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/t`,
      `${SUB}/resourceGroups/rgx`,
      `${SUB}/providers/ArcLink.Lab/sites/x`,
      HOST("d").toUpperCase(),
      SUB,
      "/providers/ArcLink.Identity/servicePrincipals/p",
    ];
    ids.forEach((id, i) => put(w, id, i + 1));
    const parents = [
      RG,
      RG,
      `${SUB}/resourcegroups/rg2`,
      RG,
      `${RG}/providers/microsoft.network/virtualnetworks/v`,
    ];
    parents.push(`${RG}/providers/microsoft.network/virtualnetworks/vv`, parents[4], SUB, SUB, RG, "", "");
    ids.forEach((id, i) => assert.equal(w.get(id)?.parentKey, parents[i].toLowerCase() || undefined, id));
  });

  it("a key asked for before it exists is found once it is written, and gone once deleted", () => {
    const w = new World();
    const key = HOST("a").toLowerCase();
    assert.equal(w.getKeyed(key), undefined);
    assert.equal(w.getKeyed(key), undefined);
    put(w, HOST("a"), 1);
    assert.equal(w.getKeyed(key)?.rev, 1);
    assert.equal(w.get(HOST("A"))?.rev, 1);
    remove(w, HOST("a"));
    assert.equal(w.getKeyed(key), undefined);
    assert.equal(w.get(HOST("a")), undefined);
    put(w, HOST("a"), 2);
    assert.equal(w.get(HOST("a"))?.rev, 2);
  });

  it("an id found lately answers as the World now is, in each World, in any casing", () => {
    const one = new World();
    const two = new World();
    put(one, HOST("b"), 1);
    assert.equal(one.get(`${HOST("b")}`)?.rev, 1);
    // The same id (a new string each time) in a World that lacks it, then has it at another revision.
    assert.equal(two.get(`${HOST("b")}`), undefined);
    put(two, HOST("b"), 7);
    assert.equal(two.get(`${HOST("b")}`)?.rev, 7);
    assert.equal(one.get(`${HOST("b")}`)?.rev, 1);
    put(one, HOST("b"), 2);
    assert.equal(one.get(HOST("B"))?.rev, 2);
    remove(one, HOST("b"));
    assert.equal(one.get(`${HOST("b")}`), undefined);
    assert.equal(two.get(`${HOST("b")}`)?.rev, 7);
    // More ids found than are remembered: each still answers.
    for (let i = 0; i < 20; i++) put(two, HOST(`h${i}`), i + 1);
    for (let r = 0; r < 2; r++) for (let i = 0; i < 20; i++) assert.equal(two.get(HOST(`h${i}`))?.rev, i + 1);
  });
});
