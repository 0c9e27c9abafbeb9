// parseResourceId: the grammar of ARM ids (what is refused, what each part is), the same result
// for the same text however often it is parsed, and agreement with a plain split-based reading of
// the grammar over many ids, well-formed and not; the parent's key read off an id's key.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { keyOf, parentId, parentKey, parseResourceId, ResourceId } from "../src/core/resourceId.js";

/** The grammar read the plain way (split on "/"): what parseResourceId must agree with. */
function reference(text: string): ResourceId | undefined {
  if (!text.startsWith("/")) return undefined;
  const id = text.length > 1 && text.endsWith("/") ? text.slice(0, -1) : text;
  const seg = id.split("/").slice(1);
  if (seg.some((s) => s.length === 0)) return undefined;
  let i = 0;
  let subscription: string | undefined;
  let resourceGroup: string | undefined;
  if (seg[i]?.toLowerCase() === "subscriptions") {
    subscription = seg[i + 1];
    if (!subscription) return undefined;
    i += 2;
    if (seg[i]?.toLowerCase() === "resourcegroups") {
      resourceGroup = seg[i + 1];
      if (!resourceGroup) return undefined;
      i += 2;
    }
  }
  if (i === seg.length)
    return subscription ? { id, subscription, resourceGroup, types: [], names: [] } : undefined;
  if (seg[i]?.toLowerCase() !== "providers") return undefined;
  const namespace = seg[i + 1];
  if (!namespace) return undefined;
  const rest = seg.slice(i + 2);
  if (rest.length === 0 || rest.length % 2 !== 0) return undefined;
  return {
    id,
    subscription,
    resourceGroup,
    namespace,
    types: rest.filter((_, j) => j % 2 === 0),
    names: rest.filter((_, j) => j % 2 === 1),
  };
}

const SUB = "/subscriptions/00000000-0000-0000-0000-000000000001";

describe("parseResourceId", () => {
  it("reads each part of a nested id, in the caller's spelling", () => {
    const p = parseResourceId(
      `${SUB}/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/v/subnets/a/`,
    );
    assert.deepEqual(p, {
      id: `${SUB}/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/v/subnets/a`,
      subscription: "00000000-0000-0000-0000-000000000001",
      resourceGroup: "RG",
      namespace: "Microsoft.Network",
      types: ["virtualNetworks", "subnets"],
      names: ["v", "a"],
    });
    assert.equal(parentId(p!), `${SUB}/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/v`);
    assert.deepEqual(parseResourceId("/SUBSCRIPTIONS/s/RESOURCEGROUPS/r"), {
      id: "/SUBSCRIPTIONS/s/RESOURCEGROUPS/r",
      subscription: "s",
      resourceGroup: "r",
      types: [],
      names: [],
    });
    assert.deepEqual(parseResourceId("/providers/ArcLink.Identity/servicePrincipals/x"), {
      id: "/providers/ArcLink.Identity/servicePrincipals/x",
      subscription: undefined,
      resourceGroup: undefined,
      namespace: "ArcLink.Identity",
      types: ["servicePrincipals"],
      names: ["x"],
    });
  });

  it("refuses what is not an id", () => {
    for (const bad of [
      "",
      "/",
      "//",
      "a/b",
      "subscriptions/s",
      "/subscriptions",
      "/subscriptions/",
      "/subscriptions/s//",
      "/subscriptions//resourceGroups/r",
      "/subscriptions/s/resourceGroups",
      "/subscriptions/s/resourceGroups/r/providers",
      "/subscriptions/s/resourceGroups/r/providers/ns",
      "/subscriptions/s/resourceGroups/r/providers/ns/t",
      "/subscriptions/s/resourceGroups/r/providers/ns/t/n/c",
      "/subscriptions/s/resourceGroups/r/other/ns/t/n",
      "/subscriptions/s/foo",
      "/providers",
      "/foo/bar",
    ])
      assert.equal(parseResourceId(bad), undefined, bad);
    assert.equal(parseResourceId(42 as unknown as string), undefined);
    assert.equal(parseResourceId(undefined as unknown as string), undefined);
  });

  it("gives the same result for the same text, however often and in whatever order it is parsed", () => {
    const ids = Array.from(
      { length: 10_000 },
      (_, i) => `${SUB}/resourceGroups/rg-${i % 7}/providers/ArcLink.Lab/sites/s${i % 3}/hosts/h-${i}`,
    );
    const first = ids.map((t) => structuredClone(parseResourceId(t)));
    // Again, backwards and interleaved with other ids: more ids than any number kept.
    for (let round = 0; round < 2; round++)
      for (let i = ids.length - 1; i >= 0; i--) {
        assert.deepEqual(parseResourceId(ids[i]), first[i]);
        parseResourceId(`${SUB}/resourceGroups/other-${i}`);
      }
    assert.equal(keyOf(parseResourceId(ids[5])!.id), ids[5].toLowerCase());
  });

  it("agrees with the plain reading of the grammar on well-formed and ill-formed ids", () => {
    const parts = [
      "subscriptions",
      "Subscriptions",
      "s",
      "resourceGroups",
      "RESOURCEGROUPS",
      "rg",
      "providers",
      "Microsoft.X",
      "t",
      "n",
      "",
    ];
    let checked = 0;
    const check = (text: string): void => {
      const parsed = parseResourceId(text);
      assert.deepEqual(parsed, reference(text), JSON.stringify(text));
      if (parsed) {
        // The parent's key read off the key is the parent id's key.
        const p = parentId(parsed);
        assert.equal(parentKey(parsed, keyOf(text)), p === undefined ? undefined : keyOf(p), text);
      }
      checked++;
    };
    // Every text of up to five parts from the list (with a trailing slash or not).
    const walk = (prefix: string, depth: number): void => {
      for (const trailing of ["", "/"]) check(prefix + trailing);
      if (depth === 5) return;
      for (const p of parts) walk(`${prefix}/${p}`, depth + 1);
    };
    walk("", 0);
    // Deeper ones: every resource-group, subscription and tenant level, nested or not.
    for (const scope of [`${SUB}/resourceGroups/RG`, SUB, ""])
      for (const tail of [
        "",
        "/Providers/NS/T/N",
        "/providers/ns/t/n/C/M",
        "/providers/ns/t/n/c/m/d/o",
        "/providers/ns/t/n/c",
      ])
        for (const trailing of ["", "/"]) check(scope + tail + trailing);
    assert.ok(checked > 300_000, `${checked} texts`);
  });
});
