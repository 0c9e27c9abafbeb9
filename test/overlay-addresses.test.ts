// A what-if overlay keeps the addresses lab resources claim in an index of its own: a host written
// into the overlay is refused an address another overlay write or a base resource still holds, and
// gets one that a delete or a move in the overlay freed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ArmError } from "../src/core/armError.js";
import { Sandbox } from "../src/analysis/lint/sandbox.js";
import { lintWorld, LAB } from "./lint-world.js";
import { RG, SUB } from "./helpers/worldBuilder.js";

const NOW = new Date("2026-01-10T12:00:00Z");
const SUB_ID = SUB.split("/")[2];

async function overlay(): Promise<Sandbox> {
  // srv1 (192.168.1.21) and the DNS server dc01 (192.168.1.10) are in the base world.
  const sb = new Sandbox({ over: lintWorld({ now: NOW }), subscriptions: [SUB_ID] });
  const r = await sb.call("PUT", RG, sb.apiVersionFor(RG), { location: "eastus" });
  assert.ok(r.status < 300);
  return sb;
}

async function putHost(sb: Sandbox, name: string, ip: string): Promise<number | string> {
  const id = `${LAB}/hosts/${name}`;
  try {
    const r = await sb.call("PUT", id, sb.apiVersionFor(id), {
      properties: { siteId: `${LAB}/sites/onprem`, privateIPAddress: ip, osType: "Linux" },
    });
    return r.status;
  } catch (e) {
    if (e instanceof ArmError) return e.code;
    throw e;
  }
}

async function del(sb: Sandbox, id: string): Promise<void> {
  const r = await sb.call("DELETE", id, sb.apiVersionFor(id));
  assert.ok(r.status < 300, `DELETE ${id}: ${r.status}`);
}

describe("lab addresses in a what-if overlay", () => {
  it("refuses an address held in the base or by an earlier overlay write", async () => {
    const sb = await overlay();
    assert.equal(await putHost(sb, "a", "192.168.1.21"), "PrivateIPAddressInUse");
    assert.equal(await putHost(sb, "b", "192.168.1.10"), "PrivateIPAddressInUse");
    assert.equal(await putHost(sb, "c", "192.168.1.50"), 201);
    assert.equal(await putHost(sb, "d", "192.168.1.50"), "PrivateIPAddressInUse");
    // Rewriting a host with its own address is no conflict.
    assert.equal(await putHost(sb, "c", "192.168.1.50"), 200);
  });

  it("frees what the overlay deletes or moves", async () => {
    const sb = await overlay();
    assert.equal(await putHost(sb, "c", "192.168.1.50"), 201);
    await del(sb, `${LAB}/hosts/c`);
    assert.equal(await putHost(sb, "d", "192.168.1.50"), 201);
    // The base's srv1 moves to another address in the overlay: its old one is free there.
    assert.equal(await putHost(sb, "srv1", "192.168.1.60"), 200);
    assert.equal(await putHost(sb, "e", "192.168.1.21"), 201);
    assert.equal(await putHost(sb, "f", "192.168.1.60"), "PrivateIPAddressInUse");
    // A base host deleted in the overlay frees its address too.
    await del(sb, `${LAB}/hosts/srv1`);
    assert.equal(await putHost(sb, "f", "192.168.1.60"), 201);
  });

  it("keeps the index right across resources injected into the overlay", async () => {
    const sb = await overlay();
    assert.equal(await putHost(sb, "c", "192.168.1.50"), 201);
    sb.addSubscription("11111111-2222-3333-4444-555555555555");
    assert.equal(await putHost(sb, "d", "192.168.1.50"), "PrivateIPAddressInUse");
    assert.equal(await putHost(sb, "d", "192.168.1.51"), 201);
  });
});
