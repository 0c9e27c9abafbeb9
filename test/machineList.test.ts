// machineList: one screen of machines with each one's worst verdict, searched and filtered on the
// server; the filters' options count every machine; undetermined is its own verdict with its fact.
import { test } from "node:test";
import assert from "node:assert/strict";
import { machineList } from "../src/analysis/machineList.js";
import type { HostCheck } from "../src/analysis/check.js";
import type { Entry } from "../src/world/world.js";

const RG = "/subscriptions/s1/resourceGroups/rg/providers";
const machine = (name: string, status: string): Entry =>
  ({
    id: `${RG}/Microsoft.HybridCompute/machines/${name}`,
    key: `${RG}/Microsoft.HybridCompute/machines/${name}`.toLowerCase(),
    body: { name, location: "eastus", properties: { status, agentVersion: "1.40" } },
  }) as unknown as Entry;
const checkOf = (name: string, verdicts: Array<[string, string?]>): HostCheck => ({
  host: `h-${name}`,
  hostId: `${RG}/ArcLink.Lab/hosts/h-${name}`,
  address: "10.0.0.1",
  machineId: `${RG}/Microsoft.HybridCompute/machines/${name}`,
  region: "eastus",
  endpoints: verdicts.map(([verdict, reason], i) => ({
    endpoint: `e${i}.his.arc.azure.com`,
    verdict: verdict as any,
    ...(reason ? { reason } : {}),
    message: `${verdict} ${reason ?? ""}`,
    trace: [],
    ...(verdict === "undetermined"
      ? {
          missing: {
            code: reason!,
            fact: "the agent version",
            collect: ["azcmagent show -j"],
            resources: [],
          },
        }
      : {}),
  })),
});

const machines = Array.from({ length: 120 }, (_, i) =>
  machine(`m-${String(i).padStart(3, "0")}`, i % 2 ? "Connected" : "Disconnected"),
);
const checks = machines.map((m, i) =>
  checkOf(
    String(m.body.name),
    i % 3 === 0
      ? [["private"], ["refused", "DnsNxDomain"]]
      : i % 3 === 1
        ? [["private"], ["undetermined", "AgentVersionUnknown"], ["public"]]
        : [["private"]],
  ),
);

test("one screen, with counts and every filter's options", () => {
  const r = machineList(machines, checks, { skip: 50, top: 50 });
  assert.equal(r.total, 120);
  assert.equal(r.matching, 120);
  assert.deepEqual(
    r.value.map((x) => x.machine.name),
    machines.slice(50, 100).map((m) => m.body.name),
  );
  assert.deepEqual(r.options.verdict, { refused: 40, undetermined: 40, private: 40 });
  assert.deepEqual(r.options.status, { Disconnected: 60, Connected: 60 });
  assert.deepEqual(r.options.reason, { DnsNxDomain: 40, AgentVersionUnknown: 40 });
});

test("search and filters are applied before paging", () => {
  const r = machineList(machines, checks, { skip: 0, top: 50, verdict: "refused", status: "Disconnected" });
  assert.equal(r.matching, 20);
  assert.ok(
    r.value.every((x) => x.verdict?.verdict === "refused" && x.machine.properties.status === "Disconnected"),
  );
  const one = machineList(machines, checks, { skip: 0, top: 50, name: "M-07" });
  assert.deepEqual(
    one.value.map((x) => x.machine.name),
    Array.from({ length: 10 }, (_, i) => `m-07${i}`),
  );
  assert.equal(machineList(machines, checks, { skip: 0, top: 5, reason: "Nope" }).matching, 0);
});

test("undetermined: worse than public, never refused nor private, with its missing fact", () => {
  const r = machineList(machines, checks, { skip: 0, top: 50, verdict: "undetermined" });
  assert.equal(r.matching, 40);
  const v = r.value[0].verdict!;
  assert.equal(v.verdict, "undetermined");
  assert.equal(v.reason, "AgentVersionUnknown");
  assert.equal(v.missing, "the agent version");
  // A machine no host runs has no verdict (not checked), never a guessed one.
  const lone = machineList([machine("alone", "Connected")], checks, { skip: 0, top: 5 });
  assert.equal(lone.value[0].verdict, undefined);
  assert.deepEqual(lone.options.verdict, {});
});

test("with lint's findings, a row without its check's fix gets the finding's about its host", () => {
  const findings = [
    { fix: "other host", host: "h-m-001", resources: [], machines: [] },
    {
      fix: "add the zone link",
      host: "h-m-000",
      endpoint: "e1.his.arc.azure.com",
      resources: [],
      machines: [],
    },
  ];
  const r = machineList(machines, checks, { skip: 0, top: 2 }, findings as any);
  assert.equal(r.value[0].verdict?.fix, "add the zone link");
  assert.equal(machineList(machines, checks, { skip: 0, top: 1 }).value[0].verdict?.fix, undefined);
});
