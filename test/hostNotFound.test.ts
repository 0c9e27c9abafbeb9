// HostNotFound stays bounded at fleet scale: a small world's hosts are all named; a large one's
// message names the closest few ("did you mean") and the count, never every host.
import { test } from "node:test";
import assert from "node:assert/strict";
import { hostOf } from "../src/analysis/evaluators.js";
import { closestNames, editDistance } from "../src/core/closestNames.js";
import { ArmError } from "../src/core/armError.js";
import type { NetworkModel } from "../src/network/model.js";

function world(names: string[]): NetworkModel {
  const hosts = new Map(names.map((n) => [n.toLowerCase(), { key: n.toLowerCase(), id: n, name: n }]));
  return { hosts } as unknown as NetworkModel;
}

function notFound(m: NetworkModel, spec: string): ArmError {
  try {
    hostOf(m, spec);
  } catch (e) {
    assert.ok(e instanceof ArmError);
    return e;
  }
  assert.fail(`'${spec}' was found`);
}

test("edit distance", () => {
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("abc", "abc"), 0);
  assert.deepEqual(closestNames("srv-lnx-1", ["srv-win-01", "srv-lnx-01", "db-01"], 2), [
    "srv-lnx-01",
    "srv-win-01",
  ]);
});

test("a small world names every host", () => {
  const e = notFound(world(["srv-win-01", "srv-lnx-01"]), "nope");
  assert.equal(e.status, 404);
  assert.equal(e.code, "HostNotFound");
  assert.equal(e.message, "No host 'nope' in the world. Hosts: srv-win-01, srv-lnx-01.");
  assert.match(notFound(world([]), "nope").message, /it has no hosts/);
});

test("10,000 hosts: the closest five and the count, a bounded message", () => {
  const names = Array.from({ length: 10_000 }, (_, i) => `fl-${String(i).padStart(5, "0")}`);
  const m = world(names);
  assert.equal(hostOf(m, "FL-07777").name, "fl-07777");
  const e = notFound(m, "fl-O7777");
  assert.equal(e.code, "HostNotFound");
  assert.ok(e.message.length < 400, `${e.message.length} characters: ${e.message}`);
  assert.match(e.message, /\(10,000 hosts\)/);
  const m1 = /Did you mean: ([^?]+)\?/.exec(e.message);
  assert.ok(m1, e.message);
  const near = m1[1].split(", ");
  assert.equal(near.length, 5);
  assert.ok(near.includes("fl-07777"), near.join());
  assert.match(e.message, /ArcLink\.Lab\/hosts/);
  // A long name is cut in the message, and costs no more than a short one.
  const long = notFound(m, "x".repeat(2000));
  assert.ok(long.message.length < 400, long.message);
});
