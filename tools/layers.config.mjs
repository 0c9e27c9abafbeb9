// The layers of src/, lowest first. A file may import files of its own layer and of the layers below
// it; an import that goes up is a violation, and so is any import cycle. `node tools/layers.mjs`
// checks this (it runs in `npm run lint`); `node tools/layers.mjs --graph` draws the picture.
export default {
  layers: [
    "core",
    "store",
    "world",
    "providers",
    "network",
    "analysis/engine",
    "front ends",
    "server",
    "cli",
  ],
  // Every top folder of src/ and its layer.
  folders: {
    core: "core",
    store: "store",
    world: "world",
    topology: "world", // the topology file's reader: describes a world, needs only core
    providers: "providers",
    templates: "providers", // the ARM template language the deployments provider runs
    network: "network",
    analysis: "analysis/engine",
    engine: "analysis/engine", // the ARM engine: routing, conventions, LROs, provider calls (no HTTP)
    frontends: "front ends",
    identity: "analysis/engine", // the directory and the token service (the HTTP endpoints are in frontends/identity)
    scripts: "analysis/engine", // onboarding scripts, an ARM action of the engine and printed by the CLI
    fleet: "server",
    server: "server",
    cli: "cli",
    agent: "cli", // a program of its own
  },
  // Today's known layer violations. Each entry names why it is still there; the list may only
  // shrink: an entry that no longer matches an import fails the check until it is deleted.
  allow: [],
  // Today's known import cycles, each allowed by one edge (left out of the cycle search).
  allowCycles: [],
};
