// Lines of a YAML file by path (["virtualNetworks", 0, "subnets", 1]), for locations in lint's
// output and for on-premises facts' validation messages.
import { isMap, isSeq, LineCounter, Node, parseDocument } from "yaml";

export type YamlPath = Array<string | number>;

export function yamlLines(text: string): { value: unknown; lineOf(path: YamlPath): number | undefined } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const start = (n: unknown): number | undefined => {
    const r = (n as Node | undefined)?.range;
    return r ? lc.linePos(r[0]).line : undefined;
  };
  return {
    value: doc.errors.length ? undefined : doc.toJS({ maxAliasCount: 100 }),
    lineOf(path) {
      let node: unknown = doc.contents;
      let line = start(node);
      for (const seg of path) {
        if (isMap(node)) {
          const pair = node.items.find((p) => (p.key as any)?.value === seg);
          if (!pair) break;
          line = start(pair.key) ?? line;
          node = pair.value;
        } else if (isSeq(node) && typeof seg === "number") {
          node = node.items[seg];
          line = start(node) ?? line;
        } else break;
      }
      return line;
    },
  };
}
