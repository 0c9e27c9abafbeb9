// Adding a type the network model reads touches only the files CONTRIBUTING.md names: the
// provider (test/fixtures/lab-type/routers.ts, with its model and topology declarations), its
// section (test/fixtures/lab-type/routersSection.ts) and this test; registering them is one line
// in each list (here the two lines that build `registry` and `sections`). Everything else —
// which section a change patches, the patch itself, what-if's recording of reads, where lint
// points in a topology file — follows from the declarations, without a line changed elsewhere.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ArmError } from "../src/core/armError.js";
import { keyOf } from "../src/core/resourceId.js";
import { DepRecorder, recordingModel } from "../src/analysis/lint/lint.js";
import { Sandbox } from "../src/analysis/lint/sandbox.js";
import { topologySections } from "../src/analysis/lint/sources.js";
import { compileModel, patchModel } from "../src/network/model.js";
import { ModelSections } from "../src/network/modelSections.js";
import { SECTIONS } from "../src/network/sections/index.js";
import { ServiceTags } from "../src/network/serviceTags.js";
import { createRegistry } from "../src/providers/index.js";
import { ROUTER_TYPE, routers } from "./fixtures/lab-type/routers.js";
import { RouterModel, routersSection } from "./fixtures/lab-type/routersSection.js";

const SUB = "00000000-0000-0000-0000-0000000000bb";
const RG = `/subscriptions/${SUB}/resourceGroups/rg-lab`;
const SITE = `${RG}/providers/ArcLink.Lab/sites/branch`;
const ROUTER = `${RG}/providers/ArcLink.Lab/routers/rtr-1`;
const LAB = "2025-01-01";

// src/providers/lab/index.ts would list `routers` among the namespace's types.
const registry = createRegistry().add({ namespace: "ArcLink.Lab", types: [routers] });
// src/network/sections/index.ts would list `routersSection` among the sections.
const sections = new ModelSections([...SECTIONS, routersSection], registry.allTypes());

type Sections = Record<string, Map<string, unknown>>;

async function labWithRouter(): Promise<Sandbox> {
  const sb = new Sandbox({ subscriptions: [SUB] });
  sb.services.registry = registry;
  await sb.call("PUT", RG, "2025-04-01", { location: "eastus" });
  await sb.call("PUT", SITE, LAB, {
    location: "global",
    properties: { addressSpace: { addressPrefixes: ["192.168.10.0/24"] } },
  });
  await sb.call("PUT", ROUTER, LAB, {
    location: "global",
    properties: { siteId: SITE, ipAddress: "192.168.10.1" },
  });
  return sb;
}

describe("a new modelled lab type", () => {
  it("is written through the ARM engine with its provider's validation", async () => {
    const sb = await labWithRouter();
    assert.equal(sb.world.get(ROUTER)?.body.properties.ipAddress, "192.168.10.1");
    await assert.rejects(
      sb.call("PUT", `${RG}/providers/ArcLink.Lab/routers/rtr-2`, LAB, {
        location: "global",
        properties: { siteId: SITE, ipAddress: "10.0.0.1" },
      }),
      (e: unknown) => e instanceof ArmError && e.status === 400 && /properties\.ipAddress/.test(e.message),
    );
  });

  it("feeds the section it declares, which the model compiles", async () => {
    const sb = await labWithRouter();
    assert.equal(sections.sectionOf(ROUTER_TYPE), "routers");
    assert.equal(sections.sectionOf("arclink.lab/routers/interfaces"), "routers");
    const model = compileModel(sb.world, ServiceTags.default(), sections) as unknown as Sections;
    const r = model.routers.get(keyOf(ROUTER)) as RouterModel;
    assert.deepEqual(r, {
      key: keyOf(ROUTER),
      id: ROUTER,
      name: "rtr-1",
      site: keyOf(SITE),
      ip: "192.168.10.1",
    });
    assert.equal(model.sites.size, 1);
  });

  it("a change to it patches its section and leaves the others as they were", async () => {
    const sb = await labWithRouter();
    const prev = compileModel(sb.world, ServiceTags.default(), sections);
    await sb.call("PUT", ROUTER, LAB, {
      location: "global",
      properties: { siteId: SITE, ipAddress: "192.168.10.2" },
    });
    const patch = patchModel(prev, sb.world, [{ key: keyOf(ROUTER), type: ROUTER_TYPE }], sections);
    assert.equal(patch.full, false);
    assert.deepEqual([...patch.changed], [`routers:${keyOf(ROUTER)}`]);
    assert.deepEqual([...patch.sections], ["routers"]);
    const after = patch.model as unknown as Sections;
    assert.equal((after.routers.get(keyOf(ROUTER)) as RouterModel).ip, "192.168.10.2");
    for (const s of sections.names)
      if (s !== "routers")
        assert.equal(after[s], (prev as unknown as Sections)[s], `${s} was compiled again`);
  });

  it("what-if records the reads of its section", async () => {
    const sb = await labWithRouter();
    const model = compileModel(sb.world, ServiceTags.default(), sections);
    const rec = new DepRecorder();
    const r = recordingModel(model, rec, sections) as unknown as Sections;
    rec.begin();
    r.routers.get(keyOf(ROUTER));
    for (const _ of r.routers.values());
    assert.deepEqual([...rec.end()].sort(), ["routers:*", `routers:${keyOf(ROUTER)}`]);
  });

  it("lint locates it at the topology file's list it declares", () => {
    assert.equal(topologySections(registry.allTypes()).get(ROUTER_TYPE.toLowerCase()), "routers");
  });

  it("a declaration of a section the model does not have is refused, naming the fix", () => {
    assert.throws(
      () => new ModelSections(SECTIONS, registry.allTypes()),
      /ArcLink\.Lab\/routers declares the model section 'routers', which the network model does not have .*: declare one of those, or add the section to the model's sections\./,
    );
    assert.throws(
      () => new ModelSections([...SECTIONS, routersSection], createRegistry().allTypes()),
      /No resource type declares the model section 'routers'/,
    );
  });
});
