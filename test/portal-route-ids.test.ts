// The portal's own guards, as its browser code runs them: which route ids are Azure resource ids,
// and which URLs stay on the origin that served the page (the only one its token is sent to).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isResourceId, sameOrigin } from "../src/frontends/portal/app/api.js";

const SUB = "/subscriptions/5f3c0d3e-6a4b-4d8e-9a51-2a1b7c9d0e11";
const SCOPE = `${SUB}/resourceGroups/rg-arc/providers/Microsoft.HybridCompute/privateLinkScopes/pls-arc`;

describe("portal route ids", () => {
  it("accepts resource ids, children included", () => {
    for (const id of [
      SCOPE,
      `${SUB}/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe 1`,
      `${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s`,
      `${SUB}/resourcegroups/rg/providers/Microsoft.HybridCompute/privateLinkScopes/p/privateEndpointConnections/c`,
    ]) {
      assert.equal(isResourceId(id), true, id);
    }
  });

  it("refuses anything a URL could read as another origin, and anything that is not one resource", () => {
    for (const id of [
      "//evil.example/x",
      `//evil.example${SCOPE}`,
      "/\\evil.example/x",
      "\\\\evil.example/x",
      "https://evil.example/x",
      `https://evil.example${SCOPE}`,
      `${SCOPE}/../../../../x`,
      `${SCOPE}/./`,
      `${SUB}//resourceGroups/rg/providers/Microsoft.HybridCompute/privateLinkScopes/p`,
      `${SCOPE}?api-version=1`,
      `${SCOPE}#x`,
      `${SCOPE}%2F..`,
      `${SCOPE}/`,
      SUB,
      `${SUB}/resourceGroups/rg`,
      `${SUB}/resourceGroups/rg/providers/Microsoft.HybridCompute/privateLinkScopes`,
      `${SUB}/providers/Microsoft.HybridCompute/privateLinkScopes/p`,
      "",
      "subscriptions/x",
      `${SCOPE}\n`,
    ]) {
      assert.equal(isResourceId(id), false, JSON.stringify(id));
    }
  });

  it("keeps requests on the portal's origin", () => {
    const origin = "https://127.0.0.1:8443";
    assert.equal(sameOrigin(`${SCOPE}?api-version=2024-07-10`, origin), true);
    assert.equal(sameOrigin(`${origin}/subscriptions/x/operations/y`, origin), true);
    for (const url of [
      "//evil.example/subscriptions/x",
      "/\\evil.example/x",
      "https://evil.example/x",
      "https://127.0.0.1:8444/x",
      "http://127.0.0.1:8443/x",
      "https://localhost:8443/x",
    ]) {
      assert.equal(sameOrigin(url, origin), false, url);
    }
  });
});
