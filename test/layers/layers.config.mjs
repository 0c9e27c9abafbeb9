// The layer config of the fixtures: two layers, nothing allowed.
export default {
  layers: ["core", "network"],
  folders: { core: "core", network: "network" },
  allow: [],
  allowCycles: [],
};
