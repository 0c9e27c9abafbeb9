// A connected machine through the JS SDK: what its agent reported (read with @azure/arm-resources
// getById at 2024-07-10, where the spec defines agentConfiguration and networkProfile), then an
// extension through @azure/arm-hybridcompute's machineExtensions: PUT (long-running), GET, LIST,
// PATCH (long-running); in a later phase DELETE (long-running). Env: RG, MACHINE, EXTENSION,
// PUBLISHER, TYPE, SETTINGS (JSON), PHASE (create | read | delete).
import { clients, scenario } from "./clients.js";

scenario(async () => {
  const { hybridCompute: hc, resources, info } = clients();
  const rg = process.env.RG!;
  const machine = process.env.MACHINE!;
  const name = process.env.EXTENSION!;
  const id = `/subscriptions/${info.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.HybridCompute/machines/${machine}`;
  const phase = process.env.PHASE ?? "create";
  if (phase === "read") {
    const generic = await resources.resources.getById(id, "2024-07-10");
    const ext = await hc.machineExtensions
      .get(rg, machine, name)
      .catch((e: any) => ({ error: e.statusCode, code: e.code }));
    return { machine: generic, extension: ext };
  }
  if (phase === "delete") {
    await hc.machineExtensions.beginDeleteAndWait(rg, machine, name, { updateIntervalInMs: 10 });
    const left: string[] = [];
    for await (const x of hc.machineExtensions.list(rg, machine)) left.push(x.name!);
    return { left };
  }
  const m = await hc.machines.get(rg, machine);
  const created = await hc.machineExtensions.beginCreateOrUpdateAndWait(
    rg,
    machine,
    name,
    {
      location: m.location!,
      properties: {
        publisher: process.env.PUBLISHER!,
        type: process.env.TYPE!,
        typeHandlerVersion: "1.33",
        autoUpgradeMinorVersion: true,
        settings: JSON.parse(process.env.SETTINGS ?? "{}"),
        protectedSettings: { secret: "never shown" },
      },
    },
    { updateIntervalInMs: 10 },
  );
  const got = await hc.machineExtensions.get(rg, machine, name);
  const listed: string[] = [];
  for await (const x of hc.machineExtensions.list(rg, machine)) listed.push(x.name!);
  const patched = await hc.machineExtensions.beginUpdateAndWait(
    rg,
    machine,
    name,
    { properties: { autoUpgradeMinorVersion: false } },
    { updateIntervalInMs: 10 },
  );
  return { created, got, listed, patched };
});
