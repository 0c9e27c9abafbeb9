// An allow-list entry for an import that does not exist: the check must ask for its removal.
export default {
  layers: ["core", "network"],
  folders: { core: "core", network: "network" },
  allow: [{ from: "core/mask.ts", to: "network/route.ts" }],
  allowCycles: [],
};
