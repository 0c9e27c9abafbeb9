import { a } from "./a.js";

export function b(): string {
  return typeof a;
}
