// @azure/arm-resources' resourceGroups.list() must follow nextLink through every page ArcLink serves.
import assert from "node:assert/strict";
import { clients, scenario } from "./clients.js";

scenario(async () => {
  const { resources } = clients();
  let pages = 0;
  const names: string[] = [];
  for await (const page of resources.resourceGroups.list().byPage()) {
    pages++;
    assert.ok(pages <= 50, "the pager ends");
    for (const rg of page) names.push(rg.name!);
  }
  const all: string[] = [];
  for await (const rg of resources.resourceGroups.list()) all.push(rg.name!);
  assert.deepEqual([...all].sort(), [...names].sort(), "item iteration and page iteration agree");
  return { pages, count: names.length, unique: new Set(names.map((n) => n.toLowerCase())).size, names };
});
