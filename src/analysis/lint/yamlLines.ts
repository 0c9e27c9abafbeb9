// Lines of a YAML file by path: the reader lives with the topology file's reader (src/topology),
// which reads the same plain subset first.
export * from "../../topology/yamlLines.js";
