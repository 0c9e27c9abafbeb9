// The ARM engine moved to src/engine/; this name stays until the deployments provider imports it from there.
export * from "../../engine/apiVersion.js";
