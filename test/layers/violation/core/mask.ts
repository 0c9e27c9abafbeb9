// Deliberate layer violation: core (lowest layer) imports network.
import { nextHop } from "../network/route.js";

export const mask = (bits: number): string => `${nextHop()}/${bits}`;
