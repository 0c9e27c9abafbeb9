// Deliberate import cycle: a.ts -> b.ts -> a.ts.
import { b } from "./b.js";

export const a = (): string => `a${b()}`;
