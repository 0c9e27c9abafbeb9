import { randomUUID } from "node:crypto";

export function newGuid(): string {
  return randomUUID();
}
