// The template reader the deployments use (JSON with comments, unquoted keys and trailing commas,
// each object's line and column), shared with the server: the portal serves the module itself
// under this name, so the page reads a pasted template exactly as a deployment will.
export { JsoncError, parseJsonc } from "../../../templates/jsonc.js";
export type { Parsed, Position } from "../../../templates/jsonc.js";
